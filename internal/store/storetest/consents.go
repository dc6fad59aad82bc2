package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func consentKey(c store.Consent) string {
	return fmt.Sprintf("%d/%s/%s", c.UserID, c.ClientID, c.RedirectHost)
}

func putConsent(t *testing.T, s store.Store, userID int64, clientID, host string) store.Consent {
	t.Helper()
	c := store.Consent{UserID: userID, ClientID: clientID, RedirectHost: host,
		Scopes: []string{"content:read"}, CreatedAt: at(0), UpdatedAt: at(0)}
	mustOK(t, "PutConsent", s.PutConsent(t.Context(), c))
	return c
}

func consentCases() []testCase {
	return []testCase{
		{"put, read back and replace", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			want := store.Consent{
				UserID: f.user.ID, ClientID: f.client.ID, RedirectHost: "127.0.0.1:33418",
				Scopes:    []string{"content:read", "content:write", "content:publish"},
				CreatedAt: at(0), UpdatedAt: at(time.Minute + time.Nanosecond),
			}
			mustOK(t, "PutConsent", s.PutConsent(ctx, want))
			got, err := s.GetConsent(ctx, want.UserID, want.ClientID, want.RedirectHost)
			mustOK(t, "GetConsent", err)
			checkEqual(t, "GetConsent", got, want)

			want.Scopes = []string{"content:read"}
			want.UpdatedAt = at(time.Hour)
			mustOK(t, "PutConsent(replace)", s.PutConsent(ctx, want))
			got, err = s.GetConsent(ctx, want.UserID, want.ClientID, want.RedirectHost)
			mustOK(t, "GetConsent", err)
			checkEqual(t, "GetConsent after replace", got, want)

			want.Scopes = nil
			want.UpdatedAt = at(2 * time.Hour)
			mustOK(t, "PutConsent(no scopes)", s.PutConsent(ctx, want))
			got, err = s.GetConsent(ctx, want.UserID, want.ClientID, want.RedirectHost)
			mustOK(t, "GetConsent", err)
			checkEqual(t, "GetConsent after replacing with no scopes", got, want)

			list, err := s.ListConsentsByUser(ctx, f.user.ID)
			mustOK(t, "ListConsentsByUser", err)
			checkSet(t, "ListConsentsByUser after replacing", list, []store.Consent{want}, consentKey)
		}},

		{"concurrent puts of one key all succeed", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			puts := make([]store.Consent, concurrency)
			for i := range puts {
				puts[i] = store.Consent{UserID: f.user.ID, ClientID: f.client.ID, RedirectHost: "app.example",
					Scopes: []string{fmt.Sprintf("scope-%d", i)}, CreatedAt: at(0), UpdatedAt: at(time.Duration(i) * time.Second)}
			}
			errs := race(concurrency, func(i int) error { return s.PutConsent(ctx, puts[i]) })
			for i, err := range errs {
				if err != nil {
					t.Errorf("PutConsent call %d: got %v, want nil", i, err)
				}
			}
			got, err := s.GetConsent(ctx, f.user.ID, f.client.ID, "app.example")
			mustOK(t, "GetConsent", err)
			found := false
			for _, p := range puts {
				if diff(got, p) == "" {
					found = true
				}
			}
			if !found {
				t.Errorf("GetConsent after concurrent puts: got %+v, want one of the written records", got)
			}
		}},

		{"unknown consent is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			c2 := newClient(t, s, "client-2")
			c := putConsent(t, s, f.user.ID, f.client.ID, "app.example")
			for _, tc := range []struct {
				name   string
				userID int64
				client string
				host   string
			}{
				{"other host", c.UserID, c.ClientID, "evil.example"},
				{"other client", c.UserID, c2.ID, c.RedirectHost},
				{"other user", c.UserID + 1000, c.ClientID, c.RedirectHost},
				{"host differs in port", c.UserID, c.ClientID, "app.example:8443"},
			} {
				_, err := s.GetConsent(ctx, tc.userID, tc.client, tc.host)
				wantErr(t, "GetConsent("+tc.name+")", err, store.ErrNotFound)
			}
		}},

		{"list and delete by user and client", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u1 := newUser(t, s, "one@example.com")
			u2 := newUser(t, s, "two@example.com")
			c1 := newClient(t, s, "client-1")
			c2 := newClient(t, s, "client-2")
			a := putConsent(t, s, u1.ID, c1.ID, "a.example")
			b := putConsent(t, s, u1.ID, c1.ID, "b.example")
			c := putConsent(t, s, u1.ID, c2.ID, "a.example")
			d := putConsent(t, s, u2.ID, c1.ID, "a.example")

			list, err := s.ListConsentsByUser(ctx, u1.ID)
			mustOK(t, "ListConsentsByUser", err)
			checkSet(t, "ListConsentsByUser(u1)", list, []store.Consent{a, b, c}, consentKey)

			mustOK(t, "DeleteConsents", s.DeleteConsents(ctx, u1.ID, c1.ID))
			for _, gone := range []store.Consent{a, b} {
				_, err := s.GetConsent(ctx, gone.UserID, gone.ClientID, gone.RedirectHost)
				wantErr(t, "GetConsent after DeleteConsents", err, store.ErrNotFound)
			}
			list, err = s.ListConsentsByUser(ctx, u1.ID)
			mustOK(t, "ListConsentsByUser", err)
			checkSet(t, "ListConsentsByUser(u1) after DeleteConsents", list, []store.Consent{c}, consentKey)
			list, err = s.ListConsentsByUser(ctx, u2.ID)
			mustOK(t, "ListConsentsByUser", err)
			checkSet(t, "ListConsentsByUser of another user", list, []store.Consent{d}, consentKey)

			if err := s.DeleteConsents(ctx, u1.ID, c1.ID); err != nil {
				t.Errorf("DeleteConsents with none left: got %v, want nil", err)
			}
			list, err = s.ListConsentsByUser(ctx, u2.ID+1000)
			mustOK(t, "ListConsentsByUser(unknown)", err)
			if len(list) != 0 {
				t.Errorf("ListConsentsByUser(unknown user): got %d, want 0", len(list))
			}
		}},
	}
}
