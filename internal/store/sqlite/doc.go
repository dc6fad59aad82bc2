// Package sqlite is Portico's default storage backend: one SQLite file in WAL
// mode with a single writer connection, pure Go (no cgo), migrated on Open.
//
// The hottest point reads (a token on every authenticated request, a post on
// every get_post) are answered from memory while nothing has committed to the
// file since they were read: each lookup, or each request that pins its reads
// (sqlstore.DB.PinReads), first asks PRAGMA data_version on a connection of
// its own, which changes on every commit by any connection or process. A
// token revoked from the web UI, the CLI or another process is refused by
// the next request, as without the cache.
package sqlite
