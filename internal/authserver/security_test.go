package authserver_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/oauth"
)

// Security tests modelled on RFC 9700 and the MCP security best practices.

func TestSecurityOpenRedirect(t *testing.T) {
	e := newEnv(t)
	id, _ := e.mustRegister(`{"redirect_uris":["https://app.example/cb","http://localhost:3000/cb"]}`)
	_, ch := pkce()
	for _, ru := range []string{
		"https://app.example/cb/", "https://app.example/cbx", "https://app.example/cb/../evil", "https://app.example/cb?x=1",
		"https://app.example.evil.com/cb", "https://evil.com/https://app.example/cb", "https://app.example@evil.com/cb",
		"https://evil.com@app.example/cb", "https://app.example/cb#frag", "https://APP.example/cb", "HTTPS://app.example/cb",
		"https://app.example/%63b", "https://app.example%2Fcb", "https://app.example:444/cb", "http://app.example/cb",
		"https://app.example/CB", "http://localhost:3000/cb/../x", "http://localhost.evil.com:3000/cb", "http://127.0.0.2:3000/cb",
		"javascript:alert(1)//https://app.example/cb", "//evil.com/cb", "https://app.example/cb%00", " https://app.example/cb",
	} {
		resp, err := noFollow().Get(e.authURL(id, ru, ch, "s", nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%q: %d Location %q", ru, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestSecurityCodeReplayRevokesGrant(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	v, ch := pkce()
	loc := e.authorize(e.loggedIn(), e.authURL(id, redirect, ch, "s", nil))
	f := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect},
		"code_verifier": {v}, "client_id": {id}}
	resp, first := e.postForm("/token", f, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("first use: %d %v", resp.StatusCode, first)
	}
	resp, m := e.postForm("/token", f, "", "")
	if resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v", resp.StatusCode, m)
	}
	if r := e.callMCP(first["access_token"].(string)); r.StatusCode != 401 {
		t.Fatalf("access token from replayed code still works: %d", r.StatusCode)
	}
	resp, m = e.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}, "client_id": {id}}, "", "")
	if resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("refresh after replay: %d %v", resp.StatusCode, m)
	}
	if len(e.events(t, "code.replay")) != 1 {
		t.Fatal("no code.replay event")
	}
}

func TestSecurityCodeOtherClientAndPKCE(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	a, _ := e.mustRegister(fmt.Sprintf(`{"client_name":"a","redirect_uris":[%q]}`, redirect))
	b, _ := e.mustRegister(fmt.Sprintf(`{"client_name":"b","redirect_uris":[%q]}`, redirect))
	v, ch := pkce()
	loc := e.authorize(e.loggedIn(), e.authURL(a, redirect, ch, "s", nil))
	code := loc.Query().Get("code")
	try := func(client, verifier string) (int, string) {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "client_id": {client}}
		if verifier != "" {
			f.Set("code_verifier", verifier)
		}
		resp, m := e.postForm("/token", f, "", "")
		s, _ := m["error"].(string)
		return resp.StatusCode, s
	}
	if st, er := try(b, v); st != 400 || er != "invalid_grant" {
		t.Fatalf("other client: %d %s", st, er)
	}
	if st, er := try(a, ""); st != 400 || er != "invalid_request" {
		t.Fatalf("no verifier: %d %s", st, er)
	}
	wrong, _ := pkce()
	if st, er := try(a, wrong+"x"); st != 400 || er != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %s", st, er)
	}
	if st, er := try(a, v); st != 200 {
		t.Fatalf("legitimate exchange after attacks: %d %s", st, er)
	}
}

