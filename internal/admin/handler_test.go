package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// env is an admin handler on a real SQLite store with real identity
// sessions.
type env struct {
	t   *testing.T
	st  store.Store
	id  *identity.Service
	oa  *oauth.Service
	cs  *content.Service
	h   *Handler
	mux *http.ServeMux
}

const testURL = "https://mcp.example.com"

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/portico.db")
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	id, err := identity.New(identity.Config{Store: st, Issuer: testURL,
		Options: identity.Options{Argon2: identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	oa, err := oauth.New(oauth.Config{Store: st, Issuer: testURL})
	if err != nil {
		t.Fatal(err)
	}
	cs := &content.Service{Store: st, BaseURL: testURL}
	h := &Handler{Store: st, OAuth: oa, Identity: id, Content: cs, PublicURL: testURL}
	mux := http.NewServeMux()
	h.Mount(mux)
	return &env{t: t, st: st, id: id, oa: oa, cs: cs, h: h, mux: mux}
}

// person is a signed-in user: their session cookie and CSRF token.
type person struct {
	user   store.User
	cookie *http.Cookie
	csrf   string
}

func (e *env) login(email string, role store.Role) person {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.id.CreateUser(ctx, email, strings.Split(email, "@")[0], role, "correct horse battery")
	if err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	rec := httptest.NewRecorder()
	cur, err := e.id.StartSession(ctx, rec, u, "test")
	if err != nil {
		e.t.Fatalf("start session: %v", err)
	}
	return person{user: u, cookie: rec.Result().Cookies()[0], csrf: cur.CSRFToken()}
}

type resp struct {
	code int
	body string
	hdr  http.Header
}

func (e *env) do(p *person, method, path string, form url.Values) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		if p != nil && form.Get("csrf_token") == "" {
			form.Set("csrf_token", p.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, testURL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if p != nil {
		req.AddCookie(p.cookie)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return resp{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

func (e *env) get(p *person, path string) resp { return e.do(p, "GET", path, nil) }

func (e *env) post(p *person, path string, form url.Values) resp { return e.do(p, "POST", path, form) }

func mustContain(t *testing.T, r resp, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("page lacks %q (status %d):\n%.3000s", w, r.code, r.body)
		}
	}
}

func (e *env) client(id, name string) store.Client {
	e.t.Helper()
	now := time.Now()
	c, err := e.st.CreateClient(context.Background(), store.Client{ID: id, Type: store.ClientDynamic, Name: name,
		RedirectURIs: []string{"https://claude.ai/api/mcp/auth_callback"}, TokenEndpointAuthMethod: "none", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		e.t.Fatalf("create client: %v", err)
	}
	return c
}

func (e *env) grant(clientID string, userID int64, scopes ...string) store.Grant {
	e.t.Helper()
	code, gid, err := e.oa.IssueCode(context.Background(), oauth.IssueCodeParams{ClientID: clientID, UserID: userID,
		RedirectURI: "https://claude.ai/api/mcp/auth_callback", CodeChallenge: oauth.S256Challenge(strings.Repeat("v", 43)),
		Scopes: scopes, Resource: testURL + "/mcp"})
	if err != nil || code == "" {
		e.t.Fatalf("issue code: %v", err)
	}
	g, err := e.st.GetGrant(context.Background(), gid)
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

func TestSecurityHeadersAndSignIn(t *testing.T) {
	e := newEnv(t)
	r := e.get(nil, "/admin/clients?x=1")
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/login?return="+url.QueryEscape("/admin/clients?x=1") {
		t.Fatalf("anonymous GET: %d %q", r.code, r.hdr.Get("Location"))
	}
	admin := e.login("owner@example.com", store.RoleAdmin)
	for _, path := range []string{"/admin/", "/admin/clients", "/admin/users", "/admin/tokens", "/admin/content", "/admin/comments",
		"/admin/settings", "/admin/security", "/admin/timeline", "/admin/clients/new", "/admin/content/new", "/admin/nope"} {
		r := e.get(&admin, path)
		want := http.StatusOK
		if path == "/admin/nope" {
			want = http.StatusNotFound
		}
		if r.code != want {
			t.Errorf("GET %s: %d, want %d\n%.2000s", path, r.code, want, r.body)
		}
		csp := r.hdr.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if r.hdr.Get("X-Content-Type-Options") != "nosniff" || r.hdr.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: headers %v", path, r.hdr)
		}
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=`).MatchString(r.body) {
			t.Errorf("GET %s: inline script or style in page", path)
		}
	}
	if r := e.get(nil, "/admin/assets/admin.css"); r.code != 200 || !strings.Contains(r.hdr.Get("Content-Type"), "text/css") {
		t.Errorf("css: %d %s", r.code, r.hdr.Get("Content-Type"))
	}
}

func TestRolesSeeOnlyWhatTheyMay(t *testing.T) {
	e := newEnv(t)
	people := map[store.Role]person{}
	for _, r := range []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor, store.RoleViewer} {
		people[r] = e.login(string(r)+"@example.com", r)
	}
	cases := []struct {
		path string
		ok   []store.Role
	}{
		{"/admin/", []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor, store.RoleViewer}},
		{"/admin/clients", []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor, store.RoleViewer}},
		{"/admin/tokens", []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor, store.RoleViewer}},
		{"/admin/content", []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor}},
		{"/admin/comments", []store.Role{store.RoleAdmin, store.RoleEditor}},
		{"/admin/users", []store.Role{store.RoleAdmin}},
		{"/admin/security", []store.Role{store.RoleAdmin}},
		{"/admin/settings", []store.Role{store.RoleAdmin}},
		{"/admin/timeline", []store.Role{store.RoleAdmin}},
		{"/admin/clients/new", []store.Role{store.RoleAdmin}},
	}
	for _, c := range cases {
		for role, p := range people {
			want := http.StatusForbidden
			for _, ok := range c.ok {
				if ok == role {
					want = http.StatusOK
				}
			}
			if got := e.get(&p, c.path).code; got != want {
				t.Errorf("%s GET %s: %d, want %d", role, c.path, got, want)
			}
		}
	}
	// Non-admins see only the clients they approved.
	c1 := e.client("pc_one", "Claude")
	e.client("pc_two", "Cursor")
	author := people[store.RoleAuthor]
	e.grant(c1.ID, author.user.ID, "content:read")
	r := e.get(&author, "/admin/clients")
	mustContain(t, r, "Claude")
	if strings.Contains(r.body, "Cursor") {
		t.Error("author sees a client they did not approve")
	}
	if got := e.get(&author, "/admin/clients/pc_two").code; got != http.StatusNotFound {
		t.Errorf("author opens foreign client: %d", got)
	}
	if got := e.get(&author, "/admin/clients/pc_one").code; got != http.StatusOK {
		t.Errorf("author opens own client: %d", got)
	}
	// Admin-only actions refuse others.
	if got := e.post(&author, "/admin/clients/pc_one/revoke", url.Values{}).code; got != http.StatusForbidden {
		t.Errorf("author revokes a client: %d", got)
	}
}

func TestCSRFIsRequired(t *testing.T) {
	e := newEnv(t)
	admin := e.login("owner@example.com", store.RoleAdmin)
	e.client("pc_x", "X")
	cases := []struct {
		name string
		mod  func(*http.Request)
		form url.Values
	}{
		{"missing token", nil, url.Values{"csrf_token": {""}}},
		{"wrong token", nil, url.Values{"csrf_token": {"nope"}}},
		{"cross-site", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, url.Values{"csrf_token": {admin.csrf}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", testURL+"/admin/clients/pc_x/revoke", strings.NewReader(c.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(admin.cookie)
			if c.form.Get("csrf_token") == "" {
				req.Body = io.NopCloser(strings.NewReader("x=1"))
			}
			if c.mod != nil {
				c.mod(req)
			}
			rec := httptest.NewRecorder()
			e.mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status %d", rec.Code)
			}
			cl, _ := e.st.GetClient(context.Background(), "pc_x")
			if !cl.DisabledAt.IsZero() {
				t.Fatal("client revoked without a valid CSRF token")
			}
		})
	}
}

func TestRevokeClientKillsTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("owner@example.com", store.RoleAdmin)
	c := e.client("pc_claude", "Claude")
	g := e.grant(c.ID, admin.user.ID, "content:read", "content:write")
	r := e.get(&admin, "/admin/clients")
	mustContain(t, r, "Claude", "owner@example.com", "content:read content:write", "DCR", "claude.ai")
	r = e.post(&admin, "/admin/clients/pc_claude/revoke", url.Values{})
	if r.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", r.code, r.body)
	}
	cl, _ := e.st.GetClient(ctx, c.ID)
	if cl.DisabledAt.IsZero() {
		t.Error("client not disabled")
	}
	gg, _ := e.st.GetGrant(ctx, g.ID)
	if gg.RevokedAt.IsZero() {
		t.Error("grant not revoked")
	}
	if _, oerr := e.oa.LookupClient(ctx, c.ID); oerr == nil {
		t.Error("revoked client still resolves")
	}
	r = e.get(&admin, "/admin/clients/pc_claude")
	mustContain(t, r, "revoked", "Revoked by an administrator")
	evs, err := e.st.ListEvents(ctx, store.EventFilter{Kind: kindAdminRevoked})
	if err != nil || len(evs) != 1 || evs[0].RemoteIP != "192.0.2.1" {
		t.Fatalf("revocation event %+v %v, want the peer address 192.0.2.1 (no trusted proxy)", evs, err)
	}
}

// TestAdminEventsBehindTrustedProxy: with the proxy trusted, admin events
// record the address X-Forwarded-For names, not the proxy's.
func TestAdminEventsBehindTrustedProxy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.h.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	admin := e.login("owner@example.com", store.RoleAdmin)
	e.client("pc_x", "X")
	req := httptest.NewRequest("POST", testURL+"/admin/clients/pc_x/revoke", strings.NewReader(url.Values{"csrf_token": {admin.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	req.AddCookie(admin.cookie)
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", rec.Code)
	}
	evs, err := e.st.ListEvents(ctx, store.EventFilter{Kind: kindAdminRevoked})
	if err != nil || len(evs) != 1 || evs[0].RemoteIP != "203.0.113.9" {
		t.Fatalf("revocation event %+v %v, want 203.0.113.9", evs, err)
	}
}

func TestCapScopes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("owner@example.com", store.RoleAdmin)
	c := e.client("pc_c", "C")
	g := e.grant(c.ID, admin.user.ID, "content:read", "content:write")
	r := e.post(&admin, "/admin/clients/pc_c/scopes", url.Values{})
	if r.code != http.StatusBadRequest {
		t.Fatalf("empty cap: %d", r.code)
	}
	mustContain(t, r, "Keep at least one scope")
	r = e.post(&admin, "/admin/clients/pc_c/scopes", url.Values{"scope": {"content:read"}, "revoke_wider": {"1"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("cap: %d %s", r.code, r.body)
	}
	cl, _ := e.st.GetClient(ctx, c.ID)
	if strings.Join(cl.AllowedScopes, " ") != "content:read" {
		t.Errorf("AllowedScopes = %v", cl.AllowedScopes)
	}
	if gg, _ := e.st.GetGrant(ctx, g.ID); gg.RevokedAt.IsZero() {
		t.Error("wider grant kept")
	}
	e.post(&admin, "/admin/clients/pc_c/scopes", url.Values{"scope": oauth.ContentScopes()})
	if cl, _ := e.st.GetClient(ctx, c.ID); cl.AllowedScopes != nil {
		t.Errorf("all scopes should clear the cap, got %v", cl.AllowedScopes)
	}
}

func TestPreRegisterShowsSecretOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("owner@example.com", store.RoleAdmin)
	r := e.post(&admin, "/admin/clients/new", url.Values{"name": {""}, "client_id": {"bad id!"}, "redirect_uris": {"ftp://x"}, "auth_method": {"client_secret_post"}})
	if r.code != http.StatusBadRequest {
		t.Fatalf("bad input: %d", r.code)
	}
	mustContain(t, r, "Give the client a name", "Use 3 to 64 letters", "is not accepted", `value="bad id!"`)
	r = e.post(&admin, "/admin/clients/new", url.Values{"name": {"Claude static"}, "client_id": {"claude-static"},
		"redirect_uris": {"https://claude.ai/api/mcp/auth_callback"}, "auth_method": {"client_secret_post"}, "scope": {"content:read", "content:write"}})
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	secret := regexp.MustCompile(`pt_cs_[A-Za-z0-9_-]{43}`).FindString(r.body)
	if secret == "" {
		t.Fatal("secret not shown")
	}
	c, err := e.st.GetClient(ctx, "claude-static")
	if err != nil {
		t.Fatal(err)
	}
	if c.Type != store.ClientStatic || strings.Join(c.AllowedScopes, " ") != "content:read content:write" {
		t.Errorf("client = %+v", c)
	}
	if _, oerr := e.oa.AuthenticateClient(ctx, oauth.ClientCredentials{ID: "claude-static", Secret: secret}); oerr != nil {
		t.Errorf("secret does not authenticate: %v", oerr)
	}
	if strings.Contains(e.get(&admin, "/admin/clients/claude-static").body, secret) {
		t.Error("secret shown again")
	}
	r = e.post(&admin, "/admin/clients/new", url.Values{"name": {"Dup"}, "client_id": {"claude-static"},
		"redirect_uris": {"https://claude.ai/api/mcp/auth_callback"}, "auth_method": {"none"}, "scope": {"content:read"}})
	mustContain(t, r, "exists already")
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("owner@example.com", store.RoleAdmin)
	bob := e.login("bob@example.com", store.RoleAuthor)

	r := e.post(&admin, "/admin/users/invite", url.Values{"email": {"not an email"}, "role": {"editor"}})
	if r.code != http.StatusBadRequest {
		t.Fatalf("bad invite: %d", r.code)
	}
	mustContain(t, r, "not an email address", `value="not an email"`)
	r = e.post(&admin, "/admin/users/invite", url.Values{"email": {"carol@example.com"}, "role": {"editor"}})
	if r.code != http.StatusCreated {
		t.Fatalf("invite: %d", r.code)
	}
	link := regexp.MustCompile(`https://mcp\.example\.com/setup\?token=pt_inv_[A-Za-z0-9_-]+`).FindString(r.body)
	if link == "" {
		t.Fatalf("no invite link:\n%s", r.body)
	}
	tok := strings.TrimPrefix(link, testURL+"/setup?token=")
	u, err := e.id.AcceptInvite(ctx, tok, "carol@example.com", "Carol", "another good password")
	if err != nil || u.Role != store.RoleEditor {
		t.Fatalf("accept invite: %v %+v", err, u)
	}

	// Role change; the last admin cannot be demoted.
	path := "/admin/users/" + itoa(bob.user.ID)
	if r := e.post(&admin, path+"/role", url.Values{"role": {"editor"}}); r.code != http.StatusSeeOther {
		t.Fatalf("role: %d", r.code)
	}
	if got, _ := e.st.GetUser(ctx, bob.user.ID); got.Role != store.RoleEditor {
		t.Errorf("role = %s", got.Role)
	}
	r = e.post(&admin, "/admin/users/"+itoa(admin.user.ID)+"/role", url.Values{"role": {"viewer"}})
	mustContain(t, r, "last administrator")

	// Disable: sessions gone, grants revoked.
	c := e.client("pc_b", "B")
	g := e.grant(c.ID, bob.user.ID, "content:read")
	if r := e.post(&admin, path+"/disable", url.Values{}); r.code != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.code)
	}
	if ss, _ := e.st.ListUserSessions(ctx, bob.user.ID); len(ss) != 0 {
		t.Error("sessions kept")
	}
	if gg, _ := e.st.GetGrant(ctx, g.ID); gg.RevokedAt.IsZero() {
		t.Error("grant kept")
	}
	if r := e.get(&bob, "/admin/"); r.code != http.StatusSeeOther {
		t.Errorf("disabled user still signed in: %d", r.code)
	}
	mustContain(t, e.post(&admin, "/admin/users/"+itoa(admin.user.ID)+"/disable", url.Values{}), "cannot disable your own")

	// Password set directly.
	r = e.post(&admin, path+"/password", url.Values{"password": {"short"}, "password2": {"short"}})
	mustContain(t, r, "at least 10 characters")
	if r := e.post(&admin, path+"/password", url.Values{"password": {"a brand new password"}, "password2": {"a brand new password"}}); r.code != http.StatusSeeOther {
		t.Fatalf("password: %d %s", r.code, r.body)
	}
	e.post(&admin, path+"/enable", url.Values{})
	if _, err := e.id.Authenticate(ctx, "bob@example.com", "a brand new password"); err != nil {
		t.Errorf("new password does not work: %v", err)
	}

	// Reset link: shown once, works once, without a session.
	r = e.post(&admin, path+"/reset-link", url.Values{})
	reset := regexp.MustCompile(`/admin/reset\?token=(pt_rst_[A-Za-z0-9_-]+)`).FindStringSubmatch(r.body)
	if reset == nil {
		t.Fatalf("no reset link:\n%s", r.body)
	}
	// /setup's identity check refuses it without using it.
	if _, err := e.id.AcceptInvite(ctx, reset[1], "bob@example.com", "Bob", "some good password"); !errors.Is(err, identity.ErrResetLink) {
		t.Fatalf("reset link accepted as an invite: %v", err)
	}
	// A weak password is refused and the link still works.
	if r := e.post(nil, "/admin/reset", url.Values{"token": {reset[1]}, "password": {"short"}, "password2": {"short"}}); r.code != http.StatusBadRequest {
		t.Fatalf("weak reset: %d", r.code)
	}
	if r := e.get(nil, "/admin/reset?token="+reset[1]); r.code != 200 || !strings.Contains(r.body, "bob@example.com") {
		t.Fatalf("reset page: %d", r.code)
	}
	if r := e.post(nil, "/admin/reset", url.Values{"token": {reset[1]}, "password": {"reset password ok"}, "password2": {"reset password ok"}}); r.code != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", r.code, r.body)
	}
	if _, err := e.id.Authenticate(ctx, "bob@example.com", "reset password ok"); err != nil {
		t.Errorf("reset password does not work: %v", err)
	}
	if r := e.post(nil, "/admin/reset", url.Values{"token": {reset[1]}, "password": {"again password x"}, "password2": {"again password x"}}); r.code != http.StatusNotFound {
		t.Errorf("reset link reused: %d", r.code)
	}
}

func TestPersonalTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	viewer := e.login("v@example.com", store.RoleViewer)
	r := e.post(&viewer, "/admin/tokens", url.Values{"name": {""}, "scope": {"content:write"}, "expires": {"forever"}})
	if r.code != http.StatusBadRequest {
		t.Fatalf("bad token: %d", r.code)
	}
	mustContain(t, r, "Name the token", "Choose at least one scope", "Choose when the token expires")
	r = e.post(&viewer, "/admin/tokens", url.Values{"name": {"script"}, "scope": {"content:read", "site:admin"}, "expires": {"30"}})
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	raw := regexp.MustCompile(`pt_pat_[A-Za-z0-9_-]{43}`).FindString(r.body)
	if raw == "" {
		t.Fatal("token not shown")
	}
	mustContain(t, r, "Authorization: Bearer")
	info, err := e.oa.Verify(ctx, raw, "")
	if err != nil || strings.Join(info.Scopes, " ") != "content:read" {
		t.Fatalf("verify: %v %+v (scopes must be cut to the role)", err, info)
	}
	if strings.Contains(e.get(&viewer, "/admin/tokens").body, raw) {
		t.Error("token shown again")
	}
	ts, _ := e.st.ListPersonalTokens(ctx, viewer.user.ID)
	other := e.login("o@example.com", store.RoleAdmin)
	if r := e.post(&other, "/admin/tokens/"+itoa(ts[0].ID)+"/revoke", url.Values{}); r.code != http.StatusNotFound {
		t.Errorf("revoking another's token: %d", r.code)
	}
	if r := e.post(&viewer, "/admin/tokens/"+itoa(ts[0].ID)+"/revoke", url.Values{}); r.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.code)
	}
	if _, err := e.oa.Verify(ctx, raw, ""); err == nil {
		t.Error("revoked token still verifies")
	}
}

