package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

const sseSessionCols = `id, replica_id, user_id, client_id, created_at, expires_at`

// PutSSESession inserts or refreshes a legacy SSE session.
func (db *DB) PutSSESession(ctx context.Context, s store.SSESession) error {
	_, err := db.wExec(ctx, `INSERT INTO sse_sessions (`+sseSessionCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET replica_id = excluded.replica_id, user_id = excluded.user_id,
			client_id = excluded.client_id, expires_at = excluded.expires_at`,
		s.ID, s.ReplicaID, s.UserID, s.ClientID, ts(or(s.CreatedAt, now())), ts(s.ExpiresAt))
	if err != nil {
		return db.wrap(err, "put sse session")
	}
	return nil
}

// RefreshSSESessions sets the expiry of every session replicaID holds.
func (db *DB) RefreshSSESessions(ctx context.Context, replicaID string, expiresAt time.Time) (int64, error) {
	res, err := db.wExec(ctx, `UPDATE sse_sessions SET expires_at = $1 WHERE replica_id = $2`, ts(expiresAt), replicaID)
	if err != nil {
		return 0, db.wrap(err, "refresh sse sessions of %q", replicaID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.wrap(err, "refresh sse sessions of %q", replicaID)
	}
	return n, nil
}

// GetSSESession returns a session, expired or not; ErrNotFound if unknown.
func (db *DB) GetSSESession(ctx context.Context, id string) (store.SSESession, error) {
	var s store.SSESession
	err := db.r.QueryRowContext(ctx, `SELECT `+sseSessionCols+` FROM sse_sessions WHERE id = $1`, id).
		Scan(&s.ID, &s.ReplicaID, &s.UserID, &s.ClientID, tm(&s.CreatedAt), tm(&s.ExpiresAt))
	if err != nil {
		return store.SSESession{}, db.wrap(err, "get sse session")
	}
	return s, nil
}

// DeleteSSESession deletes a session and its queued messages; deleting an
// unknown session is not an error.
func (db *DB) DeleteSSESession(ctx context.Context, id string) error {
	err := db.write(ctx, func(tx *stmtTx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sse_messages WHERE session_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sse_sessions WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return db.wrap(err, "delete sse session")
	}
	return nil
}

// EnqueueSSEMessage queues m for the replica holding its session.
func (db *DB) EnqueueSSEMessage(ctx context.Context, m store.SSEMessage) (store.SSEMessage, error) {
	at := or(m.CreatedAt, now())
	m.CreatedAt = at
	// One statement: the session must exist and be live when queued.
	err := db.w.QueryRowContext(ctx, `INSERT INTO sse_messages (session_id, replica_id, body, created_at)
		SELECT id, replica_id, $2, $3 FROM sse_sessions WHERE id = $1 AND expires_at > $3
		RETURNING id, replica_id`, m.SessionID, blobArg(nonNil(m.Body)), ts(at)).Scan(&m.ID, &m.ReplicaID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SSEMessage{}, db.wrap(store.ErrNotFound, "enqueue sse message for session %q", m.SessionID)
	}
	if err != nil {
		return store.SSEMessage{}, db.wrap(err, "enqueue sse message")
	}
	return m, nil
}

// TakeSSEMessages deletes and returns up to limit messages queued for
// replicaID, oldest first.
func (db *DB) TakeSSEMessages(ctx context.Context, replicaID string, limit int) ([]store.SSEMessage, error) {
	limit = clamp(limit, 100, 1000)
	rows, err := db.w.QueryContext(ctx, `DELETE FROM sse_messages WHERE id IN (
			SELECT id FROM sse_messages WHERE replica_id = $1 ORDER BY id LIMIT $2)
		RETURNING id, session_id, replica_id, body, created_at`, replicaID, limit)
	if err != nil {
		return nil, db.wrap(err, "take sse messages")
	}
	defer rows.Close()
	var out []store.SSEMessage
	for rows.Next() {
		var m store.SSEMessage
		if err := rows.Scan(&m.ID, &m.SessionID, &m.ReplicaID, blob(&m.Body), tm(&m.CreatedAt)); err != nil {
			return nil, db.wrap(err, "take sse messages")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "take sse messages")
	}
	slices.SortFunc(out, func(a, b store.SSEMessage) int { return int(a.ID - b.ID) })
	return out, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
