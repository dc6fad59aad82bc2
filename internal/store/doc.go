// Package store defines the records Portico keeps and the small per-aggregate
// interfaces its backends (sqlite, postgres) implement. It imports nothing of
// Portico's and no database or HTTP package.
package store
