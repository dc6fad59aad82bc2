package authserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-mcp/portico/internal/oauth"
)

// get fetches path with browser c and returns status and body.
func (e *env) get(c *http.Client, path string) (int, string) {
	e.t.Helper()
	resp, err := c.Get(e.issuer + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post submits a form with browser c; header pairs are added to the request.
func (e *env) post(c *http.Client, path string, f url.Values, header ...string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.issuer+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// postJSON posts v as JSON with an optional CSRF header.
func (e *env) postJSON(c *http.Client, path string, v any, csrf string) (int, []byte) {
	e.t.Helper()
	body, _ := json.Marshal(v)
	req, _ := http.NewRequest("POST", e.issuer+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (e *env) accountCSRF(c *http.Client) string {
	e.t.Helper()
	st, body := e.get(c, "/account")
	m := csrfRE.FindStringSubmatch(body)
	if st != 200 || m == nil {
		e.t.Fatalf("account page: %d\n%s", st, body)
	}
	return html.UnescapeString(m[1])
}

func TestSetupLinkSingleUseAndDonePage(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.noUser = true })
	ctx := context.Background()
	link, err := e.id.EnsureSetupLink(ctx)
	if err != nil || link == "" {
		t.Fatalf("%q %v", link, err)
	}
	path := strings.TrimPrefix(link, e.issuer)
	tok := mustURL(t, link).Query().Get("token")
	c := e.browser()
	if st, body := e.get(c, path); st != 200 || !strings.Contains(body, "Create the owner account") {
		t.Fatalf("setup page: %d", st)
	}
	// Bad input: messages next to the fields, and nothing typed is lost.
	resp, body := e.post(c, "/setup", url.Values{"token": {tok}, "name": {"Ada Owner"}, "email": {"not-an-email"}, "password": {"correct horse battery"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="email-error"`) || !strings.Contains(body, `value="Ada Owner"`) ||
		!strings.Contains(body, `value="not-an-email"`) || !strings.Contains(body, `value="correct horse battery"`) {
		t.Fatalf("bad email: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.post(c, "/setup", url.Values{"token": {tok}, "name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="password-error"`) || !strings.Contains(body, `value="ada@example.com"`) || strings.Contains(body, `value="short"`) {
		t.Fatalf("weak password: %d\n%s", resp.StatusCode, body)
	}
	// Cross-site post refused.
	resp, _ = e.post(c, "/setup", url.Values{"token": {tok}, "email": {"ada@example.com"}, "password": {"correct horse battery"}}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site setup: %d", resp.StatusCode)
	}
	resp, body = e.post(c, "/setup", url.Values{"token": {tok}, "name": {"Ada"}, "email": {"ada@example.com"}, "password": {"correct horse battery"}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/setup/done" {
		t.Fatalf("setup: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{e.issuer + "/mcp", "claude mcp add --transport http portico " + e.issuer + "/mcp",
		`src="/static/copy.js"`, "only works from this computer", "uses http://", "Claude.ai", "ChatGPT", "MCP Inspector"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("setup done page lacks %q", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(body, "<script>") {
		t.Error("inline script on the setup done page")
	}
	// The link is dead now, for GET and POST, in any browser.
	if st, body := e.get(e.browser(), path); st != 404 || !strings.Contains(body, "does not work") {
		t.Fatalf("used link: %d", st)
	}
	resp, _ = e.post(e.browser(), "/setup", url.Values{"token": {tok}, "email": {"eve@example.com"}, "password": {"correct horse battery"}})
	if resp.StatusCode != 404 {
		t.Fatalf("second setup: %d", resp.StatusCode)
	}
	if link, _ := e.id.EnsureSetupLink(ctx); link != "" {
		t.Fatalf("new setup link after setup: %q", link)
	}
	// /setup/done needs a session.
	resp, err = noFollow().Get(e.issuer + "/setup/done")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login?return=%2Fsetup%2Fdone") {
		t.Fatalf("anonymous setup done: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginFieldErrors(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	resp, body := e.post(c, "/login", url.Values{"email": {"owner@"}, "password": {""}, "return": {"/account"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="email-error"`) || !strings.Contains(body, `id="password-error"`) ||
		!strings.Contains(body, `value="owner@"`) || !strings.Contains(body, `value="/account"`) {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	resp, body = e.post(c, "/login", url.Values{"email": {e.email}, "password": {"wrong password"}})
	if resp.StatusCode != 401 || !strings.Contains(body, "do not match") || !strings.Contains(body, `value="`+e.email+`"`) {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	resp, _ = e.post(c, "/login", url.Values{"email": {e.email}, "password": {e.password}}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site login: %d", resp.StatusCode)
	}
}

func TestAccountCSRFPasswordAndSessions(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.authOpts.LoginPerMinute = 1000; c.authOpts.LoginPerEmailPerMinute = 1000 })
	a, b := e.loggedIn(), e.loggedIn()
	csrf := e.accountCSRF(a)
	if st, _ := e.get(e.browser(), "/account"); st != 200 {
		// browser() follows the redirect to /login.
		t.Fatalf("anonymous account: %d", st)
	}
	good := url.Values{"csrf_token": {csrf}, "current_password": {e.password}, "new_password": {"a new long password"}, "confirm_password": {"a new long password"}}
	for name, tc := range map[string]struct {
		f      url.Values
		header []string
	}{
		"no token":    {url.Values{"current_password": {e.password}, "new_password": {"a new long password"}, "confirm_password": {"a new long password"}}, nil},
		"wrong token": {url.Values{"csrf_token": {"x" + csrf}, "current_password": {e.password}, "new_password": {"a new long password"}, "confirm_password": {"a new long password"}}, nil},
		"other session's token": {url.Values{"csrf_token": {e.accountCSRF(b)}, "current_password": {e.password},
			"new_password": {"a new long password"}, "confirm_password": {"a new long password"}}, nil},
		"cross-site": {good, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		resp, _ := e.post(a, "/account/password", tc.f, tc.header...)
		if resp.StatusCode != 403 {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	if _, err := e.id.Authenticate(context.Background(), e.email, e.password); err != nil {
		t.Fatalf("password changed by a refused form: %v", err)
	}
	// Field errors, typed values kept where they were not the problem.
	resp, body := e.post(a, "/account/password", url.Values{"csrf_token": {csrf}, "current_password": {"wrong one!"},
		"new_password": {"a new long password"}, "confirm_password": {"a new long password"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="current_password-error"`) || !strings.Contains(body, `value="a new long password"`) {
		t.Fatalf("wrong current: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.post(a, "/account/password", url.Values{"csrf_token": {csrf}, "current_password": {e.password},
		"new_password": {"a new long password"}, "confirm_password": {"something else"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="confirm_password-error"`) {
		t.Fatalf("mismatch: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.post(a, "/account/password", good)
	if resp.StatusCode != 200 || !strings.Contains(body, "Your password was changed") {
		t.Fatalf("change: %d\n%s", resp.StatusCode, body)
	}
	if _, err := e.id.Authenticate(context.Background(), e.email, "a new long password"); err != nil {
		t.Fatal(err)
	}
	// Changing the password signed b out.
	if st, body := e.get(b, "/account"); st != 200 || !strings.Contains(body, "Sign in to") {
		t.Fatalf("other session survived a password change: %d", st)
	}
	// Sign out other sessions.
	e.password = "a new long password"
	c := e.loggedIn()
	resp, _ = e.post(a, "/account/sessions/others/delete", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != 200 || resp.Request.URL.Query().Get("done") != "sessions" {
		t.Fatalf("end others: %d %s", resp.StatusCode, resp.Request.URL)
	}
	if _, body := e.get(c, "/account"); !strings.Contains(body, "Sign in to") {
		t.Fatal("other session survived")
	}
	if _, body := e.get(a, "/account"); !strings.Contains(body, "Your account") {
		t.Fatal("current session ended")
	}
	// Logout needs the token too.
	if resp, _ := e.post(a, "/logout", nil); resp.StatusCode != 403 {
		t.Fatalf("logout without token: %d", resp.StatusCode)
	}
	if resp, body := e.post(a, "/logout", url.Values{"csrf_token": {csrf}}); resp.StatusCode != 200 || !strings.Contains(body, "You are signed out") {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
}

func TestPasskeyRegistrationAndLogin(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.localhost = true; c.authOpts.LoginPerMinute = 1000 })
	rpID := "localhost"
	a := e.loggedIn()
	csrf := e.accountCSRF(a)
	for _, format := range []string{"packed", "none"} {
		t.Run(format, func(t *testing.T) {
			auth := newSoftAuthenticator(t, e.issuer, rpID, format)
			// Without the CSRF header: refused.
			if st, _ := e.postJSON(a, "/account/passkeys/begin", struct{}{}, ""); st != 403 {
				t.Fatalf("begin without csrf: %d", st)
			}
			st, opts := e.postJSON(a, "/account/passkeys/begin", struct{}{}, csrf)
			if st != 200 {
				t.Fatalf("begin: %d %s", st, opts)
			}
			cred := auth.create(opts)
			st, out := e.postJSON(a, "/account/passkeys/finish", map[string]any{"name": "Test key " + format, "credential": cred}, csrf)
			if st != 200 || !strings.Contains(string(out), "passkey-added") {
				t.Fatalf("finish: %d %s", st, out)
			}
			if _, body := e.get(a, "/account"); !strings.Contains(body, "Test key "+format) {
				t.Fatal("passkey not listed")
			}
			// Replaying the registration (cookie consumed) fails.
			if st, _ := e.postJSON(a, "/account/passkeys/finish", map[string]any{"credential": cred}, csrf); st != 400 {
				t.Fatalf("replayed registration: %d", st)
			}

			// Passwordless sign-in in a fresh browser.
			b := e.browser()
			st, ropts := e.postJSON(b, "/login/passkey/begin", struct{}{}, "")
			if st != 200 || !strings.Contains(string(ropts), `"rpId":"localhost"`) {
				t.Fatalf("login begin: %d %s", st, ropts)
			}
			assertion := auth.get(ropts)
			st, out = e.postJSON(b, "/login/passkey/finish", map[string]any{"credential": assertion, "return": "/account"}, "")
			if st != 200 || !strings.Contains(string(out), `"/account"`) {
				t.Fatalf("login finish: %d %s", st, out)
			}
			if _, body := e.get(b, "/account"); !strings.Contains(body, e.email) {
				t.Fatal("not signed in after passkey login")
			}
			// The same assertion again, against a new challenge: refused.
			c := e.browser()
			e.postJSON(c, "/login/passkey/begin", struct{}{}, "")
			if st, _ := e.postJSON(c, "/login/passkey/finish", map[string]any{"credential": assertion}, ""); st != 401 {
				t.Fatalf("replayed assertion: %d", st)
			}
			// Without the begin cookie: expired.
			if st, _ := e.postJSON(e.browser(), "/login/passkey/finish", map[string]any{"credential": assertion}, ""); st != 400 {
				t.Fatalf("no ceremony: %d", st)
			}
			// Wrong origin (a phishing site relaying the challenge): refused.
			evil := *auth
			evil.origin = "http://evil.localhost:1"
			_, ropts = e.postJSON(c, "/login/passkey/begin", struct{}{}, "")
			if st, _ := e.postJSON(c, "/login/passkey/finish", map[string]any{"credential": evil.get(ropts)}, ""); st != 401 {
				t.Fatalf("wrong origin: %d", st)
			}
			// A counter that goes backwards (cloned key): refused.
			auth.counter = 0
			_, ropts = e.postJSON(c, "/login/passkey/begin", struct{}{}, "")
			if st, _ := e.postJSON(c, "/login/passkey/finish", map[string]any{"credential": auth.get(ropts)}, ""); st != 401 {
				t.Fatalf("counter regression: %d", st)
			}
			auth.counter = 100
			// Remove it: sign-in stops working.
			pks, err := e.id.ListPasskeys(context.Background(), e.user.ID)
			if err != nil || len(pks) == 0 {
				t.Fatal(pks, err)
			}
			resp, _ := e.post(a, "/account/passkeys/delete", url.Values{"csrf_token": {csrf}, "id": {pks[len(pks)-1].ID}})
			if resp.StatusCode != 200 || resp.Request.URL.Query().Get("done") != "passkey-removed" {
				t.Fatalf("delete: %d", resp.StatusCode)
			}
			_, ropts = e.postJSON(c, "/login/passkey/begin", struct{}{}, "")
			if st, _ := e.postJSON(c, "/login/passkey/finish", map[string]any{"credential": auth.get(ropts)}, ""); st != 401 {
				t.Fatalf("removed passkey still works: %d", st)
			}
		})
	}
	// Cross-site begin refused.
	req, _ := http.NewRequest("POST", e.issuer+"/login/passkey/begin", strings.NewReader("{}"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site begin: %d", resp.StatusCode)
	}
}

func TestPasskeysDisabledOnIPAddress(t *testing.T) {
	e := newEnv(t)
	if e.id.PasskeysEnabled() {
		t.Fatal("passkeys enabled with an IP address as relying party ID")
	}
	if _, body := e.get(e.browser(), "/login"); strings.Contains(body, "passkey") {
		t.Fatal("login page offers passkeys")
	}
}

// TestConsentUntickAndDeny: an unticked scope is not in the token, and deny
// sends access_denied to the client.
func TestConsentUntickAndDeny(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(`{"redirect_uris":["` + redirect + `"],"token_endpoint_auth_method":"none","client_name":"Tester"}`)
	c := e.loggedIn()
	all := oauth.ScopeContentRead + " " + oauth.ScopeContentWrite + " " + oauth.ScopeContentPublish + " " + oauth.ScopeSiteAdmin
	v, ch := pkce()
	page := e.consentPage(c, e.authURL(id, redirect, ch, "s1", url.Values{"scope": {all}}))
	for _, want := range []string{"Tester", "registered dynamically", "127.0.0.1", "Publish and delete", "moderate comments"} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	resp := e.approve(c, page, oauth.ScopeContentRead, oauth.ScopeContentWrite)
	loc := mustURL(t, resp.Header.Get("Location"))
	_, m := e.postForm("/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {v}, "client_id": {id}}, "", "")
	if m["scope"] != oauth.ScopeContentRead+" "+oauth.ScopeContentWrite {
		t.Fatalf("token scope %v", m["scope"])
	}
	// Deny, with prompt=consent so the remembered consent is not reused.
	_, ch = pkce()
	page = e.consentPage(c, e.authURL(id, redirect, ch, "s2", url.Values{"scope": {all}, "prompt": {"consent"}}))
	f, _ := consentForm(t, page)
	f.Set("decision", "deny")
	resp, err := noFollow().Do(func() *http.Request {
		req, _ := http.NewRequest("POST", e.issuer+"/authorize", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range c.Jar.Cookies(mustURL(t, e.issuer)) {
			req.AddCookie(ck)
		}
		return req
	}())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc = mustURL(t, resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s2" {
		t.Fatalf("deny: %d %s", resp.StatusCode, loc)
	}
}
