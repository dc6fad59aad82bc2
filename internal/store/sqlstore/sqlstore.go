package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Dialect carries the few things that differ between the SQL databases the
// shared implementation runs on. Every other statement is identical.
type Dialect struct {
	// Name identifies the database in messages ("sqlite", "postgres").
	Name string
	// Search is the full-text search SQL.
	Search Search
	// IsUniqueViolation reports whether err is a unique or primary-key
	// constraint failure; such errors become store.ErrConflict.
	IsUniqueViolation func(err error) bool
	// IsForeignKeyViolation reports whether err is a foreign-key constraint
	// failure; such errors become store.ErrNotFound (the referenced row is
	// missing). Nil means the database never reports one.
	IsForeignKeyViolation func(err error) bool
	// ForUpdate ends a SELECT that must lock the rows it reads until the
	// transaction ends (" FOR UPDATE"); empty where write transactions are
	// serialised anyway (SQLite).
	ForUpdate string
}

// Search is the dialect-specific part of SearchPosts. The query argument is
// always bound as $1; the fragments refer to the posts table as p.
type Search struct {
	// Query turns user input into the value bound as $1. ok is false when the
	// input holds nothing searchable; SearchPosts then returns no hits. It must
	// never produce a value the database could reject as malformed.
	Query func(input string) (arg string, ok bool)
	// From is the FROM clause, joining posts p to the text index.
	From string
	// Where is the match condition.
	Where string
	// Rank is an expression where higher means more relevant.
	Rank string
	// Snippet is a text expression with a short excerpt around the match,
	// evaluated over posts p joined with SnippetFrom (for the page's rows
	// only).
	Snippet string
	// SnippetFrom is appended to "FROM ... JOIN posts p ON ..." so that
	// Snippet can be computed (e.g. the text index row of p, or the query).
	SnippetFrom string
	// Candidates, when set, is a SELECT of id and score (the same value as
	// Rank) of every match of $1, computed from the text index alone;
	// SearchPosts then sorts these by score before joining posts
	// (searchRanked). Empty ranks and filters every match with the join
	// (searchPage).
	Candidates string
	// CandidatesJoin joins the candidates to posts p: "JOIN", or a
	// dialect's way of making the candidates the outer loop.
	CandidatesJoin string
	// SnippetIndex, with Candidates, is the text index table that Snippet
	// reads when it is scanned under Where; its rowid is the post id.
	SnippetIndex string
}

// DB implements store.Store over a writer and a reader connection pool. Create
// it with New; the zero value is not usable.
//
// Conventions every method follows: a zero timestamp the caller leaves on a
// record it creates (or on the "updated" time of an update) becomes now;
// times are kept to the nanosecond and read back in UTC, the zero time as
// the zero time; nil string lists and maps read back nil and empty ones
// empty; single-row compare-and-swaps are one conditional UPDATE, and every
// multi-row write is one transaction.
type DB struct {
	w, r  *pool
	d     Dialect
	cache *readCache // nil: every read goes to the database (see CacheReads)
	gc    *committer // nil: every write transaction commits on its own (see committer)
}

var _ store.Store = (*DB)(nil)

// New returns a store writing through w and reading through r (which may be
// the same pool). The schema must already exist: the backend packages run
// their migrations first. DB takes ownership of both pools; Close closes them.
func New(w, r *sql.DB, d Dialect) *DB {
	cache := d.Name == "sqlite" // see pool
	wp := newPool(w, cache)
	rp := wp
	if r != nil && r != w {
		rp = newPool(r, cache)
	}
	db := &DB{w: wp, r: rp, d: d}
	if d.Name == "sqlite" { // one writer connection: see committer
		db.gc = newCommitter(wp)
	}
	return db
}

// Writer returns the pool every write goes through.
func (db *DB) Writer() *sql.DB { return db.w.DB }

// Reader returns the pool reads outside transactions go through.
func (db *DB) Reader() *sql.DB { return db.r.DB }

// Ping reports whether both pools answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping %s writer: %w", db.d.Name, err)
	}
	if db.r != db.w {
		if err := db.r.PingContext(ctx); err != nil {
			return fmt.Errorf("sqlstore: ping %s reader: %w", db.d.Name, err)
		}
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.r != db.w {
		if err := db.r.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sqlstore: close reader: %w", err))
		}
	}
	if err := db.w.Close(); err != nil {
		errs = append(errs, fmt.Errorf("sqlstore: close writer: %w", err))
	}
	return errors.Join(errs...)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// limitArg is a LIMIT bound to parameter p. SQLite (3.48+) plans a bare
// "LIMIT $n" for the value bound and re-prepares the statement whenever
// that value changes; a CAST keeps one plan for every page size.
func limitArg(p string) string { return `CAST(` + p + ` AS INTEGER)` }

// inTx runs fn in a write transaction and commits it if fn succeeds; on
// SQLite the transaction may share its commit with concurrent callers'
// (committer), and inTx returns only once the outcome is durable. The
// errors fn returns are passed through unwrapped; wrap them at the caller.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.gc != nil {
		return db.gc.do(ctx, fn)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// write is inTx for fns that run their statements through the writer's