func TestSecurityPKCEDowngradeAndMixUp(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	v, ch := pkce()
	for name, extra := range map[string]url.Values{
		"plain":        {"code_challenge_method": {"plain"}, "code_challenge": {v}},
		"no method":    {"code_challenge_method": {""}},
		"no challenge": {"code_challenge": {""}},
		"token type":   {"response_type": {"token"}},
	} {
		resp, _ := noFollow().Get(e.authURL(id, redirect, ch, "st", extra))
		resp.Body.Close()
		loc := mustURL(t, resp.Header.Get("Location"))
		want := "invalid_request"
		if name == "token type" {
			want = "unsupported_response_type"
		}
		if resp.StatusCode != 303 || loc.Query().Get("error") != want || loc.Query().Get("iss") != e.issuer || loc.Query().Get("state") != "st" {
			t.Fatalf("%s: %d %s", name, resp.StatusCode, loc)
		}
	}
	// Deny also carries iss (RFC 9207 on error responses).
	c := e.loggedIn()
	f, _ := consentForm(t, e.consentPage(c, e.authURL(id, redirect, ch, "st", nil)))
	f.Set("decision", "deny")
	resp, _ := c.PostForm(e.issuer+"/authorize", f)
	resp.Body.Close()
	loc := mustURL(t, resp.Header.Get("Location"))
	if resp.StatusCode != 303 || loc.Query().Get("error") != "access_denied" || loc.Query().Get("iss") != e.issuer {
		t.Fatalf("deny: %d %s", resp.StatusCode, loc)
	}
}

func TestSecurityConsentCSRFAndFraming(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	_, ch := pkce()
	c := e.loggedIn()
	resp, err := c.Get(e.authURL(id, redirect, ch, "s", nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		h.Get("Cache-Control") != "no-store" {
		t.Fatalf("framing headers: %v", h)
	}
	f, _ := consentForm(t, string(b))
	f.Set("decision", "allow")
	for name, mod := range map[string]func(url.Values, *http.Request){
		"missing token": func(f url.Values, _ *http.Request) { f.Del("csrf_token") },
		"wrong token":   func(f url.Values, _ *http.Request) { f.Set("csrf_token", "AAAA") },
		"cross-site":    func(_ url.Values, r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
	} {
		ff := url.Values{}
		for k, v := range f {
			ff[k] = append([]string(nil), v...)
		}
		req, _ := http.NewRequest("POST", e.issuer+"/authorize", nil)
		mod(ff, req)
		req.Body = io.NopCloser(strings.NewReader(ff.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 || resp.Header.Get("Location") != "" {
			t.Fatalf("%s: %d", name, resp.StatusCode)
		}
	}
	// A consent post without a session goes to login, never to the client.
	resp, _ = noFollow().PostForm(e.issuer+"/authorize", f)
	resp.Body.Close()
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("no session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSecurityTokenInQueryAndAudience(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	m := e.codeFlow(e.loggedIn(), id, "", redirect)
	at := m["access_token"].(string)
	resp, _ := http.Post(e.issuer+"/mcp?access_token="+at, "application/json", strings.NewReader("{}"))
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("query token accepted: %d", resp.StatusCode)
	}
	resp, body := e.postForm("/token?code=x&client_secret=y", url.Values{"grant_type": {"authorization_code"}, "client_id": {id}}, "", "")
	if resp.StatusCode != 400 || body["error"] != "invalid_request" {
		t.Fatalf("/token with secrets in query: %d %v", resp.StatusCode, body)
	}
	ctx := context.Background()
	if _, err := e.oa.Verify(ctx, at, "https://other.example/mcp"); err == nil {
		t.Fatal("token accepted for another resource")
	}
	if _, err := e.oa.Verify(ctx, at, e.issuer+"/admin"); err == nil {
		t.Fatal("token accepted for another path")
	}
	if _, err := e.oa.Verify(ctx, m["refresh_token"].(string), ""); err == nil {
		t.Fatal("refresh token accepted as bearer")
	}
	if info, err := e.oa.Verify(ctx, at, e.issuer+"/Mcp/"); err != nil || info.UserID != e.user.ID {
		t.Fatalf("canonical variants: %v", err)
	}
}

func TestSecurityRefreshReuseAfterGrace(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	m := e.codeFlow(e.loggedIn(), id, "", redirect)
	old := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {id}}
	resp, next := e.postForm("/token", old, "", "")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	e.clock.Advance(2 * time.Minute)
	resp, r := e.postForm("/token", old, "", "")
	if resp.StatusCode != 400 || r["error"] != "invalid_grant" {
		t.Fatalf("reuse after grace: %d %v", resp.StatusCode, r)
	}
	if c := e.callMCP(next["access_token"].(string)); c.StatusCode != 401 {
		t.Fatalf("grant not revoked: %d", c.StatusCode)
	}
	resp, _ = e.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next["refresh_token"].(string)}, "client_id": {id}}, "", "")
	if resp.StatusCode != 400 {
		t.Fatalf("successor refresh still works: %d", resp.StatusCode)
	}
	if len(e.events(t, "token.refresh_reuse")) != 1 {
		t.Fatal("no token.refresh_reuse event")
	}
}

func TestSecurityConcurrentRefreshWithinGrace(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	m := e.codeFlow(e.loggedIn(), id, "", redirect)
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {id}}
	const n = 20
	var wg sync.WaitGroup
	got := make([]map[string]any, n)
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() {
			resp, r := e.postForm("/token", f, "", "")
			codes[i], got[i] = resp.StatusCode, r
		})
	}
	wg.Wait()
	for i := range n {
		if codes[i] != 200 || got[i]["access_token"] != got[0]["access_token"] || got[i]["refresh_token"] != got[0]["refresh_token"] {
			t.Fatalf("refresh %d: %d %v vs %v", i, codes[i], got[i], got[0])
		}
	}
	if c := e.callMCP(got[0]["access_token"].(string)); c.StatusCode != 200 {
		t.Fatalf("new token: %d", c.StatusCode)
	}
}

