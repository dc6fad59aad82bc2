-- Passkeys, and the relay that lets any replica accept a legacy SSE message.

-- +goose Up
CREATE TABLE webauthn_credentials (
	id           BYTEA   NOT NULL PRIMARY KEY,
	user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL DEFAULT '',
	data         BYTEA   NOT NULL,
	sign_count   BIGINT  NOT NULL DEFAULT 0,
	created_at   BIGINT  NOT NULL,
	last_used_at BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id, created_at);

CREATE TABLE sse_sessions (
	id         TEXT    NOT NULL PRIMARY KEY,
	replica_id TEXT    NOT NULL,
	user_id    BIGINT  NOT NULL,
	client_id  TEXT    NOT NULL DEFAULT '',
	created_at BIGINT  NOT NULL,
	expires_at BIGINT  NOT NULL
);
CREATE INDEX sse_sessions_expires ON sse_sessions (expires_at);

CREATE TABLE sse_messages (
	id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	session_id TEXT    NOT NULL,
	replica_id TEXT    NOT NULL,
	body       BYTEA   NOT NULL,
	created_at BIGINT  NOT NULL
);
CREATE INDEX sse_messages_replica ON sse_messages (replica_id, id);

-- +goose Down
DROP TABLE sse_messages;
DROP TABLE sse_sessions;
DROP TABLE webauthn_credentials;
