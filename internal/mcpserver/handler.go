package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/portico-mcp/portico/internal/store"
)

// DefaultMaxBodyBytes caps a POST body to the MCP endpoint when
// Handler.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 4 << 20

// DefaultAllowedOrigins are the browser origins allowed besides Portico's own
// when Handler.AllowedOrigins is nil: the MCP Inspector's web UI
// (CONNECTORS.md §6).
var DefaultAllowedOrigins = []string{"http://localhost:6274", "http://127.0.0.1:6274"}

// MCPPath is where the Streamable HTTP endpoint lives; the canonical resource
// URL (RFC 8707) is PublicURL + MCPPath.
const MCPPath = "/mcp"

// exposeHeaders are the response headers a browser client must read.
const exposeHeaders = "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version"

// allowHeaders are the request headers MCP clients send cross-origin.
const allowHeaders = "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID"

// Handler serves the MCP endpoint. Fill the exported fields, then call Mount
// once; the fields must not change afterwards. Content and Verifier are
// required; PublicURL is the origin clients reach (scheme://host[:port], no
// path).
type Handler struct {
	// Content is the site's content rules (required).
	Content Content
	// Verifier checks bearer tokens (required); *oauth.Service implements it.
	Verifier Verifier
	// Users loads the person behind a token for their current role
	// (required); store.Users implements it.
	Users Users
	// PublicURL is the externally visible origin, e.g. https://mcp.example.com.
	PublicURL string
	// AllowedOrigins are browser origins allowed besides PublicURL. Nil means
	// DefaultAllowedOrigins; an empty non-nil slice allows only PublicURL.
	AllowedOrigins []string
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Events records connection-timeline events; nil records none.
	Events EventSink
	// Metrics is told about every tool call; nil counts nothing.
	Metrics Metrics
	// MaxBodyBytes caps a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Version is reported as serverInfo.version; "" means "dev".
	Version string
	// TrustedProxies are the peers whose X-Forwarded-For is believed when
	// recording the client address of events; nil trusts none.
	TrustedProxies []netip.Prefix
	// Relay lets any replica accept a message for a legacy SSE stream that
	// another replica holds; nil serves the legacy transport from one
	// process only. store.SSERelay implements it.
	Relay SSERelay
	// Grants records when each connection was last used, at most once per
	// grant every GrantTouchEvery per process; nil records nothing.
	Grants GrantToucher
	// Stateful, when true, keeps legacy sessions in memory (Mcp-Session-Id).
	// The default, stateless, serves every protocol era on any replica.
	Stateful bool
	// PinReads, when set, returns a context under which the store's point
	// reads answer as of one moment (see sqlstore.DB.PinReads). A POST
	// verifies its token and runs a read-only tool on the fast path under
	// one pinned context, so they share one freshness check; anything that
	// writes runs under the request's own context. Nil pins nothing.
	PinReads func(context.Context) context.Context

	noFastPath bool // tests: send every request to the engine
	once       sync.Once
	initErr    error

	origin   string // scheme://host[:port] of PublicURL
	resource string // origin + MCPPath
	prmURL   string // absolute RFC 9728 metadata URL for the challenge
	origins  []string
	maxBody  int64
	versions []string // protocol versions served, newest first
	log      *slog.Logger

	tools     []*toolDef
	toolIndex map[string]*toolDef

	servers    [maskCount]*mcp.Server
	serverOnce [maskCount]sync.Once

	streamable http.Handler
	sse        http.Handler
	relay      *relay
	seen       *seenSet
	users      userCache
	replays    replayCache

	touchMu sync.Mutex
	touched map[string]time.Time // grant → when this process last recorded its use
}

// Mount registers the MCP routes on mux: /mcp (also /mcp/ and case-changed
// spellings such as /Mcp and /MCP, never redirected) and the legacy SSE
// transport at /sse with its message endpoint. It panics if the Handler is
// misconfigured, like http.ServeMux.Handle does for bad patterns.
func (h *Handler) Mount(mux *http.ServeMux) {
	if err := h.init(); err != nil {
		panic(err)
	}
	mcpH := http.HandlerFunc(h.serveMCP)
	for _, p := range casePermutations(strings.TrimPrefix(MCPPath, "/")) {
		mux.Handle("/"+p, mcpH)
		// {$} matches only the trailing-slash path itself, so ServeMux never
		// answers /mcp with a redirect to /mcp/ (CONNECTORS.md §0 item 17).
		mux.Handle("/"+p+"/{$}", mcpH)
	}
	sseH := http.HandlerFunc(h.serveSSE)
	mux.Handle("/sse", sseH)
	mux.Handle("/sse/{$}", sseH)
	mux.Handle("/messages", sseH)
	mux.Handle("/messages/{$}", sseH)
}

