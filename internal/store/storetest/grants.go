package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func grantKey(g store.Grant) string { return g.ID }

func grantCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			c := newClient(t, s, "client-1")
			for _, want := range []store.Grant{
				{
					ID: "grant-active", UserID: u.ID, ClientID: c.ID,
					Scopes:    []string{"content:read", "content:write", "content:publish", "site:admin"},
					Resource:  "https://mcp.example.com/mcp",
					CreatedAt: at(0), UpdatedAt: at(time.Minute),
				},
				{
					ID: "grant-revoked", UserID: u.ID, ClientID: c.ID,
					CreatedAt: at(0), UpdatedAt: at(time.Hour), RevokedAt: at(2 * time.Hour), RevokeReason: hostileText,
					LastUsedAt: at(90 * time.Minute),
				},
			} {
				got, err := s.CreateGrant(ctx, want)
				mustOK(t, "CreateGrant", err)
				checkEqual(t, "CreateGrant returned", got, want)
				got, err = s.GetGrant(ctx, want.ID)
				mustOK(t, "GetGrant", err)
				checkEqual(t, "GetGrant", got, want)
			}
		}},

		{"touch moves the last use forward only", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			id := f.grant.ID
			last := func() time.Time {
				t.Helper()
				g, err := s.GetGrant(ctx, id)
				mustOK(t, "GetGrant", err)
				return g.LastUsedAt
			}
			checkEqual(t, "LastUsedAt of a new grant", last(), time.Time{})
			mustOK(t, "TouchGrant", s.TouchGrant(ctx, id, at(time.Hour)))
			checkEqual(t, "LastUsedAt after a touch", last(), at(time.Hour))
			mustOK(t, "TouchGrant(earlier)", s.TouchGrant(ctx, id, at(time.Minute)))
			checkEqual(t, "LastUsedAt after an earlier touch", last(), at(time.Hour))
			mustOK(t, "TouchGrant(same)", s.TouchGrant(ctx, id, at(time.Hour)))
			mustOK(t, "TouchGrant(later)", s.TouchGrant(ctx, id, at(2*time.Hour)))
			checkEqual(t, "LastUsedAt after a later touch", last(), at(2*time.Hour))
			wantErr(t, "TouchGrant(unknown)", s.TouchGrant(ctx, "grant-unknown", at(0)), store.ErrNotFound)
		}},

		{"unknown grant is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			newOAuthFixture(t, s)
			_, err := s.GetGrant(ctx, "grant-unknown")
			wantErr(t, "GetGrant(unknown)", err, store.ErrNotFound)
			wantErr(t, "RevokeGrant(unknown)", s.RevokeGrant(ctx, "grant-unknown", at(0), "x"), store.ErrNotFound)
		}},

		{"duplicate ID conflicts", func(t *testing.T, s store.Store) {
			f := newOAuthFixture(t, s)
			g := f.grant
			g.Scopes = []string{"site:admin"}
			_, err := s.CreateGrant(t.Context(), g)
			wantErr(t, "CreateGrant(same ID)", err, store.ErrConflict)
		}},

		{"list by user and by client", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u1 := newUser(t, s, "one@example.com")
			u2 := newUser(t, s, "two@example.com")
			c1 := newClient(t, s, "client-1")
			c2 := newClient(t, s, "client-2")
			g1 := newGrant(t, s, "g1", u1.ID, c1.ID)
			g2 := store.Grant{ID: "g2", UserID: u1.ID, ClientID: c2.ID, CreatedAt: at(0), UpdatedAt: at(time.Hour),
				RevokedAt: at(time.Hour), RevokeReason: "revoked grants are listed too"}
			_, err := s.CreateGrant(ctx, g2)
			mustOK(t, "CreateGrant", err)
			g3 := newGrant(t, s, "g3", u2.ID, c1.ID)

			for _, tc := range []struct {
				name string
				list func() ([]store.Grant, error)
				want []store.Grant
			}{
				{"ListGrantsByUser(u1)", func() ([]store.Grant, error) { return s.ListGrantsByUser(ctx, u1.ID) }, []store.Grant{g1, g2}},
				{"ListGrantsByUser(u2)", func() ([]store.Grant, error) { return s.ListGrantsByUser(ctx, u2.ID) }, []store.Grant{g3}},
				{"ListGrantsByUser(unknown)", func() ([]store.Grant, error) { return s.ListGrantsByUser(ctx, u2.ID+1000) }, nil},
				{"ListGrantsByClient(c1)", func() ([]store.Grant, error) { return s.ListGrantsByClient(ctx, c1.ID) }, []store.Grant{g1, g3}},
				{"ListGrantsByClient(c2)", func() ([]store.Grant, error) { return s.ListGrantsByClient(ctx, c2.ID) }, []store.Grant{g2}},
				{"ListGrantsByClient(unknown)", func() ([]store.Grant, error) { return s.ListGrantsByClient(ctx, "unknown") }, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, err := tc.list()
					mustOK(t, tc.name, err)
					checkSet(t, tc.name, got, tc.want, grantKey)
				})
			}
		}},

		{"revoke grant revokes its tokens and is idempotent", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			other := newGrant(t, s, "grant-other", f.user.ID, f.client.ID)

			access := f.token("access", store.TokenAccess, at(time.Hour))
			refresh := f.token("refresh", store.TokenRefresh, at(30*24*time.Hour))
			early := f.token("revoked early", store.TokenRefresh, at(30*24*time.Hour))
			early.RevokedAt = at(10 * time.Minute)
			otherTok := f.token("other grant", store.TokenAccess, at(time.Hour))
			otherTok.GrantID = other.ID
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, access, refresh, early, otherTok))

			now := at(time.Hour + time.Nanosecond)
			mustOK(t, "RevokeGrant", s.RevokeGrant(ctx, f.grant.ID, now, "user revoked"))

			wantGrant := f.grant
			wantGrant.RevokedAt, wantGrant.RevokeReason = now, "user revoked"
			checkGrant(t, s, "GetGrant after revoke", wantGrant, true)
			access.RevokedAt, refresh.RevokedAt = now, now
			for _, want := range []store.Token{access, refresh, early, otherTok} {
				got, err := s.GetToken(ctx, want.Hash)
				mustOK(t, "GetToken", err)
				checkEqual(t, "GetToken after RevokeGrant ("+string(want.Kind)+" "+hashKey(want.Hash)[:8]+")", got, want)
			}
			checkGrant(t, s, "GetGrant of another grant", other, false)

			if err := s.RevokeGrant(ctx, f.grant.ID, at(2*time.Hour), "again"); err != nil {
				t.Errorf("RevokeGrant(already revoked): got %v, want nil", err)
			}
			checkGrant(t, s, "GetGrant after revoking twice keeps the first revocation", wantGrant, true)

			err := s.RotateRefresh(ctx, refresh.Hash, at(3*time.Hour), []byte("sealed"),
				f.token("new access", store.TokenAccess, at(4*time.Hour)), f.token("new refresh", store.TokenRefresh, at(40*24*time.Hour)))
			wantErr(t, "RotateRefresh of a token of a revoked grant", err, store.ErrConflict)
		}},

		{"revoke client grants counts the active ones", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			u2 := newUser(t, s, "second@example.com")
			c1 := newClient(t, s, "client-1")
			c2 := newClient(t, s, "client-2")
			g1 := newGrant(t, s, "g1", u.ID, c1.ID)
			g2 := newGrant(t, s, "g2", u2.ID, c1.ID)
			g3 := newGrant(t, s, "g3", u.ID, c1.ID)
			g4 := newGrant(t, s, "g4", u.ID, c2.ID)
			mustOK(t, "RevokeGrant", s.RevokeGrant(ctx, g3.ID, at(5*time.Minute), "old"))
			g3.RevokedAt, g3.RevokeReason = at(5*time.Minute), "old"

			tok := func(name string, g store.Grant) store.Token {
				return store.Token{Hash: hash(name), Kind: store.TokenAccess, GrantID: g.ID, ClientID: g.ClientID,
					UserID: g.UserID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
			}
			t1, t2, t4 := tok("t1", g1), tok("t2", g2), tok("t4", g4)
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, t1, t2, t4))

			now := at(time.Hour)
			n, err := s.RevokeClientGrants(ctx, c1.ID, now, "client disabled")
			mustOK(t, "RevokeClientGrants", err)
			if n != 2 {
				t.Errorf("RevokeClientGrants: got %d, want 2 (the active grants)", n)
			}
			g1.RevokedAt, g1.RevokeReason = now, "client disabled"
			g2.RevokedAt, g2.RevokeReason = now, "client disabled"
			checkGrant(t, s, "GetGrant(g1)", g1, true)
			checkGrant(t, s, "GetGrant(g2)", g2, true)
			checkGrant(t, s, "GetGrant of an already revoked grant", g3, true)
			checkGrant(t, s, "GetGrant of another client's grant", g4, false)
			t1.RevokedAt, t2.RevokedAt = now, now
			for _, want := range []store.Token{t1, t2, t4} {
				got, err := s.GetToken(ctx, want.Hash)
				mustOK(t, "GetToken", err)
				checkEqual(t, "GetToken after RevokeClientGrants", got, want)
			}

			n, err = s.RevokeClientGrants(ctx, c1.ID, at(2*time.Hour), "again")
			mustOK(t, "RevokeClientGrants(again)", err)
			if n != 0 {
				t.Errorf("RevokeClientGrants(again): got %d, want 0", n)
			}
			n, err = s.RevokeClientGrants(ctx, "unknown", at(2*time.Hour), "x")
			mustOK(t, "RevokeClientGrants(unknown client)", err)
			if n != 0 {
				t.Errorf("RevokeClientGrants(unknown client): got %d, want 0", n)
			}
		}},

		{"revocation racing a rotation leaves no live token", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "owner@example.com")
			newClient(t, s, "client-1")
			revokeRace(t, s, "RevokeGrant", func(g store.Grant) error {
				return s.RevokeGrant(t.Context(), g.ID, at(time.Hour), "race")
			}, func(i int) store.Grant {
				return newGrant(t, s, fmt.Sprintf("grant-%d", i), u.ID, "client-1")
			})
			revokeRace(t, s, "RevokeClientGrants", func(g store.Grant) error {
				_, err := s.RevokeClientGrants(t.Context(), g.ClientID, at(time.Hour), "race")
				return err
			}, func(i int) store.Grant {
				c := newClient(t, s, fmt.Sprintf("client-race-%d", i))
				return newGrant(t, s, fmt.Sprintf("grant-of-%s", c.ID), u.ID, c.ID)
			})
		}},
	}
}

