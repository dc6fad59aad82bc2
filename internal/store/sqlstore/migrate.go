package sqlstore

import (
	"context"
	"fmt"

	"github.com/pressly/goose/v3"
)

// Migrations applies and reports a backend's embedded schema migrations.
// Backends embed it; the zero value is not usable: build it with
// NewMigrations.
type Migrations struct {
	name     string // the backend, for messages
	provider *goose.Provider
}

// NewMigrations wraps a goose provider for the backend called name.
func NewMigrations(name string, p *goose.Provider) Migrations {
	return Migrations{name: name, provider: p}
}

// Migrate applies the migrations the database lacks and reports how many it
// applied; with none pending it does nothing. Open already called it.
func (m Migrations) Migrate(ctx context.Context) (applied int, err error) {
	res, err := m.provider.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("%s: migrate: %w", m.name, err)
	}
	return len(res), nil
}

// LatestMigration is the version of the newest migration built into the
// binary; after Open, MigrationVersion equals it.
func (m Migrations) LatestMigration() int64 {
	var v int64
	for _, src := range m.provider.ListSources() {
		v = max(v, src.Version)
	}
	return v
}

// MigrationVersion returns the version of the newest applied migration.
func (m Migrations) MigrationVersion(ctx context.Context) (int64, error) {
	v, err := m.provider.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: migration version: %w", m.name, err)
	}
	return v, nil
}
