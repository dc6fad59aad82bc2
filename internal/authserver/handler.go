package authserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/httpx"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/web"
)

// Options tunes the HTTP face. Zero fields take the documented defaults.
type Options struct {
	// SiteName is shown on pages. Default "Portico".
	SiteName string
	// TrustedProxies are the peers whose X-Forwarded-For is believed when
	// finding the client address. Default none.
	TrustedProxies []netip.Prefix
	// RegisterPerMinute limits registrations per IP; default 120 a minute
	// with a burst of 60 (hosted Claude shares egress addresses and
	// registers on every connect: 30 a minute from one IP must pass).
	RegisterPerMinute float64
	// TokenPerMinute limits /token, /revoke and /introspect per IP; default
	// 600 with a burst of 120.
	TokenPerMinute float64
	// LoginPerMinute limits login attempts per IP (default 20, burst 10);
	// LoginPerEmailPerMinute per email address (default 10, burst 5).
	LoginPerMinute, LoginPerEmailPerMinute float64
	// MaxBodyBytes caps request bodies. Default 64 KiB.
	MaxBodyBytes int64
	// AfterSetupPath is where the new owner is sent after setup. Default
	// "/setup/done" (how to connect AI apps to this server).
	AfterSetupPath string
	// Upstreams are identity providers people may sign in with, mapped to
	// existing accounts by verified email. Default none.
	Upstreams []Upstream
	// HTTPClient talks to upstream providers. Default: a client with a
	// 10-second timeout.
	HTTPClient *http.Client
}

func (o *Options) defaults() {
	if o.SiteName == "" {
		o.SiteName = "Portico"
	}
	if o.RegisterPerMinute <= 0 {
		o.RegisterPerMinute = 120
	}
	if o.TokenPerMinute <= 0 {
		o.TokenPerMinute = 600
	}
	if o.LoginPerMinute <= 0 {
		o.LoginPerMinute = 20
	}
	if o.LoginPerEmailPerMinute <= 0 {
		o.LoginPerEmailPerMinute = 10
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.AfterSetupPath == "" {
		o.AfterSetupPath = "/setup/done"
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
}

// Config holds the dependencies of a Handler.
type Config struct {
	OAuth    *oauth.Service    // required
	Identity *identity.Service // required
	Logger   *slog.Logger      // nil: discard
	Options  Options
}

// Handler serves the authorization server's routes. Build it with New.
type Handler struct {
	oa   *oauth.Service
	id   *identity.Service
	log  *slog.Logger
	opts Options

	registerLimit, tokenLimit, loginIPLimit, loginEmailLimit, eventLimit *httpx.RateLimiter
	// hitLimit (per address, endpoint and key) and hitGlobal (one bucket)
	// throttle the ratelimit.hit events themselves.
	hitLimit, hitGlobal *httpx.RateLimiter
	cop                 *http.CrossOriginProtection
	upstreams           []*upstream
}

// New returns a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.OAuth == nil || cfg.Identity == nil {
		return nil, errors.New("authserver: Config.OAuth and Config.Identity are required")
	}
	h := &Handler{oa: cfg.OAuth, id: cfg.Identity, log: cfg.Logger, opts: cfg.Options}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.opts.defaults()
	o := h.opts
	h.registerLimit = httpx.NewRateLimiter(o.RegisterPerMinute, int(o.RegisterPerMinute/2), 10000)
	h.tokenLimit = httpx.NewRateLimiter(o.TokenPerMinute, int(o.TokenPerMinute/5), 10000)
	h.loginIPLimit = httpx.NewRateLimiter(o.LoginPerMinute, max(1, int(o.LoginPerMinute/2)), 10000)
	h.loginEmailLimit = httpx.NewRateLimiter(o.LoginPerEmailPerMinute, max(1, int(o.LoginPerEmailPerMinute/2)), 10000)
	h.eventLimit = httpx.NewRateLimiter(30, 30, 10000)
	h.hitLimit = httpx.NewRateLimiter(2, 2, 10000)
	h.hitGlobal = httpx.NewRateLimiter(30, 30, 1)
	h.cop = http.NewCrossOriginProtection()
	seen := map[string]bool{}
	for _, cfg := range o.Upstreams {
		u, err := newUpstream(cfg, o.HTTPClient)
		if err != nil {
			return nil, err
		}
		if seen[u.slug] {
			return nil, fmt.Errorf("authserver: two upstream providers are named %q", u.Name)
		}
		seen[u.slug] = true
		h.upstreams = append(h.upstreams, u)
	}
	return h, nil
}

