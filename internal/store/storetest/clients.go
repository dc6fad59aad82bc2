package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func clientKey(c store.Client) string { return c.ID }

// fullClient is a client with every field set.
func fullClient(id string) store.Client {
	return store.Client{
		ID:                      id,
		SecretHash:              append(hash("secret "+id), binaryBlob...),
		Type:                    store.ClientDynamic,
		Name:                    hostileText,
		RedirectURIs:            []string{"https://app.example/cb", "http://127.0.0.1:33418/callback", "cursor://anysphere.cursor-retrieval/oauth/callback"},
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		TokenEndpointAuthMethod: "client_secret_basic",
		Scope:                   "content:read content:write offline_access",
		ClientURI:               "https://app.example/",
		LogoURI:                 "https://app.example/logo.png?size=64&theme='dark'",
		SoftwareID:              "com.example.app",
		SoftwareVersion:         "1.2.3-beta+45",
		AllowedScopes:           []string{"content:read", "content:write"},
		Fingerprint:             "fp-" + id,
		MetadataJSON:            []byte(`{"client_name":"Zoë \"Z\"","redirect_uris":["https://app.example/cb"],"x":"\u0000"}`),
		CreatedAt:               at(0),
		UpdatedAt:               at(time.Minute),
		LastUsedAt:              at(2 * time.Hour),
		ExpiresAt:               at(24*time.Hour + time.Minute),
		DisabledAt:              at(3 * time.Hour),
	}
}

func clientCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			want := fullClient("dcr-full")
			got, err := s.CreateClient(ctx, want)
			mustOK(t, "CreateClient", err)
			checkEqual(t, "CreateClient returned", got, want)
			got, err = s.GetClient(ctx, want.ID)
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient", got, want)
			checkAllowedScopes(t, "GetClient", got.AllowedScopes, want.AllowedScopes)

			// A public client with the zero times left zero.
			public := store.Client{
				ID:                      "https://client.example/metadata.json",
				Type:                    store.ClientMetadata,
				Name:                    "CIMD client",
				RedirectURIs:            []string{"https://client.example/cb"},
				TokenEndpointAuthMethod: "none",
				CreatedAt:               at(0),
				UpdatedAt:               at(0),
			}
			_, err = s.CreateClient(ctx, public)
			mustOK(t, "CreateClient(public)", err)
			got, err = s.GetClient(ctx, public.ID)
			mustOK(t, "GetClient(public)", err)
			checkEqual(t, "GetClient(public)", got, public)
		}},

		{"allowed scopes keep nil apart from empty", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			for _, tc := range []struct {
				name    string
				allowed []string
			}{
				{"nil means no cap", nil},
				{"empty caps to nothing", []string{}},
				{"one scope", []string{"content:read"}},
				{"several scopes in order", []string{"site:admin", "content:read", "content:publish"}},
			} {
				c := newClientWith(t, s, tc.name, func(c *store.Client) { c.AllowedScopes = tc.allowed })
				got, err := s.GetClient(ctx, c.ID)
				mustOK(t, "GetClient", err)
				checkAllowedScopes(t, "GetClient "+tc.name, got.AllowedScopes, tc.allowed)

				list, err := s.ListClients(ctx)
				mustOK(t, "ListClients", err)
				for _, lc := range list {
					if lc.ID == c.ID {
						checkAllowedScopes(t, "ListClients "+tc.name, lc.AllowedScopes, tc.allowed)
					}
				}
			}
		}},

		{"duplicate ID conflicts", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			orig := newClient(t, s, "dup")
			c := fullClient("dup")
			_, err := s.CreateClient(ctx, c)
			wantErr(t, "CreateClient(same ID)", err, store.ErrConflict)
			got, err := s.GetClient(ctx, "dup")
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient after rejected duplicate", got, orig)
		}},

		{"unknown client is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			newClient(t, s, "known")
			_, err := s.GetClient(ctx, "unknown")
			wantErr(t, "GetClient(unknown)", err, store.ErrNotFound)
			_, err = s.FindClientByFingerprint(ctx, "fp-unknown")
			wantErr(t, "FindClientByFingerprint(unknown)", err, store.ErrNotFound)
			_, err = s.UpdateClient(ctx, fullClient("unknown"))
			wantErr(t, "UpdateClient(unknown)", err, store.ErrNotFound)
			wantErr(t, "TouchClient(unknown)", s.TouchClient(ctx, "unknown", at(0)), store.ErrNotFound)
			wantErr(t, "DeleteClient(unknown)", s.DeleteClient(ctx, "unknown"), store.ErrNotFound)
		}},

		{"upsert inserts then replaces", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			first := fullClient("https://client.example/oauth.json")
			first.Type = store.ClientMetadata
			got, err := s.UpsertClient(ctx, first)
			mustOK(t, "UpsertClient(insert)", err)
			checkEqual(t, "UpsertClient(insert) returned", got, first)
			got, err = s.GetClient(ctx, first.ID)
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient after insert", got, first)

			second := first
			second.Name = "Renamed"
			second.SecretHash = nil
			second.RedirectURIs = []string{"https://client.example/new-cb"}
			second.GrantTypes = []string{"authorization_code"}
			second.ResponseTypes = nil
			second.TokenEndpointAuthMethod = "none"
			second.Scope = ""
			second.LogoURI = ""
			second.SoftwareVersion = "2.0.0"
			second.AllowedScopes = nil
			second.Fingerprint = "fp-renamed"
			second.MetadataJSON = []byte(`{"client_name":"Renamed"}`)
			second.UpdatedAt = at(5 * time.Hour)
			second.LastUsedAt = at(4 * time.Hour)
			second.ExpiresAt = time.Time{}
			second.DisabledAt = time.Time{}
			got, err = s.UpsertClient(ctx, second)
			mustOK(t, "UpsertClient(replace)", err)
			checkEqual(t, "UpsertClient(replace) returned", got, second)
			got, err = s.GetClient(ctx, first.ID)
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient after replace", got, second)
			checkAllowedScopes(t, "GetClient after replace", got.AllowedScopes, nil)

			list, err := s.ListClients(ctx)
			mustOK(t, "ListClients", err)
			checkSet(t, "ListClients after upserting one ID twice", list, []store.Client{second}, clientKey)
		}},

		{"concurrent upserts of one ID all succeed", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			ups := make([]store.Client, concurrency)
			for i := range ups {
				ups[i] = fullClient("https://client.example/race.json")
				ups[i].Type = store.ClientMetadata
				ups[i].Name = fmt.Sprint("version ", i)
			}
			errs := race(concurrency, func(i int) error {
				_, err := s.UpsertClient(ctx, ups[i])
				return err
			})
			for i, err := range errs {
				if err != nil {
					t.Errorf("UpsertClient call %d: got %v, want nil", i, err)
				}
			}
			got, err := s.GetClient(ctx, ups[0].ID)
			mustOK(t, "GetClient", err)
			found := false
			for _, u := range ups {
				if diff(got, u) == "" {
					found = true
				}
			}
			if !found {
				t.Errorf("GetClient after concurrent upserts: got %+v, want one of the written records", got)
			}
		}},

		{"update writes every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			orig := newClient(t, s, "static-1")
			want := fullClient("static-1")
			want.Type = store.ClientStatic
			want.CreatedAt = orig.CreatedAt
			got, err := s.UpdateClient(ctx, want)
			mustOK(t, "UpdateClient", err)
			checkEqual(t, "UpdateClient returned", got, want)
			got, err = s.GetClient(ctx, want.ID)
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient after update", got, want)

			// And back to zero values.
			want = orig
			want.UpdatedAt = at(9 * time.Hour)
			_, err = s.UpdateClient(ctx, want)
			mustOK(t, "UpdateClient(back)", err)
			got, err = s.GetClient(ctx, want.ID)
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient after clearing fields", got, want)
			checkAllowedScopes(t, "GetClient after clearing fields", got.AllowedScopes, nil)
		}},

		{"find by fingerprint returns the newest active client", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			// Inserted newest first so "newest" cannot mean "inserted last".
			newClientWith(t, s, "c3-disabled", func(c *store.Client) {
				c.Fingerprint, c.CreatedAt, c.DisabledAt = "fp-1", at(3*time.Hour), at(4*time.Hour)
			})
			c2 := newClientWith(t, s, "c2-newest-active", func(c *store.Client) {
				c.Fingerprint, c.CreatedAt = "fp-1", at(2*time.Hour)
			})
			c1 := newClientWith(t, s, "c1-oldest", func(c *store.Client) {
				c.Fingerprint, c.CreatedAt = "fp-1", at(0)
			})
			c4 := newClientWith(t, s, "c4-other", func(c *store.Client) {
				c.Fingerprint, c.CreatedAt = "fp-2", at(5*time.Hour)
			})

			for _, tc := range []struct {
				fp   string
				want store.Client
			}{{"fp-1", c2}, {"fp-2", c4}} {
				got, err := s.FindClientByFingerprint(ctx, tc.fp)
				mustOK(t, "FindClientByFingerprint("+tc.fp+")", err)
				checkEqual(t, "FindClientByFingerprint("+tc.fp+")", got, tc.want)
			}

			for _, c := range []store.Client{c1, c2} {
				c.DisabledAt = at(6 * time.Hour)
				_, err := s.UpdateClient(ctx, c)
				mustOK(t, "UpdateClient(disable)", err)
			}
			_, err := s.FindClientByFingerprint(ctx, "fp-1")
			wantErr(t, "FindClientByFingerprint with every match disabled", err, store.ErrNotFound)
		}},

		{"touch records use and clears expiry", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			want := newClientWith(t, s, "dcr-1", func(c *store.Client) {
				c.Type = store.ClientDynamic
				c.ExpiresAt = at(time.Hour)
			})
			other := newClientWith(t, s, "dcr-2", func(c *store.Client) {
				c.Type = store.ClientDynamic
				c.ExpiresAt = at(time.Hour)
			})
			now := at(30*time.Minute + time.Nanosecond)
			mustOK(t, "TouchClient", s.TouchClient(ctx, want.ID, now))
			want.LastUsedAt = now
			want.ExpiresAt = time.Time{}
			got, err := s.GetClient(ctx, want.ID)
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient after touch", got, want)

			// A second touch moves LastUsedAt again.
			later := at(50 * time.Minute)
			mustOK(t, "TouchClient", s.TouchClient(ctx, want.ID, later))
			want.LastUsedAt = later
			got, err = s.GetClient(ctx, want.ID)
			mustOK(t, "GetClient", err)
			checkEqual(t, "GetClient after second touch", got, want)

			got, err = s.GetClient(ctx, other.ID)
			mustOK(t, "GetClient(other)", err)
			checkEqual(t, "GetClient of an untouched client", got, other)
		}},

		{"delete", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			gone := newClient(t, s, "gone")
			kept := newClient(t, s, "kept")
			mustOK(t, "DeleteClient", s.DeleteClient(ctx, gone.ID))
			_, err := s.GetClient(ctx, gone.ID)
			wantErr(t, "GetClient after delete", err, store.ErrNotFound)
			wantErr(t, "DeleteClient(already deleted)", s.DeleteClient(ctx, gone.ID), store.ErrNotFound)
			list, err := s.ListClients(ctx)
			mustOK(t, "ListClients", err)
			checkSet(t, "ListClients after delete", list, []store.Client{kept}, clientKey)
		}},

		{"list", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			list, err := s.ListClients(ctx)
			mustOK(t, "ListClients(empty)", err)
			if len(list) != 0 {
				t.Errorf("ListClients on an empty store: got %d clients, want 0", len(list))
			}
			a := fullClient("a")
			_, err = s.CreateClient(ctx, a)
			mustOK(t, "CreateClient", err)
			want := []store.Client{a, newClient(t, s, "b"), newClient(t, s, "https://c.example/client")}
			list, err = s.ListClients(ctx)
			mustOK(t, "ListClients", err)
			checkSet(t, "ListClients", list, want, clientKey)
		}},
	}
}

// newClientWith creates a static client named id after edit changed it.
func newClientWith(t *testing.T, s store.Store, id string, edit func(c *store.Client)) store.Client {
	t.Helper()
	c := store.Client{
		ID:                      id,
		Type:                    store.ClientStatic,
		Name:                    "Client " + id,
		RedirectURIs:            []string{"https://app.example/cb"},
		TokenEndpointAuthMethod: "none",
		CreatedAt:               at(0),
		UpdatedAt:               at(0),
	}
	edit(&c)
	_, err := s.CreateClient(t.Context(), c)
	mustOK(t, "CreateClient "+id, err)
	return c
}
