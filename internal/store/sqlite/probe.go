package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
)

// changeProbe answers PRAGMA data_version on one dedicated connection that
// never writes: SQLite changes that number whenever another connection — the
// writer of this process, or any other process on the file — commits. Values
// of different connections are not comparable, so the probe keeps one
// connection for as long as it works; when it has to take a new one it moves
// to a higher epoch, so every version it answers is greater than any it
// answered before the switch (and the read cache starts over).
type changeProbe struct {
	db *sql.DB

	mu    sync.Mutex
	conn  *sql.Conn
	stmt  *sql.Stmt
	epoch int64
}

func newChangeProbe(db *sql.DB) *changeProbe {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return &changeProbe{db: db}
}

// epochShift leaves room for 2^40 commits per connection epoch.
const epochShift = 40

// version implements sqlstore.ChangeProbe.
func (p *changeProbe) version(ctx context.Context) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmt == nil {
		if err := p.connect(ctx); err != nil {
			return 0, err
		}
	}
	var v int64
	// The statement is short and never waits on writers (WAL); a cancellable
	// context would only cost modernc.org/sqlite a goroutine per call.
	if err := p.stmt.QueryRowContext(context.WithoutCancel(ctx)).Scan(&v); err != nil {
		p.drop()
		return 0, fmt.Errorf("sqlite: data_version: %w", err)
	}
	return p.epoch<<epochShift | v, nil
}

func (p *changeProbe) connect(ctx context.Context) error {
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: data_version connection: %w", err)
	}
	stmt, err := conn.PrepareContext(ctx, "PRAGMA data_version")
	if err != nil {
		conn.Close()
		return fmt.Errorf("sqlite: data_version: %w", err)
	}
	p.conn, p.stmt = conn, stmt
	p.epoch++
	return nil
}

func (p *changeProbe) drop() {
	if p.stmt != nil {
		p.stmt.Close()
		_ = p.conn.Raw(func(any) error { return driver.ErrBadConn }) // close it, never reuse it
		p.conn.Close()
	}
	p.conn, p.stmt = nil, nil
}

func (p *changeProbe) close() error {
	p.mu.Lock()
	p.drop()
	p.mu.Unlock()
	return p.db.Close()
}
