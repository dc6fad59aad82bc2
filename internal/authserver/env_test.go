package authserver_test

import (
	"context"
	"encoding/json"
	"errors"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/portico-mcp/portico/internal/store/pgtest"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/authserver"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/postgres"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// clock is a settable test clock: real time plus an offset.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type env struct {
	t        testing.TB
	srv      *httptest.Server
	st       oauthStore
	oa       *oauth.Service
	id       *identity.Service
	clock    *clock
	issuer   string
	user     store.User
	email    string
	password string
}

type oauthStore interface {
	oauth.Store
	identity.Store
	Close() error
}

type envConfig struct {
	oauthOpts oauth.Options
	authOpts  authserver.Options
	// localhost makes the issuer http://localhost:PORT (a valid WebAuthn
	// relying party ID) instead of http://127.0.0.1:PORT.
	localhost bool
	// noUser skips creating the owner account (first-run setup tests).
	noUser bool
}

// openStore opens the real SQLite store on t.TempDir(), or PostgreSQL when
// PORTICO_TEST_POSTGRES is set.
func openStore(t testing.TB) oauthStore {
	t.Helper()
	ctx := context.Background()
	if u := os.Getenv("PORTICO_TEST_POSTGRES"); u != "" {
		st, err := postgres.Open(ctx, pgtest.Schema(t, u, "portico_as"))
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEnv(t testing.TB, mods ...func(*envConfig)) *env {
	t.Helper()
	var cfg envConfig
	for _, m := range mods {
		m(&cfg)
	}
	e := &env{t: t, clock: &clock{}, st: openStore(t)}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.issuer = e.srv.URL
	if cfg.localhost {
		e.issuer = strings.Replace(e.srv.URL, "127.0.0.1", "localhost", 1)
	}
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() && os.Getenv("PORTICO_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	var err error
	e.oa, err = oauth.New(oauth.Config{Store: e.st, Issuer: e.issuer, Now: e.clock.Now, Logger: logger, Options: cfg.oauthOpts})
	if err != nil {
		t.Fatal(err)
	}
	e.id, err = identity.New(identity.Config{Store: e.st, Issuer: e.issuer, Now: e.clock.Now, Logger: logger,
		Options: identity.Options{Argon2: identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := authserver.New(authserver.Config{OAuth: e.oa, Identity: e.id, Logger: logger, Options: cfg.authOpts})
	if err != nil {
		t.Fatal(err)
	}
	h.Mount(mux)
	mux.HandleFunc("/mcp", e.protected)
	mux.HandleFunc("/mcp/", e.protected)
	e.email, e.password = "owner@example.com", "correct horse battery"
	if cfg.noUser {
		return e
	}
	e.user, err = e.id.CreateUser(context.Background(), e.email, "Owner", store.RoleAdmin, e.password)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// protected is a tiny MCP stand-in: bearer check with oauth.Verify and the
// challenge builder, as internal/mcpserver will do.
func (e *env) protected(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id")
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if r.URL.Query().Has("access_token") {
		ok = false // RFC 6750 §2.3 query tokens are never accepted
	}
	if !ok || tok == "" {
		w.Header().Set("WWW-Authenticate", e.oa.Challenge("", "", nil))
		http.Error(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Unauthorized"}}`, http.StatusUnauthorized)
		return
	}
	info, err := e.oa.Verify(r.Context(), tok, "")
	if err != nil {
		w.Header().Set("WWW-Authenticate", e.oa.Challenge(oauth.ErrCodeInvalidToken, "", nil))
		http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"user": info.UserID, "client": info.ClientID, "scopes": info.Scopes, "resource": info.Resource})
}

// browser is a person's browser: it keeps cookies and follows redirects
// within the server, stopping at the first redirect to anywhere else.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	host := mustURL(e.t, e.issuer).Host
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// noFollow never follows redirects.
func noFollow() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// loggedIn returns a browser with a session.
func (e *env) loggedIn() *http.Client {
	e.t.Helper()
	c := e.browser()
	resp, err := c.PostForm(e.issuer+"/login", url.Values{"email": {e.email}, "password": {e.password}, "return": {"/"}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if len(c.Jar.Cookies(mustURL(e.t, e.issuer))) == 0 {
		e.t.Fatalf("login set no cookie (status %d)", resp.StatusCode)
	}
	return c
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
var scopeRE = regexp.MustCompile(`name="grant_scope" value="([^"]+)"`)

// consentForm extracts the hidden fields and offered scopes of a consent page.
func consentForm(t testing.TB, body string) (url.Values, []string) {
	t.Helper()
	f := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		f.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	var scopes []string
	for _, m := range scopeRE.FindAllStringSubmatch(body, -1) {
		scopes = append(scopes, m[1])
	}
	if f.Get("csrf_token") == "" {
		t.Fatalf("no consent form in page:\n%s", body)
	}
	return f, scopes
}

// consentPage GETs authURL with browser c and returns the consent page.
func (e *env) consentPage(c *http.Client, authURL string) string {
	e.t.Helper()
	resp, err := c.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("authorize: status %d, Location %q, body %s", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	return string(b)
}

// approve submits a consent page (allow, every offered scope unless scopes
// given) and returns the redirect response.
func (e *env) approve(c *http.Client, page string, scopes ...string) *http.Response {
	e.t.Helper()
	f, offered := consentForm(e.t, page)
	if scopes == nil {
		scopes = offered
	}
	f["grant_scope"] = scopes
	f.Set("decision", "allow")
	resp, err := c.PostForm(e.issuer+"/authorize", f)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// authorize runs a browser through consent for authURL and returns the
// client callback URL it was sent to.
func (e *env) authorize(c *http.Client, authURL string) *url.URL {
	e.t.Helper()
	first, err := c.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(first.Body)
	first.Body.Close()
	if first.StatusCode == http.StatusSeeOther { // remembered consent
		return mustURL(e.t, first.Header.Get("Location"))
	}
	if first.StatusCode != 200 {
		e.t.Fatalf("authorize: %d %s", first.StatusCode, b)
	}
	resp := e.approve(c, string(b))
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("consent: status %d, want 303", resp.StatusCode)
	}
	return mustURL(e.t, resp.Header.Get("Location"))
}

// register POSTs a DCR body and decodes the answer.
func (e *env) register(body string) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.Post(e.issuer+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		e.t.Fatalf("register: decode: %v", err)
	}
	return resp.StatusCode, m
}

func (e *env) mustRegister(body string) (id, secret string) {
	e.t.Helper()
	st, m := e.register(body)
	if st != 201 {
		e.t.Fatalf("register: %d %v", st, m)
	}
	id, _ = m["client_id"].(string)
	secret, _ = m["client_secret"].(string)
	return id, secret
}

// postForm POSTs a form to path with optional Basic credentials.
func (e *env) postForm(path string, f url.Values, basicUser, basicPass string) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.issuer+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp, m
}

// pkce returns a verifier and its S256 challenge.
func pkce() (string, string) {
	v := oauth.S256Challenge(time.Now().String()) + "abcdefghij" // 53 chars of base64url
	return v, oauth.S256Challenge(v)
}

// authURL builds an authorization URL.
func (e *env) authURL(clientID, redirect, challenge, state string, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {state}}
	for k, v := range extra {
		q[k] = v
	}
	return e.issuer + "/authorize?" + q.Encode()
}

// codeFlow registers nothing: it authorizes clientID at redirect and
// exchanges the code, returning the token response.
func (e *env) codeFlow(c *http.Client, clientID, secret, redirect string) map[string]any {
	e.t.Helper()
	v, ch := pkce()
	loc := e.authorize(c, e.authURL(clientID, redirect, ch, "st", nil))
	code := loc.Query().Get("code")
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"code_verifier": {v}, "client_id": {clientID}}
	if secret != "" {
		f.Set("client_secret", secret)
	}
	resp, m := e.postForm("/token", f, "", "")
	if resp.StatusCode != 200 {
		e.t.Fatalf("token: %d %v", resp.StatusCode, m)
	}
	return m
}

func (e *env) callMCP(token string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.issuer+"/mcp", strings.NewReader(`{}`))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func loopbackOnly() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}

func (e *env) events(t testing.TB, kind string) []store.Event {
	t.Helper()
	evs, err := e.st.ListEvents(context.Background(), store.EventFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func jsonDecode(b []byte, v any) error { return json.Unmarshal(b, v) }

func jsonDecodeReader(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
