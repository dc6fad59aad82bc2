package authserver

import (
	"github.com/portico-mcp/portico/internal/oauth"
	"net/http"
	"strings"

	"github.com/portico-mcp/portico/internal/httpx"
)

// handlePRM serves RFC 9728 metadata at the root and at the path-inserted
// location for the MCP path, in any letter case and with a trailing slash
// (CONNECTORS.md tests 2, 3, 38). Public, 200, never redirected.
func (h *Handler) handlePRM(w http.ResponseWriter, r *http.Request) error {
	rest := r.PathValue("rest")
	sse := strings.EqualFold("/"+strings.Trim(rest, "/"), oauth.LegacySSEPath)
	if !h.isResourceSuffix(rest) && !sse {
		http.NotFound(w, r)
		return nil
	}
	h.recordLimited(r.Context(), r, "metadata.prm", map[string]string{"path": r.URL.Path})
	w.Header().Set("Cache-Control", "public, max-age=300")
	return httpx.WriteJSON(w, http.StatusOK, h.oa.ProtectedResourceMetadataFor("/"+strings.Trim(rest, "/")))
}

// handleASMetadata serves the one RFC 8414 document. Only the root and the
// MCP path are valid suffixes; RFC 8414 §3.3: "The "issuer" value returned
// MUST be identical to the authorization server's issuer identifier value".
func (h *Handler) handleASMetadata(w http.ResponseWriter, r *http.Request) error {
	if !h.isResourceSuffix(r.PathValue("rest")) {
		http.NotFound(w, r)
		return nil
	}
	h.recordLimited(r.Context(), r, "metadata.as", map[string]string{"path": r.URL.Path})
	w.Header().Set("Cache-Control", "public, max-age=300")
	return httpx.WriteJSON(w, http.StatusOK, h.oa.AuthorizationServerMetadata())
}

// isResourceSuffix reports whether a path-inserted suffix is empty or the
// MCP path, case-insensitively, with or without a trailing slash.
func (h *Handler) isResourceSuffix(rest string) bool {
	rest = strings.Trim(rest, "/")
	return rest == "" || strings.EqualFold("/"+rest, h.oa.Options().ResourcePath)
}
