package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statements a pool keeps prepared. Queries are
// built from a fixed set of fragments, but IN lists of varying length make
// new texts; once the cache is full a new text runs unprepared, as before.
const maxCachedStmts = 512

// pool is a connection pool that keeps the statements it runs prepared,
// keyed by SQL text, when stmts is not nil. Outside a transaction every
// ExecContext, QueryContext and QueryRowContext then reuses a *sql.Stmt,
// which database/sql prepares once per connection and re-prepares on
// connections it has not seen, so SQLite parses and plans each query once
// per connection instead of on every call (it was ~45 % of the CPU of an
// authenticated tools/call). Transactions (BeginTx) are unchanged.
//
// The cache is for SQLite only: pgx already keeps a per-connection cache
// of prepared statements (QueryExecModeCacheStatement), which also
// survives schema changes made by other replicas.
type pool struct {
	*sql.DB
	stmts *stmtCache // nil: prepare nothing
}

func newPool(db *sql.DB, cache bool) *pool {
	p := &pool{DB: db}
	if cache {
		p.stmts = &stmtCache{m: make(map[string]*sql.Stmt)}
	}
	return p
}

// stmt returns the prepared statement for query, preparing it on first
// use, or nil when the pool does not cache, the cache is full or the
// statement does not prepare (the caller then runs query directly, which
// reports the error the same way it always did).
func (p *pool) stmt(ctx context.Context, query string) *sql.Stmt {
	c := p.stmts
	if c == nil {
		return nil
	}
	c.mu.RLock()
	s, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if ok || full {
		return s
	}
	s, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	switch old, ok := c.m[query]; {
	case c.closed || (!ok && len(c.m) >= maxCachedStmts):
		c.mu.Unlock()
		s.Close()
		return nil
	case ok: // another goroutine prepared it first
		c.mu.Unlock()
		s.Close()
		return old
	}
	c.m[query] = s
	c.mu.Unlock()
	return s
}

// ExecContext runs query through its cached statement.
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

// QueryContext runs query through its cached statement.
func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query through its cached statement.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the cached statements, then the pool.
func (p *pool) Close() error {
	if c := p.stmts; c != nil {
		c.mu.Lock()
		c.closed = true
		for q, s := range c.m {
			s.Close()
			delete(c.m, q)
		}
		c.mu.Unlock()
	}
	return p.DB.Close()
}

type stmtCache struct {
	mu     sync.RWMutex
	m      map[string]*sql.Stmt
	closed bool
}

// stmtTx is a transaction (a read, or a write through DB.write) whose
// statements reuse the pool's prepared statements (Tx.StmtContext binds the
// cached statement to the transaction's connection; database/sql prepares
// it once per connection), so list and search pages and the OAuth writes
// do not parse and plan their queries on every call either. Without a cache it is the plain Tx.
//
// A statement not cached yet is NOT prepared from inside the transaction:
// preparing on the pool needs a second connection while the transaction
// holds one, and with every reader connection inside a transaction that
// deadlocks. The transaction runs such a query directly and remembers it;
// prepareMissing caches it once the transaction has given its connection
// back.
type stmtTx struct {
	*sql.Tx
	p       *pool
	missing []string
	// noCancel runs every statement as if ctx could not be cancelled (see
	// DB.write).
	noCancel bool
}

// ctx returns the context a statement runs with.
func (t *stmtTx) ctx(ctx context.Context) context.Context {
	if t.noCancel {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// ExecContext runs query in the transaction through its cached statement.
func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.ctx(ctx)
	if s := t.cached(query); s != nil {
		return t.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query in the transaction through its cached statement.
func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	if s := t.cached(query); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction through its cached statement.
func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.ctx(ctx)
	if s := t.cached(query); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// cached returns the already-prepared statement for query, or nil (and
// remembers query for prepareMissing).
func (t *stmtTx) cached(query string) *sql.Stmt {
	c := t.p.stmts
	if c == nil {
		return nil
	}
	c.mu.RLock()
	s := c.m[query]
	c.mu.RUnlock()
	if s == nil {
		t.missing = append(t.missing, query)
	}
	return s
}

// prepareMissing prepares the queries the transaction ran uncached. Call it
// after the transaction ended.
func (t *stmtTx) prepareMissing(ctx context.Context) {
	for _, q := range t.missing {
		t.p.stmt(ctx, q)
	}
	t.missing = nil
}