func TestContentReviewAndEdit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	editor := e.login("ed@example.com", store.RoleEditor)
	author := e.login("au@example.com", store.RoleAuthor)
	c := e.client("pc_claude", "Claude")
	// A draft the author's assistant wrote through MCP.
	p, err := e.cs.CreatePost(ctx, content.TokenActor(author.user, c.ID, content.Scopes()), content.NewPost{Title: "From Claude", Body: "Hello **world**", Status: store.StatusPending})
	if err != nil {
		t.Fatal(err)
	}
	r := e.get(&editor, "/admin/content")
	mustContain(t, r, "From Claude", "via <strong>Claude</strong>", "pending")
	r = e.get(&editor, "/admin/content/"+itoa(p.ID))
	mustContain(t, r, "<strong>world</strong>", "Approve and publish")
	// Authors cannot approve their own pending post? They may publish their own (WordPress-like).
	other := e.login("au2@example.com", store.RoleAuthor)
	if r := e.post(&other, "/admin/content/"+itoa(p.ID)+"/status", url.Values{"action": {"publish"}}); r.code != http.StatusNotFound && r.code != http.StatusForbidden {
		t.Errorf("another author publishes: %d", r.code)
	}
	// Editor edits with a stale version → conflict that keeps the text.
	r = e.post(&editor, "/admin/content/"+itoa(p.ID)+"/edit", url.Values{"title": {"From Claude"}, "body": {"Edited"}, "version": {"999"}})
	if r.code != http.StatusConflict {
		t.Fatalf("stale edit: %d", r.code)
	}
	mustContain(t, r, "changed this post", "Edited")
	r = e.post(&editor, "/admin/content/"+itoa(p.ID)+"/edit", url.Values{"title": {""}, "body": {"x"}, "version": {itoa(p.Version)}})
	mustContain(t, r, "title must not be empty")
	r = e.post(&editor, "/admin/content/"+itoa(p.ID)+"/edit", url.Values{"title": {"From Claude"}, "body": {"Hello **world**\nmore"}, "version": {itoa(p.Version)}, "action": {"preview"}})
	mustContain(t, r, `<div class="add">more</div>`)
	r = e.post(&editor, "/admin/content/"+itoa(p.ID)+"/edit", url.Values{"title": {"From Claude!"}, "body": {"Edited"}, "version": {itoa(p.Version)}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.code, r.body)
	}
	if r := e.post(&editor, "/admin/content/"+itoa(p.ID)+"/status", url.Values{"action": {"publish"}}); r.code != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", r.code, r.body)
	}
	got, _ := e.st.GetPost(ctx, p.ID)
	if got.Status != store.StatusPublished || got.Title != "From Claude!" || got.ModifiedVia != "" {
		t.Errorf("post = %+v", got)
	}
	// New post through the editor, then reject back to draft.
	r = e.post(&author, "/admin/content/new", url.Values{"type": {"post"}, "title": {"Mine"}, "body": {"text"}, "action": {"pending"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("new: %d %s", r.code, r.body)
	}
	l, _ := e.cs.ListPosts(ctx, author.Actor(), content.PostQuery{AuthorID: author.user.ID, Statuses: []store.PostStatus{store.StatusPending}})
	if len(l.Posts) != 1 {
		t.Fatalf("pending posts: %d", len(l.Posts))
	}
	e.post(&editor, "/admin/content/"+itoa(l.Posts[0].ID)+"/status", url.Values{"action": {"draft"}})
	if got, _ := e.st.GetPost(ctx, l.Posts[0].ID); got.Status != store.StatusDraft {
		t.Errorf("rejected post is %s", got.Status)
	}
	// Viewers have no content pages.
	viewer := e.login("v@example.com", store.RoleViewer)
	if r := e.post(&viewer, "/admin/content/new", url.Values{"type": {"post"}, "title": {"x"}}); r.code != http.StatusForbidden {
		t.Errorf("viewer writes: %d", r.code)
	}
}

func (p person) Actor() content.Actor { return content.WebActor(p.user) }

func TestCommentsAndSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("owner@example.com", store.RoleAdmin)
	p, err := e.cs.CreatePost(ctx, admin.Actor(), content.NewPost{Title: "Post", Body: "b", Status: store.StatusPublished})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cm, err := e.st.CreateComment(ctx, store.Comment{PostID: p.ID, AuthorName: "Reader", Body: "Nice *post*", Status: store.CommentPending, CreatedAt: now, ModifiedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, e.get(&admin, "/admin/comments"), "Reader", "<em>post</em>")
	if r := e.post(&admin, "/admin/comments/"+itoa(cm.ID)+"/moderate", url.Values{"action": {"approve"}}); r.code != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.code)
	}
	if got, _ := e.st.GetComment(ctx, cm.ID); got.Status != store.CommentApproved {
		t.Errorf("comment %s", got.Status)
	}
	r := e.post(&admin, "/admin/settings", url.Values{"title": {"My site"}, "tagline": {"t"}, "timezone": {"Mars/Base"}, "language": {"en"}})
	if r.code != http.StatusBadRequest {
		t.Fatalf("bad settings: %d", r.code)
	}
	mustContain(t, r, "not a known IANA time zone", `value="Mars/Base"`, `value="My site"`)
	if r := e.post(&admin, "/admin/settings", url.Values{"title": {"My site"}, "tagline": {"t"}, "timezone": {"Europe/Paris"}, "language": {"fr"}}); r.code != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.code)
	}
	if info, _ := e.cs.SiteInfo(ctx); info.Title != "My site" || info.Timezone != "Europe/Paris" {
		t.Errorf("settings = %+v", info)
	}
}

