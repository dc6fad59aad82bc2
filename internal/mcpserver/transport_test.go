package mcpserver_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/portico-mcp/portico/internal/store"
)

const challengeNoError = `Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="content:read content:write content:publish site:admin"`

func initBody(version string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"claude-ai","version":"0.1.0"}}}`, version)
}

const discoverBody = `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`

const toolsListBody = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`

// TestChallenge covers CONNECTORS.md 11.1, 11.30 and 11.36.
func TestChallenge(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, method, body string
		headers            []string
		wantStatus         int
		wantChallenge      string
	}{
		{"initialize without token", "POST", initBody("2025-11-25"), nil, 401, challengeNoError},
		{"GET without token", "GET", "", []string{"Accept", "text/event-stream"}, 401, challengeNoError},
		{"DELETE without token", "DELETE", "", nil, 401, challengeNoError},
		{"discover without token", "POST", discoverBody, []string{"MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "server/discover"}, 401, challengeNoError},
		{"garbage token", "POST", initBody("2025-11-25"), bearer("garbage"), 401,
			`Bearer error="invalid_token", error_description="the access token is invalid, expired, revoked or for another resource", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="content:read content:write content:publish site:admin"`},
		{"basic auth", "POST", initBody("2025-11-25"), []string{"Authorization", "Basic Zm9vOmJhcg=="}, 401, challengeNoError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, "/mcp", c.body, c.headers...)
			if r.status != c.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", r.status, c.wantStatus, r.body)
			}
			if got := r.header.Get("WWW-Authenticate"); got != c.wantChallenge {
				t.Errorf("WWW-Authenticate =\n %s\nwant\n %s", got, c.wantChallenge)
			}
			if loc := r.header.Get("Location"); loc != "" {
				t.Errorf("Location = %q, want none", loc)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			m := r.json(t)
			if dig(m, "error", "code") != float64(-32001) || m["jsonrpc"] != "2.0" {
				t.Errorf("body = %s, want a JSON-RPC -32001 error", r.body)
			}
		})
	}

	t.Run("wrong audience", func(t *testing.T) {
		// A token bound to another resource is refused with 401, not 403.
		tok := e.tokenFor("https://other.example/mcp", e.users[store.RoleAdmin], "content:read")
		r := e.do("POST", "/mcp", toolsListBody, bearer(tok)...)
		if r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("status %d, challenge %q", r.status, r.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("token in query string", func(t *testing.T) {
		tok := e.token(e.users[store.RoleAdmin], "content:read")
		r := e.do("POST", "/mcp?access_token="+tok, toolsListBody)
		if r.status != 400 {
			t.Errorf("status = %d, want 400", r.status)
		}
	})
}

// TestLegacyEra covers CONNECTORS.md 11.27-11.29 and 11.34, 11.38.
func TestLegacyEra(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.users[store.RoleAdmin], allScopes()...)
	auth := bearer(tok)

	for _, v := range []string{"2025-03-26", "2025-06-18", "2025-11-25"} {
		t.Run("initialize "+v, func(t *testing.T) {
			r := e.do("POST", "/mcp", initBody(v), auth...)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			m := r.json(t)
			if got := dig(m, "result", "protocolVersion"); got != v {
				t.Errorf("protocolVersion = %v, want %s", got, v)
			}
			if dig(m, "result", "capabilities", "tools") == nil {
				t.Errorf("capabilities.tools missing: %s", r.body)
			}
		})
	}
	t.Run("initialized without session", func(t *testing.T) {
		r := e.do("POST", "/mcp", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, auth...)
		if r.status != 202 || len(r.body) != 0 {
			t.Errorf("status %d body %q, want 202 and empty", r.status, r.body)
		}
	})
	for _, c := range []struct{ name, path, session string }{
		{"tools/list without session", "/mcp", ""},
		{"unknown session", "/mcp", "deadbeef"},
		{"trailing slash", "/mcp/", ""},
		{"title case", "/Mcp", ""},
		{"upper case", "/MCP", ""},
		{"upper case slash", "/MCP/", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := append([]string{}, auth...)
			if c.session != "" {
				h = append(h, "Mcp-Session-Id", c.session)
			}
			r := e.do("POST", c.path, toolsListBody, h...)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			tools, _ := dig(r.json(t), "result", "tools").([]any)
			if len(tools) < 20 {
				t.Errorf("got %d tools", len(tools))
			}
		})
	}
	for _, c := range []struct {
		method string
		want   []int
	}{
		{"GET", []int{200, 405}}, {"HEAD", []int{405}}, {"DELETE", []int{200, 204, 405}},
	} {
		t.Run(c.method, func(t *testing.T) {
			r := e.do(c.method, "/mcp", "", append([]string{"Accept", "text/event-stream", "Mcp-Session-Id", "abc"}, auth...)...)
			if !slices.Contains(c.want, r.status) {
				t.Errorf("status %d, want one of %v", r.status, c.want)
			}
			if r.status >= 300 && r.status < 400 {
				t.Errorf("redirect")
			}
		})
	}
	t.Run("body too large", func(t *testing.T) {
		big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_post","arguments":{"title":"x","body":"` + strings.Repeat("a", 5<<20) + `"}}}`
		r := e.do("POST", "/mcp", big, auth...)
		if r.status != 413 || dig(r.json(t), "error", "code") != float64(-32600) {
			t.Errorf("status %d body %.200s", r.status, r.body)
		}
	})
	t.Run("first call event", func(t *testing.T) {
		evs, err := e.st.ListEvents(t.Context(), store.EventFilter{Kind: "mcp.first_call"})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].ClientID != "test-client" {
			t.Errorf("events = %+v, want exactly one mcp.first_call", evs)
		}
	})
}

