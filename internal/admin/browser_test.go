package admin_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico-mcp/portico/internal/config"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/server"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// site is the whole product as server.New assembles it.
type site struct {
	url      string
	st       store.Store
	callback chan url.Values
	cbURL    string
}

func startSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	cfg := config.Defaults()
	cfg.PublicURL = ts.URL
	srv, err := server.New(ctx, server.Options{Config: cfg, Store: st})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	handler = srv.Handler() // the admin pages are mounted by server.New

	s := &site{url: ts.URL, st: st, callback: make(chan url.Values, 4)}
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		s.callback <- r.URL.Query()
		_, _ = io.WriteString(w, "<!doctype html><title>callback</title><p id=done>back at the client</p>")
	}))
	t.Cleanup(cb.Close)
	s.cbURL = cb.URL + "/callback"
	id, err := identity.New(identity.Config{Store: st, Issuer: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := id.CreateUser(ctx, "owner@example.com", "Owner", store.RoleAdmin, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *site) register(t *testing.T, name string) string {
	t.Helper()
	body := fmt.Sprintf(`{"client_name":%q,"redirect_uris":[%q],"token_endpoint_auth_method":"none"}`, name, s.cbURL)
	resp, err := http.Post(s.url+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	return out.ClientID
}

func (s *site) authorizeURL(clientID, verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {s.cbURL},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"state": {"st"}, "resource": {s.url + "/mcp"}, "prompt": {"consent"}}
	return s.url + "/authorize?" + q.Encode()
}

func (s *site) token(t *testing.T, clientID, code, verifier string) (access, scope string) {
	t.Helper()
	resp, err := http.PostForm(s.url+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {s.cbURL}, "code_verifier": {verifier}, "client_id": {clientID}, "resource": {s.url + "/mcp"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken, out.Scope
}

func (s *site) mcp(t *testing.T, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.url+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func verifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// browser starts headless Chromium, or skips the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("PORTICO_TEST_BROWSER") != "1" {
		t.Skip("browser test: set PORTICO_TEST_BROWSER=1 (needs Debian chromium at /usr/bin/chromium)")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("PORTICO_TEST_BROWSER=1 but chromium is not installed: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	var s string
	var err error
	for range 20 {
		s, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("read page: %v", err)
	return ""
}

// waitFor polls the page until it contains want.
func waitFor(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	var last string
	for range 100 {
		last = text(t, ctx)
		if strings.Contains(last, want) {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("page %s never showed %q:\n%.3000s", loc, want, last)
	return ""
}

func (s *site) waitCallback(t *testing.T) url.Values {
	t.Helper()
	select {
	case q := <-s.callback:
		return q
	case <-time.After(30 * time.Second):
		t.Fatal("the client's callback was never reached")
	}
	return nil
}

// shoot saves desktop and phone screenshots of path.
func shoot(t *testing.T, ctx context.Context, base, name, path string) {
	t.Helper()
	dir := os.Getenv("PORTICO_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, vp := range []struct {
		name string
		w, h int64
		opts []chromedp.EmulateViewportOption
	}{{"desktop", 1280, 800, nil}, {"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateScale(2)}}} {
		do(t, ctx, chromedp.EmulateViewport(vp.w, vp.h, vp.opts...), chromedp.Navigate(base+path))
		// Nothing may be wider than the viewport (horizontal scrolling).
		over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil {
			t.Fatal(err)
		}
		if over {
			t.Errorf("%s (%s) scrolls horizontally", path, vp.name)
		}
		img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+vp.name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 800))
}

func TestBrowserAdminFlow(t *testing.T) {
	ctx := browser(t)
	s := startSite(t)

	// Sign in through the real login page.
	do(t, ctx, chromedp.Navigate(s.url+"/admin/"))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "owner@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "correct horse battery"),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)))
	waitFor(t, ctx, "Your MCP server URL")

	// A real client: register over HTTP, authorize in the browser, untick
	// two scopes on the consent page.
	clientID := s.register(t, "Browser Test Client")
	v := verifier()
	do(t, ctx, chromedp.Navigate(s.authorizeURL(clientID, v)))
	waitFor(t, ctx, "Browser Test Client")
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name=grant_scope][value="content:publish"]`)),
		chromedp.Click(chromedp.CSS(`input[name=grant_scope][value="site:admin"]`)),
		chromedp.Click(chromedp.CSS(`button[name=decision][value=allow]`)))
	q := s.waitCallback(t)
	waitFor(t, ctx, "back at the client")
	access, scope := s.token(t, clientID, q.Get("code"), v)
	if scope != "content:read content:write" {
		t.Errorf("granted scope %q, want content:read content:write", scope)
	}
	if code, body := s.mcp(t, access, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_post","arguments":{"title":"Drafted by the assistant","body":"Hello from **MCP**","status":"pending"}}}`); code != 200 || !strings.Contains(body, "pending") {
		t.Fatalf("create_post: %d %s", code, body)
	}

	// A second client, denied.
	denied := s.register(t, "Denied Client")
	v2 := verifier()
	do(t, ctx, chromedp.Navigate(s.authorizeURL(denied, v2)))
	waitFor(t, ctx, "Denied Client")
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[name=decision][value=deny]`)))
	if q := s.waitCallback(t); q.Get("error") != "access_denied" {
		t.Errorf("deny: callback got %v", q)
	}
	// Let the callback page finish loading before navigating away, or
	// Chromium aborts the next navigation.
	waitFor(t, ctx, "back at the client")

	// Both clients are listed; the timeline explains each.
	do(t, ctx, chromedp.Navigate(s.url+"/admin/clients"))
	page := waitFor(t, ctx, "Browser Test Client")
	if !strings.Contains(page, "Denied Client") || !strings.Contains(page, "owner@example.com") {
		t.Errorf("clients page:\n%s", page)
	}
	do(t, ctx, chromedp.Navigate(s.url+"/admin/clients/"+url.PathEscape(denied)))
	waitFor(t, ctx, "Consent denied at")
	do(t, ctx, chromedp.Navigate(s.url+"/admin/clients/"+url.PathEscape(clientID)))
	page = waitFor(t, ctx, "Connected: the first MCP request")
	for _, want := range []string{"Consent page shown", "Consent granted", "Token issued", "First MCP request", "Registered"} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	shoot(t, ctx, s.url, "client", "/admin/clients/"+url.PathEscape(clientID))

	// Approving the assistant's draft makes it public at its URL.
	do(t, ctx, chromedp.Navigate(s.url+"/admin/content"))
	waitFor(t, ctx, "via Browser Test Client")
	do(t, ctx, chromedp.Click(chromedp.CSS(`td a[href^="/admin/content/"]`)))
	waitFor(t, ctx, "Hello from MCP")
	do(t, ctx, chromedp.Click(chromedp.ID("action-publish")))
	waitFor(t, ctx, "Published.")
	if resp, err := http.Get(s.url + "/posts/drafted-by-the-assistant"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /posts/drafted-by-the-assistant: %v %v", resp.Status, err)
	}

	// Personal access token: create, read once, use.
	do(t, ctx, chromedp.Navigate(s.url+"/admin/tokens"))
	do(t, ctx, chromedp.SendKeys(chromedp.ID("token-name"), "laptop script"),
		chromedp.Click(chromedp.CSS(`input[name=scope][value="content:write"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] button[type=submit]`)))
	waitFor(t, ctx, "shown only this once")
	pat, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("pat")))
	if err != nil || !strings.HasPrefix(pat, "pt_pat_") {
		t.Fatalf("token field: %q %v", pat, err)
	}
	if code, body := s.mcp(t, pat, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); code != 200 {
		t.Errorf("PAT tools/list: %d %s", code, body)
	}

	// Screenshots of every page, before the revoke changes the client.
	for _, p := range []struct{ name, path string }{
		{"overview", "/admin/"}, {"clients", "/admin/clients"}, {"timeline", "/admin/timeline"},
		{"users", "/admin/users"}, {"tokens", "/admin/tokens"}, {"content", "/admin/content?status=all"},
		{"post", "/admin/content/1"}, {"editor", "/admin/content/1/edit"}, {"new-post", "/admin/content/new"},
		{"comments", "/admin/comments"}, {"settings", "/admin/settings"}, {"security", "/admin/security"},
		{"client-new", "/admin/clients/new"}, {"user", "/admin/users/1"},
	} {
		shoot(t, ctx, s.url, p.name, p.path)
	}

	// Revoke by clicking; the client's next MCP call gets 401.
	do(t, ctx, chromedp.Navigate(s.url+"/admin/clients/"+url.PathEscape(clientID)))
	do(t, ctx, chromedp.Click(chromedp.ID("revoke-client")))
	waitFor(t, ctx, "all its tokens stopped working")
	if code, _ := s.mcp(t, access, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`); code != http.StatusUnauthorized {
		t.Errorf("MCP call after revoke: %d, want 401", code)
	}
	if p := text(t, ctx); !regexp.MustCompile(`(?s)administrator revoked this client`).MatchString(p) {
		t.Errorf("revoked client page lacks the diagnosis:\n%.2000s", p)
	}
}
