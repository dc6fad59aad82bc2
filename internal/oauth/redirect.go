package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// maxRedirectURILen bounds a redirect URI; real ones are far shorter.
const maxRedirectURILen = 2048

// The hosted-Claude callbacks. Anthropic documents claude.com as the future
// callback (support.claude.com article 11503834), so a client registered
// with either may use both.
const (
	claudeAICallback  = "https://claude.ai/api/mcp/auth_callback"
	claudeComCallback = "https://claude.com/api/mcp/auth_callback"
)

// deniedSchemes can never be redirect targets: they run code in the browser
// or read local files (RFC 9700 §4.1; RFC 8252 §8.4).
var deniedSchemes = map[string]bool{
	"javascript": true, "data": true, "file": true, "vbscript": true, "about": true,
	"blob": true, "filesystem": true, "view-source": true, "ws": true, "wss": true,
	"ftp": true, "mailto": true, "tel": true, "sms": true, "intent": true, "jar": true,
}

// IsLoopbackHost reports whether host (without port, brackets allowed) is one
// of the loopback names RFC 8252 §7.3 and §8.3 allow: localhost, 127.0.0.1 or
// [::1].
func IsLoopbackHost(host string) bool {
	switch strings.ToLower(strings.Trim(host, "[]")) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// ValidateRedirectURI checks one redirect URI against Portico's rules and
// returns an error saying why it is unacceptable.
//
// Accepted: https with a host; http to a loopback host on any port (RFC 8252
// §7.3); private-use URI schemes such as cursor:// for native apps (RFC 8252
// §7.1). Refused: fragments, userinfo, relative URIs, dangerous schemes and
// plain http to any other host.
func ValidateRedirectURI(raw string) error {
	if raw == "" {
		return errors.New("empty redirect URI")
	}
	if len(raw) > maxRedirectURILen {
		return errors.New("redirect URI too long")
	}
	for _, c := range raw {
		if c <= ' ' || c == 0x7f || c == '\\' {
			return errors.New("redirect URI contains whitespace, control characters or a backslash")
		}
	}
	// RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment
	// component."
	if strings.Contains(raw, "#") {
		return errors.New("redirect URI must not contain a fragment")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("redirect URI does not parse: %w", err)
	}
	// RFC 6749 §3.1.2: "The redirection endpoint URI MUST be an absolute URI".
	if u.Scheme == "" {
		return errors.New("redirect URI must be absolute")
	}
	if u.User != nil {
		return errors.New("redirect URI must not contain userinfo")
	}
	if u.Opaque != "" {
		return errors.New("redirect URI must not be opaque")
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "https":
		if u.Hostname() == "" {
			return errors.New("https redirect URI needs a host")
		}
		return nil
	case "http":
		// RFC 8252 §8.3: "Loopback redirect URIs use the "http" scheme"; any
		// other plain-http target would leak the code on the network
		// (OAuth 2.1 §1.5, RFC 9700 §2.1).
		if !IsLoopbackHost(u.Hostname()) {
			return errors.New("http redirect URIs are allowed only for localhost, 127.0.0.1 or [::1]")
		}
		return nil
	}
	if deniedSchemes[scheme] {
		return fmt.Errorf("redirect URI scheme %q is not allowed", scheme)
	}
	// RFC 8252 §7.1: "native apps can use private-use URI schemes ... such
	// as com.example.app:/oauth2redirect". Keep to the RFC 3986 §3.1 syntax.
	for i, c := range scheme {
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return fmt.Errorf("redirect URI scheme %q is malformed", scheme)
		}
	}
	return nil
}

// FilterRedirectURIs keeps the acceptable URIs of a registration and says
// why each other one was dropped. CONNECTORS.md §0 item 8: one bad URI must
// not sink a registration (Cursor sends three).
func FilterRedirectURIs(uris []string) (kept []string, dropped map[string]string) {
	seen := map[string]bool{}
	for _, u := range uris {
		if err := ValidateRedirectURI(u); err != nil {
			if dropped == nil {
				dropped = map[string]string{}
			}
			dropped[u] = err.Error()
			continue
		}
		if !seen[u] {
			seen[u] = true
			kept = append(kept, u)
		}
	}
	return kept, dropped
}

// MatchRedirectURI reports whether requested may be used with a client that
// registered the given URIs.
//
// OAuth 2.1 §4.1.1 / RFC 9700 §4.1.3: the server MUST compare "using exact
// string matching" — except that RFC 8252 §7.3 requires "The authorization
// server MUST allow any port to be specified at the time of the request for
// loopback IP redirect URIs". A hosted-Claude callback on claude.ai matches
// claude.com and back.
func MatchRedirectURI(registered []string, requested string) bool {
	if ValidateRedirectURI(requested) != nil {
		return false
	}
	for _, r := range registered {
		if r == requested {
			return true
		}
	}
	if requested == claudeAICallback || requested == claudeComCallback {
		for _, r := range registered {
			if r == claudeAICallback || r == claudeComCallback {
				return true
			}
		}
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || !IsLoopbackHost(req.Hostname()) {
		return false
	}
	for _, r := range registered {
		reg, err := url.Parse(r)
		if err != nil || reg.Scheme != "http" || !IsLoopbackHost(reg.Hostname()) {
			continue
		}
		if strings.EqualFold(reg.Hostname(), req.Hostname()) &&
			reg.EscapedPath() == req.EscapedPath() &&
			reg.RawQuery == req.RawQuery && reg.ForceQuery == req.ForceQuery {
			return true
		}
	}
	return false
}

// RedirectHost is the host (or, for private-use schemes, scheme plus host)
// a consent is remembered for.
func RedirectHost(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "http":
		return strings.ToLower(u.Hostname())
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
