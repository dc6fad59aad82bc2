package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// ---------------------------------------------------------------------------
// Clients

const clientCols = `id, secret_hash, type, name, redirect_uris, grant_types, response_types,
	token_endpoint_auth_method, scope, client_uri, logo_uri, software_id, software_version,
	allowed_scopes, fingerprint, metadata_json, created_at, updated_at, last_used_at, expires_at, disabled_at`

const clientPlaceholders = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21`

func scanClient(s scanner) (store.Client, error) {
	var c store.Client
	err := s.Scan(&c.ID, blob(&c.SecretHash), (*string)(&c.Type), &c.Name, list(&c.RedirectURIs), list(&c.GrantTypes),
		list(&c.ResponseTypes), &c.TokenEndpointAuthMethod, &c.Scope, &c.ClientURI, &c.LogoURI, &c.SoftwareID,
		&c.SoftwareVersion, list(&c.AllowedScopes), &c.Fingerprint, blob(&c.MetadataJSON),
		tm(&c.CreatedAt), tm(&c.UpdatedAt), tm(&c.LastUsedAt), tm(&c.ExpiresAt), tm(&c.DisabledAt))
	return c, err
}

// clientArgs binds c in clientCols order, defaulting CreatedAt and UpdatedAt
// to now.
func clientArgs(c store.Client) []any {
	t := or(c.CreatedAt, now())
	return []any{c.ID, blobArg(c.SecretHash), string(c.Type), c.Name, listArg(c.RedirectURIs), listArg(c.GrantTypes),
		listArg(c.ResponseTypes), c.TokenEndpointAuthMethod, c.Scope, c.ClientURI, c.LogoURI, c.SoftwareID,
		c.SoftwareVersion, listArg(c.AllowedScopes), c.Fingerprint, blobArg(c.MetadataJSON),
		ts(t), ts(or(c.UpdatedAt, t)), ts(c.LastUsedAt), ts(c.ExpiresAt), ts(c.DisabledAt)}
}

// CreateClient inserts c; ErrConflict if the ID exists.
func (db *DB) CreateClient(ctx context.Context, c store.Client) (store.Client, error) {
	if c.ID == "" {
		return store.Client{}, db.wrap(errors.New("empty client id"), "create client")
	}
	got, err := scanClient(db.wRow(ctx, `INSERT INTO clients (`+clientCols+`) VALUES (`+clientPlaceholders+`)
		RETURNING `+clientCols, clientArgs(c)...))
	if err != nil {
		return store.Client{}, db.wrap(err, "create client %q", c.ID)
	}
	return got, nil
}

// UpsertClient inserts c or replaces the client with its ID (a CIMD cache
// refresh). A replacement writes every field but CreatedAt, which keeps the
// stored value; that includes DisabledAt and AllowedScopes, so a caller
// refreshing a cached document must carry an admin's decisions over.
func (db *DB) UpsertClient(ctx context.Context, c store.Client) (store.Client, error) {
	if c.ID == "" {
		return store.Client{}, db.wrap(errors.New("empty client id"), "upsert client")
	}
	got, err := scanClient(db.wRow(ctx, `INSERT INTO clients (`+clientCols+`) VALUES (`+clientPlaceholders+`)
		ON CONFLICT (id) DO UPDATE SET
			secret_hash = excluded.secret_hash,
			type = excluded.type,
			name = excluded.name,
			redirect_uris = excluded.redirect_uris,
			grant_types = excluded.grant_types,
			response_types = excluded.response_types,
			token_endpoint_auth_method = excluded.token_endpoint_auth_method,
			scope = excluded.scope,
			client_uri = excluded.client_uri,
			logo_uri = excluded.logo_uri,
			software_id = excluded.software_id,
			software_version = excluded.software_version,
			allowed_scopes = excluded.allowed_scopes,
			fingerprint = excluded.fingerprint,
			metadata_json = excluded.metadata_json,
			updated_at = excluded.updated_at,
			last_used_at = excluded.last_used_at,
			expires_at = excluded.expires_at,
			disabled_at = excluded.disabled_at
		RETURNING `+clientCols, clientArgs(c)...))
	if err != nil {
		return store.Client{}, db.wrap(err, "upsert client %q", c.ID)
	}
	return got, nil
}

// GetClient returns the client with id; ErrNotFound if none.
func (db *DB) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := scanClient(db.r.QueryRowContext(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id))
	if err != nil {
		return store.Client{}, db.wrap(err, "get client %q", id)
	}
	return c, nil
}

// FindClientByFingerprint returns the newest client with that fingerprint
// that is not disabled; ErrNotFound if none (always for an empty
// fingerprint).
func (db *DB) FindClientByFingerprint(ctx context.Context, fingerprint string) (store.Client, error) {
	if fingerprint == "" {
		return store.Client{}, db.wrap(store.ErrNotFound, "find client by empty fingerprint")
	}
	c, err := scanClient(db.r.QueryRowContext(ctx, `SELECT `+clientCols+` FROM clients
		WHERE fingerprint = $1 AND disabled_at = 0 ORDER BY created_at DESC, id DESC LIMIT 1`, fingerprint))
	if err != nil {
		return store.Client{}, db.wrap(err, "find client by fingerprint")
	}
	return c, nil
}

// ListClients returns every client, newest first.
func (db *DB) ListClients(ctx context.Context) ([]store.Client, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+clientCols+` FROM clients ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, db.wrap(err, "list clients")
	}
	cs, err := collect(rows, scanClient)
	if err != nil {
		return nil, db.wrap(err, "list clients")
	}
	return cs, nil
}

