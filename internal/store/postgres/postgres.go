package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pool sizing and the time Open waits for the server.
const (
	defaultMaxConns = 20
	connectTimeout  = 10 * time.Second
)

// Store is a store.Store kept in a PostgreSQL database (in the schema the
// connection's search_path names first). Open it with Open and Close it
// last. Several processes may share one database.
type Store struct {
	*sqlstore.DB
	where string // the redacted URL, for messages
	sqlstore.Migrations
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at connURL (a postgres:// URL or key=value
// string; ?search_path=name selects the schema, ?pool_max_conns=n sizes the
// connection pool, 20 by default), waits at most 10 seconds for it to
// answer, brings its schema up to date and returns the store. Concurrent
// Opens on one schema migrate once: the others wait on an advisory lock.
func Open(ctx context.Context, connURL string) (*Store, error) {
	where := redact(connURL)
	connURL, maxConns, err := poolSize(connURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", where, err)
	}
	cfg, err := pgx.ParseConfig(connURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", where, err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(max(maxConns/2, 1))
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)

	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	var schema sql.NullString
	if err := db.QueryRowContext(pctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open %s: cannot reach the database: %w", where, err)
	}
	if !schema.Valid {
		db.Close()
		return nil, fmt.Errorf("postgres: open %s: no schema: the search_path names none that exists", where)
	}

	// Advisory locks are per database; key the migration lock by schema so
	// that schemas migrate independently.
	h := fnv.New64a()
	h.Write([]byte("portico migrations " + schema.String))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 300))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", where, err)
	}
	s := &Store{DB: sqlstore.New(db, db, Dialect()), where: where}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrationsFS(),
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: open %s: migrations: %w", where, err)
	}
	s.Migrations = sqlstore.NewMigrations("postgres", provider)
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", where, err)
	}
	return s, nil
}

// Close closes the connection pool. Call it last, after the HTTP server
// stopped.
func (s *Store) Close() error {
	if err := s.DB.Close(); err != nil {
		return fmt.Errorf("postgres: close %s: %w", s.where, err)
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

// poolSize removes the pool_max_conns parameter (pgxpool's name for it,
// which the server itself would reject) from a connection string and
// returns its value, or the default.
func poolSize(conn string) (string, int, error) {
	const key = "pool_max_conns"
	if !strings.Contains(conn, key) {
		return conn, defaultMaxConns, nil
	}
	var v string
	if u, err := url.Parse(conn); err == nil && u.Scheme != "" {
		q := u.Query()
		v = q.Get(key)
		q.Del(key)
		u.RawQuery = q.Encode()
		conn = u.String()
	} else {
		f := strings.Fields(conn)
		kept := f[:0]
		for _, kv := range f {
			if val, ok := strings.CutPrefix(kv, key+"="); ok {
				v = val
				continue
			}
			kept = append(kept, kv)
		}
		conn = strings.Join(kept, " ")
	}
	if v == "" {
		return conn, defaultMaxConns, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("%s=%q: want a positive integer", key, v)
	}
	return conn, n, nil
}

// redact returns the connection string without its password, for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	// key=value form: hide password=...
	f := strings.Fields(s)
	for i, kv := range f {
		if strings.HasPrefix(strings.ToLower(kv), "password=") {
			f[i] = "password=xxxxx"
		}
	}
	return strings.Join(f, " ")
}

// Dialect is what PostgreSQL needs from the shared SQL: weighted tsvector
// search and its constraint error codes.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name: "postgres",
		Search: sqlstore.Search{
			Query: searchQuery,
			From:  "posts p CROSS JOIN websearch_to_tsquery('simple', $1) AS q",
			Where: "p.search @@ q",
			// ts_rank's default weights are 1.0 for A (title), 0.4 for B
			// (excerpt), 0.2 for C (body).
			Rank:    "ts_rank(p.search, q)",
			Snippet: `ts_headline('simple', p.body, q, 'StartSel="", StopSel="", MaxWords=24, MinWords=8, MaxFragments=1')`,
			// ts_headline is the dearest part: only for the page's rows.
			SnippetFrom: " CROSS JOIN websearch_to_tsquery('simple', $1) AS q",
		},
		IsUniqueViolation: func(err error) bool {
			return hasCode(err, "23505")
		},
		IsForeignKeyViolation: func(err error) bool {
			return hasCode(err, "23503")
		},
		ForUpdate: " FOR UPDATE",
	}
}

// searchQuery passes input to websearch_to_tsquery, which accepts any text;
// only bytes PostgreSQL cannot hold in text (NUL, invalid UTF-8) are
// replaced.
func searchQuery(input string) (string, bool) {
	q := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(input, " "))
	for _, r := range q {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return q, true
		}
	}
	return "", false
}

func hasCode(err error, code string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == code
}
