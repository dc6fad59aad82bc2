package authserver_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// hits returns the ratelimit.hit events for endpoint, checking that none
// holds the email address.
func (e *env) hits(t *testing.T, endpoint string) []store.Event {
	t.Helper()
	var out []store.Event
	for _, ev := range e.events(t, "ratelimit.hit") {
		for k, v := range ev.Detail {
			if strings.Contains(v, "@") || strings.Contains(k, "@") {
				t.Fatalf("ratelimit.hit holds an address: %v", ev.Detail)
			}
		}
		if ev.Outcome != "error" || (ev.Detail["key"] != "ip" && ev.Detail["key"] != "email") {
			t.Fatalf("ratelimit.hit %+v", ev)
		}
		if ev.Detail["endpoint"] == endpoint {
			out = append(out, ev)
		}
	}
	return out
}

// TestRateLimitHitEvents: every limit that refuses a request records a
// ratelimit.hit event naming the endpoint and the key kind, never the
// email, and the events themselves are throttled.
func TestRateLimitHitEvents(t *testing.T) {
	e := newEnv(t, func(c *envConfig) {
		c.authOpts.RegisterPerMinute = 2 // burst 1
		c.authOpts.TokenPerMinute = 5    // burst 1
		c.authOpts.LoginPerMinute = 1000
		c.authOpts.LoginPerEmailPerMinute = 2 // burst 1
	})
	body := `{"redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none","client_name":"Flood"}`
	refused := 0
	for range 20 {
		if st, _ := e.register(body); st == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("the registration limit never refused")
	}
	if n := len(e.hits(t, "register")); n < 1 || n > 2 {
		t.Fatalf("%d register hits for %d refusals, want 1 or 2 (throttled)", n, refused)
	}
	for _, path := range []string{"/token", "/token", "/revoke", "/introspect"} {
		e.postForm(path, url.Values{"grant_type": {"authorization_code"}, "client_id": {"x"}}, "", "")
	}
	for _, ep := range []string{"token", "revoke", "introspect"} {
		if n := len(e.hits(t, ep)); n != 1 {
			t.Errorf("%d %s hits, want 1", n, ep)
		}
	}
	// Per email: the wrong password twice for one address.
	c := e.browser()
	for range 3 {
		resp, err := c.PostForm(e.issuer+"/login", url.Values{"email": {e.email}, "password": {"wrong password"}, "return": {"/"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	hits := e.hits(t, "login")
	if len(hits) != 2 || hits[0].Detail["key"] != "email" || hits[1].Detail["key"] != "email" {
		t.Fatalf("login hits %+v, want two keyed by email", hits)
	}
	// More refusals from this address for this key: no more events.
	for range 5 {
		resp, err := c.PostForm(e.issuer+"/login", url.Values{"email": {e.email}, "password": {"wrong password"}, "return": {"/"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if n := len(e.hits(t, "login")); n != 2 {
		t.Fatalf("%d login hits after 7 refusals, want 2 (throttled per address)", n)
	}
}

// TestRateLimitHitEventsPerIP: the per-address sign-in limits (password
// and passkey) record hits keyed by ip, and a flood from many addresses
// adds a bounded number of events.
func TestRateLimitHitEventsPerIP(t *testing.T) {
	e := newEnv(t, func(c *envConfig) {
		c.authOpts.LoginPerMinute = 2 // burst 1
		c.authOpts.LoginPerEmailPerMinute = 1000
		c.authOpts.TrustedProxies = loopbackOnly()
	})
	login := func(ip string) int {
		req, _ := http.NewRequest("POST", e.issuer+"/login", strings.NewReader(url.Values{"email": {e.email}, "password": {"wrong password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	login("198.51.100.1")
	if st := login("198.51.100.1"); st != http.StatusTooManyRequests {
		t.Fatalf("second login from one address: %d", st)
	}
	hits := e.hits(t, "login")
	if len(hits) != 1 || hits[0].Detail["key"] != "ip" || hits[0].RemoteIP != "198.51.100.1" {
		t.Fatalf("login hits %+v", hits)
	}
	// The passkey sign-in shares the per-address limit.
	req, _ := http.NewRequest("POST", e.issuer+"/login/passkey/finish", strings.NewReader(`{"credential":{}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("passkey finish: %d", resp.StatusCode)
	}
	if hits := e.hits(t, "login_passkey"); len(hits) != 1 || hits[0].Detail["key"] != "ip" {
		t.Fatalf("passkey hits %+v", hits)
	}
	// A flood from 60 addresses, each over its limit: at most the global
	// cap of events (30, plus what refills while the test runs).
	for i := range 60 {
		ip := "203.0.113." + strconv.Itoa(i+1)
		login(ip)
		login(ip)
	}
	if n := len(e.hits(t, "login")); n < 10 || n > 34 {
		t.Fatalf("%d login hits after a flood from 60 addresses, want the global cap (~30)", n)
	}
}

// TestAttemptIDLinksTheConnection: a valid /authorize starts an attempt
// whose ID is carried through sign-in and consent; the consent.granted
// event names the grant, which the token events carry.
func TestAttemptIDLinksTheConnection(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(`{"redirect_uris":["` + redirect + `"],"token_endpoint_auth_method":"none","client_name":"Tester"}`)
	c := e.browser()
	v, ch := pkce()
	// Signed out: sent to /login with the attempt in the return path.
	resp, err := c.Get(e.authURL(id, redirect, ch, "s1", nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ret := resp.Request.URL.Query().Get("return")
	attempt := mustURL(t, ret).Query().Get("portico_attempt")
	if resp.Request.URL.Path != "/login" || len(attempt) < 8 {
		t.Fatalf("login redirect %s", resp.Request.URL)
	}
	resp, err = c.PostForm(e.issuer+"/login", url.Values{"email": {e.email}, "password": {e.password}, "return": {ret}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if f, _ := consentForm(t, string(page)); f.Get("portico_attempt") != attempt {
		t.Fatalf("consent form carries attempt %q, want %q", f.Get("portico_attempt"), attempt)
	}
	resp = e.approve(c, string(page))
	code := mustURL(t, resp.Header.Get("Location")).Query().Get("code")
	if tr, m := e.postForm("/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"code_verifier": {v}, "client_id": {id}}, "", ""); tr.StatusCode != 200 {
		t.Fatalf("token: %d %v", tr.StatusCode, m)
	}

	one := func(kind string) store.Event {
		t.Helper()
		evs := e.events(t, kind)
		if len(evs) != 1 {
			t.Fatalf("%d %s events", len(evs), kind)
		}
		return evs[0]
	}
	for _, kind := range []string{"login.ok", "authorize.shown", "consent.granted"} {
		if got := one(kind).Attempt; got != attempt {
			t.Errorf("%s attempt %q, want %q", kind, got, attempt)
		}
	}
	granted := one("consent.granted")
	issued := one("token.issued")
	if granted.GrantID == "" || granted.Detail["grant_id"] != granted.GrantID || issued.GrantID != granted.GrantID {
		t.Fatalf("grant link: consent %q/%q, token %q", granted.GrantID, granted.Detail["grant_id"], issued.GrantID)
	}

	// A second authorization (remembered consent) is another attempt; a
	// malformed attempt parameter is replaced.
	_, ch = pkce()
	loc := e.authorize(c, e.authURL(id, redirect, ch, "s2", url.Values{"portico_attempt": {"<bad>"}}))
	if loc.Query().Get("code") == "" {
		t.Fatalf("second authorization: %s", loc)
	}
	evs := e.events(t, "consent.granted")
	if len(evs) != 2 || evs[0].Attempt == "" || evs[0].Attempt == attempt || evs[0].Attempt == "<bad>" || evs[0].Detail["remembered"] != "true" {
		t.Fatalf("remembered consent event %+v", evs[0])
	}
}

// TestSetupRefusesResetAndTakenLinks: /setup names a reset link and an
// invite for an existing address for what they are and uses neither; an
// administrator's invite says "Create your account".
func TestSetupRefusesResetAndTakenLinks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bob, err := e.id.CreateUser(ctx, "bob@example.com", "Bob", store.RoleAuthor, "bob's first password")
	if err != nil {
		t.Fatal(err)
	}
	reset, err := e.id.CreateResetLink(ctx, bob.ID, e.user.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	if st, body := e.get(c, "/setup?token="+url.QueryEscape(reset)); st != http.StatusBadRequest || !strings.Contains(body, "password-reset link") ||
		!strings.Contains(body, "/admin/reset") {
		t.Fatalf("setup page with a reset link: %d\n%s", st, body)
	}
	resp, body := e.post(c, "/setup", url.Values{"token": {reset}, "name": {"B"}, "email": {"bob@example.com"}, "password": {"correct horse battery"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "password-reset link") {
		t.Fatalf("setup post with a reset link: %d", resp.StatusCode)
	}
	if _, err := e.id.CheckResetLink(ctx, reset); err != nil {
		t.Fatalf("the reset link was used up by /setup: %v", err)
	}
	// An administrator's invite: "Create your account", email prefilled.
	inv := "pt_inv_admin-made-invite-for-carol"
	if err := e.st.CreateInvite(ctx, store.Invite{Hash: sha256Of(inv), Email: "carol@example.com", Role: store.RoleEditor, CreatedBy: e.user.ID,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if st, body := e.get(c, "/setup?token="+inv); st != 200 || !strings.Contains(body, "Create your account.") ||
		strings.Contains(body, "owner account") || !strings.Contains(body, `value="carol@example.com"`) {
		t.Fatalf("invite page: %d\n%s", st, body)
	}
	// Once carol has an account, her invite is refused without being used.
	if _, err := e.id.CreateUser(ctx, "carol@example.com", "Carol", store.RoleEditor, "carol's own password"); err != nil {
		t.Fatal(err)
	}
	if st, body := e.get(c, "/setup?token="+inv); st != http.StatusConflict || !strings.Contains(body, "existing account") {
		t.Fatalf("taken invite: %d\n%s", st, body)
	}
	if got, _ := e.st.GetInvite(ctx, sha256Of(inv)); !got.UsedAt.IsZero() {
		t.Fatal("a refused invite was used up")
	}
}

func sha256Of(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}