// UpdateClient writes every field of c but ID and CreatedAt; a zero
// UpdatedAt becomes now. ErrNotFound if the client does not exist.
func (db *DB) UpdateClient(ctx context.Context, c store.Client) (store.Client, error) {
	a := clientArgs(c)
	a = append(a[:16:16], a[17:]...) // everything but created_at
	a[16] = ts(or(c.UpdatedAt, now()))
	got, err := scanClient(db.wRow(ctx, `UPDATE clients SET secret_hash = $2, type = $3, name = $4,
		redirect_uris = $5, grant_types = $6, response_types = $7, token_endpoint_auth_method = $8, scope = $9,
		client_uri = $10, logo_uri = $11, software_id = $12, software_version = $13, allowed_scopes = $14,
		fingerprint = $15, metadata_json = $16, updated_at = $17, last_used_at = $18,
		expires_at = $19, disabled_at = $20
		WHERE id = $1 RETURNING `+clientCols, a...))
	if err != nil {
		return store.Client{}, db.wrap(err, "update client %q", c.ID)
	}
	return got, nil
}

// TouchClient sets LastUsedAt to t and clears ExpiresAt; ErrNotFound if the
// client does not exist.
func (db *DB) TouchClient(ctx context.Context, id string, t time.Time) error {
	res, err := db.wExec(ctx, `UPDATE clients SET last_used_at = $1, expires_at = 0 WHERE id = $2`, ts(t), id)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return db.wrap(err, "touch client %q", id)
	}
	return nil
}

// DeleteClient deletes the client and, in the same transaction, its
// authorization codes, grants, tokens and consents, so nothing issued to it
// stays usable. ErrNotFound if the client does not exist.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	err := db.write(ctx, func(tx *stmtTx) error {
		if _, err := deleteClientRows(ctx, tx, `= $1`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM clients WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return mustAffect(res)
	})
	if err != nil {
		return db.wrap(err, "delete client %q", id)
	}
	return nil
}