// ServeHTTP serves the Streamable HTTP endpoint on whatever path it is
// mounted at; Mount is the usual entry point.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.init(); err != nil {
		h.logger().Error("mcp handler misconfigured", "error", err)
		writeRPCError(w, http.StatusInternalServerError, nil, rpcError{Code: codeInternal, Message: "server misconfigured"})
		return
	}
	h.serveMCP(w, r)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// init validates the configuration and builds the engine once.
func (h *Handler) init() error {
	h.once.Do(func() { h.initErr = h.build() })
	return h.initErr
}

func (h *Handler) build() error {
	if h.Content == nil {
		return errors.New("mcpserver: Handler.Content is required")
	}
	if h.Verifier == nil {
		return errors.New("mcpserver: Handler.Verifier is required")
	}
	if h.Users == nil {
		return errors.New("mcpserver: Handler.Users is required")
	}
	u, err := url.Parse(h.PublicURL)
	if err != nil {
		return fmt.Errorf("mcpserver: PublicURL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("mcpserver: PublicURL %q must be an absolute http(s) URL", h.PublicURL)
	}
	h.log = h.logger()
	h.origin = strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
	h.resource = h.origin + MCPPath
	h.prmURL = h.origin + "/.well-known/oauth-protected-resource" + MCPPath
	h.origins = []string{h.origin}
	allowed := h.AllowedOrigins
	if allowed == nil {
		allowed = DefaultAllowedOrigins
	}
	for _, o := range allowed {
		h.origins = append(h.origins, strings.ToLower(strings.TrimSuffix(o, "/")))
	}
	h.maxBody = h.MaxBodyBytes
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	h.seen = newSeenSet(10000)
	h.touched = map[string]time.Time{}
	h.versions = mcp.SupportedProtocolVersions()

	h.tools = h.toolDefs()
	h.toolIndex = make(map[string]*toolDef, len(h.tools))
	for _, t := range h.tools {
		if _, dup := h.toolIndex[t.name]; dup {
			return fmt.Errorf("mcpserver: duplicate tool %q", t.name)
		}
		h.toolIndex[t.name] = t
	}

	h.streamable = mcp.NewStreamableHTTPHandler(h.serverForRequest, &mcp.StreamableHTTPOptions{
		Stateless: !h.Stateful,
		// One JSON body per request: the fastest answer, readable by every
		// client, and there are no server-initiated messages to stream.
		JSONResponse: true,
		// Our own Origin check runs first; the SDK's localhost guard would
		// 403 every request behind a same-host reverse proxy.
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        h.maxBody,
		Logger:                     h.log,
	})
	if h.Relay != nil {
		h.relay = newRelay(h.Relay, h.now)
	}
	h.sse = mcp.NewSSEHandler(h.serverForRequest, &mcp.SSEOptions{
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        h.maxBody,
	})
	return nil
}

// casePermutations returns every upper/lower-case spelling of s.
func casePermutations(s string) []string {
	out := []string{""}
	for _, r := range s {
		lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
		next := make([]string, 0, len(out)*2)
		for _, p := range out {
			next = append(next, p+lo)
			if up != lo {
				next = append(next, p+up)
			}
		}
		out = next
	}
	return out
}

// originAllowed implements the MCP transport rule (2025-06-18 §2.0.1):
// "Servers MUST validate the Origin header on all incoming connections to
// prevent DNS rebinding attacks." No Origin (a non-browser client) is allowed.
func (h *Handler) originAllowed(origin string) bool {
	o := strings.ToLower(strings.TrimSuffix(origin, "/"))
	return slices.Contains(h.origins, o)
}

// cors applies the Origin check and CORS headers. It reports false when it
// has answered the request (a refused origin or a preflight).
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	hdr := w.Header()
	if origin != "" {
		if !h.originAllowed(origin) {
			h.log.InfoContext(r.Context(), "mcp origin refused", "origin", origin)
			writeRPCError(w, http.StatusForbidden, nil, rpcError{Code: codeForbidden, Message: "Forbidden: origin " + origin + " is not allowed"})
			return false
		}
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Add("Vary", "Origin")
		hdr.Set("Access-Control-Expose-Headers", exposeHeaders)
	}
	if r.Method != http.MethodOptions {
		return true
	}
	// Preflight: answered before authentication (CONNECTORS.md §0 item 19).
	hdr.Set("Allow", "POST, GET, DELETE, OPTIONS")
	if origin != "" {
		hdr.Set("Access-Control-Allow-Methods", "POST, GET, DELETE, OPTIONS")
		req := r.Header.Get("Access-Control-Request-Headers")
		if req == "" {
			req = allowHeaders
		}
		hdr.Set("Access-Control-Allow-Headers", req)
		hdr.Set("Access-Control-Max-Age", "86400")
	}
	w.WriteHeader(http.StatusNoContent)
	return false
}

