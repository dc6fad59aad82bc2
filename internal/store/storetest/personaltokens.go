package storetest

import (
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func personalTokenKey(p store.PersonalToken) string { return idKey(p.ID) }

func newPersonalToken(t *testing.T, s store.Store, name string, userID int64) store.PersonalToken {
	t.Helper()
	p := store.PersonalToken{Hash: hash("pat " + name), UserID: userID, Name: name,
		Scopes: []string{"content:read"}, CreatedAt: at(0)}
	got, err := s.CreatePersonalToken(t.Context(), p)
	mustOK(t, "CreatePersonalToken "+name, err)
	p.ID = got.ID
	return p
}

func personalTokenCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			for _, want := range []store.PersonalToken{
				{
					Hash: append(hash("pat"), binaryBlob...), UserID: u.ID, Name: hostileText,
					Scopes:    []string{"content:read", "content:write"},
					CreatedAt: at(0), ExpiresAt: at(90*24*time.Hour + time.Nanosecond),
					LastUsedAt: at(time.Hour), RevokedAt: at(2 * time.Hour),
				},
				{Hash: hash("never expires"), UserID: u.ID, Name: "CI", CreatedAt: at(time.Minute)},
			} {
				got, err := s.CreatePersonalToken(ctx, want)
				mustOK(t, "CreatePersonalToken", err)
				if got.ID <= 0 {
					t.Fatalf("CreatePersonalToken: got ID %d, want > 0", got.ID)
				}
				want.ID = got.ID
				checkEqual(t, "CreatePersonalToken returned", got, want)
				got, err = s.GetPersonalTokenByHash(ctx, want.Hash)
				mustOK(t, "GetPersonalTokenByHash", err)
				checkEqual(t, "GetPersonalTokenByHash", got, want)
			}
		}},

		{"unknown token is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			p := newPersonalToken(t, s, "known", u.ID)
			_, err := s.GetPersonalTokenByHash(ctx, hash("unknown"))
			wantErr(t, "GetPersonalTokenByHash(unknown)", err, store.ErrNotFound)
			wantErr(t, "TouchPersonalToken(unknown)", s.TouchPersonalToken(ctx, p.ID+1000, at(0)), store.ErrNotFound)
			wantErr(t, "RevokePersonalToken(unknown)", s.RevokePersonalToken(ctx, p.ID+1000, at(0)), store.ErrNotFound)
		}},

		{"duplicate hash conflicts", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "owner@example.com")
			p := newPersonalToken(t, s, "one", u.ID)
			p.ID = 0
			p.Name = "other"
			_, err := s.CreatePersonalToken(t.Context(), p)
			wantErr(t, "CreatePersonalToken(same hash)", err, store.ErrConflict)
		}},

		{"touch and revoke", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			want := newPersonalToken(t, s, "one", u.ID)
			other := newPersonalToken(t, s, "two", u.ID)
			check := func(what string) {
				t.Helper()
				got, err := s.GetPersonalTokenByHash(ctx, want.Hash)
				mustOK(t, "GetPersonalTokenByHash", err)
				checkEqual(t, what, got, want)
			}

			mustOK(t, "TouchPersonalToken", s.TouchPersonalToken(ctx, want.ID, at(time.Hour+time.Nanosecond)))
			want.LastUsedAt = at(time.Hour + time.Nanosecond)
			check("GetPersonalTokenByHash after touch")
			mustOK(t, "TouchPersonalToken", s.TouchPersonalToken(ctx, want.ID, at(2*time.Hour)))
			want.LastUsedAt = at(2 * time.Hour)
			check("GetPersonalTokenByHash after second touch")

			mustOK(t, "RevokePersonalToken", s.RevokePersonalToken(ctx, want.ID, at(3*time.Hour)))
			want.RevokedAt = at(3 * time.Hour)
			check("GetPersonalTokenByHash after revoke (revoked tokens stay readable)")
			if err := s.RevokePersonalToken(ctx, want.ID, at(4*time.Hour)); err != nil {
				t.Errorf("RevokePersonalToken(already revoked): got %v, want nil", err)
			}
			check("GetPersonalTokenByHash after revoking twice keeps the first time")

			got, err := s.GetPersonalTokenByHash(ctx, other.Hash)
			mustOK(t, "GetPersonalTokenByHash(other)", err)
			checkEqual(t, "GetPersonalTokenByHash of an untouched token", got, other)
		}},

		{"list by user, revoked included", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u1 := newUser(t, s, "one@example.com")
			u2 := newUser(t, s, "two@example.com")
			a := newPersonalToken(t, s, "a", u1.ID)
			b := newPersonalToken(t, s, "b", u1.ID)
			c := newPersonalToken(t, s, "c", u2.ID)
			mustOK(t, "RevokePersonalToken", s.RevokePersonalToken(ctx, b.ID, at(time.Hour)))
			b.RevokedAt = at(time.Hour)

			got, err := s.ListPersonalTokens(ctx, u1.ID)
			mustOK(t, "ListPersonalTokens", err)
			checkSet(t, "ListPersonalTokens(u1)", got, []store.PersonalToken{a, b}, personalTokenKey)
			got, err = s.ListPersonalTokens(ctx, u2.ID)
			mustOK(t, "ListPersonalTokens", err)
			checkSet(t, "ListPersonalTokens(u2)", got, []store.PersonalToken{c}, personalTokenKey)
			got, err = s.ListPersonalTokens(ctx, u2.ID+1000)
			mustOK(t, "ListPersonalTokens(unknown)", err)
			if len(got) != 0 {
				t.Errorf("ListPersonalTokens(unknown user): got %d, want 0", len(got))
			}
		}},
	}
}
