package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func gcCases() []testCase {
	return []testCase{
		{"removes what expired and keeps the rest", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			now := at(10 * 24 * time.Hour)
			past, future := now.Add(-time.Minute), now.Add(time.Hour)
			f := newOAuthFixture(t, s)

			// Clients: only the unused, expired dynamic one goes.
			dcrGone := newClientWith(t, s, "dcr-unused-expired", func(c *store.Client) {
				c.Type, c.ExpiresAt = store.ClientDynamic, now.Add(-time.Hour)
			})
			dcrLive := newClientWith(t, s, "dcr-unused-live", func(c *store.Client) {
				c.Type, c.ExpiresAt = store.ClientDynamic, future
			})
			dcrUsed := newClientWith(t, s, "dcr-used", func(c *store.Client) {
				c.Type, c.ExpiresAt, c.LastUsedAt = store.ClientDynamic, now.Add(-time.Hour), now.Add(-2*time.Hour)
			})
			dcrTouched := newClientWith(t, s, "dcr-touched", func(c *store.Client) {
				c.Type, c.ExpiresAt = store.ClientDynamic, now.Add(-30*time.Minute)
			})
			mustOK(t, "TouchClient", s.TouchClient(ctx, dcrTouched.ID, now.Add(-2*time.Hour)))
			dcrTouched.LastUsedAt, dcrTouched.ExpiresAt = now.Add(-2*time.Hour), time.Time{}
			static := newClientWith(t, s, "static-expired", func(c *store.Client) {
				c.Type, c.ExpiresAt = store.ClientStatic, now.Add(-time.Hour)
			})
			forever := newClient(t, s, "static-forever")

			// Codes.
			codeGone, codeLive := f.code("expired", past), f.code("live", future)
			for _, c := range []store.AuthCode{codeGone, codeLive} {
				mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
			}

			// Tokens: expired ones go; a revoked unexpired one stays.
			accessGone := f.token("access expired", store.TokenAccess, past)
			refreshGone := f.token("refresh expired", store.TokenRefresh, past)
			accessLive := f.token("access live", store.TokenAccess, future)
			refreshLive := f.token("refresh live", store.TokenRefresh, now.Add(30*24*time.Hour))
			revokedLive := f.token("revoked live", store.TokenAccess, future)
			revokedLive.RevokedAt = past
			mustOK(t, "CreateTokens", s.CreateTokens(ctx, accessGone, refreshGone, accessLive, refreshLive, revokedLive))

			// Sessions.
			sessGone := store.Session{IDHash: hash("s expired"), UserID: f.user.ID, CSRFSecret: hash("c1"),
				CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: past}
			sessLive := store.Session{IDHash: hash("s live"), UserID: f.user.ID, CSRFSecret: hash("c2"),
				CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: future}
			for _, ss := range []store.Session{sessGone, sessLive} {
				mustOK(t, "CreateSession", s.CreateSession(ctx, ss))
			}

			// Invites.
			invGone := newInvite(t, s, "expired", now.Add(-time.Hour))
			invLive := newInvite(t, s, "live", future)

			// A recent event and everything else that never expires.
			ev := addEvent(t, s, store.Event{At: past, Kind: "token.issued", ClientID: f.client.ID, Outcome: "ok"})
			post := newPost(t, s, store.Post{Slug: "post", AuthorID: f.user.ID})
			pat := newPersonalToken(t, s, "pat", f.user.ID)
			consent := putConsent(t, s, f.user.ID, f.client.ID, "app.example")
			mustOK(t, "PutSettings", s.PutSettings(ctx, map[string]string{"title": "T"}))

			stats, err := s.GarbageCollect(ctx, now)
			mustOK(t, "GarbageCollect", err)
			// 1 client + 1 code + 2 tokens + 1 session + 1 invite.
			if got, want := stats.Total(), int64(6); got != want {
				t.Errorf("GarbageCollect: got %d rows removed (%v), want %d", got, stats, want)
			}
			for table, n := range stats {
				if n < 0 {
					t.Errorf("GarbageCollect: got %d for %q, want >= 0", n, table)
				}
			}

			// Gone.
			_, err = s.GetClient(ctx, dcrGone.ID)
			wantErr(t, "GetClient(unused expired dynamic client) after GC", err, store.ErrNotFound)
			_, err = s.GetAuthCode(ctx, codeGone.Hash)
			wantErr(t, "GetAuthCode(expired) after GC", err, store.ErrNotFound)
			for _, tk := range []store.Token{accessGone, refreshGone} {
				_, err = s.GetToken(ctx, tk.Hash)
				wantErr(t, "GetToken(expired "+string(tk.Kind)+") after GC", err, store.ErrNotFound)
			}
			_, err = s.GetSession(ctx, sessGone.IDHash)
			wantErr(t, "GetSession(expired) after GC", err, store.ErrNotFound)
			_, err = s.GetInvite(ctx, invGone.Hash)
			wantErr(t, "GetInvite(expired) after GC", err, store.ErrNotFound)

			// Kept.
			for _, c := range []store.Client{f.client, dcrLive, dcrUsed, dcrTouched, static, forever} {
				got, err := s.GetClient(ctx, c.ID)
				if err != nil {
					t.Errorf("GetClient(%s) after GC: got error %v, want the client kept", c.ID, err)
					continue
				}
				checkEqual(t, "GetClient("+c.ID+") after GC", got, c)
			}
			got, err := s.GetAuthCode(ctx, codeLive.Hash)
			mustOK(t, "GetAuthCode(live) after GC", err)
			checkEqual(t, "GetAuthCode(live) after GC", got, codeLive)
			for _, tk := range []store.Token{accessLive, refreshLive, revokedLive} {
				got, err := s.GetToken(ctx, tk.Hash)
				if err != nil {
					t.Errorf("GetToken(%s) after GC: got error %v, want the token kept", hashKey(tk.Hash)[:8], err)
					continue
				}
				checkEqual(t, "GetToken after GC", got, tk)
			}
			gotSess, err := s.GetSession(ctx, sessLive.IDHash)
			mustOK(t, "GetSession(live) after GC", err)
			checkEqual(t, "GetSession(live) after GC", gotSess, sessLive)
			gotInv, err := s.GetInvite(ctx, invLive.Hash)
			mustOK(t, "GetInvite(live) after GC", err)
			checkEqual(t, "GetInvite(live) after GC", gotInv, invLive)
			events, err := s.ListEvents(ctx, store.EventFilter{})
			mustOK(t, "ListEvents after GC", err)
			checkList(t, "ListEvents after GC", events, []store.Event{ev}, eventKey)
			checkGrant(t, s, "GetGrant after GC", f.grant, false)
			gotPost, err := s.GetPost(ctx, post.ID)
			mustOK(t, "GetPost after GC", err)
			checkEqual(t, "GetPost after GC", gotPost, post)
			gotPAT, err := s.GetPersonalTokenByHash(ctx, pat.Hash)
			mustOK(t, "GetPersonalTokenByHash after GC", err)
			checkEqual(t, "GetPersonalTokenByHash after GC", gotPAT, pat)
			gotConsent, err := s.GetConsent(ctx, consent.UserID, consent.ClientID, consent.RedirectHost)
			mustOK(t, "GetConsent after GC", err)
			checkEqual(t, "GetConsent after GC", gotConsent, consent)
			n, err := s.CountUsers(ctx)
			mustOK(t, "CountUsers after GC", err)
			if n != 1 {
				t.Errorf("CountUsers after GC: got %d, want 1", n)
			}

			stats, err = s.GarbageCollect(ctx, now)
			mustOK(t, "GarbageCollect(again)", err)
			if got := stats.Total(); got != 0 {
				t.Errorf("GarbageCollect(again): got %d rows removed (%v), want 0", got, stats)
			}
		}},

		{"empty store", func(t *testing.T, s store.Store) {
			stats, err := s.GarbageCollect(t.Context(), at(0))
			mustOK(t, "GarbageCollect", err)
			if got := stats.Total(); got != 0 {
				t.Errorf("GarbageCollect on an empty store: got %d rows removed (%v), want 0", got, stats)
			}
		}},

		{"abandoned registration with a grant and a code", func(t *testing.T, s store.Store) {
			// A client registered, the person consented (grant, code), and the
			// code was never exchanged: the client is unused and expires.
			ctx := t.Context()
			now := at(10 * 24 * time.Hour)
			u := newUser(t, s, "owner@example.com")
			c := newClientWith(t, s, "abandoned", func(c *store.Client) {
				c.Type, c.ExpiresAt = store.ClientDynamic, now.Add(-time.Hour)
			})
			g := newGrant(t, s, "grant-abandoned", u.ID, c.ID)
			f := oauthFixture{user: u, client: c, grant: g}
			mustOK(t, "CreateAuthCode", s.CreateAuthCode(ctx, f.code("never exchanged", now.Add(-2*time.Hour))))
			putConsent(t, s, u.ID, c.ID, "app.example")

			_, err := s.GarbageCollect(ctx, now)
			mustOK(t, "GarbageCollect", err)
			_, err = s.GarbageCollect(ctx, now)
			mustOK(t, "GarbageCollect(again)", err)
			if _, err := s.GetClient(ctx, c.ID); errors.Is(err, store.ErrNotFound) {
				grants, err := s.ListGrantsByClient(ctx, c.ID)
				mustOK(t, "ListGrantsByClient", err)
				if len(grants) != 0 {
					t.Errorf("GarbageCollect removed client %s but left %d grants of it", c.ID, len(grants))
				}
			}
		}},
	}
}
