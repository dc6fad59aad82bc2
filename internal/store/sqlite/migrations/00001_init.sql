-- Portico's schema for SQLite. Times are unix nanoseconds UTC (0 = unset),
-- string lists and maps JSON text (NULL = nil), hashes and secrets BLOBs.

-- +goose Up
CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL DEFAULT '',
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	id_hash      BLOB    NOT NULL PRIMARY KEY,
	user_id      INTEGER NOT NULL,
	csrf_secret  BLOB,
	user_agent   TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE invites (
	hash       BLOB    NOT NULL PRIMARY KEY,
	email      TEXT    NOT NULL DEFAULT '',
	role       TEXT    NOT NULL,
	created_by INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE clients (
	id                         TEXT    NOT NULL PRIMARY KEY,
	secret_hash                BLOB,
	type                       TEXT    NOT NULL,
	name                       TEXT    NOT NULL DEFAULT '',
	redirect_uris              TEXT,
	grant_types                TEXT,
	response_types             TEXT,
	token_endpoint_auth_method TEXT    NOT NULL DEFAULT '',
	scope                      TEXT    NOT NULL DEFAULT '',
	client_uri                 TEXT    NOT NULL DEFAULT '',
	logo_uri                   TEXT    NOT NULL DEFAULT '',
	software_id                TEXT    NOT NULL DEFAULT '',
	software_version           TEXT    NOT NULL DEFAULT '',
	allowed_scopes             TEXT,
	fingerprint                TEXT    NOT NULL DEFAULT '',
	metadata_json              BLOB,
	created_at                 INTEGER NOT NULL,
	updated_at                 INTEGER NOT NULL,
	last_used_at               INTEGER NOT NULL DEFAULT 0,
	expires_at                 INTEGER NOT NULL DEFAULT 0,
	disabled_at                INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX clients_fingerprint ON clients (fingerprint, created_at);
CREATE INDEX clients_expires ON clients (type, expires_at);

CREATE TABLE auth_codes (
	hash                  BLOB    NOT NULL PRIMARY KEY,
	client_id             TEXT    NOT NULL,
	user_id               INTEGER NOT NULL,
	redirect_uri          TEXT    NOT NULL DEFAULT '',
	code_challenge        TEXT    NOT NULL DEFAULT '',
	code_challenge_method TEXT    NOT NULL DEFAULT '',
	scopes                TEXT,
	resource              TEXT    NOT NULL DEFAULT '',
	grant_id              TEXT    NOT NULL DEFAULT '',
	created_at            INTEGER NOT NULL,
	expires_at            INTEGER NOT NULL,
	used_at               INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX auth_codes_client ON auth_codes (client_id);
CREATE INDEX auth_codes_expires ON auth_codes (expires_at);

CREATE TABLE grants (
	id            TEXT    NOT NULL PRIMARY KEY,
	user_id       INTEGER NOT NULL,
	client_id     TEXT    NOT NULL,
	scopes        TEXT,
	resource      TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	revoked_at    INTEGER NOT NULL DEFAULT 0,
	revoke_reason TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX grants_user ON grants (user_id, created_at);
CREATE INDEX grants_client ON grants (client_id, created_at);

CREATE TABLE tokens (
	hash         BLOB    NOT NULL PRIMARY KEY,
	kind         TEXT    NOT NULL,
	grant_id     TEXT    NOT NULL DEFAULT '',
	client_id    TEXT    NOT NULL DEFAULT '',
	user_id      INTEGER NOT NULL DEFAULT 0,
	scopes       TEXT,
	resource     TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL DEFAULT 0,
	revoked_at   INTEGER NOT NULL DEFAULT 0,
	rotated_at   INTEGER NOT NULL DEFAULT 0,
	replaced_by  BLOB,
	sealed_reply BLOB
) STRICT;
CREATE INDEX tokens_grant ON tokens (grant_id, created_at);
CREATE INDEX tokens_client ON tokens (client_id);
CREATE INDEX tokens_expires ON tokens (expires_at);
CREATE INDEX tokens_revoked ON tokens (revoked_at);

CREATE TABLE consents (
	user_id       INTEGER NOT NULL,
	client_id     TEXT    NOT NULL,
	redirect_host TEXT    NOT NULL,
	scopes        TEXT,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (user_id, client_id, redirect_host)
) STRICT;
CREATE INDEX consents_client ON consents (client_id);

CREATE TABLE events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at         INTEGER NOT NULL,
	kind       TEXT    NOT NULL,
	client_id  TEXT    NOT NULL DEFAULT '',
	user_id    INTEGER NOT NULL DEFAULT 0,
	grant_id   TEXT    NOT NULL DEFAULT '',
	attempt    TEXT    NOT NULL DEFAULT '',
	outcome    TEXT    NOT NULL DEFAULT '',
	detail     TEXT,
	user_agent TEXT    NOT NULL DEFAULT '',
	remote_ip  TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_client ON events (client_id, id);
CREATE INDEX events_user ON events (user_id, id);
CREATE INDEX events_grant ON events (grant_id, id);
CREATE INDEX events_kind ON events (kind, id);
CREATE INDEX events_at ON events (at);

CREATE TABLE personal_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	hash         BLOB    NOT NULL UNIQUE,
	user_id      INTEGER NOT NULL,
	name         TEXT    NOT NULL DEFAULT '',
	scopes       TEXT,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL DEFAULT 0,
	last_used_at INTEGER NOT NULL DEFAULT 0,
	revoked_at   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX personal_tokens_user ON personal_tokens (user_id, created_at);

CREATE TABLE posts (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	type         TEXT    NOT NULL,
	slug         TEXT    NOT NULL,
	title        TEXT    NOT NULL DEFAULT '',
	body         TEXT    NOT NULL DEFAULT '',
	excerpt      TEXT    NOT NULL DEFAULT '',
	status       TEXT    NOT NULL,
	author_id    INTEGER NOT NULL DEFAULT 0,
	parent_id    INTEGER NOT NULL DEFAULT 0,
	featured     INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	modified_at  INTEGER NOT NULL,
	published_at INTEGER NOT NULL DEFAULT 0,
	trashed_from TEXT    NOT NULL DEFAULT '',
	version      INTEGER NOT NULL DEFAULT 1,
	modified_by  INTEGER NOT NULL DEFAULT 0,
	modified_via TEXT    NOT NULL DEFAULT '',
	UNIQUE (type, slug)
) STRICT;
-- Lists sort on the publication time, or the creation time of what has none
-- (the expression sqlstore uses).
CREATE INDEX posts_when ON posts ((CASE WHEN published_at <> 0 THEN published_at ELSE created_at END), created_at);
CREATE INDEX posts_type_status ON posts (type, status, (CASE WHEN published_at <> 0 THEN published_at ELSE created_at END), created_at);
CREATE INDEX posts_status ON posts (status, published_at);
CREATE INDEX posts_author ON posts (author_id);
CREATE INDEX posts_parent ON posts (parent_id);

CREATE TABLE terms (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	taxonomy    TEXT    NOT NULL,
	slug        TEXT    NOT NULL,
	name        TEXT    NOT NULL DEFAULT '',
	description TEXT    NOT NULL DEFAULT '',
	UNIQUE (taxonomy, slug)
) STRICT;

CREATE TABLE post_terms (
	post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	term_id INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
	ord     INTEGER NOT NULL,
	PRIMARY KEY (post_id, term_id)
) STRICT;
CREATE INDEX post_terms_term ON post_terms (term_id, post_id);

CREATE TABLE comments (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	parent_id    INTEGER NOT NULL DEFAULT 0,
	author_name  TEXT    NOT NULL DEFAULT '',
	author_email TEXT    NOT NULL DEFAULT '',
	author_url   TEXT    NOT NULL DEFAULT '',
	user_id      INTEGER NOT NULL DEFAULT 0,
	body         TEXT    NOT NULL DEFAULT '',
	status       TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	modified_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_post ON comments (post_id, status, created_at);
CREATE INDEX comments_status ON comments (status, created_at);

CREATE TABLE settings (
	name  TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- Full-text search: an external-content FTS5 index over posts, kept in step
-- by triggers.
CREATE VIRTUAL TABLE posts_fts USING fts5 (
	title, excerpt, body,
	content = 'posts', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2'
);

-- +goose StatementBegin
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
	INSERT INTO posts_fts (rowid, title, excerpt, body) VALUES (new.id, new.title, new.excerpt, new.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
	INSERT INTO posts_fts (posts_fts, rowid, title, excerpt, body) VALUES ('delete', old.id, old.title, old.excerpt, old.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, excerpt, body ON posts BEGIN
	INSERT INTO posts_fts (posts_fts, rowid, title, excerpt, body) VALUES ('delete', old.id, old.title, old.excerpt, old.body);
	INSERT INTO posts_fts (rowid, title, excerpt, body) VALUES (new.id, new.title, new.excerpt, new.body);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER posts_fts_update;
DROP TRIGGER posts_fts_delete;
DROP TRIGGER posts_fts_insert;
DROP TABLE posts_fts;
DROP TABLE settings;
DROP TABLE comments;
DROP TABLE post_terms;
DROP TABLE terms;
DROP TABLE posts;
DROP TABLE personal_tokens;
DROP TABLE events;
DROP TABLE consents;
DROP TABLE tokens;
DROP TABLE grants;
DROP TABLE auth_codes;
DROP TABLE clients;
DROP TABLE invites;
DROP TABLE sessions;
DROP TABLE users;
