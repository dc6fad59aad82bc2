package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

func openBench(b *testing.B) (*sqlite.Store, store.User) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "portico.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	u, err := st.CreateUser(ctx, store.User{Email: "a@example.com", Name: "A", Role: store.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	return st, u
}

// BenchmarkGetConsent is the consent lookup /authorize does for a person
// who already allowed the client.
func BenchmarkGetConsent(b *testing.B) {
	ctx := context.Background()
	st, u := openBench(b)
	if _, err := st.CreateClient(ctx, store.Client{ID: "c1", Type: store.ClientStatic, Name: "C",
		RedirectURIs: []string{"http://localhost/cb"}, TokenEndpointAuthMethod: "none", CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	if err := st.PutConsent(ctx, store.Consent{UserID: u.ID, ClientID: "c1", RedirectHost: "localhost",
		Scopes: []string{"content:read"}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.GetConsent(ctx, u.ID, "c1", "localhost"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetToken is the token row lookup of bearer verification.
func BenchmarkGetToken(b *testing.B) {
	ctx := context.Background()
	st, u := openBench(b)
	now := time.Now()
	if _, err := st.CreateClient(ctx, store.Client{ID: "c1", Type: store.ClientStatic, Name: "C",
		RedirectURIs: []string{"http://localhost/cb"}, TokenEndpointAuthMethod: "none", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	g, err := st.CreateGrant(ctx, store.Grant{ID: "g1", UserID: u.ID, ClientID: "c1", Scopes: []string{"content:read"},
		Resource: "https://x/mcp", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		b.Fatal(err)
	}
	hash := make([]byte, 32)
	if err := st.CreateTokens(ctx, store.Token{Hash: hash, Kind: store.TokenAccess, GrantID: g.ID, ClientID: "c1",
		UserID: u.ID, Scopes: g.Scopes, Resource: g.Resource, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.GetToken(ctx, hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchPosts is a two-word full-text query over 10,000 posts
// (bench/run.sh measures 100,000 end to end).
func BenchmarkSearchPosts(b *testing.B) {
	ctx := context.Background()
	st, u := openBench(b)
	if _, err := st.Writer().ExecContext(ctx, `PRAGMA synchronous=OFF`); err != nil {
		b.Fatal(err)
	}
	words := []string{"coffee", "garden", "autumn", "bread", "river", "mountain", "notebook", "kettle", "lantern",
		"harbor", "orchard", "meadow", "pottery", "bicycle", "library", "window", "candle", "biscuit"}
	for i := range 10000 {
		body := ""
		for j := range 40 {
			body += fmt.Sprintf("%s w%d ", words[(i*7+j*13)%len(words)], (i*31+j*17)%5000)
		}
		if _, err := st.CreatePost(ctx, store.Post{Type: store.TypePost, Slug: fmt.Sprintf("p-%d", i),
			Title: fmt.Sprintf("w%d %s", i%5000, words[i%len(words)]), Body: body, Status: store.StatusPublished,
			AuthorID: u.ID}); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name  string
		s     store.Posts
		query string
	}{
		{"rare", st, "w42 w1234"}, {"common", st, "coffee"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.s.SearchPosts(ctx, c.query, store.PostFilter{Statuses: []store.PostStatus{store.StatusPublished}, Limit: 10}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
