package oauth

import (
	"slices"
	"strings"

	"github.com/portico-mcp/portico/internal/store"
)

// The scopes Portico knows. Anything else a client asks for is ignored.
const (
	ScopeContentRead    = "content:read"
	ScopeContentWrite   = "content:write"
	ScopeContentPublish = "content:publish"
	ScopeSiteAdmin      = "site:admin"
	// ScopeOfflineAccess is accepted and ignored: a refresh token is always
	// issued.
	ScopeOfflineAccess = "offline_access"
)

// ContentScopes returns the four scopes that grant access, in display
// order. It is what PRM scopes_supported and the 401 scope= list.
func ContentScopes() []string {
	return []string{ScopeContentRead, ScopeContentWrite, ScopeContentPublish, ScopeSiteAdmin}
}

// IsContentScope reports whether s is one of ContentScopes.
func IsContentScope(s string) bool {
	switch s {
	case ScopeContentRead, ScopeContentWrite, ScopeContentPublish, ScopeSiteAdmin:
		return true
	}
	return false
}

// ParseScope splits a scope parameter tolerantly. RFC 6749 §3.3: "The value
// of the scope parameter is expressed as a list of space-delimited,
// case-sensitive strings". Clients send leading spaces (" offline_access"),
// scopes never advertised ("claudeai", "openid email profile"), empty
// strings or nothing, so any whitespace separates, unknown scopes are
// dropped and never an error. The result holds only known content scopes,
// deduplicated, in canonical order; it is nil when none was asked for.
func ParseScope(raw string) []string {
	var out []string
	for _, s := range ContentScopes() {
		for f := range strings.FieldsSeq(raw) {
			if f == s {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// FormatScope joins scopes with single spaces.
func FormatScope(scopes []string) string { return strings.Join(scopes, " ") }

// NormalizeScopes keeps the known content scopes of in, deduplicated, in
// canonical order.
func NormalizeScopes(in []string) []string { return ParseScope(strings.Join(in, " ")) }

// IntersectScopes returns the scopes of a present in every b, in canonical
// order. A nil b (no cap) keeps everything.
func IntersectScopes(a []string, bs ...[]string) []string {
	var out []string
	for _, s := range NormalizeScopes(a) {
		ok := true
		for _, b := range bs {
			if b != nil && !slices.Contains(b, s) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// ScopesCover reports whether have contains every scope in want.
func ScopesCover(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// RoleScopes returns the content scopes a role can use at all: viewers read;
// authors also write and publish (their own posts, as in WordPress); editors
// the same over everyone's content; admins also site:admin. The consent page
// offers only these; the content package checks the role (and ownership)
// again on every call.
func RoleScopes(r store.Role) []string {
	switch r {
	case store.RoleAdmin:
		return ContentScopes()
	case store.RoleEditor:
		return []string{ScopeContentRead, ScopeContentWrite, ScopeContentPublish}
	case store.RoleAuthor:
		return []string{ScopeContentRead, ScopeContentWrite, ScopeContentPublish}
	case store.RoleViewer:
		return []string{ScopeContentRead}
	}
	return []string{}
}
