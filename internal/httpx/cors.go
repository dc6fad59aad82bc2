package httpx

import (
	"net/http"
	"strings"
)

// CORS describes the cross-origin policy for a group of routes. The zero value
// allows no cross-origin requests; set AllowAnyOrigin for public endpoints
// (metadata, registration, token) that browser-based clients such as MCP
// Inspector call directly.
type CORS struct {
	AllowAnyOrigin bool     // answer Access-Control-Allow-Origin: * (no credentials)
	AllowOrigins   []string // exact origins allowed when AllowAnyOrigin is false
	AllowMethods   []string // default GET, POST, OPTIONS
	AllowHeaders   []string // default Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Last-Event-ID
	ExposeHeaders  []string // default WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version
	MaxAge         string   // seconds; default 86400
}

// DefaultAllowHeaders are the request headers MCP clients send cross-origin.
var defaultAllowHeaders = []string{"Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Last-Event-ID"}

var defaultExposeHeaders = []string{"WWW-Authenticate", "Mcp-Session-Id", "MCP-Protocol-Version"}

// Wrap returns next behind the policy. Preflight requests (OPTIONS with
// Access-Control-Request-Method) are answered 204 here, before next, so they
// never meet authentication.
func (c CORS) Wrap(next http.Handler) http.Handler {
	methods := strings.Join(orDefault(c.AllowMethods, []string{"GET", "POST", "OPTIONS"}), ", ")
	headers := strings.Join(orDefault(c.AllowHeaders, defaultAllowHeaders), ", ")
	expose := strings.Join(orDefault(c.ExposeHeaders, defaultExposeHeaders), ", ")
	maxAge := c.MaxAge
	if maxAge == "" {
		maxAge = "86400"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && c.allows(origin)
		if allowed {
			h := w.Header()
			if c.AllowAnyOrigin {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
			}
			h.Set("Access-Control-Expose-Headers", expose)
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				h := w.Header()
				h.Set("Access-Control-Allow-Methods", methods)
				h.Set("Access-Control-Allow-Headers", headers)
				h.Set("Access-Control-Max-Age", maxAge)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (c CORS) allows(origin string) bool {
	if c.AllowAnyOrigin {
		return true
	}
	for _, o := range c.AllowOrigins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

func orDefault(v, def []string) []string {
	if len(v) == 0 {
		return def
	}
	return v
}

func containsToken(header, token string) bool {
	for part := range strings.SplitSeq(header, ",") {
		mt, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(mt), token) {
			return true
		}
	}
	return false
}
