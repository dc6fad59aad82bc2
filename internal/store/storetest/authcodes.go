package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// code builds (does not store) an authorization code of the fixture's grant.
func (f oauthFixture) code(name string, expires time.Time) store.AuthCode {
	return store.AuthCode{
		Hash:                hash("code " + name),
		ClientID:            f.client.ID,
		UserID:              f.user.ID,
		RedirectURI:         "http://127.0.0.1:33418/callback?state=x&y='z'",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Scopes:              []string{"content:read", "content:write", "offline_access"},
		Resource:            "https://mcp.example.com/mcp",
		GrantID:             f.grant.ID,
		CreatedAt:           at(0),
		ExpiresAt:           expires,
	}
}

func authCodeCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			fresh := f.code("fresh", at(10*time.Minute+time.Nanosecond))
			fresh.Hash = append(fresh.Hash, binaryBlob...)
			used := f.code("used", at(10*time.Minute))
			used.UsedAt = at(time.Minute)
			bare := store.AuthCode{Hash: hash("bare"), ClientID: f.client.ID, UserID: f.user.ID,
				RedirectURI: "https://app.example/cb", GrantID: f.grant.ID, CreatedAt: at(0), ExpiresAt: at(time.Minute)}
			for _, want := range []store.AuthCode{fresh, used, bare} {
				mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, want))
				got, err := s.GetAuthCode(ctx, want.Hash)
				mustOK(t, "GetAuthCode", err)
				checkEqual(t, "GetAuthCode", got, want)
			}
		}},

		{"unknown code is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, f.code("known", at(time.Minute))))
			_, err := s.GetAuthCode(ctx, hash("code unknown"))
			wantErr(t, "GetAuthCode(unknown)", err, store.ErrNotFound)
			_, err = s.ConsumeAuthCode(ctx, hash("code unknown"), at(0))
			wantErr(t, "ConsumeAuthCode(unknown)", err, store.ErrNotFound)
		}},

		{"duplicate hash conflicts", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			c := f.code("one", at(time.Minute))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
			c.RedirectURI = "https://other.example/cb"
			wantErr(t, "CreateAuthCode(same hash)", s.CreateAuthCode(ctx, c), store.ErrConflict)
		}},

		{"expired code is still readable until garbage collection", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			want := f.code("expired", at(-time.Hour))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, want))
			got, err := s.GetAuthCode(ctx, want.Hash)
			mustOK(t, "GetAuthCode(expired)", err)
			checkEqual(t, "GetAuthCode(expired)", got, want)
		}},

		{"consume once, then conflict with the record", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			want := f.code("one", at(10*time.Minute))
			other := f.code("other", at(10*time.Minute))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, want))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, other))

			now := at(time.Minute + time.Nanosecond)
			want.UsedAt = now
			got, err := s.ConsumeAuthCode(ctx, want.Hash, now)
			mustOK(t, "ConsumeAuthCode", err)
			checkEqual(t, "ConsumeAuthCode returned", got, want)
			got, err = s.GetAuthCode(ctx, want.Hash)
			mustOK(t, "GetAuthCode", err)
			checkEqual(t, "GetAuthCode after consume", got, want)

			got, err = s.ConsumeAuthCode(ctx, want.Hash, at(2*time.Minute))
			wantErr(t, "ConsumeAuthCode(replay)", err, store.ErrConflict)
			checkEqual(t, "ConsumeAuthCode(replay) returned", got, want)
			got, err = s.GetAuthCode(ctx, want.Hash)
			mustOK(t, "GetAuthCode", err)
			checkEqual(t, "GetAuthCode after replay", got, want)

			got, err = s.GetAuthCode(ctx, other.Hash)
			mustOK(t, "GetAuthCode(other)", err)
			checkEqual(t, "GetAuthCode of another code", got, other)
		}},

		{"concurrent consume has exactly one winner", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			code := f.code("race", at(10*time.Minute))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, code))
			nows := make([]time.Time, concurrency)
			results := make([]store.AuthCode, concurrency)
			for i := range nows {
				nows[i] = at(time.Minute + time.Duration(i)*time.Millisecond)
			}
			errs := race(concurrency, func(i int) error {
				var err error
				results[i], err = s.ConsumeAuthCode(ctx, code.Hash, nows[i])
				return err
			})
			w := oneWinner(t, "ConsumeAuthCode", errs)
			if w < 0 {
				return
			}
			want := code
			want.UsedAt = nows[w]
			stored, err := s.GetAuthCode(ctx, code.Hash)
			mustOK(t, "GetAuthCode", err)
			checkEqual(t, "GetAuthCode after the race", stored, want)
			for i, got := range results {
				checkEqual(t, fmt.Sprintf("ConsumeAuthCode call %d returned", i), got, want)
			}
		}},

		{"create grant with code stores both, linked", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			g := store.Grant{ID: "grant-with-code", UserID: f.user.ID, ClientID: f.client.ID,
				Scopes: []string{"content:read"}, Resource: "https://mcp.example.com/mcp", CreatedAt: at(0), UpdatedAt: at(0)}
			c := f.code("with grant", at(time.Minute))
			c.GrantID = "ignored"
			got, err := s.CreateGrantWithCode(ctx, g, c)
			mustOK(t, "CreateGrantWithCode", err)
			checkEqual(t, "CreateGrantWithCode returned", got, g)
			stored, err := s.GetGrant(ctx, g.ID)
			mustOK(t, "GetGrant", err)
			checkEqual(t, "GetGrant", stored, g)
			c.GrantID = g.ID
			gotCode, err := s.GetAuthCode(ctx, c.Hash)
			mustOK(t, "GetAuthCode", err)
			checkEqual(t, "GetAuthCode", gotCode, c)

			// An empty grant ID gets a random one, which the code carries.
			c2 := f.code("random grant", at(time.Minute))
			got, err = s.CreateGrantWithCode(ctx, store.Grant{UserID: f.user.ID, ClientID: f.client.ID}, c2)
			mustOK(t, "CreateGrantWithCode(no ID)", err)
			if got.ID == "" || got.CreatedAt.IsZero() {
				t.Fatalf("CreateGrantWithCode(no ID) returned %+v, want an ID and a creation time", got)
			}
			gotCode, err = s.GetAuthCode(ctx, c2.Hash)
			mustOK(t, "GetAuthCode", err)
			if gotCode.GrantID != got.ID {
				t.Errorf("code's grant = %q, want %q", gotCode.GrantID, got.ID)
			}
		}},

		{"create grant with code stores neither on conflict", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			c := f.code("taken", at(time.Minute))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
			_, err := s.CreateGrantWithCode(ctx, store.Grant{ID: "orphan", UserID: f.user.ID, ClientID: f.client.ID}, c)
			wantErr(t, "CreateGrantWithCode(code hash taken)", err, store.ErrConflict)
			_, err = s.GetGrant(ctx, "orphan")
			wantErr(t, "GetGrant(orphan)", err, store.ErrNotFound)

			_, err = s.CreateGrantWithCode(ctx, store.Grant{ID: f.grant.ID, UserID: f.user.ID, ClientID: f.client.ID},
				f.code("fresh", at(time.Minute)))
			wantErr(t, "CreateGrantWithCode(grant ID taken)", err, store.ErrConflict)
			_, err = s.GetAuthCode(ctx, hash("code fresh"))
			wantErr(t, "GetAuthCode(code of the refused grant)", err, store.ErrNotFound)
		}},

		{"redeem marks the code used and inserts the tokens", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			want := f.code("redeem", at(10*time.Minute))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, want))
			access := f.token("redeem access", store.TokenAccess, at(time.Hour))
			refresh := f.token("redeem refresh", store.TokenRefresh, at(24*time.Hour))
			now := at(time.Minute + time.Nanosecond)
			got, err := s.RedeemAuthCode(ctx, want.Hash, now, access, refresh)
			mustOK(t, "RedeemAuthCode", err)
			want.UsedAt = now
			checkEqual(t, "RedeemAuthCode returned", got, want)
			stored, err := s.GetAuthCode(ctx, want.Hash)
			mustOK(t, "GetAuthCode", err)
			checkEqual(t, "GetAuthCode after redeem", stored, want)
			toks, err := s.ListTokensByGrant(ctx, f.grant.ID)
			mustOK(t, "ListTokensByGrant", err)
			checkSet(t, "tokens after redeem", toks, []store.Token{access, refresh}, func(t store.Token) string { return hashKey(t.Hash) })

			// A replay writes nothing and returns the stored record.
			again := f.token("replay access", store.TokenAccess, at(time.Hour))
			got, err = s.RedeemAuthCode(ctx, want.Hash, at(2*time.Minute), again)
			wantErr(t, "RedeemAuthCode(replay)", err, store.ErrConflict)
			checkEqual(t, "RedeemAuthCode(replay) returned", got, want)
			_, err = s.GetToken(ctx, again.Hash)
			wantErr(t, "GetToken(token of the replay)", err, store.ErrNotFound)

			_, err = s.RedeemAuthCode(ctx, hash("code unknown"), now, f.token("unknown access", store.TokenAccess, at(time.Hour)))
			wantErr(t, "RedeemAuthCode(unknown)", err, store.ErrNotFound)
			_, err = s.GetToken(ctx, hash("unknown access"))
			wantErr(t, "GetToken(token of the unknown code)", err, store.ErrNotFound)
		}},

		{"redeem for a revoked grant writes nothing", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			c := f.code("revoked", at(10*time.Minute))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
			mustOK(t, "RevokeGrant", s.RevokeGrant(ctx, f.grant.ID, at(time.Second), "test"))
			got, err := s.RedeemAuthCode(ctx, c.Hash, at(time.Minute), f.token("late", store.TokenAccess, at(time.Hour)))
			wantErr(t, "RedeemAuthCode(revoked grant)", err, store.ErrConflict)
			checkEqual(t, "RedeemAuthCode(revoked grant) returned", got, store.AuthCode{})
			stored, err := s.GetAuthCode(ctx, c.Hash)
			mustOK(t, "GetAuthCode", err)
			checkEqual(t, "GetAuthCode after refused redeem", stored, c)
			_, err = s.GetToken(ctx, hash("late"))
			wantErr(t, "GetToken(late)", err, store.ErrNotFound)

			// A token hash that exists also refuses the whole redeem.
			g2 := newGrant(t, s, "grant-2", f.user.ID, f.client.ID)
			c2 := f.code("dup", at(10*time.Minute))
			c2.GrantID = g2.ID
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, c2))
			dup := f.token("dup access", store.TokenAccess, at(time.Hour))
			dup.GrantID = g2.ID
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, dup))
			_, err = s.RedeemAuthCode(ctx, c2.Hash, at(time.Minute), dup)
			wantErr(t, "RedeemAuthCode(token hash taken)", err, store.ErrConflict)
			stored, err = s.GetAuthCode(ctx, c2.Hash)
			mustOK(t, "GetAuthCode", err)
			checkEqual(t, "GetAuthCode after refused redeem", stored, c2)
		}},

		{"concurrent redeem has exactly one winner, whose tokens alone exist", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			code := f.code("redeem race", at(10*time.Minute))
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, code))
			toks := make([]store.Token, concurrency)
			for i := range toks {
				toks[i] = f.token(fmt.Sprintf("racer %d", i), store.TokenAccess, at(time.Hour))
			}
			errs := race(concurrency, func(i int) error {
				_, err := s.RedeemAuthCode(ctx, code.Hash, at(time.Minute), toks[i])
				return err
			})
			w := oneWinner(t, "RedeemAuthCode", errs)
			if w < 0 {
				return
			}
			got, err := s.ListTokensByGrant(ctx, f.grant.ID)
			mustOK(t, "ListTokensByGrant", err)
			checkSet(t, "tokens after the race", got, []store.Token{toks[w]}, func(t store.Token) string { return hashKey(t.Hash) })
		}},
	}
}
