package oauthtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/oauth2"

	"github.com/portico-mcp/portico/internal/oauthtest"
)

// bearer adds a token to every request.
type bearer struct {
	base http.RoundTripper
	tok  string
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.base.RoundTrip(r)
}

func register(t *testing.T, s *oauthtest.Server, body string) map[string]any {
	t.Helper()
	resp, err := s.Client().Post(s.Issuer()+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %v", resp.StatusCode, m)
	}
	return m
}

// TestFlowWithRealClients runs the correct fake through golang.org/x/oauth2
// (DCR, authorize via Approve, code exchange, refresh) and the go-sdk MCP
// client, so the fake is checked against real clients, not only doctor.
func TestFlowWithRealClients(t *testing.T) {
	s := oauthtest.NewTLS(oauthtest.Config{})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	codes := make(chan string, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "callback accepts GET only", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Query().Get("state") != "st-1" || r.URL.Query().Get("iss") != s.Issuer() {
			http.Error(w, "bad state or iss", http.StatusBadRequest)
			return
		}
		codes <- r.URL.Query().Get("code")
	}))
	defer cb.Close()

	reg := register(t, s, `{"client_name":"t","redirect_uris":["`+cb.URL+`/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"]}`)
	conf := &oauth2.Config{
		ClientID:    reg["client_id"].(string),
		Endpoint:    oauth2.Endpoint{AuthURL: s.Issuer() + "/authorize", TokenURL: s.Issuer() + "/token"},
		RedirectURL: cb.URL + "/callback",
		Scopes:      []string{" offline_access"},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", s.MCPURL()+"/"))
	if err := s.Approve(ctx, authURL); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	code := <-codes
	hctx := context.WithValue(ctx, oauth2.HTTPClient, s.Client())
	tok, err := conf.Exchange(hctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.RefreshToken == "" || tok.Type() != "Bearer" {
		t.Fatalf("token = %+v", tok)
	}
	if _, err := conf.Exchange(hctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a code was accepted twice")
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(hctx, tok).Token()
	if err != nil || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %v (same token: %v)", err, fresh != nil && fresh.AccessToken == tok.AccessToken)
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "oauthtest", Version: "1"}, nil)
	hc := &http.Client{Transport: bearer{s.Client().Transport, fresh.AccessToken}}
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.MCPURL(), HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("MCP connect: %v", err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	if len(tools.Tools) != 2 || tools.Tools[0].Name != "search" {
		t.Fatalf("tools = %+v", tools.Tools)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "search", Arguments: map[string]any{"query": "hello"}})
	if err != nil || res.IsError {
		t.Fatalf("search: %v %+v", err, res)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if !strings.Contains(text, `"results"`) || !strings.Contains(text, s.Origin()+"/posts/") {
		t.Errorf("search text = %s", text)
	}
}

// TestKnobs checks each fault knob's raw effect on the wire, independently
// of doctor.
func TestKnobs(t *testing.T) {
	type req struct {
		method, path, ctype, body string
		hdr                       map[string]string
	}
	tests := []struct {
		name       string
		cfg        oauthtest.Config
		req        req
		wantStatus int
		wantBody   string // substring of body or of the named headers
	}{
		{"correct PRM", oauthtest.Config{}, req{method: "GET", path: "/.well-known/oauth-protected-resource/mcp"}, 200, `"resource":"ORIGIN/mcp"`},
		{"PRM 401", oauthtest.Config{PRMUnauthorized: true}, req{method: "GET", path: "/.well-known/oauth-protected-resource"}, 401, ""},
		{"relative resource_metadata", oauthtest.Config{RelativeResourceMetadata: true}, req{method: "POST", path: "/mcp", ctype: "application/json", body: `{}`}, 401, `resource_metadata="/.well-known/`},
		{"absolute resource_metadata", oauthtest.Config{}, req{method: "POST", path: "/mcp", ctype: "application/json", body: `{}`}, 401, `resource_metadata="ORIGIN/.well-known/oauth-protected-resource/mcp"`},
		{"http issuer", oauthtest.Config{HTTPIssuer: true}, req{method: "GET", path: "/.well-known/oauth-authorization-server"}, 200, `"issuer":"http://`},
		{"issuer path: no root", oauthtest.Config{IssuerPath: "/tenant"}, req{method: "GET", path: "/.well-known/oauth-authorization-server"}, 404, ""},
		{"issuer path: path-aware", oauthtest.Config{IssuerPath: "/tenant"}, req{method: "GET", path: "/.well-known/oauth-authorization-server/tenant"}, 200, `"issuer":"ORIGIN/tenant"`},
		{"no S256", oauthtest.Config{NoS256: true}, req{method: "GET", path: "/.well-known/openid-configuration"}, 200, `"token_endpoint"`},
		{"DCR rejects refresh_token", oauthtest.Config{DCRRejectRefreshToken: true}, req{method: "POST", path: "/register", ctype: "application/json", body: `{"redirect_uris":["https://a/cb"],"grant_types":["authorization_code","refresh_token"]}`}, 400, "invalid_client_metadata"},
		{"DCR nulls", oauthtest.Config{DCRNulls: true}, req{method: "POST", path: "/register", ctype: "application/json", body: `{"redirect_uris":["https://a/cb"]}`}, 201, `"client_uri":null`},
		{"JSON-only token", oauthtest.Config{TokenJSONOnly: true}, req{method: "POST", path: "/token", ctype: "application/x-www-form-urlencoded", body: "grant_type=authorization_code"}, 415, ""},
		{"form token", oauthtest.Config{}, req{method: "POST", path: "/token", ctype: "application/x-www-form-urlencoded", body: "grant_type=authorization_code&client_id=nope"}, 401, "invalid_client"},
		{"case-insensitive path", oauthtest.Config{}, req{method: "POST", path: "/Mcp", ctype: "application/json", body: `{}`}, 401, ""},
		{"case-sensitive path", oauthtest.Config{CaseSensitivePath: true}, req{method: "POST", path: "/Mcp", ctype: "application/json", body: `{}`}, 404, ""},
		{"bot challenge", oauthtest.Config{BotChallenge: true}, req{method: "GET", path: "/.well-known/oauth-protected-resource"}, 403, "Just a moment"},
		{"CORS", oauthtest.Config{}, req{method: "OPTIONS", path: "/token", hdr: map[string]string{"Origin": "http://localhost:6274", "Access-Control-Request-Method": "POST"}}, 204, ""},
		{"no CORS", oauthtest.Config{NoCORS: true}, req{method: "OPTIONS", path: "/token", hdr: map[string]string{"Origin": "http://localhost:6274", "Access-Control-Request-Method": "POST"}}, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := oauthtest.NewTLS(tt.cfg)
			defer s.Close()
			r, err := http.NewRequest(tt.req.method, s.Origin()+tt.req.path, bytes.NewBufferString(tt.req.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.req.ctype != "" {
				r.Header.Set("Content-Type", tt.req.ctype)
			}
			for k, v := range tt.req.hdr {
				r.Header.Set(k, v)
			}
			resp, err := s.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			all := string(body) + " " + resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, all)
			}
			if want := strings.ReplaceAll(tt.wantBody, "ORIGIN", s.Origin()); !strings.Contains(all, want) {
				t.Errorf("answer lacks %q: %s", want, all)
			}
		})
	}
}

