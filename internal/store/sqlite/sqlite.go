package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// readers is the size of the read-only connection pool.
const readers = 4

// Store is a store.Store kept in one SQLite file. Open it with Open and Close
// it last. Writes go through a single connection (SQLite allows one writer
// at a time); reads through a small pool of read-only connections that WAL
// lets run beside the writer.
type Store struct {
	*sqlstore.DB
	path  string
	probe *changeProbe // what the read cache asks whether anything committed
	sqlstore.Migrations
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed, with its parent directory) the database
// file at path, brings its schema up to date and returns the store. Every
// acknowledged write is synced to disk (synchronous=FULL).
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
	}
	const common = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	uri := "file:" + escapePath(path) + "?"
	w, err := sql.Open("sqlite", uri+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Connect the writer first: it creates the file and switches it to WAL,
	// which the read-only connections cannot do.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		var e *sqlite.Error
		if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CANTOPEN {
			return nil, fmt.Errorf("sqlite: open %s: %w (can this process create and write files in %s?)",
				path, err, filepath.Dir(path))
		}
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", uri+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	pr, err := sql.Open("sqlite", uri+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := &Store{
		DB:    sqlstore.New(w, r, Dialect()),
		path:  path,
		probe: newChangeProbe(pr),
	}
	s.CacheReads(s.probe.version)
	provider, err := goose.NewProvider(goose.DialectSQLite3, w, migrationsFS(),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: migrations: %w", path, err)
	}
	s.Migrations = sqlstore.NewMigrations("sqlite", provider)
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: reader: %w", path, err)
	}
	return s, nil
}

// Path returns the database file name given to Open.
func (s *Store) Path() string { return s.path }

// Close closes both connection pools. Call it last, after the HTTP server
// stopped.
func (s *Store) Close() error {
	perr := s.probe.close()
	if err := s.DB.Close(); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, err)
	}
	if perr != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, perr)
	}
	return nil
}

// migrationsFS is the embedded migrations directory.
func migrationsFS() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil { // the directory is embedded; cannot happen
		panic(err)
	}
	return sub
}

// escapePath makes a file name safe inside a file: URI, where SQLite
// percent-decodes the path and a '?' or '#' would end it.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// Dialect is what SQLite needs from the shared SQL: FTS5 search and its
// constraint error codes.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name: "sqlite",
		Search: sqlstore.Search{
			Query: ftsQuery,
			From:  "posts_fts JOIN posts p ON p.id = posts_fts.rowid",
			Where: "posts_fts MATCH $1",
			// bm25 is lower-is-better; weights favour title over excerpt over body.
			Rank:    "-bm25(posts_fts, 10.0, 4.0, 1.0)",
			Snippet: "snippet(posts_fts, 2, '', '', '…', 24)",
			// snippet() needs the index row of p under the same MATCH.
			SnippetFrom: " JOIN posts_fts ON posts_fts.rowid = p.id AND posts_fts MATCH $1",
			// Ranking inside FTS5 without the join to posts: ~4.5 ms instead
			// of ~11 ms for a word in 4 % of 100k posts (bench/RESULTS.md).
			Candidates: "SELECT rowid AS id, -bm25(posts_fts, 10.0, 4.0, 1.0) AS score FROM posts_fts WHERE posts_fts MATCH $1",
			// CROSS JOIN keeps the candidates the outer loop: without
			// statistics on the CTE the planner would scan posts instead.
			CandidatesJoin: "CROSS JOIN",
			SnippetIndex:   "posts_fts",
		},
		IsUniqueViolation: func(err error) bool {
			return hasCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
		IsForeignKeyViolation: func(err error) bool {
			return hasCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
		},
		// Write transactions start with BEGIN IMMEDIATE on the one writer
		// connection, so they never interleave and need no row locks.
		ForUpdate: "",
	}
}

func hasCode(err error, codes ...int) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code() == c {
			return true
		}
	}
	return false
}