// deleteClientRows deletes what hangs off the clients whose ID matches the
// condition cond (e.g. "= $1" or "IN (SELECT ...)") and counts per table.
func deleteClientRows(ctx context.Context, q querier, cond string, a ...any) (store.GCStats, error) {
	st := store.GCStats{}
	// Grants first: deleting a grant's row waits for a rotation holding it
	// (see lockGrants), so the token sweep after it sees that rotation's
	// tokens.
	for _, table := range []string{"grants", "auth_codes", "tokens", "consents"} {
		res, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE client_id `+cond, a...)
		if err != nil {
			return nil, err
		}
		n, err := affected(res)
		if err != nil {
			return nil, err
		}
		st[table] += n
	}
	return st, nil
}

// ---------------------------------------------------------------------------
// Authorization codes

const codeCols = `hash, client_id, user_id, redirect_uri, code_challenge, code_challenge_method, scopes, resource,
	grant_id, created_at, expires_at, used_at`

func scanCode(s scanner) (store.AuthCode, error) {
	var c store.AuthCode
	err := s.Scan(blob(&c.Hash), &c.ClientID, &c.UserID, &c.RedirectURI, &c.CodeChallenge, &c.CodeChallengeMethod,
		list(&c.Scopes), &c.Resource, &c.GrantID, tm(&c.CreatedAt), tm(&c.ExpiresAt), tm(&c.UsedAt))
	return c, err
}

// CreateAuthCode inserts c; zero CreatedAt becomes now. ErrConflict if the
// hash exists.
func (db *DB) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	if err := db.write1(ctx, func(q querier) error { return insertCode(ctx, q, c) }); err != nil {
		return db.wrap(err, "create auth code")
	}
	return nil
}

func insertCode(ctx context.Context, q querier, c store.AuthCode) error {
	_, err := q.ExecContext(ctx, `INSERT INTO auth_codes (`+codeCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		c.Hash, c.ClientID, c.UserID, c.RedirectURI, c.CodeChallenge, c.CodeChallengeMethod, listArg(c.Scopes),
		c.Resource, c.GrantID, ts(or(c.CreatedAt, now())), ts(c.ExpiresAt), ts(c.UsedAt))
	return err
}

// CreateGrantWithCode inserts the grant g and its code c in one
// transaction; c.GrantID becomes g's ID. The rules of CreateGrant and
// CreateAuthCode apply; on any error neither is stored.
func (db *DB) CreateGrantWithCode(ctx context.Context, g store.Grant, c store.AuthCode) (store.Grant, error) {
	g = grantDefaults(g)
	c.GrantID = g.ID
	var got store.Grant
	err := db.write(ctx, func(tx *stmtTx) error {
		var err error
		if got, err = insertGrant(ctx, tx, g); err != nil {
			return err
		}
		return insertCode(ctx, tx, c)
	})
	if err != nil {
		return store.Grant{}, db.wrap(err, "create grant with code")
	}
	return got, nil
}

// GetAuthCode returns the code, used or not; ErrNotFound if none.
func (db *DB) GetAuthCode(ctx context.Context, hash []byte) (store.AuthCode, error) {
	c, err := scanCode(db.r.QueryRowContext(ctx, `SELECT `+codeCols+` FROM auth_codes WHERE hash = $1`, hash))
	if err != nil {
		return store.AuthCode{}, db.wrap(err, "get auth code")
	}
	return c, nil
}

// ConsumeAuthCode marks the code used at now in one conditional UPDATE, so
// of concurrent callers exactly one succeeds. The others, and every later
// caller, get the record and ErrConflict. Expiry is the caller's to check.
func (db *DB) ConsumeAuthCode(ctx context.Context, hash []byte, at time.Time) (store.AuthCode, error) {
	return db.RedeemAuthCode(ctx, hash, at)
}

// RedeemAuthCode marks the code used at now and inserts toks in one
// transaction. The conditional UPDATE makes exactly one of concurrent
// callers win; the others get the stored record and ErrConflict. When the
// tokens cannot be inserted (CreateTokens' rules) nothing is written and
// the zero AuthCode is returned with that error.
func (db *DB) RedeemAuthCode(ctx context.Context, hash []byte, at time.Time, toks ...store.Token) (store.AuthCode, error) {
	var c store.AuthCode
	replay := false
	err := db.write(ctx, func(tx *stmtTx) error {
		var err error
		c, err = scanCode(tx.QueryRowContext(ctx, `UPDATE auth_codes SET used_at = $1 WHERE hash = $2 AND used_at = 0
			RETURNING `+codeCols, ts(or(at, now())), hash))
		if errors.Is(err, sql.ErrNoRows) {
			// Nothing updated: unknown (ErrNoRows) or already used.
			if c, err = scanCode(tx.QueryRowContext(ctx, `SELECT `+codeCols+` FROM auth_codes WHERE hash = $1`, hash)); err != nil {
				return err
			}
			replay = true
			return store.ErrConflict
		}
		if err != nil || len(toks) == 0 {
			return err
		}
		if err := db.lockGrants(ctx, tx, liveGrants(toks)...); err != nil {
			return err
		}
		return insertTokens(ctx, tx, toks)
	})
	switch {
	case replay:
		return c, db.wrap(store.ErrConflict, "redeem auth code: already used")
	case err != nil:
		return store.AuthCode{}, db.wrap(err, "redeem auth code")
	}
	return c, nil
}

// ---------------------------------------------------------------------------
// Grants

const grantCols = `id, user_id, client_id, scopes, resource, created_at, updated_at, revoked_at, revoke_reason,
	last_used_at`

func scanGrant(s scanner) (store.Grant, error) {
	var g store.Grant
	err := s.Scan(&g.ID, &g.UserID, &g.ClientID, list(&g.Scopes), &g.Resource, tm(&g.CreatedAt), tm(&g.UpdatedAt),
		tm(&g.RevokedAt), &g.RevokeReason, tm(&g.LastUsedAt))
	return g, err
}

// CreateGrant inserts g; an empty ID gets a random one and zero times become
// now. ErrConflict if the ID exists.
func (db *DB) CreateGrant(ctx context.Context, g store.Grant) (store.Grant, error) {
	g = grantDefaults(g)
	var got store.Grant
	err := db.write1(ctx, func(q querier) error {
		var err error
		got, err = insertGrant(ctx, q, g)
		return err
	})
	if err != nil {
		return store.Grant{}, db.wrap(err, "create grant")
	}
	return got, nil
}

// grantDefaults gives g a random ID if it has none and defaults its times.
func grantDefaults(g store.Grant) store.Grant {
	if g.ID == "" {
		var b [16]byte
		_, _ = rand.Read(b[:]) // never fails
		g.ID = hex.EncodeToString(b[:])
	}
	g.CreatedAt = or(g.CreatedAt, now())
	g.UpdatedAt = or(g.UpdatedAt, g.CreatedAt)
	return g
}

func insertGrant(ctx context.Context, q querier, g store.Grant) (store.Grant, error) {
	return scanGrant(q.QueryRowContext(ctx, `INSERT INTO grants (`+grantCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+grantCols,
		g.ID, g.UserID, g.ClientID, listArg(g.Scopes), g.Resource, ts(g.CreatedAt), ts(g.UpdatedAt), ts(g.RevokedAt),
		g.RevokeReason, ts(g.LastUsedAt)))
}

// TouchGrant moves the grant's LastUsedAt forward to at.
func (db *DB) TouchGrant(ctx context.Context, id string, at time.Time) error {
	res, err := db.wExec(ctx, `UPDATE grants SET last_used_at = $1 WHERE id = $2 AND last_used_at < $1`, ts(at), id)
	if err != nil {
		return db.wrap(err, "touch grant %q", id)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.wrap(err, "touch grant %q", id)
	} else if n == 0 {
		// Unknown, or already used at or after at.
		var one int
		if err := db.r.QueryRowContext(ctx, `SELECT 1 FROM grants WHERE id = $1`, id).Scan(&one); err != nil {
			return db.wrap(err, "touch grant %q", id)
		}
	}
	return nil
}

// GetGrant returns the grant, revoked or not; ErrNotFound if none.
func (db *DB) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	g, err := scanGrant(db.r.QueryRowContext(ctx, `SELECT `+grantCols+` FROM grants WHERE id = $1`, id))
	if err != nil {
		return store.Grant{}, db.wrap(err, "get grant %q", id)
	}
	return g, nil
}

// ListGrantsByUser returns the user's grants, revoked ones included, newest
// first.
func (db *DB) ListGrantsByUser(ctx context.Context, userID int64) ([]store.Grant, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+grantCols+` FROM grants WHERE user_id = $1
		ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, db.wrap(err, "list grants of user %d", userID)
	}
	gs, err := collect(rows, scanGrant)
	if err != nil {
		return nil, db.wrap(err, "list grants of user %d", userID)
	}
	return gs, nil
}

// ListGrantsByClient returns the client's grants, revoked ones included,
// newest first.
func (db *DB) ListGrantsByClient(ctx context.Context, clientID string) ([]store.Grant, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+grantCols+` FROM grants WHERE client_id = $1
		ORDER BY created_at DESC, id`, clientID)
	if err != nil {
		return nil, db.wrap(err, "list grants of client %q", clientID)
	}
	gs, err := collect(rows, scanGrant)
	if err != nil {
		return nil, db.wrap(err, "list grants of client %q", clientID)
	}
	return gs, nil
}

// RevokeGrant marks the grant and every token in it revoked at now, in one
// transaction. A revoked grant keeps its first revocation time and reason
// (its tokens are still swept). ErrNotFound if the grant does not exist.
func (db *DB) RevokeGrant(ctx context.Context, id string, at time.Time, reason string) error {
	n := ts(or(at, now()))
	err := db.write(ctx, func(tx *stmtTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE grants SET
			revoke_reason = CASE WHEN revoked_at = 0 THEN $1 ELSE revoke_reason END,
			updated_at = CASE WHEN revoked_at = 0 THEN $2 ELSE updated_at END,
			revoked_at = CASE WHEN revoked_at = 0 THEN $2 ELSE revoked_at END
			WHERE id = $3`, reason, n, id)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE grant_id = $2 AND revoked_at = 0`, n, id)
		return err
	})
	if err != nil {
		return db.wrap(err, "revoke grant %q", id)
	}
	return nil
}