// TestDiscoverKnob checks both server/discover behaviours with a token.
func TestDiscoverKnob(t *testing.T) {
	for _, broken := range []bool{false, true} {
		s := oauthtest.NewTLS(oauthtest.Config{DiscoverMethodNotFound: broken})
		r, _ := http.NewRequest("POST", s.MCPURL(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}}`))
		r.Header.Set("Authorization", "Bearer "+s.IssueToken())
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("MCP-Protocol-Version", "2026-07-28")
		resp, err := s.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s.Close()
		want := `"supportedVersions"`
		if broken {
			want = `-32601`
		}
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("broken=%v: %d %s", broken, resp.StatusCode, body)
		}
	}
}

// TestConsent307 checks the consent redirect status.
func TestConsent307(t *testing.T) {
	for _, c := range []struct {
		cfg  oauthtest.Config
		want string
	}{{oauthtest.Config{}, "GET"}, {oauthtest.Config{ConsentRedirect307: true}, "POST"}} {
		s := oauthtest.NewTLS(c.cfg)
		method := make(chan string, 1)
		cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { method <- r.Method }))
		reg := register(t, s, `{"redirect_uris":["`+cb.URL+`/cb"]}`)
		verifier := oauth2.GenerateVerifier()
		conf := &oauth2.Config{ClientID: reg["client_id"].(string), Endpoint: oauth2.Endpoint{AuthURL: s.Issuer() + "/authorize"}, RedirectURL: cb.URL + "/cb"}
		if err := s.Approve(context.Background(), conf.AuthCodeURL("x", oauth2.S256ChallengeOption(verifier))); err != nil {
			t.Fatal(err)
		}
		if got := <-method; got != c.want {
			t.Errorf("307=%v: callback method %s, want %s", c.cfg.ConsentRedirect307, got, c.want)
		}
		cb.Close()
		s.Close()
	}
}