// TestModernEra covers CONNECTORS.md 11.35(a).
func TestModernEra(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.users[store.RoleAdmin], allScopes()...)
	modern := func(method string, extra ...string) []string {
		return append(append(bearer(tok), "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", method), extra...)
	}
	t.Run("server/discover", func(t *testing.T) {
		r := e.do("POST", "/mcp", discoverBody, modern("server/discover")...)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		m := r.json(t)
		vs, _ := dig(m, "result", "supportedVersions").([]any)
		if !slices.Contains(vs, any("2026-07-28")) || !slices.Contains(vs, any("2025-11-25")) {
			t.Errorf("supportedVersions = %v", vs)
		}
		if dig(m, "result", "capabilities", "tools") == nil {
			t.Errorf("capabilities missing: %s", r.body)
		}
	})
	t.Run("unsupported version", func(t *testing.T) {
		h := append(bearer(tok), "MCP-Protocol-Version", "1900-01-01", "Mcp-Method", "server/discover")
		r := e.do("POST", "/mcp", discoverBody, h...)
		m := r.json(t)
		if r.status != 400 || dig(m, "error", "code") != float64(-32022) {
			t.Fatalf("status %d body %s", r.status, r.body)
		}
		sup, _ := dig(m, "error", "data", "supported").([]any)
		if !slices.Contains(sup, any("2026-07-28")) {
			t.Errorf("data.supported = %v", sup)
		}
	})
	t.Run("method header mismatch", func(t *testing.T) {
		r := e.do("POST", "/mcp", discoverBody, modern("tools/list")...)
		if r.status != 400 || dig(r.json(t), "error", "code") != float64(-32020) {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})
	t.Run("modern tools/call", func(t *testing.T) {
		p := e.post(e.users[store.RoleAdmin], "Modern", store.StatusPublished)
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_post","arguments":{"id":%d},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`, p.ID)
		r := e.do("POST", "/mcp", body, modern("tools/call", "Mcp-Name", "get_post")...)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if got := dig(r.json(t), "result", "structuredContent", "title"); got != "Modern" {
			t.Errorf("title = %v; body %s", got, r.body)
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		body := `{"jsonrpc":"2.0","id":4,"method":"nope/nope","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`
		r := e.do("POST", "/mcp", body, modern("nope/nope")...)
		if r.status != 404 || dig(r.json(t), "error", "code") != float64(-32601) {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})
}

// TestOriginAndCORS covers the Origin rule and CONNECTORS.md §0 item 19.
func TestOriginAndCORS(t *testing.T) {
	e := newEnv(t)
	tok := e.token(e.users[store.RoleAdmin], allScopes()...)
	for _, c := range []struct {
		origin   string
		want     int
		wantACAO string
	}{
		{"", 200, ""},
		{"https://mcp.example.com", 200, "https://mcp.example.com"},
		{"http://localhost:6274", 200, "http://localhost:6274"},
		{"https://evil.example", 403, ""},
		{"null", 403, ""},
	} {
		t.Run("origin "+c.origin, func(t *testing.T) {
			h := bearer(tok)
			if c.origin != "" {
				h = append(h, "Origin", c.origin)
			}
			r := e.do("POST", "/mcp", toolsListBody, h...)
			if r.status != c.want {
				t.Fatalf("status %d, want %d: %s", r.status, c.want, r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != c.wantACAO {
				t.Errorf("ACAO = %q, want %q", got, c.wantACAO)
			}
			if c.wantACAO != "" && !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
				t.Errorf("expose headers = %q", r.header.Get("Access-Control-Expose-Headers"))
			}
		})
	}
	t.Run("preflight without auth", func(t *testing.T) {
		r := e.do("OPTIONS", "/mcp", "", "Origin", "http://localhost:6274", "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version")
		if r.status != 204 {
			t.Fatalf("status %d", r.status)
		}
		if r.header.Get("Access-Control-Allow-Origin") != "http://localhost:6274" ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "authorization") {
			t.Errorf("headers = %v", r.header)
		}
	})
	t.Run("401 carries CORS", func(t *testing.T) {
		r := e.do("POST", "/mcp", toolsListBody, "Origin", "http://localhost:6274")
		if r.status != 401 || r.header.Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("status %d headers %v", r.status, r.header)
		}
	})
}

// TestScopes: tools/list follows the token's scopes, and calling a tool
// outside them is an HTTP 403 insufficient_scope challenge.
func TestScopes(t *testing.T) {
	e := newEnv(t)
	viewer := e.token(e.users[store.RoleViewer], "content:read")
	r := e.do("POST", "/mcp", toolsListBody, bearer(viewer)...)
	var names []string
	for _, tl := range dig(r.json(t), "result", "tools").([]any) {
		names = append(names, tl.(map[string]any)["name"].(string))
	}
	for _, want := range []string{"list_posts", "get_post", "search", "fetch"} {
		if !slices.Contains(names, want) {
			t.Errorf("read token lacks %s: %v", want, names)
		}
	}
	for _, not := range []string{"create_post", "publish_post", "list_users", "update_site_settings"} {
		if slices.Contains(names, not) {
			t.Errorf("read token lists %s", not)
		}
	}
	body := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"create_post","arguments":{"title":"x"}}}`
	r = e.do("POST", "/mcp", body, bearer(viewer)...)
	if r.status != 403 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	want := `Bearer error="insufficient_scope", error_description="the create_post tool needs the content:write scope", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="content:read content:write"`
	if got := r.header.Get("WWW-Authenticate"); got != want {
		t.Errorf("challenge =\n %s\nwant\n %s", got, want)
	}
	if dig(r.json(t), "id") != float64(5) {
		t.Errorf("body %s", r.body)
	}
}