// Mount registers every route on mux (Go 1.22 patterns, one table). GET
// patterns also answer HEAD. It also mounts "GET /static/" for the pages'
// stylesheet.
func (h *Handler) Mount(mux *http.ServeMux) {
	public := httpx.CORS{AllowAnyOrigin: true, AllowMethods: []string{"GET", "POST", "OPTIONS"}}
	prm := public.Wrap(h.wrap(h.handlePRM))
	asm := public.Wrap(h.wrap(h.handleASMetadata))
	register := public.Wrap(h.wrap(h.handleRegister))
	token := public.Wrap(h.wrap(h.handleToken))
	revoke := public.Wrap(h.wrap(h.handleRevoke))
	introspect := public.Wrap(h.wrap(h.handleIntrospect))
	authorize := h.wrap(h.handleAuthorize)

	routes := []struct {
		pattern string
		handler http.Handler
	}{
		// RFC 9728 §3: PRM at the root and path-inserted (any case of /mcp).
		{"GET /.well-known/oauth-protected-resource", prm},
		{"GET /.well-known/oauth-protected-resource/{rest...}", prm},
		{"OPTIONS /.well-known/oauth-protected-resource", prm},
		{"OPTIONS /.well-known/oauth-protected-resource/{rest...}", prm},
		// RFC 8414 §3 and OIDC discovery: one document at every variant of
		// CONNECTORS.md test 4.
		{"GET /.well-known/oauth-authorization-server", asm},
		{"GET /.well-known/oauth-authorization-server/{rest...}", asm},
		{"GET /.well-known/openid-configuration", asm},
		{"GET /.well-known/openid-configuration/{rest...}", asm},
		{"GET /mcp/.well-known/oauth-authorization-server", asm},
		{"GET /mcp/.well-known/openid-configuration", asm},
		{"OPTIONS /.well-known/oauth-authorization-server", asm},
		{"OPTIONS /.well-known/oauth-authorization-server/{rest...}", asm},
		{"OPTIONS /.well-known/openid-configuration", asm},
		{"OPTIONS /.well-known/openid-configuration/{rest...}", asm},
		{"OPTIONS /mcp/.well-known/oauth-authorization-server", asm},
		{"OPTIONS /mcp/.well-known/openid-configuration", asm},
		// Endpoints at the origin root; trailing-slash twins never redirect
		// (CONNECTORS.md test 6: a 301 turns POST /register into a GET).
		{"POST /register", register},
		{"POST /register/{$}", register},
		{"OPTIONS /register", register},
		{"OPTIONS /register/{$}", register},
		{"GET /authorize", authorize},
		{"POST /authorize", authorize},
		{"POST /token", token},
		{"POST /token/{$}", token},
		{"OPTIONS /token", token},
		{"OPTIONS /token/{$}", token},
		{"POST /revoke", revoke},
		{"OPTIONS /revoke", revoke},
		{"POST /introspect", introspect},
		{"OPTIONS /introspect", introspect},
		{"GET /login", h.wrap(h.handleLoginPage)},
		{"POST /login", h.wrap(h.handleLogin)},
		{"POST /logout", h.wrap(h.handleLogout)},
		{"GET /setup", h.wrap(h.handleSetupPage)},
		{"POST /setup", h.wrap(h.handleSetup)},
		{"GET /setup/done", h.wrap(h.handleSetupDone)},
		{"POST /login/passkey/begin", h.wrap(h.handlePasskeyLoginBegin)},
		{"POST /login/passkey/finish", h.wrap(h.handlePasskeyLoginFinish)},
		{"POST /login/oidc/{provider}", h.wrap(h.handleUpstreamStart)},
		{"GET /login/oidc/callback", h.wrap(h.handleUpstreamCallback)},
		{"GET /account", h.wrap(h.handleAccount)},
		{"POST /account/password", h.wrap(h.handleAccountPassword)},
		{"POST /account/sessions/others/delete", h.wrap(h.handleEndOtherSessions)},
		{"POST /account/passkeys/begin", h.wrap(h.handlePasskeyAddBegin)},
		{"POST /account/passkeys/finish", h.wrap(h.handlePasskeyAddFinish)},
		{"POST /account/passkeys/delete", h.wrap(h.handlePasskeyDelete)},
		{"GET /static/", web.StaticHandler()},
	}
	for _, rt := range routes {
		mux.Handle(rt.pattern, rt.handler)
	}
}

