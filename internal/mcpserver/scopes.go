package mcpserver

import "strings"

// The content scopes a token may carry (DESIGN.md, "Scopes"). Other scopes
// (offline_access, openid, unknown ones) are ignored here.
const (
	ScopeRead    = "content:read"
	ScopeWrite   = "content:write"
	ScopePublish = "content:publish"
	ScopeAdmin   = "site:admin"
)

// allScopes is the challenge scope list, in the order clients display it.
var allScopes = [...]string{ScopeRead, ScopeWrite, ScopePublish, ScopeAdmin}

// scopeMask is a set of the four content scopes as bits, so a token's
// permissions pick one of sixteen prebuilt MCP servers.
type scopeMask uint8

const (
	maskRead scopeMask = 1 << iota
	maskWrite
	maskPublish
	maskAdmin

	maskCount = 16
)

func maskOf(scope string) scopeMask {
	switch scope {
	case ScopeRead:
		return maskRead
	case ScopeWrite:
		return maskWrite
	case ScopePublish:
		return maskPublish
	case ScopeAdmin:
		return maskAdmin
	}
	return 0
}

// masks folds a scope list into a mask, ignoring scopes it does not know.
func masks(scopes []string) scopeMask {
	var m scopeMask
	for _, s := range scopes {
		m |= maskOf(s)
	}
	return m
}

// has reports whether every scope in need is in m.
func (m scopeMask) has(need scopeMask) bool { return m&need == need }

// names lists the scopes in m, space-separated, in allScopes order.
func (m scopeMask) names() string {
	var b strings.Builder
	for _, s := range allScopes {
		if m&maskOf(s) != 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}
