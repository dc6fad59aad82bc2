package doctor

import (
	"go/parser"
	"go/token"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestBearerChallenge(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		ok     bool
		want   map[string]string
	}{
		{"appendix A", []string{`Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp"`}, true,
			map[string]string{"resource_metadata": "https://mcp.example.com/.well-known/oauth-protected-resource/mcp", "scope": "mcp"}},
		{"error first, lower-case scheme", []string{`bearer error="invalid_token", resource_metadata="https://x/y"`}, true,
			map[string]string{"error": "invalid_token", "resource_metadata": "https://x/y"}},
		{"after Basic in one header", []string{`Basic realm="x", Bearer scope="a b"`}, true, map[string]string{"scope": "a b"}},
		{"second header", []string{`Basic realm="x"`, `Bearer resource_metadata=https://x/y`}, true, map[string]string{"resource_metadata": "https://x/y"}},
		{"escaped quote", []string{`Bearer realm="a\"b"`}, true, map[string]string{"realm": `a"b`}},
		{"bare Bearer", []string{`Bearer`}, true, map[string]string{}},
		{"no Bearer", []string{`Basic realm="x"`}, false, nil},
		{"none", nil, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := bearerChallenge(tt.values)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func TestTitleCased(t *testing.T) {
	for in, want := range map[string]string{"/mcp": "/Mcp", "/api/mcp": "/Api/mcp", "/Mcp": "/Mcp", "/": "/", "": "", "/9mcp": "/9mcp"} {
		if got := titleCased(in); got != want {
			t.Errorf("titleCased(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExcerptRedacts(t *testing.T) {
	tests := []struct{ body, leak string }{
		{`{"access_token":"AT-secret-1","token_type":"Bearer","refresh_token":"RT-secret-2"}`, "-secret-"},
		{`{"client_id":"abc","client_secret":"CS-secret-3","nested":{"code":"C-secret-4"}}`, "-secret-"},
		{`access_token=AT-secret-5&token_type=bearer`, "-secret-"},
		{`<html>code: C-secret-6</html>`, "-secret-"},
	}
	for _, tt := range tests {
		got := excerpt([]byte(tt.body))
		if strings.Contains(got, tt.leak) {
			t.Errorf("excerpt(%s) = %s: leaks", tt.body, got)
		}
		if !strings.Contains(got, redacted) {
			t.Errorf("excerpt(%s) = %s: nothing redacted", tt.body, got)
		}
	}
	if got := excerpt([]byte(`{"error_code":"x","status_code":401}`)); strings.Contains(got, redacted) {
		t.Errorf("excerpt redacted a harmless member: %s", got)
	}
	long := excerpt([]byte(strings.Repeat("a", 5000)))
	if n := len([]rune(long)); n > maxExcerpt+1 {
		t.Errorf("excerpt is %d runes, want ≤ %d", n, maxExcerpt+1)
	}
	u := redactURL("https://claude.ai/api/mcp/auth_callback?code=C-secret-7&state=s&iss=x")
	if strings.Contains(u, "secret") || !strings.Contains(u, "state=s") {
		t.Errorf("redactURL = %s", u)
	}
}

func TestPreflightProblem(t *testing.T) {
	ex := func(status int, kv ...string) *exchange {
		return &exchange{status: status, header: hdr(kv...)}
	}
	const req = "authorization,content-type,mcp-protocol-version,mcp-session-id"
	tests := []struct {
		name string
		ex   *exchange
		ok   bool
	}{
		{"echoing server", ex(204, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", req), true},
		{"specific origin, listed headers", ex(200, "Access-Control-Allow-Origin", inspectorOrigin, "Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version, Mcp-Session-Id"), true},
		{"wildcard headers do not cover Authorization", ex(204, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "*"), false},
		{"no allow-origin", ex(204, "Access-Control-Allow-Headers", req), false},
		{"401 to OPTIONS", ex(401, "Access-Control-Allow-Origin", "*"), false},
		{"missing a header", ex(204, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "content-type"), false},
	}
	for _, tt := range tests {
		if got := preflightProblem(tt.ex, req); (got == "") != tt.ok {
			t.Errorf("%s: problem %q, want ok=%v", tt.name, got, tt.ok)
		}
	}
}

func TestAddrClass(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1": "loopback", "::1": "loopback", "10.1.2.3": "private", "192.168.0.1": "private", "172.16.5.4": "private",
		"100.64.1.1": "private", "fd00::1": "private", "169.254.1.1": "non-routable", "0.0.0.0": "non-routable",
		"160.79.104.10": "public", "2606:4700::1": "public", "::ffff:10.0.0.1": "private",
	} {
		if got := addrClass(netip.MustParseAddr(in)); got != want {
			t.Errorf("addrClass(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestBotChallengeDetection(t *testing.T) {
	html := hdr("Content-Type", "text/html; charset=UTF-8")
	tests := []struct {
		name string
		ex   *exchange
		want bool
	}{
		{"cf-mitigated header", &exchange{status: 403, header: hdr("cf-mitigated", "challenge")}, true},
		{"cloudflare interstitial", &exchange{status: 403, header: html, body: []byte("<title>Just a moment...</title>")}, true},
		{"vercel checkpoint on 200", &exchange{status: 200, header: html, body: []byte("Vercel Security Checkpoint")}, true},
		{"plain 404 page", &exchange{status: 404, header: html, body: []byte("<h1>Not found</h1>")}, false},
		{"JSON", &exchange{status: 200, header: hdr("Content-Type", "application/json"), body: []byte(`{"captcha":1}`)}, false},
		{"redirect", &exchange{status: http.StatusFound, header: html, body: []byte("captcha")}, false},
	}
	for _, tt := range tests {
		if got := isBotChallenge(tt.ex); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestImportsNothingInternal enforces DESIGN.md: doctor imports nothing
// else under internal/ (test files included only the fake, oauthtest).
func TestImportsNothingInternal(t *testing.T) {
	const module = "github.com/portico-mcp/portico/internal/"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			if strings.HasSuffix(f, "_test.go") && (p == module+"oauthtest" || p == module+"doctor") {
				continue
			}
			t.Errorf("%s imports %s; doctor must import nothing under internal/", f, p)
		}
	}
}