// prepared-statement cache (stmtTx). Statements of a write transaction
// are not interrupted when ctx is cancelled (on SQLite an interrupted
// write rolls back the whole, possibly shared, transaction); a caller
// whose ctx is done before its turn is not run at all.
func (db *DB) write(ctx context.Context, fn func(tx *stmtTx) error) error {
	var missing []string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		st := &stmtTx{Tx: tx, p: db.w, noCancel: true}
		err := fn(st)
		missing = st.missing
		return err
	})
	if len(missing) > 0 { // the transaction ended: the connection is free
		(&stmtTx{p: db.w, missing: missing}).prepareMissing(ctx)
	}
	return err
}

// write1 runs a single-statement write. With group commit it joins a
// shared transaction (one fsync for the batch instead of one per
// statement); otherwise the statement runs on its own, autocommitted, as
// one statement always did.
func (db *DB) write1(ctx context.Context, fn func(q querier) error) error {
	if db.gc == nil {
		return fn(db.w)
	}
	return db.write(ctx, func(tx *stmtTx) error { return fn(tx) })
}

// wrap adds context to err and maps database errors onto the store
// sentinels: no rows becomes ErrNotFound, a unique violation ErrConflict and
// a foreign-key violation ErrNotFound.
func (db *DB) wrap(err error, format string, a ...any) error {
	op := fmt.Sprintf(format, a...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	case db.d.IsUniqueViolation != nil && db.d.IsUniqueViolation(err):
		return fmt.Errorf("sqlstore: %s: %w: %w", op, store.ErrConflict, err)
	case db.d.IsForeignKeyViolation != nil && db.d.IsForeignKeyViolation(err):
		return fmt.Errorf("sqlstore: %s: %w: %w", op, store.ErrNotFound, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// now is the time used for timestamps the caller left zero.
func now() time.Time { return time.Now().UTC() }

// or returns t, or def when t is zero.
func or(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// ---------------------------------------------------------------------------
// Column encodings. Times are BIGINT unix nanoseconds (0 for the zero time),
// string lists and maps JSON text (NULL for nil), byte slices BLOB/BYTEA
// (NULL for nil).

// ts encodes t as unix nanoseconds; the zero time is 0.
func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromTS decodes what ts encoded, in UTC.
func fromTS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// tm scans a ts column into *t.
func tm(t *time.Time) sql.Scanner { return timeScanner{t} }

type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case int64:
		*s.t = fromTS(v)
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// listArg encodes a string list; nil stays NULL so nil and empty round-trip.
func listArg(l []string) any {
	if l == nil {
		return nil
	}
	b, err := json.Marshal(l)
	if err != nil { // cannot happen for []string
		panic(err)
	}
	return string(b)
}

// list scans a listArg column into *l.
func list(l *[]string) sql.Scanner { return listScanner{l} }

type listScanner struct{ l *[]string }

func (s listScanner) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*s.l = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("list column: unexpected %T", src)
	}
	l, ok := plainList(b)
	if !ok {
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("list column: %w", err)
		}
	}
	if l == nil {
		l = []string{}
	}
	*s.l = l
	return nil
}

// plainList decodes the usual list column — a JSON array of printable
// ASCII strings without escapes, such as ["content:read","offline_access"]
// — without reflection. Anything else is not ok and goes to json.Unmarshal,
// which reads the same values where plainList is ok.
func plainList(b []byte) ([]string, bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	body := b[1 : len(b)-1]
	if len(body) == 0 {
		return []string{}, true
	}
	l := make([]string, 0, bytes.Count(body, []byte{','})+1)
	for len(body) > 0 {
		if body[0] != '"' {
			return nil, false
		}
		end := 1
		for end < len(body) && body[end] != '"' {
			if c := body[end]; c < 0x20 || c > 0x7e || c == '\\' {
				return nil, false
			}
			end++
		}
		if end == len(body) {
			return nil, false
		}
		l = append(l, string(body[1:end]))
		body = body[end+1:]
		if len(body) > 0 {
			if body[0] != ',' || len(body) == 1 {
				return nil, false
			}
			body = body[1:]
		}
	}
	return l, true
}

// mapArg encodes a string map; nil stays NULL.
func mapArg(m map[string]string) any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil { // cannot happen for map[string]string
		panic(err)
	}
	return string(b)
}

// strMap scans a mapArg column into *m.
func strMap(m *map[string]string) sql.Scanner { return mapScanner{m} }

type mapScanner struct{ m *map[string]string }

func (s mapScanner) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*s.m = nil
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("map column: unexpected %T", src)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("map column: %w", err)
	}
	*s.m = m
	return nil
}

// blobArg binds b, nil as NULL.
func blobArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// blob scans a nullable BLOB/BYTEA column into *b, copying the bytes.
func blob(b *[]byte) sql.Scanner { return blobScanner{b} }

type blobScanner struct{ b *[]byte }

func (s blobScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.b = nil
	case []byte:
		*s.b = append([]byte{}, v...)
	case string:
		*s.b = []byte(v)
	default:
		return fmt.Errorf("blob column: unexpected %T", src)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Query building.

// args collects bind values and hands out their $n placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// in returns "($i, $j, ...)" for vs; vs must not be empty.
func in[T any](a *args, vs []T) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = a.add(v)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// where joins conditions with AND; it returns "" for none.
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// clamp applies a default and a cap to a page size.
func clamp(n, def, maximum int) int {
	if n <= 0 {
		return def
	}
	if n > maximum {
		return maximum
	}
	return n
}

// affected returns the row count of res.
func affected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}
