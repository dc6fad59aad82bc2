// Package mcpserver is Portico's MCP endpoint: the Streamable HTTP transport
// at /mcp (every protocol era, stateless), the legacy HTTP+SSE transport at
// /sse, bearer-token checks with RFC 6750/RFC 9728 challenges, per-scope tool
// lists and the tools, resources and prompts that reach the site's content.
//
// It is the only package that imports the MCP SDK, so the engine behind the
// endpoint can change without touching the rest of Portico. Start with
// Handler: fill its fields and call Mount.
package mcpserver