// authenticate verifies the bearer token. It reports false when it has
// answered the request with a challenge or an error.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (Principal, bool) {
	return h.authenticateAt(r.Context(), w, r)
}

// authenticateAt is authenticate with the token verified under ctx.
func (h *Handler) authenticateAt(ctx context.Context, w http.ResponseWriter, r *http.Request) (Principal, bool) {
	all := maskRead | maskWrite | maskPublish | maskAdmin
	if r.URL.Query().Has("access_token") {
		// RFC 6750 §2.3 allows URI query tokens; we never accept them
		// because URLs end up in logs and browser history.
		w.Header().Set("WWW-Authenticate", h.challengeFor(r, "invalid_request", "send the access token in the Authorization header, not the URL", all.names()))
		writeRPCError(w, http.StatusBadRequest, nil, rpcError{Code: codeInvalidRequest, Message: "Bad Request: access tokens in the query string are not accepted; use Authorization: Bearer"})
		return Principal{}, false
	}
	tok, ok := bearerToken(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", h.challengeFor(r, "", "", all.names()))
		writeRPCError(w, http.StatusUnauthorized, nil, rpcError{Code: codeUnauthorized, Message: "Unauthorized"})
		return Principal{}, false
	}
	ti, err := h.Verifier.Verify(ctx, tok, h.resource)
	if err != nil {
		return h.refuse(w, r, err)
	}
	p := Principal{TokenInfo: ti, mask: masks(ti.Scopes)}
	a, err := h.actorFor(withPrincipal(ctx, &p))
	if err != nil {
		return h.refuse(w, r, err)
	}
	p.actor = &a
	h.touchGrant(ctx, &p)
	return p, true
}

// GrantTouchEvery is how often a process records that a connection is in
// use: its "last used" time is at most this old while it works.
const GrantTouchEvery = time.Minute

// touchGrant records the use of p's grant unless this process did so in the
// last GrantTouchEvery. A failure is logged, never the request's problem.
func (h *Handler) touchGrant(ctx context.Context, p *Principal) {
	if h.Grants == nil || p.GrantID == "" {
		return
	}
	now := h.now()
	h.touchMu.Lock()
	last, ok := h.touched[p.GrantID]
	if ok && now.Sub(last) < GrantTouchEvery && !now.Before(last) {
		h.touchMu.Unlock()
		return
	}
	if len(h.touched) >= 10000 {
		clear(h.touched)
	}
	h.touched[p.GrantID] = now
	h.touchMu.Unlock()
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := h.Grants.TouchGrant(tctx, p.GrantID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.log.WarnContext(ctx, "recording a connection's last use failed", "grant", p.GrantID, "error", err)
	}
}

// refuse answers a failed verification: 401 invalid_token for a bad token,
// 503 for an outage (a 401 would make clients drop a good token).
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) (Principal, bool) {
	if isInvalidToken(err) {
		h.log.InfoContext(r.Context(), "mcp token refused", "error", err)
		all := maskRead | maskWrite | maskPublish | maskAdmin
		w.Header().Set("WWW-Authenticate", h.challengeFor(r, "invalid_token", "the access token is invalid, expired, revoked or for another resource", all.names()))
		writeRPCError(w, http.StatusUnauthorized, nil, rpcError{Code: codeUnauthorized, Message: "Unauthorized: invalid token"})
		return Principal{}, false
	}
	h.log.ErrorContext(r.Context(), "mcp token verification failed", "error", err)
	w.Header().Set("Retry-After", "5")
	writeRPCError(w, http.StatusServiceUnavailable, nil, rpcError{Code: codeInternal, Message: "token verification is temporarily unavailable"})
	return Principal{}, false
}

