package interop

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/portico-mcp/portico/internal/authserver"
	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/mcpserver"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// refreshable is the token source the go-sdk handler uses, with a switch
// that makes the next Token call refresh (as an expired token would).
type refreshable struct {
	mu        sync.Mutex
	ctx       context.Context
	cfg       *oauth2.Config
	cur       *oauth2.Token
	src       oauth2.TokenSource
	force     bool
	refreshes int
	seen      map[string]bool // access tokens handed out
}

func (r *refreshable) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.force {
		r.force = false
		// An access-token-less token is invalid: oauth2 refreshes it.
		nt, err := r.cfg.TokenSource(r.ctx, &oauth2.Token{RefreshToken: r.cur.RefreshToken}).Token()
		if err != nil {
			return nil, fmt.Errorf("forced refresh: %w", err)
		}
		r.refreshes++
		r.cur, r.src = nt, r.cfg.TokenSource(r.ctx, nt)
	}
	tok, err := r.src.Token()
	if err == nil {
		r.cur = tok
		r.seen[tok.AccessToken] = true
	}
	return tok, err
}

func (r *refreshable) forceRefresh() {
	r.mu.Lock()
	r.force = true
	r.mu.Unlock()
}

// goSDKFetcher is the person at the browser for the go-sdk handler.
func goSDKFetcher(t *testing.T, s *site, count *int) auth.AuthorizationCodeFetcher {
	return func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		*count++
		loc := approve(t, s, args.URL)
		q := loc.Query()
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
}

// runGoSDK connects the go-sdk client with cfg, lists tools, calls every
// read-only tool, forces a refresh and calls again.
func runGoSDK(t *testing.T, s *site, cfg *auth.AuthorizationCodeHandlerConfig) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	authorizations := 0
	cfg.AuthorizationCodeFetcher = goSDKFetcher(t, s, &authorizations)
	cfg.RequestRefreshToken = true
	var ts *refreshable
	cfg.NewTokenSource = func(ctx context.Context, c *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
		ts = &refreshable{ctx: ctx, cfg: c, cur: tok, src: c.TokenSource(ctx, tok), seen: map[string]bool{}}
		return ts, nil
	}
	h, err := auth.NewAuthorizationCodeHandler(cfg)
	if err != nil {
		t.Fatalf("go-sdk: NewAuthorizationCodeHandler: %v", err)
	}
	start := time.Now()
	client := mcp.NewClient(&mcp.Implementation{Name: "portico-interop-go", Version: "1.0.0"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.MCP, OAuthHandler: h}, nil)
	if err != nil {
		t.Fatalf("go-sdk: connect with OAuth: %v", err)
	}
	defer session.Close()
	if authorizations != 1 {
		t.Errorf("go-sdk: %d authorizations, want 1", authorizations)
	}
	if ts == nil || ts.cur.RefreshToken == "" {
		t.Fatalf("go-sdk: no refresh token after the code exchange")
	}
	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("go-sdk: tools/list: %v", err)
	}
	called := 0
	args := readToolArgs(t, ctx, session)
	for _, tool := range tools.Tools {
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			continue
		}
		a, ok := args[tool.Name]
		if !ok {
			a = map[string]any{}
		}
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: tool.Name, Arguments: a})
		if err != nil {
			t.Errorf("go-sdk: tools/call %s: %v", tool.Name, err)
			continue
		}
		if res.IsError {
			t.Errorf("go-sdk: tools/call %s %v returned isError: %s", tool.Name, a, contentText(res))
		}
		called++
	}
	firstRefresh := ts.cur.RefreshToken
	ts.forceRefresh()
	if _, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "get_site_info", Arguments: map[string]any{}}); err != nil {
		t.Fatalf("go-sdk: tools/call after a forced refresh: %v", err)
	}
	if ts.refreshes != 1 || len(ts.seen) < 2 {
		t.Errorf("go-sdk: forced refresh: %d refreshes, %d distinct access tokens; want 1 and 2", ts.refreshes, len(ts.seen))
	}
	if ts.cur.RefreshToken == "" || ts.cur.RefreshToken == firstRefresh {
		t.Errorf("go-sdk: the refresh token was not rotated")
	}
	t.Logf("go-sdk: flow, %d tools listed, %d read tools called, refresh in %v", len(tools.Tools), called, time.Since(start).Round(time.Millisecond))
}

// readToolArgs finds sensible arguments for the read tools from the site.
func readToolArgs(t *testing.T, ctx context.Context, session *mcp.ClientSession) map[string]map[string]any {
	t.Helper()
	args := map[string]map[string]any{}
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "list_posts", Arguments: map[string]any{"limit": 1, "status": []string{"published"}}})
	if err != nil || res.IsError {
		t.Fatalf("go-sdk: list_posts: %v %s", err, contentText(res))
	}
	var list struct {
		Posts []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"posts"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	if json.Unmarshal(b, &list) != nil || len(list.Posts) == 0 {
		t.Fatalf("go-sdk: list_posts returned no posts: %s", b)
	}
	word := "the"
	for _, w := range strings.Fields(list.Posts[0].Title) {
		if len(w) > 3 {
			word = strings.Trim(w, ".,:;!?'\"")
			break
		}
	}
	args["get_post"] = map[string]any{"id": list.Posts[0].ID}
	args["search"] = map[string]any{"query": word}
	args["search_posts"] = map[string]any{"query": word}
	res, err = session.CallTool(ctx, &mcp.CallToolParams{Name: "search", Arguments: args["search"]})
	if err == nil && !res.IsError {
		var found struct {
			Results []struct {
				ID string `json:"id"`
			} `json:"results"`
		}
		b, _ := json.Marshal(res.StructuredContent)
		if json.Unmarshal(b, &found) == nil && len(found.Results) > 0 {
			args["fetch"] = map[string]any{"id": found.Results[0].ID}
		}
	}
	if _, ok := args["fetch"]; !ok {
		t.Errorf("go-sdk: search %q found nothing to fetch", word)
		args["fetch"] = map[string]any{"id": fmt.Sprint(list.Posts[0].ID)}
	}
	return args
}

