package oauth

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestValidateRedirectURI(t *testing.T) {
	ok := []string{
		"https://claude.ai/api/mcp/auth_callback", "https://chatgpt.com/connector/oauth/abc", "http://localhost:3334/oauth/callback",
		"http://127.0.0.1/", "http://[::1]:8080/cb", "cursor://anysphere.cursor-mcp/oauth/callback", "com.example.app:/oauth2redirect",
		"https://vscode.dev/redirect", "http://LOCALHOST:1/cb",
	}
	bad := []string{
		"", "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc/passwd", "http://example.com/cb",
		"https://a.example/cb#f", "https://user:pw@a.example/cb", "https://a.example@b.example/cb", "/relative", "https:///nohost",
		"vbscript:x", "mailto:a@b", "http://127.0.0.2/cb", "http://localhost.evil.com/cb", "https://a.example/\\cb", "https://a.example/ cb",
		"1http://x", "http://0x7f000001/cb", "ws://localhost/cb",
	}
	for _, u := range ok {
		if err := ValidateRedirectURI(u); err != nil {
			t.Errorf("%q rejected: %v", u, err)
		}
	}
	for _, u := range bad {
		if err := ValidateRedirectURI(u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestMatchRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		reg  []string
		req  string
		want bool
	}{
		{[]string{"http://localhost:3118/callback"}, "http://localhost:55564/callback", true},
		{[]string{"http://localhost/callback"}, "http://localhost:45157/callback", true},
		{[]string{"http://127.0.0.1/"}, "http://127.0.0.1:59656/", true},
		{[]string{"http://127.0.0.1:33418/"}, "http://127.0.0.1:33418/", true},
		{[]string{"http://localhost/callback"}, "http://127.0.0.1:1/callback", false},
		{[]string{"http://localhost/callback"}, "http://localhost:1/callback2", false},
		{[]string{"http://localhost/callback"}, "http://localhost:1/callback?x=1", false},
		{[]string{"https://a.example:8443/cb"}, "https://a.example:9443/cb", false},
		{[]string{"https://a.example/cb"}, "https://a.example/cb", true},
		{[]string{"https://a.example/cb"}, "https://A.example/cb", false},
		{[]string{"https://claude.ai/api/mcp/auth_callback"}, "https://claude.com/api/mcp/auth_callback", true},
		{[]string{"https://claude.com/api/mcp/auth_callback"}, "https://claude.ai/api/mcp/auth_callback", true},
		{[]string{"https://claude.ai/api/mcp/auth_callback"}, "https://claude.com/api/mcp/auth_callback/x", false},
		{[]string{"cursor://anysphere.cursor-mcp/oauth/callback"}, "cursor://anysphere.cursor-mcp/oauth/callback", true},
		{[]string{"https://a.example/cb#x"}, "https://a.example/cb#x", false},
	} {
		if got := MatchRedirectURI(tc.reg, tc.req); got != tc.want {
			t.Errorf("%v ~ %q = %v, want %v", tc.reg, tc.req, got, tc.want)
		}
	}
}

func TestParseScope(t *testing.T) {
	for raw, want := range map[string][]string{
		" offline_access": nil, "claudeai": nil, "openid email profile": nil, "": nil, "read write": nil,
		"content:write  content:read\tfoo content:read": {"content:read", "content:write"},
		"site:admin offline_access":                     {"site:admin"},
	} {
		if got := ParseScope(raw); !reflect.DeepEqual(got, want) {
			t.Errorf("%q → %v, want %v", raw, got, want)
		}
	}
}

func TestNormalizeResource(t *testing.T) {
	const iss, res = "https://mcp.example.com", "https://mcp.example.com/mcp"
	for _, raw := range []string{"", res, res + "/", iss, iss + "/", "https://mcp.example.com/Mcp", "https://MCP.example.com:443/MCP/", res + "?utm_source=plugin"} {
		if got, err := normalizeResource(iss, res, "/mcp", raw); err != nil || got != res {
			t.Errorf("%q → %q %v", raw, got, err)
		}
	}
	for _, raw := range []string{"https://other.example/mcp", "http://mcp.example.com/mcp", "https://mcp.example.com:8443/mcp", "/mcp",
		"https://mcp.example.com/admin", res + "#f", "https://u@mcp.example.com/mcp", "mcp"} {
		if _, err := normalizeResource(iss, res, "/mcp", raw); err == nil || err.Code != ErrCodeInvalidTarget {
			t.Errorf("%q accepted", raw)
		}
	}
}

func TestPKCE(t *testing.T) {
	v := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	if c := S256Challenge(v); c != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" { // RFC 7636 Appendix B
		t.Fatalf("challenge %s", c)
	}
	if !VerifyS256("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", v) || VerifyS256("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", v+"x") ||
		VerifyS256(v, v) || VerifyS256("", "short") {
		t.Fatal("VerifyS256")
	}
}

