// Package oauth is Portico's authorization-server logic without HTTP pages:
// PKCE, redirect-URI rules, scope and resource (RFC 8707) normalisation,
// dynamic registration (RFC 7591) and client ID metadata documents (CIMD)
// with an SSRF-guarded fetcher, grants, codes, refresh-token rotation with a
// grace window, token verification and the discovery documents (RFC 8414,
// RFC 9728). Start with New, which returns a *Service.
package oauth
