// Package cli implements the portico subcommands and is the composition root:
// the only place that picks a storage backend and wires packages together.
package cli
