// Package postgres is Portico's storage backend for several replicas: a
// PostgreSQL database reached through pgx, migrated on Open.
package postgres