func contentText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// TestGoSDK drives the go-sdk client (auth.AuthorizationCodeHandler) in its
// three registration modes.
func TestGoSDK(t *testing.T) {
	requireInterop(t)
	eachBackend(t, func(t *testing.T, s *site) {
		checkDiscovery(t, s, s.MCP, false)
		t.Run("dcr", func(t *testing.T) {
			runGoSDK(t, s, &auth.AuthorizationCodeHandlerConfig{
				DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
					ClientName:              "portico-interop (go-sdk)",
					RedirectURIs:            []string{fmt.Sprintf("http://127.0.0.1:%d/callback", freePort(t))},
					GrantTypes:              []string{"authorization_code", "refresh_token"},
					ResponseTypes:           []string{"code"},
					TokenEndpointAuthMethod: "none",
				}},
			})
		})
		// The binary cannot be pointed at a test CA, and CI has no internet:
		// this CIMD run uses a client_id whose document Portico ships as a
		// built-in fallback (Claude Code's), so it exercises the go-sdk's
		// CIMD mode and Portico's CIMD path end to end, but not the fetch.
		// TestGoSDKCIMDFetched covers the fetch with a test CA in process.
		t.Run("cimd-builtin", func(t *testing.T) {
			runGoSDK(t, s, &auth.AuthorizationCodeHandlerConfig{
				ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: "https://claude.ai/oauth/claude-code-client-metadata"},
				RedirectURL:                    fmt.Sprintf("http://localhost:%d/callback", freePort(t)),
			})
		})
		// Portico has no way to pre-register a client yet (no `portico
		// client` command, no admin page): the credentials come from a
		// registration made out of band, before the client starts, which is
		// what pre-registration means to the client. Confidential, with
		// Claude's hosted body (client_secret_post).
		t.Run("preregistered", func(t *testing.T) {
			redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", freePort(t))
			id, secret := registerConfidential(t, s, redirect)
			runGoSDK(t, s, &auth.AuthorizationCodeHandlerConfig{
				PreregisteredClient: &oauthex.ClientCredentials{ClientID: id, ClientSecretAuth: &oauthex.ClientSecretAuth{ClientSecret: secret}, Issuer: s.Public},
				RedirectURL:         redirect,
			})
		})
	})
}

// registerConfidential registers a confidential client (Claude's hosted
// DCR body, CONNECTORS.md 11.8) and returns its credentials.
func registerConfidential(t *testing.T, s *site, redirect string) (id, secret string) {
	t.Helper()
	body := fmt.Sprintf(`{"client_name":"pre-registered (go-sdk)","redirect_uris":[%q],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_post"}`, redirect)
	resp, err := httpClient.Post(s.Public+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b := readBody(t, resp)
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(b), &out) != nil || out.ClientSecret == "" {
		t.Fatalf("register a confidential client: %d %s", resp.StatusCode, b)
	}
	return out.ClientID, out.ClientSecret
}

// TestGoSDKCIMDFetched is the go-sdk client in CIMD mode with a client ID
// metadata document Portico really fetches over https. The binary's CIMD
// fetcher only trusts the system roots and public addresses (no flag points
// it at a test CA or loopback), so this test assembles Portico's handlers in
// process, as internal/server does, with the test-only CIMD options
// (AllowAddrs, RootCAs) and the built-in fallback documents turned off.
func TestGoSDKCIMDFetched(t *testing.T) {
	requireInterop(t)
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", freePort(t))
	var docURL string
	var fetches atomic.Int32
	doc := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"client_id":%q,"client_name":"interop CIMD client","client_uri":%q,"redirect_uris":[%q],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}`,
			docURL, strings.TrimSuffix(docURL, "/oauth/client-metadata.json"), redirect)
	}))
	t.Cleanup(doc.Close)
	docURL = doc.URL + "/oauth/client-metadata.json"
	roots := x509.NewCertPool()
	roots.AddCert(doc.Certificate())

	srv := httptest.NewUnstartedServer(nil)
	public := "http://" + srv.Listener.Addr().String()
	oa, err := oauth.New(oauth.Config{Store: st, Issuer: public, Options: oauth.Options{CIMD: oauth.CIMDOptions{
		AllowAddrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, RootCAs: roots, DisableBuiltins: true,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.New(identity.Config{Store: st, Issuer: public})
	if err != nil {
		t.Fatal(err)
	}
	as, err := authserver.New(authserver.Config{OAuth: oa, Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	as.Mount(mux)
	cs := &content.Service{Store: st, BaseURL: public}
	(&mcpserver.Handler{Content: cs, Verifier: oa, Users: st, Events: st, PublicURL: public}).Mount(mux)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	owner, err := id.CreateUser(ctx, ownerEmail, "Owner", store.RoleAdmin, ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.SeedDemo(ctx, owner.ID); err != nil {
		t.Fatal(err)
	}

	s := &site{Backend: "in-process", Public: public, MCP: public + "/mcp"}
	checkDiscovery(t, s, s.MCP, false)
	runGoSDK(t, s, &auth.AuthorizationCodeHandlerConfig{
		ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: docURL},
		RedirectURL:                    redirect,
	})
	if fetches.Load() == 0 {
		t.Errorf("Portico never fetched the client ID metadata document %s", docURL)
	}
}
