package authserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/oauth"
)

// CONNECTORS.md §11: one subtest per checklist item that concerns the
// authorization server.

func getJSON(t *testing.T, u string) (int, map[string]any, []byte, http.Header) {
	t.Helper()
	resp, err := noFollow().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, b, resp.Header
}

func hasNull(m map[string]any) bool {
	for _, v := range m {
		if v == nil {
			return true
		}
	}
	return false
}

func TestConnectorsA_Discovery(t *testing.T) {
	e := newEnv(t)
	res := e.issuer + "/mcp"

	t.Run("1_30_challenge", func(t *testing.T) {
		for _, tc := range []struct{ name, token, wantErr string }{{"no token", "", ""}, {"garbage", "garbage", `error="invalid_token"`}} {
			resp := e.callMCP(tc.token)
			wa := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != 401 || !strings.HasPrefix(wa, "Bearer ") || resp.Header.Get("Location") != "" {
				t.Fatalf("%s: %d %q", tc.name, resp.StatusCode, wa)
			}
			if !strings.Contains(wa, `resource_metadata="`+e.issuer+`/.well-known/oauth-protected-resource/mcp"`) ||
				!strings.Contains(wa, `scope="content:read content:write content:publish site:admin"`) ||
				!strings.Contains(wa, tc.wantErr) || (tc.wantErr == "" && strings.Contains(wa, "error=")) {
				t.Fatalf("%s: WWW-Authenticate %q", tc.name, wa)
			}
		}
	})
	t.Run("2_3_38_PRM", func(t *testing.T) {
		var first []byte
		for _, p := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource",
			"/.well-known/oauth-protected-resource/Mcp", "/.well-known/oauth-protected-resource/MCP/", "/.well-known/oauth-protected-resource/"} {
			st, m, b, _ := getJSON(t, e.issuer+p)
			if st != 200 || m["resource"] != res || hasNull(m) {
				t.Fatalf("%s: %d %s", p, st, b)
			}
			if !reflect.DeepEqual(m["authorization_servers"], []any{e.issuer}) ||
				!reflect.DeepEqual(m["bearer_methods_supported"], []any{"header"}) ||
				!reflect.DeepEqual(m["scopes_supported"], []any{"content:read", "content:write", "content:publish", "site:admin"}) {
				t.Fatalf("%s: %s", p, b)
			}
			if first != nil && !bytes.Equal(first, b) {
				t.Fatalf("%s differs", p)
			}
			first = b
		}
		if st, _, _, _ := getJSON(t, e.issuer+"/.well-known/oauth-protected-resource/other"); st != 404 {
			t.Fatalf("foreign PRM path: %d", st)
		}
	})
	t.Run("4_AS_metadata", func(t *testing.T) {
		var first []byte
		for _, p := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
			"/.well-known/oauth-authorization-server/mcp", "/.well-known/openid-configuration/mcp",
			"/mcp/.well-known/openid-configuration", "/mcp/.well-known/oauth-authorization-server"} {
			st, m, b, _ := getJSON(t, e.issuer+p)
			if st != 200 || hasNull(m) {
				t.Fatalf("%s: %d", p, st)
			}
			if first != nil && !bytes.Equal(first, b) {
				t.Fatalf("%s: body differs", p)
			}
			first = b
			if m["issuer"] != e.issuer || m["authorization_endpoint"] != e.issuer+"/authorize" || m["token_endpoint"] != e.issuer+"/token" ||
				m["registration_endpoint"] != e.issuer+"/register" || m["revocation_endpoint"] != e.issuer+"/revoke" ||
				m["client_id_metadata_document_supported"] != true || m["authorization_response_iss_parameter_supported"] != true ||
				!reflect.DeepEqual(m["code_challenge_methods_supported"], []any{"S256"}) ||
				!reflect.DeepEqual(m["response_types_supported"], []any{"code"}) ||
				!reflect.DeepEqual(m["token_endpoint_auth_methods_supported"], []any{"none", "client_secret_post", "client_secret_basic"}) ||
				!reflect.DeepEqual(m["grant_types_supported"], []any{"authorization_code", "refresh_token"}) {
				t.Fatalf("%s: %s", p, b)
			}
			if bytes.Contains(b, []byte("private_key_jwt")) {
				t.Fatal("advertises private_key_jwt")
			}
		}
	})
	t.Run("5_6_root_endpoints_no_redirects", func(t *testing.T) {
		resp, err := noFollow().Post(e.issuer+"/register/", "application/json",
			strings.NewReader(`{"redirect_uris":["http://localhost:1/cb"]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("POST /register/: %d", resp.StatusCode)
		}
		for _, p := range []string{"/authorize", "/token", "/token/", "/revoke", "/introspect"} {
			method := "POST"
			if p == "/authorize" {
				method = "GET"
			}
			req, _ := http.NewRequest(method, e.issuer+p, nil)
			resp, err := noFollow().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == 404 || resp.StatusCode == 405 || (resp.StatusCode >= 300 && resp.StatusCode < 400) {
				t.Fatalf("%s %s: %d", method, p, resp.StatusCode)
			}
		}
	})
	t.Run("7_CORS_preflight", func(t *testing.T) {
		for _, p := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-authorization-server",
			"/register", "/token", "/revoke"} {
			req, _ := http.NewRequest("OPTIONS", e.issuer+p, nil)
			req.Header.Set("Origin", "http://localhost:6274")
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,mcp-protocol-version,mcp-session-id")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			allowH := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
			if (resp.StatusCode != 200 && resp.StatusCode != 204) || h.Get("Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") {
				t.Fatalf("%s: %d %v", p, resp.StatusCode, h)
			}
			for _, want := range []string{"authorization", "content-type", "mcp-protocol-version", "mcp-session-id"} {
				if !strings.Contains(allowH, want) {
					t.Fatalf("%s: Allow-Headers %q lacks %s", p, allowH, want)
				}
			}
		}
		req, _ := http.NewRequest("GET", e.issuer+"/.well-known/oauth-protected-resource", nil)
		req.Header.Set("Origin", "http://localhost:6274")
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
			t.Fatalf("expose headers: %v", resp.Header)
		}
	})
}

var urlMembers = []string{"client_uri", "logo_uri", "tos_uri", "policy_uri", "jwks_uri"}

func TestConnectorsB_Registration(t *testing.T) {
	e := newEnv(t)
	check := func(t *testing.T, m map[string]any) {
		t.Helper()
		if hasNull(m) {
			t.Fatalf("null member: %v", m)
		}
		for _, k := range urlMembers {
			if v, ok := m[k]; ok && v == "" {
				t.Fatalf("empty %s", k)
			}
		}
		if _, ok := m["client_id_issued_at"].(float64); !ok {
			t.Fatalf("client_id_issued_at: %v", m)
		}
	}
	t.Run("8_claude_hosted_confidential", func(t *testing.T) {
		resp, err := http.Post(e.issuer+"/register", "application/json", strings.NewReader(
			`{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_post"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode != 201 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		check(t, m)
		if s, _ := m["client_secret"].(string); s == "" || m["client_secret_expires_at"] != float64(0) ||
			m["token_endpoint_auth_method"] != "client_secret_post" ||
			!reflect.DeepEqual(m["redirect_uris"], []any{"https://claude.ai/api/mcp/auth_callback"}) ||
			!reflect.DeepEqual(m["grant_types"], []any{"authorization_code", "refresh_token"}) ||
			!reflect.DeepEqual(m["response_types"], []any{"code"}) {
			t.Fatalf("%v", m)
		}
	})
	t.Run("9_mcp_remote_public", func(t *testing.T) {
		st, m := e.register(`{"redirect_uris":["http://localhost:3334/oauth/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"client_name":"MCP CLI Client","client_uri":"https://github.com/modelcontextprotocol/mcp-cli","software_id":"2e6dc280-f3c3-4e01-99a7-8181dbd1d23d","software_version":"0.1.29","scope":"openid email profile"}`)
		if st != 201 || m["client_secret"] != nil || m["token_endpoint_auth_method"] != "none" {
			t.Fatalf("%d %v", st, m)
		}
		check(t, m)
	})
	t.Run("10_cursor_three_uris", func(t *testing.T) {
		uris := []any{"cursor://anysphere.cursor-mcp/oauth/callback", "https://www.cursor.com/agents/mcp/oauth/callback", "http://localhost:8787/callback"}
		st, m := e.register(`{"client_name":"Cursor","redirect_uris":["cursor://anysphere.cursor-mcp/oauth/callback","https://www.cursor.com/agents/mcp/oauth/callback","http://localhost:8787/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"]}`)
		if st != 201 || !reflect.DeepEqual(m["redirect_uris"], uris) {
			t.Fatalf("%d %v", st, m)
		}
	})
	t.Run("11_vscode_and_inspector", func(t *testing.T) {
		for _, body := range []string{
			`{"client_name":"Visual Studio Code","client_uri":"https://code.visualstudio.com","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"redirect_uris":["https://insiders.vscode.dev/redirect","https://vscode.dev/redirect","http://127.0.0.1/","http://127.0.0.1:33418/"],"scope":"openid","token_endpoint_auth_method":"none","application_type":"native"}`,
			`{"redirect_uris":["http://localhost:6274/oauth/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"client_name":"MCP Inspector","client_uri":"https://github.com/modelcontextprotocol/inspector","scope":""}`,
		} {
			st, m := e.register(body)
			if st != 201 {
				t.Fatalf("%d %v", st, m)
			}
			check(t, m)
		}
	})
	t.Run("12_tolerant_and_no_rate_limit", func(t *testing.T) {
		resp, err := http.Post(e.issuer+"/register", "application/json; charset=utf-8", strings.NewReader(`{"redirect_uris":["https://app.example/cb"]}`))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != 201 || m["token_endpoint_auth_method"] != "none" || m["client_secret"] != nil {
			t.Fatalf("%d %v", resp.StatusCode, m)
		}
		for i := range 30 {
			st, m := e.register(`{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"client_secret_post"}`)
			if st != 201 {
				t.Fatalf("registration %d: %d %v", i, st, m)
			}
		}
	})
	t.Run("dropped_uri_keeps_registration", func(t *testing.T) {
		st, m := e.register(`{"redirect_uris":["javascript:alert(1)","https://ok.example/cb","http://evil.example/cb"]}`)
		if st != 201 || !reflect.DeepEqual(m["redirect_uris"], []any{"https://ok.example/cb"}) {
			t.Fatalf("%d %v", st, m)
		}
		st, m = e.register(`{"redirect_uris":["javascript:alert(1)"]}`)
		if st != 400 || m["error"] != "invalid_redirect_uri" {
			t.Fatalf("%d %v", st, m)
		}
	})
	t.Run("identical_public_reregistration_reuses", func(t *testing.T) {
		body := `{"client_name":"Same","redirect_uris":["http://localhost:5555/cb"]}`
		a, _ := e.mustRegister(body)
		b, _ := e.mustRegister(body)
		if a != b {
			t.Fatalf("public re-registration made a new client: %s %s", a, b)
		}
	})
}

func TestConnectorsC_Authorize(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.oauthOpts.CIMD.Timeout = 2 * time.Second })
	browser := e.loggedIn()
	claudeID, _ := e.mustRegister(`{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"client_secret_post"}`)
	_, ch := pkce()
	state := "aB3-_xYz0123456789aB3-_xYz0123456789aB3-_xy"

	t.Run("13_14_claude_shaped", func(t *testing.T) {
		u := e.issuer + "/authorize?response_type=code&client_id=" + claudeID +
			"&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&code_challenge=" + ch +
			"&code_challenge_method=S256&state=" + state + "&scope=+offline_access&resource=" + url.QueryEscape(e.issuer+"/mcp/") + "&prompt=consent"
		// Not signed in: a 303 to our own login page.
		resp, err := noFollow().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login?return=%2Fauthorize") {
			t.Fatalf("anonymous: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		page := e.consentPage(browser, u)
		if !strings.Contains(page, "registered dynamically") || !strings.Contains(page, "claude.ai") {
			t.Fatal("consent page does not name the client origin")
		}
		r := e.approve(browser, page)
		loc := r.Header.Get("Location")
		if r.StatusCode != 303 {
			t.Fatalf("status %d", r.StatusCode)
		}
		want := "https://claude.ai/api/mcp/auth_callback?code="
		if !strings.HasPrefix(loc, want) || !strings.HasSuffix(loc, "&state="+state+"&iss="+url.QueryEscape(e.issuer)) {
			t.Fatalf("Location %q", loc)
		}
	})
	t.Run("15_loopback_any_port", func(t *testing.T) {
		a, _ := e.mustRegister(`{"redirect_uris":["http://localhost:3118/callback"]}`)
		e.consentPage(browser, e.authURL(a, "http://localhost:55564/callback", ch, "s", nil))
		b, _ := e.mustRegister(`{"redirect_uris":["http://127.0.0.1/"]}`)
		e.consentPage(browser, e.authURL(b, "http://127.0.0.1:59656/", ch, "s", nil))
		c, _ := e.mustRegister(`{"redirect_uris":["https://app.example:8443/cb"]}`)
		resp, _ := browser.Get(e.authURL(c, "https://app.example:9443/cb", ch, "s", nil))
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Fatalf("non-loopback port change: %d", resp.StatusCode)
		}
	})
	t.Run("16_cimd_builtins", func(t *testing.T) {
		for _, tc := range []struct{ id, redirect, host string }{
			{"https://claude.ai/oauth/mcp-oauth-client-metadata", "https://claude.ai/api/mcp/auth_callback", "claude.ai"},
			{"https://claude.ai/oauth/claude-code-client-metadata", "http://localhost:45157/callback", "claude.ai"},
			{"https://vscode.dev/oauth/client-metadata.json", "http://127.0.0.1:51111/", "vscode.dev"},
		} {
			page := e.consentPage(browser, e.authURL(tc.id, tc.redirect, ch, "s", nil))
			if !strings.Contains(page, "client ID at <strong>"+tc.host+"</strong>") {
				t.Fatalf("%s: consent page lacks the client_id host", tc.id)
			}
		}
	})
	t.Run("17_scopes_and_resource", func(t *testing.T) {
		for _, sc := range []string{"openid email profile", "claudeai", "", " offline_access", "read write"} {
			extra := url.Values{"prompt": {"consent"}}
			if sc != "" {
				extra.Set("scope", sc)
			}
			page := e.consentPage(browser, e.authURL(claudeID, "https://claude.ai/api/mcp/auth_callback", ch, "s", extra))
			_, offered := consentForm(t, page)
			if !reflect.DeepEqual(offered, oauth.ContentScopes()) {
				t.Fatalf("scope %q: offered %v", sc, offered)
			}
		}
		for _, res := range []string{"", e.issuer + "/mcp", e.issuer + "/mcp/", e.issuer, e.issuer + "/", e.issuer + "/Mcp", e.issuer + "/mcp?utm_source=x"} {
			extra := url.Values{"prompt": {"consent"}}
			if res != "" {
				extra.Set("resource", res)
			}
			page := e.consentPage(browser, e.authURL(claudeID, "https://claude.ai/api/mcp/auth_callback", ch, "s", extra))
			f, _ := consentForm(t, page)
			if f.Get("resource") != e.issuer+"/mcp" {
				t.Fatalf("resource %q → %q", res, f.Get("resource"))
			}
		}
		resp, _ := noFollow().Get(e.authURL(claudeID, "https://claude.ai/api/mcp/auth_callback", ch, "st8", url.Values{"resource": {"https://other.example/mcp"}}))
		resp.Body.Close()
		loc := mustURL(t, resp.Header.Get("Location"))
		if resp.StatusCode != 303 || loc.Query().Get("error") != "invalid_target" || loc.Query().Get("state") != "st8" || loc.Query().Get("iss") != e.issuer {
			t.Fatalf("foreign resource: %d %s", resp.StatusCode, loc)
		}
	})
	t.Run("18_claude_com_errors_and_json", func(t *testing.T) {
		e.consentPage(browser, e.authURL(claudeID, "https://claude.com/api/mcp/auth_callback", ch, "s", url.Values{"prompt": {"consent"}}))
		for _, u := range []string{
			e.authURL(claudeID, "https://evil.example/cb", ch, "s", nil),
			e.authURL("nope", "https://claude.ai/api/mcp/auth_callback", ch, "s", nil),
		} {
			resp, _ := noFollow().Get(u)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: %d %s", u, resp.StatusCode, b)
			}
		}
		req, _ := http.NewRequest("GET", e.authURL("does-not-exist", "http://localhost:1/cb", ch, "s", nil), nil)
		req.Header.Set("Accept", "application/json")
		resp, _ := noFollow().Do(req)
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != 400 || m["error"] != "invalid_client" || m["error_description"] != "Client ID 'does-not-exist' is not registered" ||
			m["registration_endpoint"] != e.issuer+"/register" {
			t.Fatalf("%d %v", resp.StatusCode, m)
		}
		for _, extra := range []url.Values{{"code_challenge_method": {"plain"}}, {"code_challenge": {""}}} {
			resp, _ := noFollow().Get(e.authURL(claudeID, "https://claude.ai/api/mcp/auth_callback", ch, "s", extra))
			resp.Body.Close()
			loc := mustURL(t, resp.Header.Get("Location"))
			if resp.StatusCode != 303 || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("iss") != e.issuer {
				t.Fatalf("%v: %d %s", extra, resp.StatusCode, loc)
			}
		}
	})
	t.Run("chatgpt_plural_auth_methods", func(t *testing.T) {
		redirect := "https://chatgpt.com/connector/oauth/abc123"
		id, pool, _ := cimdServer(t, redirect, func(d map[string]any) {
			delete(d, "token_endpoint_auth_method")
			d["token_endpoint_auth_methods_supported"] = []string{"none", "private_key_jwt"}
		})
		e2 := newEnv(t, func(c *envConfig) { c.oauthOpts.CIMD = oauth.CIMDOptions{AllowAddrs: loopbackOnly(), RootCAs: pool} })
		c, oerr := e2.oa.LookupClient(context.Background(), id)
		if oerr != nil || c.TokenEndpointAuthMethod != "none" {
			t.Fatalf("%v %+v", oerr, c)
		}
		e2.consentPage(e2.loggedIn(), e2.authURL(id, redirect, ch, "s", nil))
	})
}

