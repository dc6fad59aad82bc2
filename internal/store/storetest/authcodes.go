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
	}
}
