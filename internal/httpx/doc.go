// Package httpx holds Portico's small HTTP plumbing: error-returning handlers,
// JSON responses, CORS, security headers, client addresses, rate limits and
// request logging. It knows nothing about OAuth, MCP or storage.
package httpx
