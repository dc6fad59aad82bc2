package authserver_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/authserver"
	"github.com/portico-mcp/portico/internal/oauth"
)

// fakeIssuer is an OpenID Connect provider for tests: discovery, JWKS, an
// authorization endpoint that approves at once (redirecting back with a
// code), and a token endpoint that checks PKCE and issues an RS256
// id_token. Its answers can be made wrong.
type fakeIssuer struct {
	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey

	mu            sync.Mutex
	email         string
	emailVerified any    // true, false, "true", or nil to omit
	nonceOverride string // if set, the id_token carries this nonce
	codes         map[string]codeInfo
}

type codeInfo struct{ challenge, nonce, redirect string }

func newFakeIssuer(t testing.TB) *fakeIssuer {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIssuer{t: t, key: k, codes: map[string]codeInfo{}, emailVerified: true}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSONTest(w, map[string]any{"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/authorize",
			"token_endpoint": f.srv.URL + "/token", "jwks_uri": f.srv.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSONTest(w, map[string]any{"keys": []any{map[string]any{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
			"n": b64u.EncodeToString(k.N.Bytes()), "e": b64u.EncodeToString(big.NewInt(int64(k.E)).Bytes())}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" {
			http.Error(w, "missing PKCE, state or nonce", 400)
			return
		}
		code := randomHex()
		f.mu.Lock()
		f.codes[code] = codeInfo{q.Get("code_challenge"), q.Get("nonce"), q.Get("redirect_uri")}
		f.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		ci, ok := f.codes[r.PostForm.Get("code")]
		delete(f.codes, r.PostForm.Get("code"))
		email, verified, nonce := f.email, f.emailVerified, ci.nonce
		if f.nonceOverride != "" {
			nonce = f.nonceOverride
		}
		f.mu.Unlock()
		id, secret, _ := r.BasicAuth()
		if id == "" {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if !ok || oauth.S256Challenge(r.PostForm.Get("code_verifier")) != ci.challenge || id != "portico" || secret != "s3cret" ||
			r.PostForm.Get("redirect_uri") != ci.redirect {
			w.WriteHeader(400)
			writeJSONTest(w, map[string]any{"error": "invalid_grant"})
			return
		}
		claims := map[string]any{"iss": f.srv.URL, "sub": "user-1", "aud": "portico", "exp": time.Now().Add(time.Hour).Unix(),
			"iat": time.Now().Unix(), "nonce": nonce, "email": email}
		if verified != nil {
			claims["email_verified"] = verified
		}
		writeJSONTest(w, map[string]any{"access_token": "at-" + randomHex(), "token_type": "Bearer", "expires_in": 3600,
			"id_token": f.sign(claims)})
	})
	return f
}

func (f *fakeIssuer) set(fn func(*fakeIssuer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeIssuer) sign(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	p, _ := json.Marshal(claims)
	in := b64u.EncodeToString(h) + "." + b64u.EncodeToString(p)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.key, crypto.SHA256, sum[:])
	if err != nil {
		f.t.Fatal(err)
	}
	return in + "." + b64u.EncodeToString(sig)
}

func writeJSONTest(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// upstreamLogin runs a browser (following every redirect, to the fake and
// back) through "Sign in with <slug>" and returns the final response.
func (e *env) upstreamLogin(slug, ret string) (*http.Response, string) {
	e.t.Helper()
	c := e.browser()
	c.CheckRedirect = nil // follow to the provider and back
	return e.post(c, "/login/oidc/"+slug, url.Values{"return": {ret}})
}

func TestUpstreamOIDCLogin(t *testing.T) {
	fi := newFakeIssuer(t)
	e := newEnv(t, func(c *envConfig) {
		c.authOpts.Upstreams = []authserver.Upstream{{Name: "Keycloak", Issuer: fi.srv.URL, ClientID: "portico", ClientSecret: "s3cret"}}
	})
	if _, body := e.get(e.browser(), "/login"); !strings.Contains(body, "Sign in with Keycloak") || !strings.Contains(body, `action="/login/oidc/keycloak"`) {
		t.Fatalf("login page lacks the provider button:\n%s", body)
	}
	for _, tc := range []struct {
		name     string
		set      func(*fakeIssuer)
		status   int
		contains string
	}{
		{"verified", func(f *fakeIssuer) { f.email, f.emailVerified = "Owner@Example.com", true }, 200, "Your account"},
		{"verified as string", func(f *fakeIssuer) { f.email, f.emailVerified = e.email, "true" }, 200, "Your account"},
		{"unverified", func(f *fakeIssuer) { f.email, f.emailVerified = e.email, false }, 403, "not verified"},
		{"verification omitted", func(f *fakeIssuer) { f.email, f.emailVerified = e.email, nil }, 403, "not verified"},
		{"unknown email", func(f *fakeIssuer) { f.email, f.emailVerified = "stranger@example.com", true }, 403, "no account here for the address stranger@example.com"},
		{"wrong nonce", func(f *fakeIssuer) { f.email, f.emailVerified, f.nonceOverride = e.email, true, "forged" }, 502, "could not be verified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fi.set(func(f *fakeIssuer) { f.nonceOverride = "" })
			fi.set(tc.set)
			resp, body := e.upstreamLogin("keycloak", "/account")
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.contains) {
				t.Fatalf("%d at %s, want %d with %q:\n%s", resp.StatusCode, resp.Request.URL, tc.status, tc.contains, body)
			}
		})
	}
	if n := len(e.events(t, "login.ok")); n != 2 {
		t.Errorf("login.ok events: %d", n)
	}
	users, _ := e.st.ListUsers(t.Context())
	if len(users) != 1 {
		t.Fatalf("upstream login created users: %d", len(users))
	}

	// Wrong state: the callback is refused even with a valid code.
	c := e.browser()
	resp, _ := e.post(c, "/login/oidc/keycloak", url.Values{"return": {"/"}})
	loc := mustURL(t, resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc.Host != mustURL(t, fi.srv.URL).Host {
		t.Fatalf("start: %d %s", resp.StatusCode, loc)
	}
	q := loc.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("redirect_uri") != e.issuer+"/login/oidc/callback" {
		t.Fatalf("authorization request %s", loc)
	}
	fr, err := noFollow().Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	fr.Body.Close()
	cb := mustURL(t, fr.Header.Get("Location"))
	bad := *cb
	bq := bad.Query()
	bq.Set("state", "not-the-state")
	bad.RawQuery = bq.Encode()
	if st, body := e.get(c, strings.TrimPrefix(bad.String(), e.issuer)); st != 400 || !strings.Contains(body, "does not belong") {
		t.Fatalf("wrong state: %d\n%s", st, body)
	}
	// The flow cookie was used up: the right state fails too now.
	if st, _ := e.get(c, strings.TrimPrefix(cb.String(), e.issuer)); st != 400 {
		t.Fatalf("reused flow: %d", st)
	}
	// Another browser (no flow cookie) cannot finish it.
	if st, body := e.get(e.browser(), strings.TrimPrefix(cb.String(), e.issuer)); st != 400 || !strings.Contains(body, "expired") {
		t.Fatalf("cross-browser callback: %d", st)
	}
	// GET on the start URL is not a route (POST only, cross-origin checked).
	if resp, _ := e.post(e.browser(), "/login/oidc/keycloak", nil, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 403 {
		t.Fatalf("cross-site start: %d", resp.StatusCode)
	}
}

// fakeGitHub serves GitHub's OAuth endpoints and GET /user/emails.
func fakeGitHub(t *testing.T, emails *[]map[string]any, mu *sync.Mutex) *httptest.Server {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	codes := map[string]string{}
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("scope") != "read:user user:email" {
			http.Error(w, "bad request", 400)
			return
		}
		code := randomHex()
		mu.Lock()
		codes[code] = q.Get("code_challenge")
		mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		ch, ok := codes[r.PostForm.Get("code")]
		mu.Unlock()
		if !ok || oauth.S256Challenge(r.PostForm.Get("code_verifier")) != ch || r.PostForm.Get("client_id") != "gh-id" || r.PostForm.Get("client_secret") != "gh-secret" {
			writeJSONTest(w, map[string]any{"error": "bad_verification_code"})
			return
		}
		writeJSONTest(w, map[string]any{"access_token": "gho_test", "token_type": "bearer", "scope": "read:user,user:email"})
	})
	mux.HandleFunc("GET /api/user/emails", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gho_test" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		writeJSONTest(w, *emails)
	})
	return srv
}

func TestUpstreamGitHubLogin(t *testing.T) {
	var mu sync.Mutex
	var emails []map[string]any
	gh := fakeGitHub(t, &emails, &mu)
	e := newEnv(t, func(c *envConfig) {
		c.authOpts.Upstreams = []authserver.Upstream{{Kind: "github", Issuer: gh.URL, APIURL: gh.URL + "/api", ClientID: "gh-id", ClientSecret: "gh-secret"}}
	})
	for _, tc := range []struct {
		name     string
		emails   []map[string]any
		status   int
		contains string
	}{
		{"primary verified", []map[string]any{{"email": "other@example.com", "primary": false, "verified": true},
			{"email": e.email, "primary": true, "verified": true}}, 200, "Your account"},
		{"primary unverified", []map[string]any{{"email": e.email, "primary": true, "verified": false}}, 403, "not verified"},
		{"verified but not primary", []map[string]any{{"email": "x@example.com", "primary": true, "verified": true},
			{"email": e.email, "primary": false, "verified": true}}, 403, "no account here"},
		{"no email", []map[string]any{}, 403, "did not tell us your email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			emails = tc.emails
			mu.Unlock()
			resp, body := e.upstreamLogin("github", "/account")
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.contains) {
				t.Fatalf("%d at %s, want %d with %q:\n%s", resp.StatusCode, resp.Request.URL, tc.status, tc.contains, body)
			}
		})
	}
}
