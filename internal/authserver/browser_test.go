package authserver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/portico-mcp/portico/internal/authserver"
	"github.com/portico-mcp/portico/internal/oauth"
)

// browserCtx starts headless Debian Chromium, or skips unless
// PORTICO_TEST_BROWSER=1 (then a missing browser fails the test).
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("PORTICO_TEST_BROWSER") != "1" {
		t.Skip("browser test: set PORTICO_TEST_BROWSER=1 and install chromium to run it")
	}
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else {
			t.Fatalf("PORTICO_TEST_BROWSER=1 but chromium is missing: %v", err)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// shots writes screenshots of a page at desktop and phone sizes.
type shots struct {
	t   *testing.T
	dir string
}

func newShots(t *testing.T) shots {
	dir := os.Getenv("PORTICO_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return shots{t: t, dir: dir}
}

func (s shots) take(ctx context.Context, name string) {
	s.t.Helper()
	for _, size := range []struct {
		label string
		w, h  int64
		phone bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		var opts []chromedp.EmulateViewportOption
		if size.phone {
			opts = append(opts, chromedp.EmulateScale(1), chromedp.EmulateMobile, chromedp.EmulatePortrait)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h, opts...), chromedp.Sleep(150*time.Millisecond)); err != nil {
			s.t.Fatal(err)
		}
		// A page wider than the viewport overflows horizontally.
		sw, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
		if err != nil {
			s.t.Fatal(err)
		}
		if sw > size.w {
			s.t.Errorf("%s at %s: page is %d px wide, viewport %d", name, size.label, sw, size.w)
		}
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			s.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.dir, name+"-"+size.label+".png"), buf, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		s.t.Fatal(err)
	}
}

