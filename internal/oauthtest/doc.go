// Package oauthtest provides a fake remote MCP server with a built-in OAuth 2.1
// authorization server, correct by default and breakable one fault at a time,
// for tests of doctor, the gateway and anything else that talks to remote MCP
// servers. Production code never imports it.
//
// The fake follows the reference documents of CONNECTORS.md Appendix A: a 401
// challenge with an absolute resource_metadata, PRM at the root and
// path-inserted locations, one AS metadata document at every well-known
// variant, DCR, CIMD for the well-known clients' published documents,
// an auto-approving consent page, form-encoded token requests and a minimal,
// stateless MCP endpoint (initialize, tools/list, tools/call for search and
// fetch, server/discover) written as plain JSON, without the MCP SDK.
//
// Start one with New or NewTLS, set a field of Config to make it wrong, and
// Close it when done.
package oauthtest
