package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Store is the part of store.Store the authorization server uses.
type Store interface {
	store.Users
	store.Clients
	store.AuthCodes
	store.Grants
	store.Tokens
	store.Consents
	store.Events
	store.PersonalTokens
}

// Options tunes the authorization server. Zero fields take the documented
// defaults; the lead wires them from configuration.
type Options struct {
	// ResourcePath is the path of the protected MCP endpoint. Default "/mcp".
	ResourcePath string
	// ResourceName is resource_name in the PRM document. Default "Portico".
	ResourceName string
	// AccessTokenTTL is the access-token lifetime. Default 24h: hosted
	// Claude rarely refreshes (CONNECTORS.md §0 item 13, test 26).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the sliding refresh-token lifetime; every rotation
	// starts it again. Default 90 days.
	RefreshTokenTTL time.Duration
	// RefreshGrace is how long a rotated refresh token still returns the same
	// successor pair (concurrent clients). Default 60s; negative disables.
	RefreshGrace time.Duration
	// CodeTTL is the authorization-code lifetime. Default 60s.
	CodeTTL time.Duration
	// UnusedClientTTL is how long a dynamically registered client that never
	// obtained a token is kept. Default 7 days.
	UnusedClientTTL time.Duration
	// CIMD configures fetching client ID metadata documents.
	CIMD CIMDOptions
}

func (o *Options) defaults() {
	if o.ResourcePath == "" {
		o.ResourcePath = "/mcp"
	}
	if o.ResourceName == "" {
		o.ResourceName = "Portico"
	}
	if o.AccessTokenTTL <= 0 {
		o.AccessTokenTTL = 24 * time.Hour
	}
	if o.RefreshTokenTTL <= 0 {
		o.RefreshTokenTTL = 90 * 24 * time.Hour
	}
	if o.RefreshGrace == 0 {
		o.RefreshGrace = 60 * time.Second
	}
	if o.RefreshGrace < 0 {
		o.RefreshGrace = 0
	}
	if o.CodeTTL <= 0 {
		o.CodeTTL = 60 * time.Second
	}
	if o.UnusedClientTTL <= 0 {
		o.UnusedClientTTL = 7 * 24 * time.Hour
	}
	o.CIMD.defaults()
}

// Config holds the dependencies of a Service.
type Config struct {
	// Store is required.
	Store Store
	// Issuer is the public origin, e.g. https://mcp.example.com. Required.
	Issuer string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// HTTPClient fetches CIMD documents; nil builds one with the SSRF guard
	// of CIMDOptions. Only tests should set it.
	HTTPClient *http.Client
	// Options tunes lifetimes and CIMD; zero values take defaults.
	Options Options
}

// Service is the authorization-server logic. Build it with New; it is safe
// for concurrent use.
type Service struct {
	st           Store
	now          func() time.Time
	log          *slog.Logger
	opts         Options
	issuer       string
	resource     string
	resourcePath string
	cimd         *cimdFetcher

	clientMu sync.Mutex
	clientOK map[string]clientStatus // client ID → trusted active until, and its cap
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("oauth: Config.Store is required")
	}
	iss, err := normalizeIssuer(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	s := &Service{st: cfg.Store, now: cfg.Now, log: cfg.Logger, opts: cfg.Options, issuer: iss, clientOK: map[string]clientStatus{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.opts.defaults()
	s.resourcePath = s.opts.ResourcePath
	s.resource = iss + s.resourcePath
	s.cimd = newCIMDFetcher(s.opts.CIMD, cfg.HTTPClient, s.now)
	return s, nil
}

// Issuer is the issuer identifier (the origin, no path).
func (s *Service) Issuer() string { return s.issuer }

// Resource is the canonical protected resource, <issuer>/mcp.
func (s *Service) Resource() string { return s.resource }

// Options returns the effective options (defaults filled in).
func (s *Service) Options() Options { return s.opts }

// Store returns the store the service was built with.
func (s *Service) Store() Store { return s.st }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

// RequestMeta describes the HTTP request an operation runs for; it is
// recorded on connection events. Attach it with WithRequestMeta.
type RequestMeta struct {
	UserAgent string
	RemoteIP  string
	Attempt   string
}

type metaKey struct{}

// WithRequestMeta returns ctx carrying m for the events recorded under it.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// RequestMetaFrom returns the RequestMeta attached to ctx, if any.
func RequestMetaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(metaKey{}).(RequestMeta)
	return m
}

// RecordEvent adds e to the connection timeline, filling At, UserAgent,
// RemoteIP and Attempt from the clock and ctx. Detail must never hold
// secrets. A storage failure is logged, not returned: the timeline must not
// break a connection.
func (s *Service) RecordEvent(ctx context.Context, e store.Event) {
	m := RequestMetaFrom(ctx)
	if e.At.IsZero() {
		e.At = s.now()
	}
	if e.UserAgent == "" {
		e.UserAgent = truncate(m.UserAgent, 256)
	}
	if e.RemoteIP == "" {
		e.RemoteIP = m.RemoteIP
	}
	if e.Attempt == "" {
		e.Attempt = m.Attempt
	}
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	if _, err := s.st.AddEvent(context.WithoutCancel(ctx), e); err != nil {
		s.log.WarnContext(ctx, "record event", "kind", e.Kind, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
