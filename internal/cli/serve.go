package cli

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/portico-mcp/portico/internal/server"
)

func runServe(ctx context.Context, env Env, args []string) int {
	cfg, code, ok := loadConfig(env, "serve", args, true)
	if !ok {
		return code
	}
	log := newLogger(env.Stderr, cfg)

	// Storage first: nothing listens until the database is ready, so a bad
	// database never leaves a half-started server.
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico serve: %s\n", oneLine(err))
		return exitFail
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing database", "error", err)
		}
	}()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico serve: cannot listen on %s: %v\n", cfg.Listen, unwrapOp(err))
		return exitFail
	}
	if cfg.PublicURLDerived() && strings.HasSuffix(cfg.PublicURL, ":0") {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		cfg.PublicURL = "http://localhost:" + port
	}

	srv, err := server.New(ctx, server.Options{Config: cfg, Store: st, Logger: log, Version: versionString(env.Version)})
	if err != nil {
		ln.Close()
		fmt.Fprintf(env.Stderr, "portico serve: %s\n", oneLine(err))
		return exitFail
	}
	log.Info("portico starting", "version", versionString(env.Version), "public_url", cfg.PublicURL,
		"mcp_url", cfg.PublicURL+"/mcp", "database", cfg.Redacted().DB)
	if err := srv.Serve(ctx, ln); err != nil {
		log.Error("server stopped with an error", "error", err)
		return exitFail
	}
	return exitOK
}

// unwrapOp shortens a *net.OpError to its cause for a one-line message.
func unwrapOp(err error) error {
	if oe, ok := err.(*net.OpError); ok && oe.Err != nil {
		return oe.Err
	}
	return err
}