func TestSecurityCIMDSSRF(t *testing.T) {
	redirect := "http://127.0.0.1:9/cb"
	id, pool, _ := cimdServer(t, redirect, nil)
	_, ch := pkce()
	refused := func(t *testing.T, e *env, clientID string) {
		t.Helper()
		resp, err := noFollow().Get(e.authURL(clientID, redirect, ch, "s", nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Fatalf("%s: %d", clientID, resp.StatusCode)
		}
		evs := e.events(t, "client.cimd_fetched")
		if len(evs) == 0 || evs[0].Outcome != "error" {
			t.Fatalf("events %+v", evs)
		}
	}
	t.Run("loopback", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.oauthOpts.CIMD = oauth.CIMDOptions{RootCAs: pool, DisableBuiltins: true} })
		refused(t, e, id)
	})
	t.Run("ipv6_mapped_and_private", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) {
			c.oauthOpts.CIMD = oauth.CIMDOptions{RootCAs: pool, DisableBuiltins: true, Timeout: time.Second}
		})
		port := mustURL(t, id).Port()
		for _, host := range []string{"[::ffff:127.0.0.1]", "10.0.0.1", "169.254.169.254", "[fd00::1]", "100.64.0.1", "[::1]", "0.0.0.0"} {
			refused(t, e, "https://"+host+":"+port+"/oauth/client.json")
		}
	})
	t.Run("redirect", func(t *testing.T) {
		target := httptest.NewTLSServer(http.RedirectHandler(id, http.StatusFound))
		defer target.Close()
		pool2 := x509.NewCertPool()
		pool2.AddCert(target.Certificate())
		pool2.AddCert(mustCert(t, pool))
		e := newEnv(t, func(c *envConfig) {
			c.oauthOpts.CIMD = oauth.CIMDOptions{RootCAs: pool2, AllowAddrs: loopbackOnly(), DisableBuiltins: true}
		})
		refused(t, e, target.URL+"/oauth/client.json")
	})
	t.Run("oversized_and_mismatched", func(t *testing.T) {
		big, bpool, _ := cimdServer(t, redirect, func(d map[string]any) { d["pad"] = strings.Repeat("x", 70<<10) })
		e := newEnv(t, func(c *envConfig) {
			c.oauthOpts.CIMD = oauth.CIMDOptions{RootCAs: bpool, AllowAddrs: loopbackOnly(), DisableBuiltins: true}
		})
		refused(t, e, big)
		mm, mpool, _ := cimdServer(t, redirect, func(d map[string]any) { d["client_id"] = "https://evil.example/client.json" })
		e2 := newEnv(t, func(c *envConfig) {
			c.oauthOpts.CIMD = oauth.CIMDOptions{RootCAs: mpool, AllowAddrs: loopbackOnly(), DisableBuiltins: true}
		})
		refused(t, e2, mm)
	})
}

