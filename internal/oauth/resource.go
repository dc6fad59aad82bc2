package oauth

import (
	"fmt"
	"net/url"
	"strings"
)

// NormalizeResource maps the RFC 8707 resource parameter to the canonical
// protected resource (<issuer>/mcp), which is the audience tokens are bound
// to. raw is the value sent; "" (missing) means the canonical resource.
//
// Tolerated forms (CONNECTORS.md §0 item 11 and test 17/38): exact, a
// trailing slash, the bare origin with or without "/", a case-changed path
// (/Mcp), default ports and a query string (stripped). Anything on another
// origin is invalid_target: RFC 8707 §2 "the authorization server ... SHOULD
// use the error code invalid_target ... if the requested resource is
// invalid, missing, unknown".
func (s *Service) NormalizeResource(raw string) (string, *Error) {
	return normalizeResource(s.issuer, s.resource, s.resourcePath, raw)
}

// LegacySSEPath is the legacy HTTP+SSE endpoint. It is the same protected
// resource as the MCP endpoint: its PRM names <issuer>/sse (clients check the
// PRM resource against the URL they were given), and a token requested for it
// is bound to the canonical resource, so either endpoint accepts it.
const LegacySSEPath = "/sse"

func normalizeResource(issuer, canonical, path, raw string) (string, *Error) {
	if raw == "" {
		return canonical, nil
	}
	bad := func(why string) (string, *Error) {
		return "", Errorf(ErrCodeInvalidTarget, "resource %s; this server protects %s", why, canonical)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("does not parse")
	}
	// RFC 8707 §2: "Its value MUST be an absolute URI ... and MUST NOT
	// include a fragment component."
	if !u.IsAbs() || u.Host == "" {
		return bad("must be an absolute URI")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("must not contain a fragment")
	}
	if u.User != nil {
		return bad("must not contain userinfo")
	}
	if originOf(u) != issuer {
		return bad(fmt.Sprintf("%q is not served here", raw))
	}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if p == "" || strings.EqualFold(p, path) || strings.EqualFold(p, LegacySSEPath) {
		return canonical, nil
	}
	return bad(fmt.Sprintf("path %q is not a protected resource", u.Path))
}

// originOf returns scheme://host[:port] lower-cased, without default ports.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// normalizeIssuer checks the public URL and returns its origin form.
func normalizeIssuer(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("oauth: issuer %q: %w", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("oauth: issuer %q must be an http(s) origin", raw)
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("oauth: issuer %q must have no path, query or fragment", raw)
	}
	return originOf(u), nil
}
