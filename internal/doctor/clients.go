package doctor

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
)

// clientProfile is what one client sends to /register and /authorize,
// taken from CONNECTORS.md (section in ref).
type clientProfile struct {
	name string
	ref  string
	// body builds the DCR body; it is a function because some clients pick
	// a random loopback port.
	body func(p *profileState) map[string]any
	// authorize returns the redirect URI, scope (nil: no scope parameter)
	// and resource the client uses at /authorize.
	authorize func(p *profileState, r *runner) (redirect string, scope *string, resource string)
	// cimd is the client's published client ID metadata document URL, if
	// any, and the redirect URI it authorizes with.
	cimd, cimdRedirect func(p *profileState) string
}

// profileState holds the random parts of one client's requests.
type profileState struct {
	port  int // a random loopback port
	port2 int // a second one (VS Code when 33418 is busy)
	id    string
}

func newProfileState() *profileState {
	return &profileState{port: randPort(), port2: randPort(), id: randHex(8)}
}

func randPort() int {
	n, err := rand.Int(rand.Reader, big.NewInt(20000))
	if err != nil {
		return 45157
	}
	return 40000 + int(n.Int64())
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pkce returns a verifier and its S256 challenge (RFC 7636 §4.1–4.2).
func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// state returns a 43-character state with - and _ as Claude sends it.
func state() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	return "-_" + s[2:]
}

func strp(s string) *string { return &s }

var grantsACRT = []string{"authorization_code", "refresh_token"}

