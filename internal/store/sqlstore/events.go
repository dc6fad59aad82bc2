package sqlstore

import (
	"context"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Event list page sizes.
const (
	defaultEventLimit = 100
	maxEventLimit     = 1000
)

const eventCols = `id, at, kind, client_id, user_id, grant_id, attempt, outcome, detail, user_agent, remote_ip`

func scanEvent(s scanner) (store.Event, error) {
	var e store.Event
	err := s.Scan(&e.ID, tm(&e.At), &e.Kind, &e.ClientID, &e.UserID, &e.GrantID, &e.Attempt, &e.Outcome,
		strMap(&e.Detail), &e.UserAgent, &e.RemoteIP)
	return e, err
}

// AddEvent appends e to the timeline and returns it with its ID; a zero At
// becomes now.
func (db *DB) AddEvent(ctx context.Context, e store.Event) (store.Event, error) {
	got, err := scanEvent(db.w.QueryRowContext(ctx, insertEvent+` RETURNING `+eventCols, eventArgs(e)...))
	if err != nil {
		return store.Event{}, db.wrap(err, "add event")
	}
	return got, nil
}

const insertEvent = `INSERT INTO events
		(at, kind, client_id, user_id, grant_id, attempt, outcome, detail, user_agent, remote_ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

func eventArgs(e store.Event) []any {
	return []any{ts(or(e.At, now())), e.Kind, e.ClientID, e.UserID, e.GrantID, e.Attempt, e.Outcome,
		mapArg(e.Detail), e.UserAgent, e.RemoteIP}
}

// AddEvents inserts events in one transaction, in order.
func (db *DB) AddEvents(ctx context.Context, es []store.Event) error {
	if len(es) == 0 {
		return nil
	}
	err := db.write(ctx, func(tx *stmtTx) error {
		for _, e := range es {
			if _, err := tx.ExecContext(ctx, insertEvent, eventArgs(e)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return db.wrap(err, "add %d events", len(es))
	}
	return nil
}

// ListEvents returns matching events, newest (highest ID) first, at most
// f.Limit of them (default 100, capped at 1000).
func (db *DB) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	var a args
	var conds []string
	if f.ClientID != "" {
		conds = append(conds, "client_id = "+a.add(f.ClientID))
	}
	if f.UserID != 0 {
		conds = append(conds, "user_id = "+a.add(f.UserID))
	}
	if f.GrantID != "" {
		conds = append(conds, "grant_id = "+a.add(f.GrantID))
	}
	if f.Kind != "" {
		conds = append(conds, "kind = "+a.add(f.Kind))
	}
	if !f.Since.IsZero() {
		conds = append(conds, "at >= "+a.add(ts(f.Since)))
	}
	if f.BeforeID != 0 {
		conds = append(conds, "id < "+a.add(f.BeforeID))
	}
	q := `SELECT ` + eventCols + ` FROM events` + where(conds) +
		` ORDER BY id DESC LIMIT ` + limitArg(a.add(clamp(f.Limit, defaultEventLimit, maxEventLimit)))
	rows, err := db.r.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, db.wrap(err, "list events")
	}
	es, err := collect(rows, scanEvent)
	if err != nil {
		return nil, db.wrap(err, "list events")
	}
	return es, nil
}

// Retention of rows GarbageCollect keeps after they stopped mattering.
const (
	keepRevoked = 24 * time.Hour      // revoked tokens, used invites
	keepEvents  = 90 * 24 * time.Hour // the connection timeline
	// keepSSEMessages bounds how long a message waits for a replica that
	// stopped taking them.
	keepSSEMessages = 10 * time.Minute
)

// GarbageCollect deletes, in one transaction: authorization codes, sessions
// and invites that expired before now; tokens that expired before now or were
// revoked more than a day ago; invites used more than a day ago;
// dynamically registered clients that expired unused (with anything hanging
// off them); and events older than 90 days. It reports the rows removed per
// table, every table present.
func (db *DB) GarbageCollect(ctx context.Context, at time.Time) (store.GCStats, error) {
	n := ts(or(at, now()))
	dayAgo := ts(or(at, now()).Add(-keepRevoked))
	st := store.GCStats{"auth_codes": 0, "tokens": 0, "sessions": 0, "invites": 0, "clients": 0, "grants": 0,
		"consents": 0, "events": 0, "sse_sessions": 0, "sse_messages": 0}
	// Not interruptible, like every write: on SQLite an interrupted write
	// would roll back the whole commit it may share with other callers.
	err := db.write(ctx, func(tx *stmtTx) error {
		// Unused dynamic clients first, with their codes, grants and consents.
		deadClients := `IN (SELECT id FROM clients WHERE type = $1 AND expires_at <> 0 AND expires_at < $2
			AND last_used_at = 0)`
		sub, err := deleteClientRows(ctx, tx, deadClients, string(store.ClientDynamic), n)
		if err != nil {
			return err
		}
		for k, v := range sub {
			st[k] += v
		}
		steps := []struct {
			table string
			query string
			args  []any
		}{
			{"clients", `DELETE FROM clients WHERE type = $1 AND expires_at <> 0 AND expires_at < $2 AND last_used_at = 0`,
				[]any{string(store.ClientDynamic), n}},
			{"auth_codes", `DELETE FROM auth_codes WHERE expires_at <> 0 AND expires_at < $1`, []any{n}},
			{"tokens", `DELETE FROM tokens WHERE (expires_at <> 0 AND expires_at < $1)
				OR (revoked_at <> 0 AND revoked_at < $2)`, []any{n, dayAgo}},
			{"sessions", `DELETE FROM sessions WHERE expires_at <> 0 AND expires_at < $1`, []any{n}},
			{"invites", `DELETE FROM invites WHERE (expires_at <> 0 AND expires_at < $1)
				OR (used_at <> 0 AND used_at < $2)`, []any{n, dayAgo}},
			{"events", `DELETE FROM events WHERE at < $1`, []any{ts(or(at, now()).Add(-keepEvents))}},
			{"sse_messages", `DELETE FROM sse_messages WHERE created_at < $1 OR session_id NOT IN (SELECT id FROM sse_sessions)`,
				[]any{ts(or(at, now()).Add(-keepSSEMessages))}},
			{"sse_sessions", `DELETE FROM sse_sessions WHERE expires_at < $1`, []any{n}},
		}
		for _, s := range steps {
			res, err := tx.ExecContext(ctx, s.query, s.args...)
			if err != nil {
				return err
			}
			k, err := affected(res)
			if err != nil {
				return err
			}
			st[s.table] += k
		}
		return nil
	})
	if err != nil {
		return nil, db.wrap(err, "garbage collect")
	}
	return st, nil
}