// RevokeClientGrants revokes every active grant of the client and every
// token issued to it, in one transaction, and returns how many grants were
// active.
func (db *DB) RevokeClientGrants(ctx context.Context, clientID string, at time.Time, reason string) (int64, error) {
	n := ts(or(at, now()))
	var count int64
	err := db.write(ctx, func(tx *stmtTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE grants SET revoked_at = $1, updated_at = $1, revoke_reason = $2
			WHERE client_id = $3 AND revoked_at = 0`, n, reason, clientID)
		if err != nil {
			return err
		}
		if count, err = affected(res); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE revoked_at = 0
			AND (client_id = $2 OR grant_id IN (SELECT id FROM grants WHERE client_id = $2))`, n, clientID)
		return err
	})
	if err != nil {
		return 0, db.wrap(err, "revoke grants of client %q", clientID)
	}
	return count, nil
}

// ---------------------------------------------------------------------------
// Tokens

const tokenCols = `hash, kind, grant_id, client_id, user_id, scopes, resource, created_at, expires_at, revoked_at,
	rotated_at, replaced_by, sealed_reply`

func scanToken(s scanner) (store.Token, error) {
	var t store.Token
	err := s.Scan(blob(&t.Hash), (*string)(&t.Kind), &t.GrantID, &t.ClientID, &t.UserID, list(&t.Scopes), &t.Resource,
		tm(&t.CreatedAt), tm(&t.ExpiresAt), tm(&t.RevokedAt), tm(&t.RotatedAt), blob(&t.ReplacedBy), blob(&t.SealedReply))
	return t, err
}