// mustCert returns the only certificate that was added to pool (the
// httptest CA is self-signed, so re-adding via Subjects is not possible;
// cimdServer's servers share httptest's fixed certificate).
func mustCert(t *testing.T, _ *x509.CertPool) *x509.Certificate {
	t.Helper()
	s := httptest.NewTLSServer(http.NotFoundHandler())
	defer s.Close()
	return s.Certificate()
}

func TestSecurityBodies(t *testing.T) {
	e := newEnv(t)
	post := func(path, ct, body string) (int, map[string]any) {
		resp, err := http.Post(e.issuer+path, ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		b, _ := io.ReadAll(resp.Body)
		if err := jsonUnmarshal(b, &m); err != nil {
			t.Fatalf("%s: non-JSON error body %q", path, b)
		}
		return resp.StatusCode, m
	}
	huge := `{"redirect_uris":["https://a.example/cb"],"client_name":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct {
		path, ct, body string
		status         int
		code           string
	}{
		{"/register", "application/json", huge, 413, "invalid_client_metadata"},
		{"/register", "application/json", `{"redirect_uris":`, 400, "invalid_client_metadata"},
		{"/register", "application/json", `[]`, 400, "invalid_client_metadata"},
		{"/register", "application/json", `{"redirect_uris":"https://a.example/cb"}`, 400, "invalid_client_metadata"},
		{"/register", "application/json", `{}`, 400, "invalid_redirect_uri"},
		{"/register", "application/json", `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, 400, "invalid_client_metadata"},
		{"/token", "application/x-www-form-urlencoded", "grant_type=" + strings.Repeat("x", 70<<10), 413, "invalid_request"},
		{"/token", "application/x-www-form-urlencoded", "grant_type=%zz", 400, "invalid_request"},
		{"/token", "application/x-www-form-urlencoded", "client_id=a&client_id=b", 400, "invalid_request"},
		{"/token", "application/json", `{"client_id":["a"]}`, 400, "invalid_request"},
		{"/token", "application/json", `{"client_id":`, 400, "invalid_request"},
		{"/token", "application/x-www-form-urlencoded", "", 401, "invalid_client"},
	} {
		st, m := post(tc.path, tc.ct, tc.body)
		if st != tc.status || m["error"] != tc.code {
			t.Errorf("%s %.40q: %d %v, want %d %s", tc.path, tc.body, st, m, tc.status, tc.code)
		}
	}
	// Unknown grant type for a valid client.
	id, _ := e.mustRegister(`{"redirect_uris":["https://a.example/cb"]}`)
	resp, m := e.postForm("/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}}, "", "")
	if resp.StatusCode != 400 || m["error"] != "unsupported_grant_type" {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
}

func TestSecurityLoginAndSetup(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.authOpts.LoginPerMinute = 1000 })
	c := e.browser()
	resp, _ := c.PostForm(e.issuer+"/login", url.Values{"email": {e.email}, "password": {e.password}, "return": {"//evil.com/x"}})
	resp.Body.Close()
	if resp.Request.URL.Host != mustURL(t, e.issuer).Host || resp.Request.URL.Path != "/" {
		t.Fatalf("open redirect after login: %s", resp.Request.URL)
	}
	for _, ret := range []string{"https://evil.com", "/\\evil.com", "/%0d%0aSet-Cookie:x", "javascript:alert(1)"} {
		resp, _ := noFollow().PostForm(e.issuer+"/login", url.Values{"email": {e.email}, "password": {e.password}, "return": {ret}})
		resp.Body.Close()
		if l := resp.Header.Get("Location"); l != "/" && !strings.HasPrefix(l, "/%") {
			t.Fatalf("return %q → %q", ret, l)
		}
	}
	bodies := map[int]int{}
	for range 8 {
		resp, _ := noFollow().PostForm(e.issuer+"/login", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}})
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies[resp.StatusCode]++
		if resp.StatusCode == 401 && !strings.Contains(string(b), "do not match") {
			t.Fatal("login failure is not generic")
		}
	}
	if bodies[429] == 0 {
		t.Fatalf("no rate limit per email: %v", bodies)
	}
	// Setup link: works once, only while there are no users.
	e2 := newEnv(t)
	link, err := e2.id.EnsureSetupLink(context.Background())
	if err != nil || link != "" {
		t.Fatalf("setup link with users present: %q %v", link, err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return jsonDecode(b, v) }