func TestParseRegistration(t *testing.T) {
	req, dropped, err := ParseRegistration([]byte(`{"redirect_uris":["cursor://x/cb","http://evil.example/cb"],"client_uri":"","logo_uri":"javascript:x","software_id":"s"}`))
	if err != nil || !reflect.DeepEqual(req.RedirectURIs, []string{"cursor://x/cb"}) || len(dropped) != 1 ||
		req.TokenEndpointAuthMethod != "none" || req.LogoURI != "" {
		t.Fatalf("%+v %v %v", req, dropped, err)
	}
	for body, code := range map[string]string{
		`{}`: ErrCodeInvalidRedirectURI, `{"redirect_uris":[]}`: ErrCodeInvalidRedirectURI, `x`: ErrCodeInvalidClientMetadata,
		`{"redirect_uris":[1]}`: ErrCodeInvalidClientMetadata, `{"redirect_uris":["https://a/cb"],"grant_types":["client_credentials"]}`: ErrCodeInvalidClientMetadata,
		`{"redirect_uris":["https://a/cb"],"response_types":["token"]}`: ErrCodeInvalidClientMetadata,
	} {
		if _, _, err := ParseRegistration([]byte(body)); err == nil || err.Code != code {
			t.Errorf("%s: %v, want %s", body, err, code)
		}
	}
}

func TestRegistrationResponseOmitsEmpty(t *testing.T) {
	b, _ := json.Marshal(RegistrationResponse{ClientID: "x", RedirectURIs: []string{"https://a/cb"}, TokenEndpointAuthMethod: "none",
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}})
	for _, k := range []string{"null", `""`, "client_secret", "client_uri", "logo_uri", "scope"} {
		if strings.Contains(string(b), k) {
			t.Fatalf("%s in %s", k, b)
		}
	}
}

