// Package sqlstore implements store.Store once over database/sql, with SQL
// that runs unchanged on SQLite and PostgreSQL; the backend packages supply
// the connections and a Dialect.
package sqlstore
