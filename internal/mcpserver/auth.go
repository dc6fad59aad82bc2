package mcpserver

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/oauth"
)

// Principal is who a verified bearer token speaks for, as the middleware
// hands it to the tools.
type Principal struct {
	oauth.TokenInfo
	mask  scopeMask
	actor *content.Actor // set once the user was loaded
}

// Verifier checks a bearer token presented to the MCP endpoint for the
// canonical resource URL (the RFC 8707 audience). *oauth.Service implements
// it. An *oauth.Error with code invalid_token is answered 401
// error="invalid_token"; any other error is an outage, answered 503 and
// never 401, so clients do not throw away good tokens.
type Verifier interface {
	Verify(ctx context.Context, token, resource string) (oauth.TokenInfo, error)
}

// VerifierFunc adapts a function to Verifier.
type VerifierFunc func(ctx context.Context, token, resource string) (oauth.TokenInfo, error)

// Verify calls f.
func (f VerifierFunc) Verify(ctx context.Context, token, resource string) (oauth.TokenInfo, error) {
	return f(ctx, token, resource)
}

// isInvalidToken reports whether a verification error means the token must
// be refused (rather than the verifier being unavailable).
func isInvalidToken(err error) bool {
	var oe *oauth.Error
	return errors.As(err, &oe) && (oe.Code == oauth.ErrCodeInvalidToken || oe.HTTPStatus() == http.StatusUnauthorized)
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header. RFC 6750 §2.1: the scheme is case-insensitive (RFC 9110 §11.1).
// It reports false when no usable Authorization header was sent.
func bearerToken(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	if v == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// challengeFor is challenge for the endpoint r was sent to: the legacy SSE
// endpoints point at their own PRM document, whose resource is <origin>/sse,
// because clients check that the PRM resource matches the URL they use
// (RFC 9728 §3.3).
func (h *Handler) challengeFor(r *http.Request, errCode, desc, scope string) string {
	c := h.challenge(errCode, desc, scope)
	p := strings.ToLower(r.URL.Path)
	if strings.HasPrefix(p, "/sse") || strings.HasPrefix(p, "/messages") {
		c = strings.Replace(c, h.prmURL, h.origin+"/.well-known/oauth-protected-resource/sse", 1)
	}
	return c
}

// challenge builds the WWW-Authenticate value for a 401 or 403.
//
// RFC 6750 §3: "If the request lacks any authentication information ..., the
// resource server SHOULD NOT include an error code". RFC 9728 §5.1 adds
// resource_metadata, which hosted Claude only follows when it is absolute
// (CONNECTORS.md §0 item 1).
func (h *Handler) challenge(errCode, desc, scope string) string {
	var b strings.Builder
	b.Grow(200)
	b.WriteString("Bearer ")
	if errCode != "" {
		b.WriteString(`error="`)
		b.WriteString(errCode)
		b.WriteString(`", `)
		if desc != "" {
			b.WriteString(`error_description="`)
			b.WriteString(strings.ReplaceAll(desc, `"`, `'`))
			b.WriteString(`", `)
		}
	}
	b.WriteString(`resource_metadata="`)
	b.WriteString(h.prmURL)
	b.WriteString(`", scope="`)
	b.WriteString(scope)
	b.WriteByte('"')
	return b.String()
}
