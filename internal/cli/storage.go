package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/config"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/postgres"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// backend is a store that also reports and applies migrations.
type backend interface {
	store.Store
	MigrationVersion(ctx context.Context) (int64, error)
	LatestMigration() int64
}

// openStore picks the backend named by cfg.DB and opens it, running
// migrations. It is the only place that chooses a backend.
func openStore(ctx context.Context, cfg config.Config) (backend, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if path, ok := cfg.SQLitePath(); ok {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return s, nil
	}
	if strings.HasPrefix(cfg.DB, "postgres://") || strings.HasPrefix(cfg.DB, "postgresql://") {
		s, err := postgres.Open(ctx, cfg.DB)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown database %q", cfg.Redacted().DB)
}

func runMigrate(ctx context.Context, env Env, args []string) int {
	cfg, code, ok := loadConfig(env, "migrate", args, false)
	if !ok {
		return code
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico migrate: %s\n", oneLine(err))
		return exitFail
	}
	defer st.Close()
	v, err := st.MigrationVersion(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico migrate: %s\n", oneLine(err))
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "database %s is at schema version %d (latest %d)\n", cfg.Redacted().DB, v, st.LatestMigration())
	return exitOK
}