// revokeRace runs revoke and a rotation of one refresh token of grant g at
// the same moment, n times on fresh grants, and checks that no token of any
// grant is left unrevoked: either the rotation lost, or the revocation saw
// its new tokens.
func revokeRace(t *testing.T, s store.Store, name string, revoke func(g store.Grant) error, newGrantFor func(i int) store.Grant) {
	t.Helper()
	ctx := t.Context()
	const rounds = 20
	for i := range rounds {
		g := newGrantFor(i)
		tok := func(what string) store.Token {
			return store.Token{Hash: hash(fmt.Sprintf("%s %s %d", name, what, i)), Kind: store.TokenRefresh, GrantID: g.ID,
				ClientID: g.ClientID, UserID: g.UserID, CreatedAt: at(0), ExpiresAt: at(30 * 24 * time.Hour)}
		}
		old, newAccess, newRefresh := tok("old"), tok("new access"), tok("new refresh")
		newAccess.Kind = store.TokenAccess
		mustOK(t, "CreateTokens", s.CreateTokens(ctx, old))
		errs := race(2, func(j int) error {
			if j == 0 {
				return revoke(g)
			}
			return s.RotateRefresh(ctx, old.Hash, at(time.Hour), []byte("sealed"), newAccess, newRefresh)
		})
		if errs[0] != nil {
			t.Fatalf("%s round %d: revoke: %v", name, i, errs[0])
		}
		if errs[1] != nil && !errors.Is(errs[1], store.ErrConflict) {
			t.Errorf("%s round %d: RotateRefresh: got %v, want nil or %v", name, i, errs[1], store.ErrConflict)
		}
		list, err := s.ListTokensByGrant(ctx, g.ID)
		mustOK(t, "ListTokensByGrant", err)
		for _, tk := range list {
			if tk.RevokedAt.IsZero() {
				t.Errorf("%s round %d: token %s (%s) of the revoked grant is not revoked (rotation returned %v)",
					name, i, hashKey(tk.Hash)[:8], tk.Kind, errs[1])
			}
		}
	}
}

// checkGrant compares the stored grant with want. UpdatedAt is the store's to
// move when it revokes, so it is compared only when the grant was untouched.
func checkGrant(t *testing.T, s store.Store, what string, want store.Grant, revoked bool) {
	t.Helper()
	got, err := s.GetGrant(t.Context(), want.ID)
	mustOK(t, what, err)
	if revoked {
		want.UpdatedAt = got.UpdatedAt
	}
	checkEqual(t, what, got, want)
}
