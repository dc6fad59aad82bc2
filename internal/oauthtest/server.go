package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config shapes a fake server. The zero value is a correct server whose MCP
// endpoint is /mcp, whose issuer is the origin, and whose only advertised
// resource scope is "mcp". Every fault field makes exactly one thing wrong.
type Config struct {
	// MCPPath is the path of the MCP endpoint; "" means "/mcp".
	MCPPath string
	// Scopes are the resource scopes listed in the PRM and in the 401
	// challenge's scope=; nil means ["mcp"].
	Scopes []string

	// PRMUnauthorized makes both protected-resource metadata documents answer
	// 401, as if they sat behind the bearer middleware.
	PRMUnauthorized bool
	// RelativeResourceMetadata makes the 401 challenge carry a relative
	// resource_metadata URL.
	RelativeResourceMetadata bool
	// HTTPIssuer makes the AS metadata's issuer an http:// URL while the
	// metadata itself is served from the real origin.
	HTTPIssuer bool
	// IssuerPath gives the issuer a path (e.g. "/tenant"): metadata is served
	// only at the path-aware well-known URLs, the endpoints live under the
	// path, and nothing is served at the origin root.
	IssuerPath string
	// NoS256 drops code_challenge_methods_supported from the AS metadata.
	NoS256 bool
	// DCRRejectRefreshToken makes /register answer 400 to any body whose
	// grant_types include refresh_token.
	DCRRejectRefreshToken bool
	// DCRNulls makes /register answers carry "client_uri": null and an
	// empty-string logo_uri.
	DCRNulls bool
	// ConsentRedirect307 redirects from the consent POST to the client with
	// 307 instead of 303.
	ConsentRedirect307 bool
	// TokenJSONOnly makes /token reject application/x-www-form-urlencoded
	// bodies with 415 and accept only JSON.
	TokenJSONOnly bool
	// TokenDelay delays every /token answer (the delay ends early when the
	// request is cancelled).
	TokenDelay time.Duration
	// CaseSensitivePath routes the MCP path (and its path-inserted PRM)
	// case-sensitively, so a title-cased /Mcp answers 404.
	CaseSensitivePath bool
	// SlashRedirect answers the MCP path with a trailing slash by a 307 to
	// the path without it (a framework's APPEND_SLASH-style redirect).
	SlashRedirect bool
	// DiscoverMethodNotFound answers server/discover with HTTP 200 and
	// JSON-RPC error -32601 instead of a DiscoverResult.
	DiscoverMethodNotFound bool
	// BotChallenge answers every /.well-known/ request with a Cloudflare-style
	// 403 HTML challenge page and a cf-mitigated header.
	BotChallenge bool
	// NoCORS sends no CORS headers and answers OPTIONS with 405.
	NoCORS bool
}

// Server is a running fake. Create it with New or NewTLS and Close it.
type Server struct {
	cfg    Config
	srv    *httptest.Server
	origin string

	mu       sync.Mutex
	clients  map[string]*client
	pending  map[string]*authRequest
	codes    map[string]*grant
	access   map[string]*grant
	refresh  map[string]*grant
	requests []string
}

type client struct {
	id           string
	secret       string
	redirectURIs []string
	authMethod   string
}

type authRequest struct {
	client      *client
	redirectURI string
	state       string
	challenge   string
	scope       string
}

type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	scope       string
	expires     time.Time
}

// New starts a plain-HTTP fake on a loopback port.
func New(cfg Config) *Server { return start(cfg, false) }

// NewTLS starts an HTTPS fake on a loopback port; use Client for an
// *http.Client that trusts its certificate.
func NewTLS(cfg Config) *Server { return start(cfg, true) }

func start(cfg Config, tls bool) *Server {
	if cfg.MCPPath == "" {
		cfg.MCPPath = "/mcp"
	}
	if !strings.HasPrefix(cfg.MCPPath, "/") {
		cfg.MCPPath = "/" + cfg.MCPPath
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"mcp"}
	}
	cfg.IssuerPath = strings.TrimSuffix(cfg.IssuerPath, "/")
	if cfg.IssuerPath != "" && !strings.HasPrefix(cfg.IssuerPath, "/") {
		cfg.IssuerPath = "/" + cfg.IssuerPath
	}
	s := &Server{
		cfg:     cfg,
		clients: map[string]*client{},
		pending: map[string]*authRequest{},
		codes:   map[string]*grant{},
		access:  map[string]*grant{},
		refresh: map[string]*grant{},
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.origin = s.srv.URL
	return s
}

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// Origin is the fake's scheme://host:port, with no trailing slash.
func (s *Server) Origin() string { return s.origin }

// MCPURL is the URL of the MCP endpoint, the one a user pastes into a client.
func (s *Server) MCPURL() string { return s.origin + s.cfg.MCPPath }

// Issuer is the issuer the fake means to advertise (before HTTPIssuer
// corrupts it).
func (s *Server) Issuer() string { return s.origin + s.cfg.IssuerPath }

// Client returns an *http.Client that trusts the fake's certificate. It
// follows redirects like net/http's default; callers that need to see 3xx
// answers should set CheckRedirect on a copy.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// IssueToken mints an access token for the fake's MCP endpoint with all
// resource scopes, as if a client had completed the authorization flow.
func (s *Server) IssueToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := randomToken()
	s.access[tok] = &grant{clientID: "oauthtest-static", scope: strings.Join(s.cfg.Scopes, " "), expires: time.Now().Add(24 * time.Hour)}
	return tok
}

