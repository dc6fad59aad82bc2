package sqlstore

import (
	"context"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

const webauthnCols = `id, user_id, name, data, sign_count, created_at, last_used_at`

func scanWebAuthn(s scanner) (store.WebAuthnCredential, error) {
	var c store.WebAuthnCredential
	var count int64
	err := s.Scan(blob(&c.ID), &c.UserID, &c.Name, blob(&c.Data), &count, tm(&c.CreatedAt), tm(&c.LastUsedAt))
	c.SignCount = uint32(count)
	return c, err
}

// CreateWebAuthnCredential inserts a passkey; ErrConflict if the ID exists,
// ErrNotFound if the user does not.
func (db *DB) CreateWebAuthnCredential(ctx context.Context, c store.WebAuthnCredential) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO webauthn_credentials (`+webauthnCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		blobArg(c.ID), c.UserID, c.Name, blobArg(nonNil(c.Data)), int64(c.SignCount), ts(or(c.CreatedAt, now())), ts(c.LastUsedAt))
	if err != nil {
		return db.wrap(err, "create passkey")
	}
	return nil
}

// GetWebAuthnCredential returns a passkey by credential ID.
func (db *DB) GetWebAuthnCredential(ctx context.Context, id []byte) (store.WebAuthnCredential, error) {
	c, err := scanWebAuthn(db.r.QueryRowContext(ctx, `SELECT `+webauthnCols+` FROM webauthn_credentials WHERE id = $1`, blobArg(id)))
	if err != nil {
		return store.WebAuthnCredential{}, db.wrap(err, "get passkey")
	}
	return c, nil
}

// ListWebAuthnCredentials returns the user's passkeys, oldest first.
func (db *DB) ListWebAuthnCredentials(ctx context.Context, userID int64) ([]store.WebAuthnCredential, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+webauthnCols+` FROM webauthn_credentials WHERE user_id = $1
		ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, db.wrap(err, "list passkeys")
	}
	defer rows.Close()
	out := []store.WebAuthnCredential{}
	for rows.Next() {
		c, err := scanWebAuthn(rows)
		if err != nil {
			return nil, db.wrap(err, "list passkeys")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "list passkeys")
	}
	return out, nil
}

// UpdateWebAuthnCredentialUse records a sign-in if the stored sign count is
// still oldCount.
func (db *DB) UpdateWebAuthnCredentialUse(ctx context.Context, id []byte, oldCount, newCount uint32, data []byte, at time.Time) error {
	res, err := db.w.ExecContext(ctx, `UPDATE webauthn_credentials SET sign_count = $1, data = $2, last_used_at = $3
		WHERE id = $4 AND sign_count = $5`, int64(newCount), blobArg(nonNil(data)), ts(or(at, now())), blobArg(id), int64(oldCount))
	if err != nil {
		return db.wrap(err, "update passkey use")
	}
	n, err := affected(res)
	if err != nil {
		return db.wrap(err, "update passkey use")
	}
	if n == 0 {
		if _, err := db.GetWebAuthnCredential(ctx, id); err != nil {
			return err
		}
		return db.wrap(store.ErrConflict, "update passkey use: the sign count moved")
	}
	return nil
}

// DeleteWebAuthnCredential removes the user's passkey; ErrNotFound if that
// user has none with this ID.
func (db *DB) DeleteWebAuthnCredential(ctx context.Context, userID int64, id []byte) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM webauthn_credentials WHERE user_id = $1 AND id = $2`, userID, blobArg(id))
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return db.wrap(err, "delete passkey")
	}
	return nil
}