func insertTokens(ctx context.Context, q querier, toks []store.Token) error {
	for _, t := range toks {
		_, err := q.ExecContext(ctx, `INSERT INTO tokens (`+tokenCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			t.Hash, string(t.Kind), t.GrantID, t.ClientID, t.UserID, listArg(t.Scopes), t.Resource,
			ts(or(t.CreatedAt, now())), ts(t.ExpiresAt), ts(t.RevokedAt), ts(t.RotatedAt), blobArg(t.ReplacedBy),
			blobArg(t.SealedReply))
		if err != nil {
			return err
		}
	}
	return nil
}

// lockGrants locks the rows of the named grants until the transaction ends,
// in a fixed order. It returns store.ErrNotFound if a grant does not exist
// and store.ErrConflict if one is revoked. Every path that adds live tokens
// to a grant takes this lock first, and the revocations and deletions take
// the grant's row before they sweep its tokens, so a revocation either sees
// the new tokens or makes their insertion fail: no live token outlives its
// grant.
func (db *DB) lockGrants(ctx context.Context, tx querier, ids ...string) error {
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		var revokedAt int64
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM grants WHERE id = $1`+db.d.ForUpdate, id).Scan(&revokedAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("grant %q: %w", id, store.ErrNotFound)
		case err != nil:
			return err
		case revokedAt != 0:
			return fmt.Errorf("grant %q is revoked: %w", id, store.ErrConflict)
		}
	}
	return nil
}

// liveGrants returns the grant IDs of the tokens that are not revoked.
func liveGrants(toks []store.Token) []string {
	var ids []string
	for _, t := range toks {
		if t.RevokedAt.IsZero() {
			ids = append(ids, t.GrantID)
		}
	}
	return ids
}

// CreateTokens inserts all tokens in one transaction; zero CreatedAt becomes
// now. A token that is not revoked must belong to an existing grant
// (ErrNotFound otherwise) that is not revoked (ErrConflict otherwise).
// ErrConflict if a hash exists. On any error none is inserted.
func (db *DB) CreateTokens(ctx context.Context, toks ...store.Token) error {
	if len(toks) == 0 {
		return nil
	}
	err := db.write(ctx, func(tx *stmtTx) error {
		if err := db.lockGrants(ctx, tx, liveGrants(toks)...); err != nil {
			return err
		}
		return insertTokens(ctx, tx, toks)
	})
	if err != nil {
		return db.wrap(err, "create tokens")
	}
	return nil
}

// GetToken returns the token, revoked or expired alike; ErrNotFound if none.
func (db *DB) GetToken(ctx context.Context, hash []byte) (store.Token, error) {
	t, err := cachedRead(ctx, db, func(c *readCache) *table[string, store.Token] { return c.tokens }, string(hash),
		func() (store.Token, error) {
			return scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hash))
		})
	if err != nil {
		return store.Token{}, db.wrap(err, "get token")
	}
	return t, nil
}

// RotateRefresh marks the refresh token oldHash rotated and inserts its
// successors in one transaction. The rotation is a conditional UPDATE, so of
// concurrent callers exactly one succeeds; the others get ErrConflict and
// write nothing. ErrConflict too if the token's grant is revoked, even while
// a revocation is under way. ReplacedBy becomes the hash of the first
// refresh token in newTokens. ErrNotFound if oldHash is not a known refresh
// token or its grant is gone; the new tokens follow CreateTokens' rules.
func (db *DB) RotateRefresh(ctx context.Context, oldHash []byte, at time.Time, sealed []byte, newTokens ...store.Token) error {
	var successor []byte
	for _, t := range newTokens {
		if t.Kind == store.TokenRefresh {
			successor = t.Hash
			break
		}
	}
	err := db.write(ctx, func(tx *stmtTx) error {
		var kind, grantID string
		err := tx.QueryRowContext(ctx, `SELECT kind, grant_id FROM tokens WHERE hash = $1`, oldHash).Scan(&kind, &grantID)
		if err != nil {
			return err
		}
		if kind != string(store.TokenRefresh) {
			return store.ErrNotFound
		}
		if err := db.lockGrants(ctx, tx, append(liveGrants(newTokens), grantID)...); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET rotated_at = $1, replaced_by = $2, sealed_reply = $3
			WHERE hash = $4 AND rotated_at = 0 AND revoked_at = 0`,
			ts(or(at, now())), blobArg(successor), blobArg(sealed), oldHash)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("token already rotated or revoked: %w", store.ErrConflict)
		}
		return insertTokens(ctx, tx, newTokens)
	})
	if err != nil {
		return db.wrap(err, "rotate refresh token")
	}
	return nil
}