// Requests lists "METHOD /path" for every request the fake has received, in
// order. It never includes headers, query strings or bodies.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	s.mu.Unlock()

	if !s.cfg.NoCORS {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version")
	}
	if r.Method == http.MethodOptions {
		s.preflight(w, r)
		return
	}
	p := r.URL.Path
	if s.cfg.BotChallenge && strings.Contains(p, "/.well-known/") {
		botChallenge(w)
		return
	}
	ip := s.cfg.IssuerPath
	switch {
	case s.cfg.SlashRedirect && strings.HasSuffix(p, "/") && s.isMCPPath(p):
		http.Redirect(w, r, strings.TrimSuffix(p, "/"), http.StatusTemporaryRedirect)
	case s.isMCPPath(p):
		s.serveMCP(w, r)
	case s.isPRMPath(p):
		s.servePRM(w, r)
	case s.isASMetadataPath(p):
		s.serveASMetadata(w, r)
	case p == ip+"/register" && r.Method == http.MethodPost:
		s.serveRegister(w, r)
	case p == ip+"/authorize" && r.Method == http.MethodGet:
		s.serveAuthorize(w, r)
	case p == ip+"/consent" && r.Method == http.MethodPost:
		s.serveConsent(w, r)
	case p == ip+"/token" && r.Method == http.MethodPost:
		s.serveToken(w, r)
	case p == ip+"/revoke" && r.Method == http.MethodPost:
		s.serveRevoke(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	if s.cfg.NoCORS {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	} else {
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name")
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

func botChallenge(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=UTF-8")
	h.Set("cf-mitigated", "challenge")
	h.Set("Server", "cloudflare")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>` +
		`<body><div id="challenge-platform">Checking if the site connection is secure</div>` +
		`<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script></body></html>`))
}

// pathEqual compares an incoming path with one of the fake's own, honouring
// CaseSensitivePath and tolerating one trailing slash.
func (s *Server) pathEqual(got, want string) bool {
	got = strings.TrimSuffix(got, "/")
	want = strings.TrimSuffix(want, "/")
	if s.cfg.CaseSensitivePath {
		return got == want
	}
	return strings.EqualFold(got, want)
}

func (s *Server) isMCPPath(p string) bool { return s.pathEqual(p, s.cfg.MCPPath) }

func (s *Server) isPRMPath(p string) bool {
	const prm = "/.well-known/oauth-protected-resource"
	return p == prm || s.pathEqual(p, prm+s.cfg.MCPPath)
}

func (s *Server) asMetadataPaths() []string {
	const rfc, oidc = "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"
	if ip := s.cfg.IssuerPath; ip != "" {
		return []string{rfc + ip, oidc + ip, ip + oidc, ip + rfc}
	}
	m := s.cfg.MCPPath
	return []string{rfc, oidc, rfc + m, oidc + m, m + oidc, m + rfc}
}

func (s *Server) isASMetadataPath(p string) bool {
	for _, q := range s.asMetadataPaths() {
		if p == q {
			return true
		}
	}
	return false
}

func (s *Server) resourceMetadataURL() string {
	return s.origin + "/.well-known/oauth-protected-resource" + s.cfg.MCPPath
}

func (s *Server) servePRM(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.PRMUnauthorized {
		s.challenge(w, false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 s.MCPURL(),
		"authorization_servers":    []string{s.Issuer()},
		"scopes_supported":         s.cfg.Scopes,
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "oauthtest fake",
	})
}

func (s *Server) serveASMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	base := s.Issuer()
	issuer := base
	if s.cfg.HTTPIssuer {
		issuer = "http://" + strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	}
	scopes := append(append([]string(nil), s.cfg.Scopes...), "offline_access", "openid", "profile", "email")
	doc := map[string]any{
		"issuer":                                         issuer,
		"authorization_endpoint":                         base + "/authorize",
		"token_endpoint":                                 base + "/token",
		"registration_endpoint":                          base + "/register",
		"revocation_endpoint":                            base + "/revoke",
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_post", "client_secret_basic"},
		"revocation_endpoint_auth_methods_supported":     []string{"none", "client_secret_post", "client_secret_basic"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
		"scopes_supported":                               scopes,
	}
	if s.cfg.NoS256 {
		delete(doc, "code_challenge_methods_supported")
	}
	writeJSON(w, http.StatusOK, doc)
}

// challenge writes the 401 of CONNECTORS.md Appendix A.
func (s *Server) challenge(w http.ResponseWriter, invalidToken bool) {
	rm := s.resourceMetadataURL()
	if s.cfg.RelativeResourceMetadata {
		rm = "/.well-known/oauth-protected-resource" + s.cfg.MCPPath
	}
	v := `Bearer resource_metadata="` + rm + `", scope="` + strings.Join(s.cfg.Scopes, " ") + `"`
	if invalidToken {
		v = `Bearer error="invalid_token", resource_metadata="` + rm + `", scope="` + strings.Join(s.cfg.Scopes, " ") + `"`
	}
	w.Header().Set("WWW-Authenticate", v)
	writeJSON(w, http.StatusUnauthorized, map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": -32001, "message": "Unauthorized"},
	})
}

// resourceOK reports whether an RFC 8707 resource parameter names the MCP
// endpoint: exact, with a trailing slash, the origin, any path case, and any
// query string ignored (CONNECTORS.md 11.17).
func (s *Server) resourceOK(res string) bool {
	if res == "" {
		return true
	}
	u, err := url.Parse(res)
	if err != nil || u.Host == "" {
		return false
	}
	o, _ := url.Parse(s.origin)
	if !strings.EqualFold(u.Scheme, o.Scheme) || !strings.EqualFold(u.Host, o.Host) {
		return false
	}
	p := strings.TrimSuffix(u.Path, "/")
	return p == "" || strings.EqualFold(p, strings.TrimSuffix(s.cfg.MCPPath, "/"))
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
