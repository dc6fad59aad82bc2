package oauth_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// BenchmarkVerify is bearer-token verification against a real SQLite store
// (bench/RESULTS.md: goal < 50 µs p99). It reports the p99 of the calls.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "portico.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const issuer = "https://mcp.example.com"
	svc, err := oauth.New(oauth.Config{Store: st, Issuer: issuer})
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.User{Email: "a@example.com", Name: "A", Role: store.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if _, err := st.CreateClient(ctx, store.Client{ID: "c1", Type: store.ClientStatic, Name: "C",
		RedirectURIs: []string{"http://localhost/cb"}, TokenEndpointAuthMethod: "none", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	g, err := st.CreateGrant(ctx, store.Grant{ID: "g1", UserID: u.ID, ClientID: "c1",
		Scopes: []string{"content:read", "content:write"}, Resource: issuer + "/mcp", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		b.Fatal(err)
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := oauth.PrefixAccessToken + base64.RawURLEncoding.EncodeToString(raw[:])
	if err := st.CreateTokens(ctx, store.Token{Hash: oauth.HashSecret(tok), Kind: store.TokenAccess, GrantID: g.ID,
		ClientID: "c1", UserID: u.ID, Scopes: g.Scopes, Resource: g.Resource, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if _, err := svc.Verify(ctx, tok, ""); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkVerifyS256 is the PKCE check at the token endpoint.
func BenchmarkVerifyS256(b *testing.B) {
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	b.ReportAllocs()
	for b.Loop() {
		if !oauth.VerifyS256(challenge, verifier) {
			b.Fatal("mismatch")
		}
	}
}