// RevokeToken revokes one token; revoking a revoked token keeps the first
// time. ErrNotFound if unknown.
func (db *DB) RevokeToken(ctx context.Context, hash []byte, at time.Time) error {
	res, err := db.wExec(ctx, `UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END
		WHERE hash = $2`, ts(or(at, now())), hash)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return db.wrap(err, "revoke token")
	}
	return nil
}

// ListTokensByGrant returns the grant's tokens, oldest first.
func (db *DB) ListTokensByGrant(ctx context.Context, grantID string) ([]store.Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE grant_id = $1
		ORDER BY created_at, kind, hash`, grantID)
	if err != nil {
		return nil, db.wrap(err, "list tokens of grant %q", grantID)
	}
	toks, err := collect(rows, scanToken)
	if err != nil {
		return nil, db.wrap(err, "list tokens of grant %q", grantID)
	}
	return toks, nil
}

// ---------------------------------------------------------------------------
// Consents

const consentCols = `user_id, client_id, redirect_host, scopes, created_at, updated_at`

func scanConsent(s scanner) (store.Consent, error) {
	var c store.Consent
	err := s.Scan(&c.UserID, &c.ClientID, &c.RedirectHost, list(&c.Scopes), tm(&c.CreatedAt), tm(&c.UpdatedAt))
	return c, err
}

// PutConsent inserts or replaces the consent for (user, client, host). A
// replacement keeps the stored CreatedAt; zero times become now.
func (db *DB) PutConsent(ctx context.Context, c store.Consent) error {
	t := or(c.CreatedAt, now())
	_, err := db.wExec(ctx, `INSERT INTO consents (`+consentCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id, client_id, redirect_host) DO UPDATE SET
			scopes = excluded.scopes, updated_at = excluded.updated_at`,
		c.UserID, c.ClientID, c.RedirectHost, listArg(c.Scopes), ts(t), ts(or(c.UpdatedAt, t)))
	if err != nil {
		return db.wrap(err, "put consent")
	}
	return nil
}

