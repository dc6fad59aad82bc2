// Package doctor diagnoses a remote MCP server's connection path the way each
// MCP client walks it — reachability, the 401 challenge, protected-resource
// and authorization-server discovery, CORS, dynamic client registration, the
// authorize and token endpoints, and, given a token, the MCP traffic itself —
// and reports which step fails for which client and what to change.
//
// It works against any server, Portico or not. Call Run with Options, then
// render the Report with WriteText or WriteJSON and use Failed for the exit
// status. The checks follow CONNECTORS.md (the client-quirk list); every
// Finding carries a stable ID, the evidence seen on the wire with secrets
// redacted, a one-line fix and a reference.
//
// Doctor registers clients on the target (as Claude does on every connect)
// unless Options.NoRegister is set. It imports nothing else of Portico's.
package doctor
