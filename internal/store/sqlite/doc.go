// Package sqlite is Portico's default storage backend: one SQLite file in WAL
// mode with a single writer connection, pure Go (no cgo), migrated on Open.
package sqlite