// serveMCP is the Streamable HTTP endpoint: Origin/CORS, bearer check, body
// limit, protocol-version and scope checks, then the MCP engine.
func (h *Handler) serveMCP(w http.ResponseWriter, r *http.Request) {
	if !h.cors(w, r) {
		return
	}
	var pinned context.Context // nil: nothing pinned
	actx := r.Context()
	if h.PinReads != nil && r.Method == http.MethodPost {
		pinned = h.PinReads(actx)
		actx = pinned
	}
	p, ok := h.authenticateAt(actx, w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodPost && h.Stateful && (r.Method == http.MethodGet || r.Method == http.MethodDelete) {
		h.streamable.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), &p)))
		return
	}
	if r.Method != http.MethodPost {
		// Stateless: no standalone stream and no session to delete. Both
		// the 2025 and 2026 transports allow 405 here; never a redirect.
		w.Header().Set("Allow", "POST, OPTIONS")
		writeRPCError(w, http.StatusMethodNotAllowed, nil, rpcError{Code: codeInvalidRequest, Message: "Method Not Allowed: this endpoint is stateless; send JSON-RPC with POST"})
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeRPCError(w, http.StatusRequestEntityTooLarge, nil, rpcError{Code: codeInvalidRequest, Message: fmt.Sprintf("Request body exceeds %d bytes", mbe.Limit)})
			return
		}
		writeRPCError(w, http.StatusBadRequest, nil, rpcError{Code: codeInvalidRequest, Message: "Bad Request: could not read the request body"})
		return
	}
	msgs := peekBody(body)
	var firstID json.RawMessage
	if len(msgs) > 0 {
		firstID = msgs[0].ID
	}

	// MCP 2025-06-18 §2.7 and 2026-07-28: an unsupported
	// MCP-Protocol-Version is a 400. We answer it as the 2026-07-28
	// UnsupportedProtocolVersion error (-32022) with data.supported, which
	// dual-era clients recognise and legacy clients read as a plain 400.
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" && !slices.Contains(h.versions, v) {
		writeRPCError(w, http.StatusBadRequest, firstID, rpcError{
			Code:    codeUnsupportedVersion,
			Message: fmt.Sprintf("Unsupported protocol version %q", v),
			Data:    map[string]any{"supported": h.versions, "requested": v},
		})
		return
	}

	// RFC 6750 §3.1 insufficient_scope, decided here so it can be an HTTP
	// 403 with a challenge naming the scope the call needs.
	for i := range msgs {
		m := &msgs[i]
		if m.Method != "tools/call" {
			continue
		}
		t := h.toolIndex[m.named()]
		if t == nil || p.mask.has(t.scope) {
			continue
		}
		need := (p.mask | t.scope).names()
		w.Header().Set("WWW-Authenticate", h.challenge("insufficient_scope",
			fmt.Sprintf("the %s tool needs the %s scope", t.name, t.scope.names()), need))
		writeRPCError(w, http.StatusForbidden, m.ID, rpcError{
			Code:    codeForbidden,
			Message: fmt.Sprintf("Forbidden: the %s tool needs the %s scope, which this token was not granted", t.name, t.scope.names()),
		})
		return
	}

	h.recordFirstCall(r, &p, msgs)

	ctx := withPrincipal(r.Context(), &p)
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	normalizeAccept(r)
	if h.fastToolCall(w, r, pinned, &p, body, msgs) || h.replay(w, r, &p, body, msgs) {
		return
	}
	h.streamable.ServeHTTP(w, r)
}

// normalizeAccept makes a POST acceptable to the engine when a client lists
// only one of the two media types the Streamable HTTP transport names: we
// answer application/json anyway (JSONResponse), which every client reads.
func normalizeAccept(r *http.Request) {
	acc := strings.ToLower(strings.Join(r.Header.Values("Accept"), ","))
	if strings.Contains(acc, "application/json") && strings.Contains(acc, "text/event-stream") {
		return
	}
	r.Header.Set("Accept", "application/json, text/event-stream")
}

// serveSSE is the legacy HTTP+SSE transport (2024-11-05) for old clients.
func (h *Handler) serveSSE(w http.ResponseWriter, r *http.Request) {
	if err := h.init(); err != nil {
		writeRPCError(w, http.StatusInternalServerError, nil, rpcError{Code: codeInternal, Message: "server misconfigured"})
		return
	}
	if !h.cors(w, r) {
		return
	}
	p, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	if r.Method == http.MethodGet {
		w.Header().Set("X-Accel-Buffering", "no")
	}
	switch {
	case h.relay != nil && r.Method == http.MethodGet:
		h.serveSSEGet(w, r, &p)
	case h.relay != nil && r.Method == http.MethodPost:
		h.serveSSEPost(w, r, &p)
	default:
		h.sse.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), &p)))
	}
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the Principal the middleware stored, or nil.
func principalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
