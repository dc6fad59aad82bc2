package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/portico-mcp/portico/internal/admin"
	"github.com/portico-mcp/portico/internal/authserver"
	"github.com/portico-mcp/portico/internal/config"
	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/httpx"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/mcpserver"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/site"
	"github.com/portico-mcp/portico/internal/store"
)

// Options are the dependencies of a Server. Config and Store are required.
type Options struct {
	Config  config.Config
	Store   store.Store
	Logger  *slog.Logger     // nil discards
	Now     func() time.Time // nil means time.Now
	Version string
}

// Server is Portico's HTTP server: one handler for every surface plus the
// background jobs. Create it with New, then call Serve.
type Server struct {
	opts    Options
	log     *slog.Logger
	handler http.Handler
	reg     *prometheus.Registry

	events   *eventBuffer // the store, with timeline events batched
	content  *content.Service
	oauth    *oauth.Service
	identity *identity.Service

	reqs      *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	gcRows    prometheus.Counter
	toolCalls *prometheus.CounterVec
}

// New builds the handler tree. It does not listen.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("server: no store")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{opts: o, log: o.Logger, reg: prometheus.NewRegistry()}
	cfg := o.Config
	s.events = &eventBuffer{Store: o.Store, log: o.Logger}
	st := s.events
	s.content = &content.Service{Store: st, Now: o.Now, Logger: o.Logger, BaseURL: cfg.PublicURL}
	var err error
	s.oauth, err = oauth.New(oauth.Config{
		Store: st, Issuer: cfg.PublicURL, Now: o.Now, Logger: o.Logger,
		Options: oauth.Options{
			AccessTokenTTL:  cfg.AccessTokenTTL,
			RefreshTokenTTL: cfg.RefreshTokenTTL,
			RefreshGrace:    graceOrDisabled(cfg.RefreshGrace),
			UnusedClientTTL: cfg.ClientTTL,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.identity, err = identity.New(identity.Config{
		Store: st, Issuer: cfg.PublicURL, Now: o.Now, Logger: o.Logger,
		Options: identity.Options{Secure: cfg.Secure()},
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portico_http_requests_total", Help: "HTTP requests by route pattern and status code.",
	}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "portico_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route"})
	s.gcRows = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "portico_gc_deleted_rows_total", Help: "Expired rows deleted by the garbage collector.",
	})
	s.toolCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portico_mcp_tool_calls_total", Help: "MCP tool calls by tool and outcome.",
	}, []string{"tool", "outcome"})
	s.reg.MustRegister(s.reqs, s.latency, s.gcRows, s.toolCalls)
	s.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "portico_build_info", Help: "Build information.", ConstLabels: prometheus.Labels{"version": o.Version},
	}, func() float64 { return 1 }))

	mux := http.NewServeMux()
	if err := s.mount(ctx, mux); err != nil {
		return nil, err
	}
	var h http.Handler = mux
	h = httpx.SecurityHeaders(o.Config.Secure(), h)
	h = httpx.Logging(s.log, s.observe, h)
	s.handler = h
	return s, nil
}

// Handler returns the assembled handler (for httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the server's own Prometheus registry.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) observe(r *http.Request, status int, d time.Duration) {
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.reqs.WithLabelValues(route, strconv.Itoa(status)).Inc()
	s.latency.WithLabelValues(route).Observe(d.Seconds())
}

