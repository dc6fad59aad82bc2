package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func tokenKey(tk store.Token) string { return hashKey(tk.Hash) }

func tokenCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			access := f.token("access", store.TokenAccess, at(time.Hour+time.Nanosecond))
			access.Hash = append(access.Hash, binaryBlob...)
			refresh := f.token("refresh", store.TokenRefresh, at(30*24*time.Hour))
			rotated := f.token("rotated", store.TokenRefresh, at(30*24*time.Hour))
			rotated.RotatedAt = at(time.Minute)
			rotated.ReplacedBy = hash("refresh")
			rotated.SealedReply = binaryBlob
			rotated.RevokedAt = at(2 * time.Minute)
			bare := store.Token{Hash: hash("bare"), Kind: store.TokenAccess, GrantID: f.grant.ID,
				ClientID: f.client.ID, UserID: f.user.ID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
			all := []store.Token{access, refresh, rotated, bare}
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, all...))
			for _, want := range all {
				got, err := s.GetToken(ctx, want.Hash)
				mustOK(t, "GetToken", err)
				checkEqual(t, "GetToken", got, want)
			}
			list, err := s.ListTokensByGrant(ctx, f.grant.ID)
			mustOK(t, "ListTokensByGrant", err)
			checkSet(t, "ListTokensByGrant", list, all, tokenKey)
			list, err = s.ListTokensByGrant(ctx, "grant-unknown")
			mustOK(t, "ListTokensByGrant(unknown)", err)
			if len(list) != 0 {
				t.Errorf("ListTokensByGrant(unknown grant): got %d tokens, want 0", len(list))
			}
		}},

		{"unknown token is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, f.token("known", store.TokenRefresh, at(time.Hour))))
			_, err := s.GetToken(ctx, hash("unknown"))
			wantErr(t, "GetToken(unknown)", err, store.ErrNotFound)
			wantErr(t, "RevokeToken(unknown)", s.RevokeToken(ctx, hash("unknown"), at(0)), store.ErrNotFound)
			err = s.RotateRefresh(ctx, hash("unknown"), at(0), []byte("sealed"), f.token("new", store.TokenRefresh, at(time.Hour)))
			wantErr(t, "RotateRefresh(unknown)", err, store.ErrNotFound)
			_, err = s.GetToken(ctx, hash("new"))
			wantErr(t, "GetToken of the successor of an unknown token", err, store.ErrNotFound)
		}},

		{"create is atomic", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			existing := f.token("existing", store.TokenAccess, at(time.Hour))
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, existing))
			fresh := f.token("fresh", store.TokenAccess, at(time.Hour))
			dup := f.token("existing", store.TokenRefresh, at(2*time.Hour))
			err := s.CreateTokens(ctx, fresh, dup)
			wantErr(t, "CreateTokens with a taken hash", err, store.ErrConflict)
			_, err = s.GetToken(ctx, fresh.Hash)
			wantErr(t, "GetToken of a token from a failed CreateTokens", err, store.ErrNotFound)
			got, err := s.GetToken(ctx, existing.Hash)
			mustOK(t, "GetToken(existing)", err)
			checkEqual(t, "GetToken of the token a failed CreateTokens collided with", got, existing)

			if err := s.CreateTokens(ctx); err != nil {
				t.Errorf("CreateTokens with no tokens: got %v, want nil", err)
			}
		}},

		{"expired token is still readable until garbage collection", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			want := f.token("expired", store.TokenAccess, at(-time.Hour))
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, want))
			got, err := s.GetToken(ctx, want.Hash)
			mustOK(t, "GetToken(expired)", err)
			checkEqual(t, "GetToken(expired)", got, want)
		}},

		{"revoke one token", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			want := f.token("a", store.TokenAccess, at(time.Hour))
			other := f.token("b", store.TokenRefresh, at(time.Hour))
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, want, other))
			now := at(time.Minute + time.Nanosecond)
			mustOK(t, "RevokeToken", s.RevokeToken(ctx, want.Hash, now))
			want.RevokedAt = now
			got, err := s.GetToken(ctx, want.Hash)
			mustOK(t, "GetToken", err)
			checkEqual(t, "GetToken after revoke", got, want)

			if err := s.RevokeToken(ctx, want.Hash, at(time.Hour)); err != nil {
				t.Errorf("RevokeToken(already revoked): got %v, want nil", err)
			}
			got, err = s.GetToken(ctx, want.Hash)
			mustOK(t, "GetToken", err)
			checkEqual(t, "GetToken after revoking twice keeps the first time", got, want)

			got, err = s.GetToken(ctx, other.Hash)
			mustOK(t, "GetToken(other)", err)
			checkEqual(t, "GetToken of another token of the grant", got, other)
			checkGrant(t, s, "GetGrant after revoking one token", f.grant, false)
		}},

		{"rotate refresh", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			old := f.token("old refresh", store.TokenRefresh, at(30*24*time.Hour))
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, old))

			now := at(time.Hour + time.Nanosecond)
			newAccess := f.token("new access", store.TokenAccess, at(2*time.Hour))
			newAccess.CreatedAt = now
			newRefresh := f.token("new refresh", store.TokenRefresh, at(31*24*time.Hour))
			newRefresh.CreatedAt = now
			sealed := append([]byte("sealed reply "), binaryBlob...)
			mustOK(t, "RotateRefresh", s.RotateRefresh(ctx, old.Hash, now, sealed, newAccess, newRefresh))

			want := old
			want.RotatedAt, want.ReplacedBy, want.SealedReply = now, newRefresh.Hash, sealed
			for _, w := range []store.Token{want, newAccess, newRefresh} {
				got, err := s.GetToken(ctx, w.Hash)
				mustOK(t, "GetToken", err)
				checkEqual(t, "GetToken after rotation", got, w)
			}
			list, err := s.ListTokensByGrant(ctx, f.grant.ID)
			mustOK(t, "ListTokensByGrant", err)
			checkSet(t, "ListTokensByGrant after rotation", list, []store.Token{want, newAccess, newRefresh}, tokenKey)

			// Rotating the same token again writes nothing.
			again := []store.Token{
				f.token("second access", store.TokenAccess, at(3*time.Hour)),
				f.token("second refresh", store.TokenRefresh, at(32*24*time.Hour)),
			}
			err = s.RotateRefresh(ctx, old.Hash, at(2*time.Hour), []byte("second"), again...)
			wantErr(t, "RotateRefresh(already rotated)", err, store.ErrConflict)
			for _, tk := range again {
				_, err := s.GetToken(ctx, tk.Hash)
				wantErr(t, "GetToken of a token from a rejected rotation", err, store.ErrNotFound)
			}
			got, err := s.GetToken(ctx, old.Hash)
			mustOK(t, "GetToken(old)", err)
			checkEqual(t, "GetToken of the old token after a rejected second rotation", got, want)

			// An access token is not a refresh token.
			err = s.RotateRefresh(ctx, newAccess.Hash, at(2*time.Hour), []byte("x"), again...)
			if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
				t.Errorf("RotateRefresh(access token): got %v, want %v or %v", err, store.ErrNotFound, store.ErrConflict)
			}
			for _, tk := range again {
				_, err := s.GetToken(ctx, tk.Hash)
				wantErr(t, "GetToken of a token from rotating an access token", err, store.ErrNotFound)
			}
			got, err = s.GetToken(ctx, newAccess.Hash)
			mustOK(t, "GetToken(access)", err)
			checkEqual(t, "GetToken of an access token after trying to rotate it", got, newAccess)

			// The successor rotates in turn.
			third := f.token("third refresh", store.TokenRefresh, at(33*24*time.Hour))
			mustOK(t, "RotateRefresh(successor)", s.RotateRefresh(ctx, newRefresh.Hash, at(3*time.Hour), []byte("third"), third))
		}},

		{"rotate a revoked refresh token conflicts", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			old := f.token("old refresh", store.TokenRefresh, at(30*24*time.Hour))
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, old))
			mustOK(t, "RevokeToken", s.RevokeToken(ctx, old.Hash, at(time.Minute)))
			old.RevokedAt = at(time.Minute)
			next := f.token("next refresh", store.TokenRefresh, at(31*24*time.Hour))
			err := s.RotateRefresh(ctx, old.Hash, at(time.Hour), []byte("sealed"), next)
			wantErr(t, "RotateRefresh(revoked)", err, store.ErrConflict)
			_, err = s.GetToken(ctx, next.Hash)
			wantErr(t, "GetToken of the successor of a revoked token", err, store.ErrNotFound)
			got, err := s.GetToken(ctx, old.Hash)
			mustOK(t, "GetToken(old)", err)
			checkEqual(t, "GetToken of a revoked token after a rejected rotation", got, old)
		}},

		{"rotate is atomic", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			old := f.token("old refresh", store.TokenRefresh, at(30*24*time.Hour))
			existing := f.token("existing", store.TokenAccess, at(time.Hour))
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, old, existing))
			fresh := f.token("fresh access", store.TokenAccess, at(2*time.Hour))
			dup := f.token("existing", store.TokenRefresh, at(31*24*time.Hour))
			err := s.RotateRefresh(ctx, old.Hash, at(time.Hour), []byte("sealed"), fresh, dup)
			wantErr(t, "RotateRefresh inserting a taken hash", err, store.ErrConflict)
			_, err = s.GetToken(ctx, fresh.Hash)
			wantErr(t, "GetToken of a token from a failed rotation", err, store.ErrNotFound)
			got, err := s.GetToken(ctx, old.Hash)
			mustOK(t, "GetToken(old)", err)
			checkEqual(t, "GetToken of the old token after a failed rotation (must not be rotated)", got, old)
		}},

		{"concurrent rotation has exactly one winner", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			old := f.token("old refresh", store.TokenRefresh, at(30*24*time.Hour))
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, old))

			type attempt struct {
				now             time.Time
				sealed          []byte
				access, refresh store.Token
			}
			attempts := make([]attempt, concurrency)
			for i := range attempts {
				attempts[i] = attempt{
					now:     at(time.Hour + time.Duration(i)*time.Millisecond),
					sealed:  []byte(fmt.Sprintf("sealed %d", i)),
					access:  f.token(fmt.Sprintf("access %d", i), store.TokenAccess, at(2*time.Hour)),
					refresh: f.token(fmt.Sprintf("refresh %d", i), store.TokenRefresh, at(31*24*time.Hour)),
				}
			}
			errs := race(concurrency, func(i int) error {
				a := attempts[i]
				return s.RotateRefresh(ctx, old.Hash, a.now, a.sealed, a.access, a.refresh)
			})
			w := oneWinner(t, "RotateRefresh", errs)
			if w < 0 {
				return
			}
			win := attempts[w]
			want := old
			want.RotatedAt, want.ReplacedBy, want.SealedReply = win.now, win.refresh.Hash, win.sealed
			got, err := s.GetToken(ctx, old.Hash)
			mustOK(t, "GetToken(old)", err)
			checkEqual(t, "GetToken of the old token after the race", got, want)
			for i, a := range attempts {
				for _, tk := range []store.Token{a.access, a.refresh} {
					got, err := s.GetToken(ctx, tk.Hash)
					if i == w {
						mustOK(t, "GetToken of the winner's token", err)
						checkEqual(t, "GetToken of the winner's token", got, tk)
						continue
					}
					wantErr(t, fmt.Sprintf("GetToken of loser %d's %s token", i, tk.Kind), err, store.ErrNotFound)
				}
			}
			list, err := s.ListTokensByGrant(ctx, f.grant.ID)
			mustOK(t, "ListTokensByGrant", err)
			checkSet(t, "ListTokensByGrant after the race", list, []store.Token{want, win.access, win.refresh}, tokenKey)
		}},
	}
}