// waitPath polls until the page's path is want.
func waitPath(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var loc string
	for time.Now().Before(deadline) {
		var err error
		loc, err = chromedp.Run(ctx, chromedp.Location())
		if err == nil {
			if u, perr := url.Parse(loc); perr == nil && u.Path == want {
				return loc
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	t.Fatalf("waited for %s, at %s:\n%s", want, loc, body)
	return ""
}

// bodyText returns the page's text, retrying while a navigation replaces
// the document (the body is briefly missing or the context destroyed).
func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	var err error
	for range 50 {
		var s string
		s, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil && s != "" {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ""
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// callbackServer is an OAuth client's redirect URI that records what it got.
type callbackServer struct {
	srv *httptest.Server
	mu  sync.Mutex
	got url.Values
}

func newCallbackServer(t *testing.T) *callbackServer {
	c := &callbackServer{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cb" {
			http.NotFound(w, r) // e.g. /favicon.ico
			return
		}
		c.mu.Lock()
		c.got = r.URL.Query()
		c.mu.Unlock()
		fmt.Fprintln(w, "callback received")
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *callbackServer) wait(t *testing.T) url.Values {
	t.Helper()
	for range 200 {
		c.mu.Lock()
		got := c.got
		c.got = nil
		c.mu.Unlock()
		if got != nil {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the client callback was never called")
	return nil
}

// TestBrowserPeople drives the pages in headless Chromium: first-run setup,
// sign-out and password sign-in through an OAuth authorization with a
// scope unticked, a denied authorization, passkey registration and
// passwordless sign-in with CDP's virtual authenticator, and sign-in
// through an upstream OIDC issuer. It screenshots every page.
func TestBrowserPeople(t *testing.T) {
	ctx := browserCtx(t)
	fi := newFakeIssuer(t)
	e := newEnv(t, func(c *envConfig) {
		c.noUser, c.localhost = true, true
		c.authOpts.Upstreams = []authserver.Upstream{{Name: "FakeID", Issuer: fi.srv.URL, ClientID: "portico", ClientSecret: "s3cret"}}
	})
	sh := newShots(t)
	e.email, e.password = "ada@example.com", "correct horse battery"

	// 1. First-run setup.
	link, err := e.id.EnsureSetupLink(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("email")))
	sh.take(ctx, "setup")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("email"), e.email),
		chromedp.SendKeys(chromedp.ID("password"), "short"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.ID("password-error")))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Use at least 10 characters") {
		t.Fatalf("no field error:\n%s", txt)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name"))); v != "Ada Lovelace" {
		t.Fatalf("name lost: %q", v)
	}
	sh.take(ctx, "setup-error")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("password"), e.password), chromedp.Click(chromedp.CSS("button.primary")))
	waitPath(t, ctx, "/setup/done")
	if txt := bodyText(t, ctx); !strings.Contains(txt, e.issuer+"/mcp") || !strings.Contains(txt, "claude mcp add --transport http portico") {
		t.Fatalf("setup done page:\n%s", txt)
	}
	sh.take(ctx, "setup-done")
	do(t, ctx, chromedp.Navigate(link))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "This link does not work") {
		t.Fatalf("used setup link still works:\n%s", txt)
	}

	// 2. Account page, sign out.
	do(t, ctx, chromedp.Navigate(e.issuer+"/account"), chromedp.WaitVisible(chromedp.ID("new_password")))
	sh.take(ctx, "account")
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, ctx, "/login")
	sh.take(ctx, "login")

	// 3. An OAuth client: password sign-in, consent with content:publish
	// unticked, token without it.
	cb := newCallbackServer(t)
	redirect := cb.srv.URL + "/cb"
	id, _ := e.mustRegister(`{"redirect_uris":["` + redirect + `"],"token_endpoint_auth_method":"none","client_name":"Browser Test Client"}`)
	all := strings.Join([]string{oauth.ScopeContentRead, oauth.ScopeContentWrite, oauth.ScopeContentPublish, oauth.ScopeSiteAdmin}, " ")
	v, ch := pkce()
	do(t, ctx, chromedp.Navigate(e.authURL(id, redirect, ch, "st1", url.Values{"scope": {all}})))
	waitPath(t, ctx, "/login")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("email"), e.email), chromedp.SendKeys(chromedp.ID("password"), e.password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)))
	waitPath(t, ctx, "/authorize")
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Browser Test Client") || !strings.Contains(txt, "registered dynamically") {
		t.Fatalf("consent page:\n%s", txt)
	}
	sh.take(ctx, "consent")
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[value="content:publish"]`)), chromedp.Click(chromedp.CSS(`button[value="allow"]`)))
	got := cb.wait(t)
	_, tok := e.postForm("/token", url.Values{"grant_type": {"authorization_code"}, "code": {got.Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {v}, "client_id": {id}}, "", "")
	if want := oauth.ScopeContentRead + " " + oauth.ScopeContentWrite + " " + oauth.ScopeSiteAdmin; tok["scope"] != want {
		t.Fatalf("token scope %v, want %q (%v)", tok["scope"], want, tok)
	}

	// 4. Deny.
	_, ch = pkce()
	do(t, ctx, chromedp.Navigate(e.authURL(id, redirect, ch, "st2", url.Values{"scope": {all}, "prompt": {"consent"}})))
	waitPath(t, ctx, "/authorize")
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[value="deny"]`)))
	if got := cb.wait(t); got.Get("error") != "access_denied" || got.Get("state") != "st2" {
		t.Fatalf("deny: %v", got)
	}

	// 5. Passkeys through CDP's virtual authenticator.
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true}}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(e.issuer+"/account"), chromedp.WaitVisible(chromedp.ID("passkey-add")),
		chromedp.SendKeys(chromedp.ID("passkey-name"), "Virtual key"), chromedp.Click(chromedp.ID("passkey-add")))
	for i := 0; ; i++ {
		txt := bodyText(t, ctx)
		if strings.Contains(txt, "Your passkey was added") && strings.Contains(txt, "Virtual key") {
			break
		}
		if i > 100 {
			t.Fatalf("passkey not added:\n%s", txt)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sh.take(ctx, "account-passkey")
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, ctx, "/login")
	do(t, ctx, chromedp.Navigate(e.issuer+"/login?return=%2Faccount"), chromedp.WaitVisible(chromedp.ID("passkey-login")),
		chromedp.Click(chromedp.ID("passkey-login")))
	waitPath(t, ctx, "/account")
	if txt := bodyText(t, ctx); !strings.Contains(txt, e.email) {
		t.Fatalf("not signed in with the passkey:\n%s", txt)
	}

	// 6. Upstream OIDC sign-in.
	fi.set(func(f *fakeIssuer) { f.email, f.emailVerified = e.email, true })
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, ctx, "/login")
	do(t, ctx, chromedp.Navigate(e.issuer+"/login?return=%2Faccount"), chromedp.Click(chromedp.CSS(`form[action="/login/oidc/fakeid"] button`)))
	waitPath(t, ctx, "/account")
	// Unverified: refused with a clear message.
	fi.set(func(f *fakeIssuer) { f.emailVerified = false })
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	waitPath(t, ctx, "/login")
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/login/oidc/fakeid"] button`)))
	waitPath(t, ctx, "/login/oidc/callback")
	if txt := bodyText(t, ctx); !strings.Contains(txt, "not verified") {
		t.Fatalf("unverified upstream email:\n%s", txt)
	}
	sh.take(ctx, "upstream-unverified")
	t.Logf("screenshots in %s", sh.dir)
}
