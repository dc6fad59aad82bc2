package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// ---------------------------------------------------------------------------
// Users

const userCols = `id, email, name, role, password_hash, disabled, created_at, updated_at`

func scanUser(s scanner) (store.User, error) {
	var u store.User
	err := s.Scan(&u.ID, &u.Email, &u.Name, (*string)(&u.Role), &u.PasswordHash, &u.Disabled,
		tm(&u.CreatedAt), tm(&u.UpdatedAt))
	return u, err
}

// CreateUser inserts u with its email lower-cased; zero CreatedAt and
// UpdatedAt become now. ErrConflict when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	t := or(u.CreatedAt, now())
	row := db.wRow(ctx, `INSERT INTO users (email, name, role, password_hash, disabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userCols,
		strings.ToLower(u.Email), u.Name, string(u.Role), u.PasswordHash, u.Disabled, ts(t), ts(or(u.UpdatedAt, t)))
	got, err := scanUser(row)
	if err != nil {
		return store.User{}, db.wrap(err, "create user")
	}
	return got, nil
}

// GetUser returns the user with id; ErrNotFound if none.
func (db *DB) GetUser(ctx context.Context, id int64) (store.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if err != nil {
		return store.User{}, db.wrap(err, "get user %d", id)
	}
	return u, nil
}

// GetUserByEmail returns the user with email, compared case-insensitively.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, strings.ToLower(email)))
	if err != nil {
		return store.User{}, db.wrap(err, "get user by email")
	}
	return u, nil
}

// ListUsers returns every user in ID order.
func (db *DB) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY id`)
	if err != nil {
		return nil, db.wrap(err, "list users")
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return nil, db.wrap(err, "list users")
	}
	return us, nil
}

// UpdateUser writes Email (lower-cased), Name, Role, PasswordHash and
// Disabled, and sets UpdatedAt to u.UpdatedAt, or now if that is zero.
// ErrNotFound if the user does not exist, ErrConflict if the email is taken.
func (db *DB) UpdateUser(ctx context.Context, u store.User) (store.User, error) {
	row := db.wRow(ctx, `UPDATE users SET email = $1, name = $2, role = $3, password_hash = $4,
		disabled = $5, updated_at = $6 WHERE id = $7 RETURNING `+userCols,
		strings.ToLower(u.Email), u.Name, string(u.Role), u.PasswordHash, u.Disabled, ts(or(u.UpdatedAt, now())), u.ID)
	got, err := scanUser(row)
	if err != nil {
		return store.User{}, db.wrap(err, "update user %d", u.ID)
	}
	return got, nil
}

// CountUsers returns how many users exist.
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, db.wrap(err, "count users")
	}
	return n, nil
}

// ---------------------------------------------------------------------------
// Sessions

const sessionCols = `id_hash, user_id, csrf_secret, user_agent, created_at, last_seen_at, expires_at`

func scanSession(s scanner) (store.Session, error) {
	var v store.Session
	err := s.Scan(blob(&v.IDHash), &v.UserID, blob(&v.CSRFSecret), &v.UserAgent,
		tm(&v.CreatedAt), tm(&v.LastSeenAt), tm(&v.ExpiresAt))
	return v, err
}

// CreateSession inserts s; zero CreatedAt becomes now and zero LastSeenAt
// CreatedAt. ErrConflict if the hash exists.
func (db *DB) CreateSession(ctx context.Context, s store.Session) error {
	t := or(s.CreatedAt, now())
	_, err := db.wExec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.IDHash, s.UserID, blobArg(s.CSRFSecret), s.UserAgent, ts(t), ts(or(s.LastSeenAt, t)), ts(s.ExpiresAt))
	if err != nil {
		return db.wrap(err, "create session")
	}
	return nil
}