func TestParseClientMetadataDocument(t *testing.T) {
	for id, body := range builtinCIMD {
		c, err := ParseClientMetadataDocument(id, []byte(body))
		if err != nil || c.TokenEndpointAuthMethod != "none" || len(c.RedirectURIs) == 0 {
			t.Errorf("%s: %v", id, err)
		}
	}
	const id = "https://chatgpt.com/oauth/client.json"
	chatgpt := `{"client_id":"https://chatgpt.com/oauth/client.json","redirect_uris":["https://chatgpt.com/connector_platform_oauth_redirect"],"token_endpoint_auth_methods_supported":["none","private_key_jwt"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"client_name":"ChatGPT","token_endpoint_auth_method":"private_key_jwt"}`
	if c, err := ParseClientMetadataDocument(id, []byte(chatgpt)); err != nil || c.TokenEndpointAuthMethod != "none" {
		t.Fatalf("chatgpt: %v", err)
	}
	for _, bad := range []string{
		`{"client_id":"https://evil/x","redirect_uris":["https://a/cb"]}`,
		`{"client_id":"https://chatgpt.com/oauth/client.json","redirect_uris":["javascript:x"]}`,
		`{"client_id":"https://chatgpt.com/oauth/client.json","redirect_uris":["https://a/cb"],"token_endpoint_auth_method":"client_secret_basic"}`,
		`not json`,
	} {
		if _, err := ParseClientMetadataDocument(id, []byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	for u, want := range map[string]bool{"https://a.example/c.json": true, "https://a.example": false, "https://a.example/": false,
		"http://a.example/c": false, "https://a.example/../c": false, "https://u@a.example/c": false, "https://a.example/c#f": false} {
		if IsClientIDURL(u) != want {
			t.Errorf("IsClientIDURL(%q) != %v", u, want)
		}
	}
}

func TestCheckPublicAddr(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
		"::1", "::", "fe80::1", "fd00::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "224.0.0.1", "ff02::1", "255.255.255.255",
		"64:ff9b::a00:1", "192.0.2.1", "198.18.0.1", "2001:db8::1"} {
		if CheckPublicAddr(netip.MustParseAddr(a)) == nil {
			t.Errorf("%s allowed", a)
		}
	}
	for _, a := range []string{"8.8.8.8", "160.79.104.10", "2606:4700::1111"} {
		if err := CheckPublicAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
	}
}

func TestChallenge(t *testing.T) {
	s := &Service{issuer: "https://mcp.example.com", resourcePath: "/mcp"}
	if got := s.Challenge("", "", nil); got != `Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="content:read content:write content:publish site:admin"` {
		t.Fatal(got)
	}
	if got := s.Challenge(ErrCodeInsufficientScope, `needs "publish"`, []string{ScopeContentPublish}); got != `Bearer error="insufficient_scope", error_description="needs publish", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="content:publish"` {
		t.Fatal(got)
	}
}

func TestSeal(t *testing.T) {
	raw := newSecret(PrefixRefreshToken)
	b, err := seal(raw, []byte("pair"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := open(raw, b); err != nil || string(p) != "pair" {
		t.Fatal(err)
	}
	if _, err := open(newSecret(PrefixRefreshToken), b); err == nil {
		t.Fatal("opened with another token")
	}
}

func FuzzValidateRedirectURI(f *testing.F) {
	for _, s := range []string{"https://claude.ai/api/mcp/auth_callback", "http://localhost:1/cb", "cursor://x/y", "javascript:x", "http://a@b/c#d", "com.x:/cb"} {
		f.Add(s, "http://localhost/cb")
	}
	f.Fuzz(func(t *testing.T, requested, registered string) {
		err := ValidateRedirectURI(requested)
		if MatchRedirectURI([]string{registered}, requested) && err != nil {
			t.Fatalf("matched an invalid URI %q", requested)
		}
		if err == nil {
			l := strings.ToLower(requested)
			if strings.HasPrefix(l, "javascript:") || strings.HasPrefix(l, "data:") || strings.HasPrefix(l, "file:") || strings.Contains(requested, "#") {
				t.Fatalf("accepted %q", requested)
			}
		}
	})
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{" offline_access", "claudeai", "openid email profile", "", "content:read content:read site:admin"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := ParseScope(raw)
		if len(got) > 4 {
			t.Fatalf("%v", got)
		}
		for _, s := range got {
			if !IsContentScope(s) {
				t.Fatalf("unknown scope %q kept", s)
			}
		}
		if !reflect.DeepEqual(ParseScope(FormatScope(got)), got) {
			t.Fatal("not idempotent")
		}
	})
}

func FuzzParseRegistration(f *testing.F) {
	for _, s := range []string{
		`{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"token_endpoint_auth_method":"client_secret_post"}`,
		`{"redirect_uris":["cursor://a/b","http://x/y"],"scope":""}`, `{}`, `[]`, `{"redirect_uris":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _, err := ParseRegistration(body)
		if err != nil {
			return
		}
		if len(req.RedirectURIs) == 0 {
			t.Fatal("accepted without redirect URIs")
		}
		for _, u := range req.RedirectURIs {
			if ValidateRedirectURI(u) != nil {
				t.Fatalf("kept invalid %q", u)
			}
		}
		switch req.TokenEndpointAuthMethod {
		case AuthMethodNone, AuthMethodClientSecretBasic, AuthMethodClientSecretPost:
		default:
			t.Fatalf("method %q", req.TokenEndpointAuthMethod)
		}
	})
}
