// Package interop runs real MCP clients that none of us wrote (the official
// TypeScript SDK, mcp-remote, the MCP Inspector CLI, the MCP conformance
// suite and the Go SDK) against the built portico binary, on SQLite and on
// two PostgreSQL replicas behind a round-robin proxy. It holds tests only;
// run them with PORTICO_TEST_INTEROP=1 after `cd interop && npm ci`.
package interop
