package authserver

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/portico-mcp/portico/internal/oauth"
)

// attemptParam carries a connection attempt's ID from /authorize through
// the login redirect and the consent form. It is a label for the admin
// timeline, not a credential: a client that sets it only labels its own
// requests, so it is checked for shape and nothing else.
const attemptParam = "portico_attempt"

// newAttemptID returns a short random attempt ID (72 bits, 12 characters).
func newAttemptID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validAttempt reports whether s has the shape of an attempt ID.
func validAttempt(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// withAttempt returns r whose events carry the attempt ID.
func withAttempt(r *http.Request, attempt string) *http.Request {
	if attempt == "" {
		return r
	}
	m := oauth.RequestMetaFrom(r.Context())
	m.Attempt = attempt
	return r.WithContext(oauth.WithRequestMeta(r.Context(), m))
}

// attemptOfReturn is the attempt ID of a sign-in that returns to
// /authorize, or "".
func attemptOfReturn(ret string) string {
	u, err := url.Parse(ret)
	if err != nil || u.Path != "/authorize" {
		return ""
	}
	if a := u.Query().Get(attemptParam); validAttempt(a) {
		return a
	}
	return ""
}
