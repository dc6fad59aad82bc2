package authserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/portico-mcp/portico/internal/httpx"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/web"
)

func eventOf(kind string, detail map[string]string) store.Event {
	return store.Event{Kind: kind, Detail: detail}
}

// writeJSON writes v with no-store caching (RFC 6749 §5.1: "The
// authorization server MUST include the HTTP "Cache-Control" response
// header field ... with a value of "no-store" ... as well as the "Pragma"
// response header field ... with a value of "no-cache"").
func writeJSON(w http.ResponseWriter, status int, v any) {
	httpx.NoStore(w)
	_ = httpx.WriteJSON(w, status, v)
}

// writeOAuthError renders e once as RFC 6749 §5.2 JSON. RFC 6749 §5.2: if
// the client authenticated with the Authorization header, a 401 "MUST
// include the "WWW-Authenticate" response header field matching the
// authentication scheme used by the client."
func writeOAuthError(w http.ResponseWriter, e *oauth.Error, basic bool) {
	if e.HTTPStatus() == http.StatusUnauthorized && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="portico", charset="UTF-8"`)
	}
	if e.HTTPStatus() == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, e.HTTPStatus(), e)
}

// pageData is shared by every page.
type pageData struct {
	SiteName string
	Title    string
	Message  string
	Detail   string
	Link     string
	LinkText string
}

func (h *Handler) errorPage(w http.ResponseWriter, status int, title, message, detail string) {
	if err := web.RenderStatus(w, status, "error", pageData{SiteName: h.opts.SiteName, Title: title, Message: message, Detail: detail}); err != nil {
		h.log.Error("render error page", "err", err)
		http.Error(w, message, status)
	}
}

// readBody reads at most MaxBodyBytes of the body; a larger body is a 413
// invalid_request error.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *oauth.Error) {
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &oauth.Error{Code: oauth.ErrCodeInvalidRequest, Status: http.StatusRequestEntityTooLarge,
				Description: "request body too large"}
		}
		return nil, oauth.Errorf(oauth.ErrCodeInvalidRequest, "could not read the request body")
	}
	return b, nil
}

// parseParams reads a token-style request body: form-encoded (RFC 6749
// §4.1.3 "using the "application/x-www-form-urlencoded" format"), or a JSON
// object of strings, tolerated because some proxies send JSON
// (CONNECTORS.md test 24). RFC 6749 §3.2: "Request and response parameters
// MUST NOT be included more than once."
func (h *Handler) parseParams(w http.ResponseWriter, r *http.Request) (map[string]string, *oauth.Error) {
	if e := rejectSecretsInQuery(r); e != nil {
		return nil, e
	}
	body, e := h.readBody(w, r)
	if e != nil {
		return nil, e
	}
	return parseTokenRequestBody(r.Header.Get("Content-Type"), body)
}

// parseTokenRequestBody decodes a form or JSON body into single-valued
// parameters.
func parseTokenRequestBody(contentType string, body []byte) (map[string]string, *oauth.Error) {
	out := map[string]string{}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	trimmed := strings.TrimSpace(string(body))
	if ct == "application/json" || (ct == "" && strings.HasPrefix(trimmed, "{")) {
		var raw map[string]any
		dec := json.NewDecoder(strings.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return nil, oauth.Errorf(oauth.ErrCodeInvalidRequest, "the JSON body does not parse")
		}
		for k, v := range raw {
			switch v := v.(type) {
			case string:
				out[k] = v
			case json.Number:
				out[k] = v.String()
			case nil:
			default:
				return nil, oauth.Errorf(oauth.ErrCodeInvalidRequest, "parameter %q must be a string", k)
			}
		}
		return out, nil
	}
	vals, err := url.ParseQuery(trimmed)
	if err != nil {
		return nil, oauth.Errorf(oauth.ErrCodeInvalidRequest, "the form body does not parse")
	}
	for k, v := range vals {
		if len(v) > 1 {
			return nil, oauth.Errorf(oauth.ErrCodeInvalidRequest, "parameter %q was sent more than once", k)
		}
		out[k] = v[0]
	}
	return out, nil
}

// secretParams may never arrive in a URL query string: URLs are logged,
// cached and sent in Referer headers (RFC 6750 §5.3, RFC 9700 §4.3.2).
var secretParams = []string{"access_token", "refresh_token", "code", "code_verifier", "client_secret", "token"}

func rejectSecretsInQuery(r *http.Request) *oauth.Error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q := r.URL.Query()
	for _, p := range secretParams {
		if q.Has(p) {
			return oauth.Errorf(oauth.ErrCodeInvalidRequest, "credentials must be sent in the request body, never in the URL")
		}
	}
	return nil
}
