// Package authserver is the HTTP face of Portico's authorization server:
// discovery documents, /register, /authorize with login and consent pages,
// /token, /revoke, /introspect and first-run setup. Build a Handler with New
// and call Mount.
package authserver