// GetConsent returns the consent; ErrNotFound if none.
func (db *DB) GetConsent(ctx context.Context, userID int64, clientID, redirectHost string) (store.Consent, error) {
	c, err := scanConsent(db.r.QueryRowContext(ctx, `SELECT `+consentCols+` FROM consents
		WHERE user_id = $1 AND client_id = $2 AND redirect_host = $3`, userID, clientID, redirectHost))
	if err != nil {
		return store.Consent{}, db.wrap(err, "get consent")
	}
	return c, nil
}

// ListConsentsByUser returns the user's consents, most recently updated
// first.
func (db *DB) ListConsentsByUser(ctx context.Context, userID int64) ([]store.Consent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+consentCols+` FROM consents WHERE user_id = $1
		ORDER BY updated_at DESC, client_id, redirect_host`, userID)
	if err != nil {
		return nil, db.wrap(err, "list consents of user %d", userID)
	}
	cs, err := collect(rows, scanConsent)
	if err != nil {
		return nil, db.wrap(err, "list consents of user %d", userID)
	}
	return cs, nil
}

// DeleteConsents withdraws every consent of the user for the client; none is
// not an error.
func (db *DB) DeleteConsents(ctx context.Context, userID int64, clientID string) error {
	if _, err := db.wExec(ctx, `DELETE FROM consents WHERE user_id = $1 AND client_id = $2`, userID, clientID); err != nil {
		return db.wrap(err, "delete consents")
	}
	return nil
}

// ---------------------------------------------------------------------------
// Personal tokens

const patCols = `id, hash, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at`

func scanPAT(s scanner) (store.PersonalToken, error) {
	var t store.PersonalToken
	err := s.Scan(&t.ID, blob(&t.Hash), &t.UserID, &t.Name, list(&t.Scopes), tm(&t.CreatedAt), tm(&t.ExpiresAt),
		tm(&t.LastUsedAt), tm(&t.RevokedAt))
	return t, err
}

// CreatePersonalToken inserts t and returns it with its ID; zero CreatedAt
// becomes now. ErrConflict if the hash exists.
func (db *DB) CreatePersonalToken(ctx context.Context, t store.PersonalToken) (store.PersonalToken, error) {
	got, err := scanPAT(db.wRow(ctx, `INSERT INTO personal_tokens
		(hash, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+patCols,
		t.Hash, t.UserID, t.Name, listArg(t.Scopes), ts(or(t.CreatedAt, now())), ts(t.ExpiresAt), ts(t.LastUsedAt),
		ts(t.RevokedAt)))
	if err != nil {
		return store.PersonalToken{}, db.wrap(err, "create personal token")
	}
	return got, nil
}

// GetPersonalTokenByHash returns the token, revoked or expired alike;
// ErrNotFound if none.
func (db *DB) GetPersonalTokenByHash(ctx context.Context, hash []byte) (store.PersonalToken, error) {
	t, err := scanPAT(db.r.QueryRowContext(ctx, `SELECT `+patCols+` FROM personal_tokens WHERE hash = $1`, hash))
	if err != nil {
		return store.PersonalToken{}, db.wrap(err, "get personal token")
	}
	return t, nil
}

// ListPersonalTokens returns the user's tokens, newest first.
func (db *DB) ListPersonalTokens(ctx context.Context, userID int64) ([]store.PersonalToken, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+patCols+` FROM personal_tokens WHERE user_id = $1
		ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, db.wrap(err, "list personal tokens of user %d", userID)
	}
	toks, err := collect(rows, scanPAT)
	if err != nil {
		return nil, db.wrap(err, "list personal tokens of user %d", userID)
	}
	return toks, nil
}

// TouchPersonalToken sets LastUsedAt; ErrNotFound if the token is unknown.
func (db *DB) TouchPersonalToken(ctx context.Context, id int64, t time.Time) error {
	res, err := db.wExec(ctx, `UPDATE personal_tokens SET last_used_at = $1 WHERE id = $2`, ts(t), id)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return db.wrap(err, "touch personal token %d", id)
	}
	return nil
}

// RevokePersonalToken revokes the token; revoking it again keeps the first
// time. ErrNotFound if unknown.
func (db *DB) RevokePersonalToken(ctx context.Context, id int64, at time.Time) error {
	res, err := db.wExec(ctx, `UPDATE personal_tokens
		SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END WHERE id = $2`, ts(or(at, now())), id)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return db.wrap(err, "revoke personal token %d", id)
	}
	return nil
}