func TestConnectorsD_Token(t *testing.T) {
	e := newEnv(t)
	browser := e.loggedIn()
	redirect := "https://claude.ai/api/mcp/auth_callback"
	confID, secret := e.mustRegister(`{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"client_secret_post"}`)
	pubID, _ := e.mustRegister(`{"client_name":"pub","redirect_uris":["https://claude.ai/api/mcp/auth_callback"]}`)

	codeFor := func(id string) (string, string) {
		v, ch := pkce()
		loc := e.authorize(browser, e.authURL(id, redirect, ch, "s", nil))
		return loc.Query().Get("code"), v
	}
	exchange := func(id string, f url.Values, user, pass string) (*http.Response, map[string]any) {
		code, v := codeFor(id)
		base := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
			"code_verifier": {v}, "resource": {e.issuer + "/mcp"}}
		for k, vs := range f {
			base[k] = vs
		}
		return e.postForm("/token", base, user, pass)
	}
	checkOK := func(t *testing.T, resp *http.Response, m map[string]any) {
		t.Helper()
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" {
			t.Fatalf("%d %v %v", resp.StatusCode, resp.Header, m)
		}
		exp, ok := m["expires_in"].(float64)
		if _, s := m["access_token"].(string); !s || m["token_type"] != "Bearer" || !ok || exp != float64(int64(exp)) || exp < 86400 {
			t.Fatalf("body %v", m)
		}
		if rt, _ := m["refresh_token"].(string); rt == "" {
			t.Fatalf("no refresh token: %v", m)
		}
		if _, s := m["scope"].(string); !s {
			t.Fatalf("scope not a string: %v", m)
		}
	}
	t.Run("19_20a_form_post", func(t *testing.T) {
		start := time.Now()
		resp, m := exchange(confID, url.Values{"client_id": {confID}, "client_secret": {secret}}, "", "")
		checkOK(t, resp, m)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	t.Run("20b_basic", func(t *testing.T) {
		resp, m := exchange(confID, nil, confID, secret)
		checkOK(t, resp, m)
	})
	t.Run("20_public_and_basic_empty_secret", func(t *testing.T) {
		resp, m := exchange(pubID, url.Values{"client_id": {pubID}}, "", "")
		checkOK(t, resp, m)
		resp, m = exchange(pubID, nil, pubID, "")
		checkOK(t, resp, m)
	})
	t.Run("20_wrong_secret", func(t *testing.T) {
		resp, m := exchange(confID, url.Values{"client_id": {confID}, "client_secret": {"pt_cs_wrong"}}, "", "")
		if resp.StatusCode != 401 || m["error"] != "invalid_client" {
			t.Fatalf("%d %v", resp.StatusCode, m)
		}
		resp, m = exchange(confID, nil, confID, "wrong")
		if resp.StatusCode != 401 || m["error"] != "invalid_client" || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("basic: %d %v %v", resp.StatusCode, m, resp.Header)
		}
	})
	t.Run("21_unknown_client", func(t *testing.T) {
		resp, m := e.postForm("/token", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {"does-not-exist"}}, "", "")
		if resp.StatusCode != 401 || m["error"] != "invalid_client" {
			t.Fatalf("%d %v", resp.StatusCode, m)
		}
	})
	t.Run("22_refresh", func(t *testing.T) {
		_, m := exchange(pubID, url.Values{"client_id": {pubID}}, "", "")
		rt := m["refresh_token"].(string)
		resp, m2 := e.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {pubID}}, "", "")
		checkOK(t, resp, m2)
		resp, m3 := e.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m2["refresh_token"].(string)},
			"client_id": {pubID}, "resource": {e.issuer + "/mcp/"}}, "", "")
		checkOK(t, resp, m3)
		for _, bad := range []string{"garbage", "pt_rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
			resp, m := e.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {bad}, "client_id": {pubID}}, "", "")
			if resp.StatusCode != 400 || m["error"] != "invalid_grant" {
				t.Fatalf("%s: %d %v", bad, resp.StatusCode, m)
			}
		}
	})
	t.Run("23_grace", func(t *testing.T) {
		_, m := exchange(pubID, url.Values{"client_id": {pubID}}, "", "")
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {pubID}}
		_, a := e.postForm("/token", f, "", "")
		e.clock.Advance(30 * time.Second)
		resp, b := e.postForm("/token", f, "", "")
		if resp.StatusCode != 200 || a["access_token"] != b["access_token"] || a["refresh_token"] != b["refresh_token"] {
			t.Fatalf("grace: %d %v %v", resp.StatusCode, a, b)
		}
	})
	t.Run("24_json_body", func(t *testing.T) {
		code, v := codeFor(pubID)
		body, _ := json.Marshal(map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
			"code_verifier": v, "client_id": pubID})
		resp, err := http.Post(e.issuer+"/token", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		checkOK(t, resp, m)
	})
	t.Run("25_revoke", func(t *testing.T) {
		for _, kind := range []string{"access_token", "refresh_token"} {
			_, m := exchange(pubID, url.Values{"client_id": {pubID}}, "", "")
			if r := e.callMCP(m["access_token"].(string)); r.StatusCode != 200 {
				t.Fatalf("before revoke: %d", r.StatusCode)
			}
			resp, _ := e.postForm("/revoke", url.Values{"token": {m[kind].(string)}, "client_id": {pubID}}, "", "")
			if resp.StatusCode != 200 {
				t.Fatalf("revoke: %d", resp.StatusCode)
			}
			if r := e.callMCP(m["access_token"].(string)); r.StatusCode != 401 {
				t.Fatalf("after revoking %s: %d", kind, r.StatusCode)
			}
		}
		resp, _ := e.postForm("/revoke", url.Values{"token": {"unknown"}, "client_id": {pubID}}, "", "")
		if resp.StatusCode != 200 {
			t.Fatalf("unknown token: %d", resp.StatusCode)
		}
	})
	t.Run("introspect", func(t *testing.T) {
		_, m := exchange(pubID, url.Values{"client_id": {pubID}}, "", "")
		resp, r := e.postForm("/introspect", url.Values{"token": {m["access_token"].(string)}, "client_id": {pubID}}, "", "")
		if resp.StatusCode != 200 || r["active"] != true || r["aud"] != e.issuer+"/mcp" {
			t.Fatalf("%d %v", resp.StatusCode, r)
		}
		_, r = e.postForm("/introspect", url.Values{"token": {m["access_token"].(string)}, "client_id": {confID}, "client_secret": {secret}}, "", "")
		if r["active"] != false {
			t.Fatalf("another client's token: %v", r)
		}
	})
	t.Run("38_case_changed_resource", func(t *testing.T) {
		resp, m := exchange(pubID, url.Values{"client_id": {pubID}, "resource": {e.issuer + "/Mcp"}}, "", "")
		checkOK(t, resp, m)
	})
}
