package authserver

import (
	"net/http"

	"github.com/portico-mcp/portico/internal/oauth"
)

// handleRegister is RFC 7591 dynamic client registration. §3.2.1: "The
// server responds with an HTTP 201 Created status code and a body of type
// "application/json"". Errors are §3.2.2 JSON (invalid_redirect_uri,
// invalid_client_metadata).
func (h *Handler) handleRegister(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !h.registerLimit.Allow(h.clientIP(r)) {
		h.rateLimitHit(r, "register", "ip")
		writeOAuthError(w, &oauth.Error{Code: "temporarily_unavailable", Status: http.StatusTooManyRequests,
			Description: "too many registrations from this address; retry in a minute"}, false)
		return nil
	}
	body, e := h.readBody(w, r)
	if e != nil {
		if e.HTTPStatus() == http.StatusRequestEntityTooLarge {
			e.Code = oauth.ErrCodeInvalidClientMetadata
		}
		writeOAuthError(w, e, false)
		return nil
	}
	resp, e := h.oa.Register(ctx, body)
	if e != nil {
		if e.HTTPStatus() >= 500 {
			return e
		}
		writeOAuthError(w, e, false)
		return nil
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}