// mount registers every surface on mux.
func (s *Server) mount(_ context.Context, mux *http.ServeMux) error {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_ = httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))

	cfg := s.opts.Config
	var ups []authserver.Upstream
	if cfg.OIDCIssuer != "" {
		ups = append(ups, authserver.Upstream{Kind: authserver.KindOIDC, Name: cfg.OIDCName, Issuer: cfg.OIDCIssuer,
			ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret})
	}
	if cfg.GitHubClientID != "" {
		ups = append(ups, authserver.Upstream{Kind: authserver.KindGitHub, ClientID: cfg.GitHubClientID,
			ClientSecret: cfg.GitHubClientSecret})
	}
	as, err := authserver.New(authserver.Config{
		OAuth: s.oauth, Identity: s.identity, Logger: s.log,
		Options: authserver.Options{TrustedProxies: cfg.TrustedProxies, Upstreams: ups},
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	as.Mount(mux)
	(&admin.Handler{Store: s.events, OAuth: s.oauth, Identity: s.identity, Content: s.content,
		PublicURL: cfg.PublicURL, Logger: s.log, Now: s.opts.Now, TrustedProxies: cfg.TrustedProxies}).Mount(mux)

	mcp := &mcpserver.Handler{
		Content:        s.content,
		Verifier:       s.oauth,
		Users:          s.events,
		Events:         s.events,
		Relay:          s.events,
		Grants:         s.events,
		Metrics:        toolMetrics{s.toolCalls},
		PublicURL:      s.opts.Config.PublicURL,
		AllowedOrigins: s.opts.Config.AllowedOrigins,
		TrustedProxies: s.opts.Config.TrustedProxies,
		Logger:         s.log,
		Now:            s.opts.Now,
		Version:        s.opts.Version,
	}
	if p, ok := s.opts.Store.(interface {
		PinReads(context.Context) context.Context
	}); ok {
		mcp.PinReads = p.PinReads
	}
	mcp.Mount(mux)

	(&site.Handler{Content: s.content, PublicURL: s.opts.Config.PublicURL, Logger: s.log, Now: s.opts.Now}).Mount(mux)
	return nil
}

// graceOrDisabled maps a configured zero grace window to oauth's "disabled"
// (negative), since oauth reads zero as "use the default".
func graceOrDisabled(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// toolMetrics counts MCP tool calls by tool and outcome.
type toolMetrics struct{ c *prometheus.CounterVec }

// ToolCall implements mcpserver.Metrics.
func (m toolMetrics) ToolCall(tool, outcome string) { m.c.WithLabelValues(tool, outcome).Inc() }

// SetupLink returns the one-time link that creates the owner account, or ""
// when an account exists.
func (s *Server) SetupLink(ctx context.Context) (string, error) {
	return s.identity.EnsureSetupLink(ctx)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "error", err)
		_ = httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	_ = httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, cancels the context of long-lived streams,
// and waits up to Config.ShutdownTimeout for in-flight requests. It returns
// nil after a clean shutdown. The caller closes the store afterwards.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Streams (SSE, long polls) watch this context; it ends at shutdown so
	// they close cleanly instead of holding Shutdown until its deadline.
	streamCtx, cancelStreams := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelStreams()
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return streamCtx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(cancelStreams)

	var wg sync.WaitGroup
	jobsCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	wg.Go(func() { s.gcLoop(jobsCtx) })
	wg.Go(func() { s.publishLoop(jobsCtx) })

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("serving", "listen", ln.Addr().String(), "public_url", s.opts.Config.PublicURL)

	select {
	case err := <-errc:
		stopJobs()
		wg.Wait()
		_ = s.events.Flush(context.WithoutCancel(ctx))
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.opts.Config.ShutdownTimeout.String())
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.Config.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(shutCtx)
	stopJobs()
	wg.Wait()
	// The last connection events go out before the caller closes the store.
	_ = s.events.Flush(shutCtx)
	if err != nil {
		_ = hs.Close()
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

func (s *Server) gcLoop(ctx context.Context) {
	interval := s.opts.Config.GCInterval
	if interval <= 0 {
		interval = 10 * time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		stats, err := s.opts.Store.GarbageCollect(ctx, s.opts.Now())
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("garbage collection failed", "error", err)
			}
			continue
		}
		if n := stats.Total(); n > 0 {
			s.gcRows.Add(float64(n))
			s.log.Info("expired rows deleted", "rows", n)
		}
	}
}

// Content returns the content service the surfaces share.
func (s *Server) Content() *content.Service { return s.content }

// publishLoop publishes scheduled posts when their time comes.
func (s *Server) publishLoop(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		n, err := s.content.PublishDue(ctx, s.opts.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("publishing scheduled posts failed", "error", err)
		case n > 0:
			s.log.Info("scheduled posts published", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