// wrap attaches request metadata for events and turns returned errors into
// logged 500s.
func (h *Handler) wrap(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := oauth.WithRequestMeta(r.Context(), oauth.RequestMeta{
			UserAgent: r.UserAgent(), RemoteIP: h.clientIP(r)})
		r = r.WithContext(ctx)
		if err := fn(w, r); err != nil {
			h.log.ErrorContext(ctx, "auth request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			if strings.HasSuffix(r.URL.Path, "/begin") || strings.HasSuffix(r.URL.Path, "/finish") {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "The server could not complete this request. Please try again."})
				return
			}
			if strings.HasPrefix(r.URL.Path, "/authorize") || strings.HasPrefix(r.URL.Path, "/login") ||
				strings.HasPrefix(r.URL.Path, "/setup") || strings.HasPrefix(r.URL.Path, "/logout") ||
				strings.HasPrefix(r.URL.Path, "/account") {
				h.errorPage(w, http.StatusInternalServerError, "Something went wrong", "The server could not complete this request. Please try again.", "")
				return
			}
			writeOAuthError(w, &oauth.Error{Code: oauth.ErrCodeServerError, Description: "internal error", Status: http.StatusInternalServerError}, false)
		}
	})
}

func (h *Handler) clientIP(r *http.Request) string {
	a := httpx.ClientIP(r, h.opts.TrustedProxies)
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// record adds an event unless the requester floods unauthenticated
// endpoints (then events are skipped, responses are not).
func (h *Handler) recordLimited(ctx context.Context, r *http.Request, kind string, detail map[string]string) {
	if !h.eventLimit.Allow(h.clientIP(r)) {
		return
	}
	h.oa.RecordEvent(ctx, eventOf(kind, detail))
}

// rateLimitHit records that a rate limit refused a request to endpoint
// ("register", "token", "revoke", "introspect", "login", "login_passkey",
// "account_password"), keyed by "ip" or "email". The email itself is never
// recorded. The events are throttled too, per address, endpoint and key and
// overall, so a flood (even from many addresses) adds a bounded number of
// rows: at most 2 a minute per address and 30 a minute in all.
func (h *Handler) rateLimitHit(r *http.Request, endpoint, key string) {
	if !h.hitLimit.Allow(h.clientIP(r)+"|"+endpoint+"|"+key) || !h.hitGlobal.Allow("all") {
		return
	}
	ev := eventOf(kindRateLimitHit, map[string]string{"endpoint": endpoint, "key": key})
	ev.Outcome = "error"
	h.oa.RecordEvent(r.Context(), ev)
}

// kindRateLimitHit is the event kind of a refused request.
const kindRateLimitHit = "ratelimit.hit"

// loginLimited applies the sign-in limits per address and per email and
// returns which refused the attempt ("ip" or "email"), or "".
func (h *Handler) loginLimited(r *http.Request, email string) string {
	if !h.loginIPLimit.Allow(h.clientIP(r)) {
		return "ip"
	}
	if !h.loginEmailLimit.Allow("email:" + email) {
		return "email"
	}
	return ""
}
