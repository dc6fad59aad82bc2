-- When each connection (grant) last made an authenticated MCP request.

-- +goose Up
ALTER TABLE grants ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE grants DROP COLUMN last_used_at;