// GetSession returns the session with that hash, expired or not; ErrNotFound
// if none.
func (db *DB) GetSession(ctx context.Context, idHash []byte) (store.Session, error) {
	s, err := scanSession(db.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id_hash = $1`, idHash))
	if err != nil {
		return store.Session{}, db.wrap(err, "get session")
	}
	return s, nil
}

// TouchSession moves LastSeenAt and ExpiresAt; ErrNotFound if the session is
// gone.
func (db *DB) TouchSession(ctx context.Context, idHash []byte, lastSeen, expires time.Time) error {
	res, err := db.wExec(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`,
		ts(lastSeen), ts(expires), idHash)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return db.wrap(err, "touch session")
	}
	return nil
}

// DeleteSession deletes the session; deleting an unknown session is not an
// error.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := db.wExec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return db.wrap(err, "delete session")
	}
	return nil
}

// DeleteUserSessions deletes every session of the user.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := db.wExec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return db.wrap(err, "delete sessions of user %d", userID)
	}
	return nil
}

// ListUserSessions returns the user's sessions, most recently seen first.
func (db *DB) ListUserSessions(ctx context.Context, userID int64) ([]store.Session, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE user_id = $1
		ORDER BY last_seen_at DESC, created_at DESC`, userID)
	if err != nil {
		return nil, db.wrap(err, "list sessions of user %d", userID)
	}
	ss, err := collect(rows, scanSession)
	if err != nil {
		return nil, db.wrap(err, "list sessions of user %d", userID)
	}
	return ss, nil
}

// ---------------------------------------------------------------------------
// Invites

const inviteCols = `hash, email, role, created_by, created_at, expires_at, used_at`

func scanInvite(s scanner) (store.Invite, error) {
	var v store.Invite
	err := s.Scan(blob(&v.Hash), &v.Email, (*string)(&v.Role), &v.CreatedBy, tm(&v.CreatedAt), tm(&v.ExpiresAt), tm(&v.UsedAt))
	return v, err
}

// CreateInvite inserts inv; zero CreatedAt becomes now. A zero ExpiresAt
// never expires. ErrConflict if the hash exists.
func (db *DB) CreateInvite(ctx context.Context, inv store.Invite) error {
	_, err := db.wExec(ctx, `INSERT INTO invites (`+inviteCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		inv.Hash, inv.Email, string(inv.Role), inv.CreatedBy, ts(or(inv.CreatedAt, now())), ts(inv.ExpiresAt), ts(inv.UsedAt))
	if err != nil {
		return db.wrap(err, "create invite")
	}
	return nil
}

// GetInvite returns the invite, used or expired alike; ErrNotFound if none.
func (db *DB) GetInvite(ctx context.Context, hash []byte) (store.Invite, error) {
	inv, err := scanInvite(db.r.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE hash = $1`, hash))
	if err != nil {
		return store.Invite{}, db.wrap(err, "get invite")
	}
	return inv, nil
}

// UseInvite marks the invite used at now in one conditional UPDATE, so of
// concurrent callers exactly one succeeds; the others get ErrConflict.
// ErrNotFound if the invite is unknown or expired at now.
func (db *DB) UseInvite(ctx context.Context, hash []byte, at time.Time) (store.Invite, error) {
	n := ts(or(at, now()))
	inv, err := scanInvite(db.wRow(ctx, `UPDATE invites SET used_at = $1
		WHERE hash = $2 AND used_at = 0 AND (expires_at = 0 OR expires_at > $1) RETURNING `+inviteCols, n, hash))
	if err == nil {
		return inv, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.Invite{}, db.wrap(err, "use invite")
	}
	// Nothing updated: tell unknown, used and expired apart.
	inv, err = scanInvite(db.w.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE hash = $1`, hash))
	switch {
	case err != nil:
		return store.Invite{}, db.wrap(err, "use invite")
	case !inv.UsedAt.IsZero():
		return inv, db.wrap(store.ErrConflict, "use invite: already used")
	default:
		return store.Invite{}, db.wrap(store.ErrNotFound, "use invite: expired")
	}
}

// ---------------------------------------------------------------------------
// Helpers shared by the aggregates.

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// mustAffect turns an UPDATE or DELETE that matched no row into
// store.ErrNotFound.
func mustAffect(res sql.Result) error {
	n, err := affected(res)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
