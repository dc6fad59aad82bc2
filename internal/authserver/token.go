package authserver

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/portico-mcp/portico/internal/httpx"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
)

// clientCredentials extracts client authentication from the Basic header
// or the body. RFC 6749 §2.3.1: "The client identifier is encoded using the
// "application/x-www-form-urlencoded" encoding algorithm ... and the
// encoded value is used as the username; the client password is encoded
// using the same algorithm and used as the password." golang.org/x/oauth2
// sends exactly that (often with an empty password for public clients).
func clientCredentials(r *http.Request, p map[string]string) (oauth.ClientCredentials, *oauth.Error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, rest, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return oauth.ClientCredentials{}, &oauth.Error{Code: oauth.ErrCodeInvalidClient, Status: http.StatusUnauthorized,
				Description: "unsupported Authorization scheme; use Basic or client_secret_post"}
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return oauth.ClientCredentials{Basic: true}, &oauth.Error{Code: oauth.ErrCodeInvalidClient, Status: http.StatusUnauthorized,
				Description: "malformed Basic credentials"}
		}
		u, pw, ok := strings.Cut(string(raw), ":")
		id, err1 := url.QueryUnescape(u)
		secret, err2 := url.QueryUnescape(pw)
		if !ok || err1 != nil || err2 != nil {
			return oauth.ClientCredentials{Basic: true}, &oauth.Error{Code: oauth.ErrCodeInvalidClient, Status: http.StatusUnauthorized,
				Description: "malformed Basic credentials"}
		}
		// RFC 6749 §2.3: "The client MUST NOT use more than one
		// authentication method in each request." A matching client_id in
		// the body is harmless; a different one is refused.
		if bid := p["client_id"]; bid != "" && bid != id {
			return oauth.ClientCredentials{Basic: true}, &oauth.Error{Code: oauth.ErrCodeInvalidClient, Status: http.StatusUnauthorized,
				Description: "client_id in the body differs from the Basic credentials"}
		}
		if secret == "" && p["client_secret"] != "" {
			secret = p["client_secret"]
		}
		return oauth.ClientCredentials{ID: id, Secret: secret, Basic: true}, nil
	}
	return oauth.ClientCredentials{ID: p["client_id"], Secret: p["client_secret"]}, nil
}

// authenticate parses the request and authenticates the client, writing the
// error response itself when it fails.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request, endpoint string) (map[string]string, store.Client, bool) {
	ctx := r.Context()
	if !h.tokenLimit.Allow(h.clientIP(r)) {
		h.rateLimitHit(r, endpoint, "ip")
		writeOAuthError(w, &oauth.Error{Code: "temporarily_unavailable", Status: http.StatusTooManyRequests,
			Description: "too many requests from this address; retry in a minute"}, false)
		return nil, store.Client{}, false
	}
	p, e := h.parseParams(w, r)
	if e != nil {
		h.tokenError(r, "", endpoint, p, e)
		writeOAuthError(w, e, false)
		return nil, store.Client{}, false
	}
	cr, e := clientCredentials(r, p)
	if e == nil {
		var c store.Client
		c, e = h.oa.AuthenticateClient(ctx, cr)
		if e == nil {
			return p, c, true
		}
	}
	if e.HTTPStatus() >= 500 {
		h.log.ErrorContext(ctx, "client authentication", "err", e)
	}
	h.tokenError(r, cr.ID, endpoint, p, e)
	writeOAuthError(w, e, cr.Basic)
	return nil, store.Client{}, false
}

func (h *Handler) tokenError(r *http.Request, clientID, endpoint string, p map[string]string, e *oauth.Error) {
	ev := eventOf("token.error", map[string]string{"endpoint": endpoint, "error": e.Code,
		"error_description": e.Description, "grant_type": p["grant_type"],
		"has_secret": boolStr(p["client_secret"] != "" || strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "basic "))})
	ev.ClientID, ev.Outcome = truncate(clientID, 200), "error"
	if e.Code == oauth.ErrCodeInvalidClient && clientID != "" && len(clientID) > 200 {
		ev.ClientID = ""
	}
	h.oa.RecordEvent(r.Context(), ev)
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// handleToken is the token endpoint (RFC 6749 §3.2, §4.1.3, §6). The client
// is authenticated before the code or refresh token is looked at.
func (h *Handler) handleToken(w http.ResponseWriter, r *http.Request) error {
	p, c, ok := h.authenticate(w, r, "token")
	if !ok {
		return nil
	}
	ctx := r.Context()
	var (
		resp oauth.TokenResponse
		e    *oauth.Error
	)
	switch gt := p["grant_type"]; gt {
	case "authorization_code":
		resp, e = h.oa.ExchangeCode(ctx, c, oauth.ExchangeParams{Code: p["code"], RedirectURI: p["redirect_uri"],
			CodeVerifier: p["code_verifier"], Resource: p["resource"]})
	case "refresh_token":
		resp, e = h.oa.Refresh(ctx, c, oauth.RefreshParams{RefreshToken: p["refresh_token"], Scope: p["scope"], Resource: p["resource"]})
	case "":
		e = oauth.Errorf(oauth.ErrCodeInvalidRequest, "grant_type is required")
	default:
		e = oauth.Errorf(oauth.ErrCodeUnsupportedGrantType, "grant_type %q is not supported; use authorization_code or refresh_token", truncate(gt, 60))
	}
	if e != nil {
		if e.HTTPStatus() >= 500 {
			h.log.ErrorContext(ctx, "token request", "client_id", c.ID, "err", e)
		}
		h.tokenError(r, c.ID, "token", p, e)
		writeOAuthError(w, e, false)
		return nil
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// handleRevoke is RFC 7009. §2.2: "The authorization server responds with
// HTTP status code 200 if the token has been revoked successfully or if the
// client submitted an invalid token."
func (h *Handler) handleRevoke(w http.ResponseWriter, r *http.Request) error {
	p, c, ok := h.authenticate(w, r, "revoke")
	if !ok {
		return nil
	}
	if p["token"] == "" {
		writeOAuthError(w, oauth.Errorf(oauth.ErrCodeInvalidRequest, "token is required"), false)
		return nil
	}
	if err := h.oa.Revoke(r.Context(), c, p["token"]); err != nil {
		return err
	}
	httpx.NoStore(w)
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleIntrospect is RFC 7662 for authenticated clients (their own tokens).
func (h *Handler) handleIntrospect(w http.ResponseWriter, r *http.Request) error {
	p, c, ok := h.authenticate(w, r, "introspect")
	if !ok {
		return nil
	}
	if p["token"] == "" {
		writeOAuthError(w, oauth.Errorf(oauth.ErrCodeInvalidRequest, "token is required"), false)
		return nil
	}
	res, err := h.oa.Introspect(r.Context(), c, p["token"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