// profiles returns the client profiles in report order.
func profiles() []clientProfile {
	return []clientProfile{
		{
			name: ClientClaude, ref: "CONNECTORS.md §2.2, §2.4, §11.8, §11.13 (claude-ai-mcp#1043, #453; mcpb#188)",
			body: func(*profileState) map[string]any {
				return map[string]any{"client_name": "Claude", "redirect_uris": []string{"https://claude.ai/api/mcp/auth_callback"},
					"grant_types": grantsACRT, "response_types": []string{"code"}, "token_endpoint_auth_method": "client_secret_post"}
			},
			authorize: func(_ *profileState, r *runner) (string, *string, string) {
				// Leading-space scope and a trailing-slash resource.
				return "https://claude.ai/api/mcp/auth_callback", strp(" offline_access"), trailingSlash(r.target.String())
			},
			cimd:         func(*profileState) string { return "https://claude.ai/oauth/mcp-oauth-client-metadata" },
			cimdRedirect: func(*profileState) string { return "https://claude.ai/api/mcp/auth_callback" },
		},
		{
			name: ClientClaudeCode, ref: "CONNECTORS.md §3 (claude-code#52961, #37747) [GUESS: DCR body is the TypeScript SDK shape]",
			body: func(p *profileState) map[string]any {
				return map[string]any{"redirect_uris": []string{fmt.Sprintf("http://localhost:%d/callback", p.port)},
					"token_endpoint_auth_method": "none", "grant_types": grantsACRT, "response_types": []string{"code"}, "client_name": "Claude Code"}
			},
			authorize: func(p *profileState, r *runner) (string, *string, string) {
				var scope *string
				if s := r.resourceScope(); s != "" {
					scope = strp(s)
				}
				return fmt.Sprintf("http://localhost:%d/callback", p.port), scope, r.target.String()
			},
			cimd:         func(*profileState) string { return "https://claude.ai/oauth/claude-code-client-metadata" },
			cimdRedirect: func(p *profileState) string { return fmt.Sprintf("http://localhost:%d/callback", p.port2) },
		},
		{
			name: ClientChatGPT, ref: "CONNECTORS.md §4.1 [GUESS: DCR body shape]",
			body: func(p *profileState) map[string]any {
				return map[string]any{"client_name": "ChatGPT", "redirect_uris": []string{"https://chatgpt.com/connector/oauth/doctor" + p.id},
					"grant_types": grantsACRT, "response_types": []string{"code"}, "token_endpoint_auth_method": "none"}
			},
			authorize: func(p *profileState, r *runner) (string, *string, string) {
				s := r.resourceScope()
				if s != "" {
					s += " "
				}
				return "https://chatgpt.com/connector/oauth/doctor" + p.id, strp(s + "openid email profile"), r.target.String()
			},
		},
		{
			name: ClientCursor, ref: "CONNECTORS.md §8, §11.10 (erp-mafia/accounted#2225; makeplane/plane-mcp-server#159)",
			body: func(*profileState) map[string]any {
				return map[string]any{"client_name": "Cursor", "redirect_uris": []string{
					"cursor://anysphere.cursor-mcp/oauth/callback", "https://www.cursor.com/agents/mcp/oauth/callback", "http://localhost:8787/callback"},
					"token_endpoint_auth_method": "none", "grant_types": grantsACRT, "response_types": []string{"code"}}
			},
			authorize: func(_ *profileState, r *runner) (string, *string, string) {
				return "cursor://anysphere.cursor-mcp/oauth/callback", nil, r.target.String()
			},
		},
		{
			name: ClientVSCode, ref: "CONNECTORS.md §7, §11.11 (microsoft/vscode#278512)",
			body: func(*profileState) map[string]any {
				return map[string]any{"client_name": "Visual Studio Code", "client_uri": "https://code.visualstudio.com",
					"grant_types": grantsACRT, "response_types": []string{"code"},
					"redirect_uris": []string{"https://insiders.vscode.dev/redirect", "https://vscode.dev/redirect", "http://127.0.0.1/", "http://127.0.0.1:33418/"},
					"scope":         "openid", "token_endpoint_auth_method": "none", "application_type": "native"}
			},
			authorize: func(p *profileState, r *runner) (string, *string, string) {
				// 33418 was busy: a random port, trailing slash.
				return fmt.Sprintf("http://127.0.0.1:%d/", p.port), strp("openid profile email"), r.target.String()
			},
			cimd:         func(*profileState) string { return "https://vscode.dev/oauth/client-metadata.json" },
			cimdRedirect: func(p *profileState) string { return fmt.Sprintf("http://127.0.0.1:%d/", p.port2) },
		},
		{
			name: ClientInspector, ref: "CONNECTORS.md §6, §11.11",
			body: func(*profileState) map[string]any {
				return map[string]any{"redirect_uris": []string{"http://localhost:6274/oauth/callback"}, "token_endpoint_auth_method": "none",
					"grant_types": grantsACRT, "response_types": []string{"code"}, "client_name": "MCP Inspector",
					"client_uri": "https://github.com/modelcontextprotocol/inspector", "scope": ""}
			},
			authorize: func(_ *profileState, r *runner) (string, *string, string) {
				return "http://localhost:6274/oauth/callback", strp(""), r.target.String()
			},
		},
		{
			name: ClientMCPRemote, ref: "CONNECTORS.md §5, §11.9 (geelen/mcp-remote source)",
			body: func(*profileState) map[string]any {
				return map[string]any{"redirect_uris": []string{"http://localhost:3334/oauth/callback"}, "token_endpoint_auth_method": "none",
					"grant_types": grantsACRT, "response_types": []string{"code"}, "client_name": "MCP CLI Client",
					"client_uri": "https://github.com/modelcontextprotocol/mcp-cli", "software_id": "2e6dc280-f3c3-4e01-99a7-8181dbd1d23d",
					"software_version": "0.1.37", "scope": "openid email profile"}
			},
			authorize: func(_ *profileState, r *runner) (string, *string, string) {
				// mcp-remote's scope fallback when nothing else names one.
				return "http://localhost:3334/oauth/callback", strp("openid email profile"), r.target.String()
			},
		},
	}
}

func trailingSlash(s string) string {
	if len(s) > 0 && s[len(s)-1] == '/' {
		return s
	}
	return s + "/"
}
