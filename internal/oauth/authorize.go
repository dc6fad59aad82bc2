package oauth

import (
	"context"
	"net/url"
	"strings"

	"github.com/portico-mcp/portico/internal/store"
)

// AuthorizeParams are the authorization request parameters (RFC 6749
// §4.1.1, RFC 7636 §4.3, RFC 8707 §2) as received.
type AuthorizeParams struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	Scope               string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
	Resources           []string // every resource parameter sent
	Prompt              string
}

// AuthorizeRequest is a validated authorization request, ready for login
// and consent.
type AuthorizeRequest struct {
	Client      store.Client
	RedirectURI string
	State       string
	// Requested are the known scopes the client asked for (nil: none).
	Requested []string
	// Resource is the canonical resource the token will be bound to.
	Resource      string
	CodeChallenge string
	Prompt        string
}

// ResolveClient is the first step of /authorize: find the client and the
// redirect URI. Its errors must NOT be sent to the redirect URI: RFC 6749
// §4.1.2.1 "If the request fails due to a missing, invalid, or mismatching
// redirection URI, or if the client identifier is missing or invalid, the
// authorization server SHOULD inform the resource owner of the error and
// MUST NOT automatically redirect the user-agent to the invalid redirection
// URI." An omitted redirect_uri is allowed when exactly one is registered
// (RFC 6749 §3.1.2.3).
func (s *Service) ResolveClient(ctx context.Context, clientID, redirectURI string) (store.Client, string, *Error) {
	c, oerr := s.LookupClient(ctx, clientID)
	if oerr != nil {
		return store.Client{}, "", oerr
	}
	if redirectURI == "" {
		// A loopback URI needs the port of this run, so it cannot be implied.
		if len(c.RedirectURIs) == 1 {
			if u, err := url.Parse(c.RedirectURIs[0]); err == nil && !(u.Scheme == "http" && IsLoopbackHost(u.Hostname())) {
				return c, c.RedirectURIs[0], nil
			}
		}
		return store.Client{}, "", Errorf(ErrCodeInvalidRequest, "redirect_uri is required")
	}
	if !MatchRedirectURI(c.RedirectURIs, redirectURI) {
		return store.Client{}, "", Errorf(ErrCodeInvalidRequest, "redirect_uri is not registered for this client")
	}
	return c, redirectURI, nil
}

// ValidateAuthorize is the second step of /authorize, once the client and
// redirect URI are trusted: its errors go back to the client by redirect.
func (s *Service) ValidateAuthorize(c store.Client, redirectURI string, p AuthorizeParams) (*AuthorizeRequest, *Error) {
	// RFC 6749 §4.1.1: "response_type REQUIRED. Value MUST be set to "code"."
	if p.ResponseType != "code" {
		if p.ResponseType == "" {
			return nil, Errorf(ErrCodeInvalidRequest, "response_type is required")
		}
		return nil, Errorf(ErrCodeUnsupportedResponseType, "only response_type=code is supported")
	}
	// OAuth 2.1 §4.1.1 / MCP authorization: PKCE is required, and only S256
	// is offered (RFC 7636 §4.2: "If the client is capable of using "S256",
	// it MUST use "S256"").
	if p.CodeChallenge == "" {
		return nil, Errorf(ErrCodeInvalidRequest, "code_challenge is required (PKCE with S256)")
	}
	if p.CodeChallengeMethod != "S256" {
		return nil, Errorf(ErrCodeInvalidRequest, "code_challenge_method must be S256")
	}
	if !validPKCEValue(p.CodeChallenge) || len(p.CodeChallenge) != 43 {
		return nil, Errorf(ErrCodeInvalidRequest, "code_challenge is malformed")
	}
	res := ""
	for _, r := range p.Resources {
		n, oerr := s.NormalizeResource(r)
		if oerr != nil {
			return nil, oerr
		}
		if res != "" && n != res {
			return nil, Errorf(ErrCodeInvalidTarget, "only one resource can be requested")
		}
		res = n
	}
	if res == "" {
		res = s.resource
	}
	return &AuthorizeRequest{Client: c, RedirectURI: redirectURI, State: p.State,
		Requested: ParseScope(p.Scope), Resource: res, CodeChallenge: p.CodeChallenge, Prompt: p.Prompt}, nil
}

// OfferedScopes is what the consent page offers for r to a user with role:
// the known scopes requested or, when none was, all four — capped by the
// client's AllowedScopes and the role. If the cap leaves nothing of what was
// asked, whatever the role and cap allow is offered instead.
func (s *Service) OfferedScopes(r *AuthorizeRequest, role store.Role) []string {
	want := r.Requested
	if len(want) == 0 {
		want = ContentScopes()
	}
	out := IntersectScopes(want, r.Client.AllowedScopes, RoleScopes(role))
	if len(out) == 0 {
		out = IntersectScopes(ContentScopes(), r.Client.AllowedScopes, RoleScopes(role))
	}
	return out
}

// RedirectWithCode builds the success redirect: code, state and iss (RFC
// 9207 §2: "the authorization server ... MUST add the iss parameter to
// all authorization responses"), keeping the redirect URI's own query (RFC
// 6749 §3.1.2 "MUST retain the query component").
func (s *Service) RedirectWithCode(redirectURI, code, state string) string {
	q := "code=" + url.QueryEscape(code)
	if state != "" {
		q += "&state=" + url.QueryEscape(state)
	}
	return appendQuery(redirectURI, q+"&iss="+url.QueryEscape(s.issuer))
}

// RedirectWithError builds an error redirect (RFC 6749 §4.1.2.1) carrying
// state and iss.
func (s *Service) RedirectWithError(redirectURI string, e *Error, state string) string {
	q := "error=" + url.QueryEscape(e.Code)
	if e.Description != "" {
		q += "&error_description=" + url.QueryEscape(e.Description)
	}
	if state != "" {
		q += "&state=" + url.QueryEscape(state)
	}
	return appendQuery(redirectURI, q+"&iss="+url.QueryEscape(s.issuer))
}

func appendQuery(u, q string) string {
	switch {
	case strings.HasSuffix(u, "?"):
		return u + q
	case strings.Contains(u, "?"):
		return u + "&" + q
	}
	return u + "?" + q
}