func TestSecurityPageAndPagination(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("owner@example.com", store.RoleAdmin)
	base := time.Now().Add(-time.Hour)
	for i := range 60 {
		kind := kindLoginFailed
		if i%20 == 0 {
			kind = kindRefreshReuse
		}
		if _, err := e.st.AddEvent(ctx, store.Event{At: base.Add(time.Duration(i) * time.Second), Kind: kind, Outcome: "error", RemoteIP: "203.0.113." + itoa(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	// What authserver records when a limit refuses a request.
	if _, err := e.st.AddEvent(ctx, store.Event{At: base.Add(59*time.Second + time.Millisecond), Kind: "ratelimit.hit", Outcome: "error",
		RemoteIP: "198.51.100.7", Detail: map[string]string{"endpoint": "login", "key": "email"}}); err != nil {
		t.Fatal(err)
	}
	r := e.get(&admin, "/admin/security")
	mustContain(t, r, "Refresh token reused", "Sign-in failed", "203.0.113.59", "Older", "Refused by a rate limit", "198.51.100.7", "login")
	mustContain(t, e.get(&admin, "/admin/security?kind=ratelimit.hit"), "198.51.100.7")
	if strings.Contains(r.body, "203.0.113.5<") {
		t.Error("first page holds old events")
	}
	next := regexp.MustCompile(`href="(/admin/security\?before=\d+)"`).FindStringSubmatch(r.body)
	if next == nil {
		t.Fatal("no next link")
	}
	mustContain(t, e.get(&admin, strings.ReplaceAll(next[1], "&amp;", "&")), "203.0.113.5<")
	// Users list: search and pages.
	for i := range 30 {
		if _, err := e.st.CreateUser(ctx, store.User{Email: "user" + itoa(int64(i)) + "@example.com", Role: store.RoleViewer, CreatedAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	r = e.get(&admin, "/admin/users")
	mustContain(t, r, "Page 1 of 2")
	r = e.get(&admin, "/admin/users?q=user17")
	mustContain(t, r, "user17@example.com")
	if strings.Contains(r.body, "user16@") {
		t.Error("search did not filter")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The client and user pages say when each connection was last used.
func TestConnectionsShowLastUse(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("owner@example.com", store.RoleAdmin)
	c := e.client("pc_used", "Used client")
	g := e.grant(c.ID, admin.user.ID, "content:read")
	r := e.get(&admin, "/admin/clients/pc_used")
	mustContain(t, r, `data-label="Last used"><span class="muted">never</span>`)
	used := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := e.st.TouchGrant(ctx, g.ID, used); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/admin/clients/pc_used", "/admin/users/" + strconv.FormatInt(admin.user.ID, 10)} {
		r = e.get(&admin, page)
		mustContain(t, r, `data-label="Last used"><span class="nowrap" title="2026-03-04 05:06:07 UTC">2026-03-04 05:06</span>`)
	}
}
