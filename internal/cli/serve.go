package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"

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
	link, err := srv.SetupLink(ctx)
	if err != nil {
		ln.Close()
		fmt.Fprintf(env.Stderr, "portico serve: %s\n", oneLine(err))
		return exitFail
	}
	if link != "" {
		log.Warn("no owner account yet: open this one-time link to create it", "setup_url", link)
	}
	if cfg.Demo {
		if err := seedDemo(ctx, st, srv.Content()); err != nil {
			ln.Close()
			fmt.Fprintf(env.Stderr, "portico serve: demo content: %s\n", oneLine(err))
			return exitFail
		}
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

// demoAuthorEmail is the byline account of the demo content. It has no
// password and is disabled: nobody logs in as it.
const demoAuthorEmail = "team@demo.portico.invalid"

// seedDemo fills an empty site with the demo blog, authored by a disabled
// demo account (created once).
func seedDemo(ctx context.Context, st store.Store, svc *content.Service) error {
	u, err := st.GetUserByEmail(ctx, demoAuthorEmail)
	if errors.Is(err, store.ErrNotFound) {
		u, err = st.CreateUser(ctx, store.User{Email: demoAuthorEmail, Name: "The Ember & Oat team", Role: store.RoleAuthor, Disabled: true})
	}
	if err != nil {
		return fmt.Errorf("demo author: %w", err)
	}
	return svc.SeedDemo(ctx, u.ID)
}
