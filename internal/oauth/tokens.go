package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// TokenResponse is the RFC 6749 §5.1 success body. A refresh token is
// always issued (CONNECTORS.md §0 item 13) and expires_in is an integer.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// sealedReply is what a rotated refresh token keeps (encrypted) so a
// concurrent refresh within the grace window gets the same answer.
type sealedReply struct {
	TokenResponse
	IssuedAt int64 `json:"iat"`
}

// IssueCodeParams is what a completed consent turns into a code.
type IssueCodeParams struct {
	ClientID      string
	UserID        int64
	RedirectURI   string
	CodeChallenge string
	Scopes        []string
	Resource      string
}

// IssueCode creates the grant for an approved authorization and returns a
// single-use code (lifetime Options.CodeTTL) and the grant ID.
func (s *Service) IssueCode(ctx context.Context, p IssueCodeParams) (code, grantID string, err error) {
	now := s.now()
	code = newSecret(PrefixCode)
	// One transaction: a grant is never stored without its code.
	g, err := s.st.CreateGrantWithCode(ctx, store.Grant{
		ID: newID("gr_"), UserID: p.UserID, ClientID: p.ClientID,
		Scopes: p.Scopes, Resource: p.Resource, CreatedAt: now, UpdatedAt: now,
	}, store.AuthCode{
		Hash: HashSecret(code), ClientID: p.ClientID, UserID: p.UserID,
		RedirectURI: p.RedirectURI, CodeChallenge: p.CodeChallenge, CodeChallengeMethod: "S256",
		Scopes: p.Scopes, Resource: p.Resource, CreatedAt: now, ExpiresAt: now.Add(s.opts.CodeTTL),
	})
	if err != nil {
		return "", "", fmt.Errorf("oauth: create grant and code: %w", err)
	}
	return code, g.ID, nil
}

// ExchangeParams is an authorization_code token request (RFC 6749 §4.1.3,
// RFC 7636 §4.5, RFC 8707 §2.2) after client authentication.
type ExchangeParams struct {
	Code         string
	RedirectURI  string
	CodeVerifier string
	Resource     string // raw; "" when absent
}

// ExchangeCode redeems a code for client, which the caller has already
// authenticated with AuthenticateClient — before the code is touched.
func (s *Service) ExchangeCode(ctx context.Context, client store.Client, p ExchangeParams) (TokenResponse, *Error) {
	if p.Code == "" {
		return TokenResponse{}, Errorf(ErrCodeInvalidRequest, "code is required")
	}
	if !looksLikeSecret(p.Code, PrefixCode) {
		return TokenResponse{}, invalidGrant("authorization code is invalid or expired")
	}
	hash := HashSecret(p.Code)
	ac, err := s.st.GetAuthCode(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return TokenResponse{}, invalidGrant("authorization code is invalid or expired")
	}
	if err != nil {
		return TokenResponse{}, serverError(fmt.Errorf("get code: %w", err))
	}
	if !ac.UsedAt.IsZero() {
		return TokenResponse{}, s.codeReplay(ctx, ac)
	}
	// RFC 6749 §4.1.3: "ensure that the authorization code was issued to the
	// authenticated confidential client, or if the client is public, ensure
	// that the code was issued to "client_id" in the request". The code is
	// not consumed, so another client cannot burn it.
	if ac.ClientID != client.ID {
		s.RecordEvent(ctx, store.Event{Kind: "token.error", ClientID: client.ID, Outcome: "error",
			Detail: map[string]string{"error": ErrCodeInvalidGrant, "reason": "code issued to another client"}})
		return TokenResponse{}, invalidGrant("authorization code was issued to another client")
	}
	now := s.now()
	if !now.Before(ac.ExpiresAt) {
		return TokenResponse{}, invalidGrant("authorization code expired")
	}
	// RFC 6749 §4.1.3: "if the "redirect_uri" parameter was included in the
	// initial authorization request ... ensure that their values are
	// identical." PKCE already binds the code, so an absent redirect_uri is
	// tolerated; a different one is not.
	if p.RedirectURI != "" && p.RedirectURI != ac.RedirectURI {
		return TokenResponse{}, invalidGrant("redirect_uri does not match the authorization request")
	}
	// RFC 7636 §4.5/§4.6: the verifier is required and must hash to the
	// challenge; "If the values are not equal, an error response indicating
	// "invalid_grant" as described in Section 5.2 of [RFC6749] MUST be
	// returned."
	if p.CodeVerifier == "" {
		return TokenResponse{}, Errorf(ErrCodeInvalidRequest, "code_verifier is required (PKCE)")
	}
	if !VerifyS256(ac.CodeChallenge, p.CodeVerifier) {
		return TokenResponse{}, invalidGrant("code_verifier does not match the code_challenge")
	}
	if p.Resource != "" {
		res, oerr := s.NormalizeResource(p.Resource)
		if oerr != nil {
			return TokenResponse{}, oerr
		}
		if res != ac.Resource {
			return TokenResponse{}, Errorf(ErrCodeInvalidTarget, "resource differs from the authorization request")
		}
	}
	g, err := s.st.GetGrant(ctx, ac.GrantID)
	if err != nil {
		return TokenResponse{}, serverError(fmt.Errorf("get grant: %w", err))
	}
	if !g.RevokedAt.IsZero() {
		return TokenResponse{}, invalidGrant("the authorization was revoked")
	}
	// Consuming the code and storing the tokens is one transaction: of
	// concurrent exchanges exactly one wins, and a code is never used up
	// without its tokens.
	resp, at, rt := s.newPair(g, now)
	used, err := s.st.RedeemAuthCode(ctx, hash, now, at, rt)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrConflict) && !used.UsedAt.IsZero():
		return TokenResponse{}, s.codeReplay(ctx, used)
	case errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound):
		// The grant was revoked (or its client deleted) since the check
		// above, or the code was garbage-collected.
		return TokenResponse{}, invalidGrant("the authorization was revoked")
	default:
		return TokenResponse{}, serverError(fmt.Errorf("redeem code: %w", err))
	}
	s.touchClient(ctx, client, now)
	s.RecordEvent(ctx, store.Event{Kind: "token.issued", ClientID: client.ID, UserID: g.UserID, GrantID: g.ID,
		Detail: map[string]string{"grant_type": "authorization_code", "scope": resp.Scope, "resource": g.Resource}})
	return resp, nil
}

// codeReplay handles a second use of a code. RFC 6749 §4.1.2: "If an
// authorization code is used more than once, the authorization server MUST
// deny the request and SHOULD revoke (when possible) all tokens previously
// issued based on that authorization code."
func (s *Service) codeReplay(ctx context.Context, ac store.AuthCode) *Error {
	if ac.GrantID != "" {
		if err := s.st.RevokeGrant(ctx, ac.GrantID, s.now(), "authorization code replayed"); err != nil {
			s.log.ErrorContext(ctx, "revoke grant after code replay", "grant_id", ac.GrantID, "err", err)
		}
	}
	s.RecordEvent(ctx, store.Event{Kind: "code.replay", ClientID: ac.ClientID, UserID: ac.UserID, GrantID: ac.GrantID,
		Outcome: "error", Detail: map[string]string{"action": "grant revoked"}})
	s.log.WarnContext(ctx, "authorization code replayed; grant revoked", "client_id", ac.ClientID, "grant_id", ac.GrantID)
	return invalidGrant("authorization code was already used")
}

// newPair mints an access and a refresh token for g.
func (s *Service) newPair(g store.Grant, now time.Time) (TokenResponse, store.Token, store.Token) {
	access, refresh := newSecret(PrefixAccessToken), newSecret(PrefixRefreshToken)
	at := store.Token{Hash: HashSecret(access), Kind: store.TokenAccess, GrantID: g.ID, ClientID: g.ClientID,
		UserID: g.UserID, Scopes: g.Scopes, Resource: g.Resource, CreatedAt: now, ExpiresAt: now.Add(s.opts.AccessTokenTTL)}
	rt := at
	rt.Hash, rt.Kind, rt.ExpiresAt = HashSecret(refresh), store.TokenRefresh, now.Add(s.opts.RefreshTokenTTL)
	return TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(s.opts.AccessTokenTTL / time.Second),
		RefreshToken: refresh, Scope: FormatScope(g.Scopes)}, at, rt
}

// RefreshParams is a refresh_token request (RFC 6749 §6) after client
// authentication. Scope and Resource are optional.
type RefreshParams struct {
	RefreshToken string
	Scope        string // raw; "" keeps the granted scopes
	Resource     string // raw; "" keeps the grant's resource
}

// Refresh rotates a refresh token. Every use returns a new pair; the old
// token, presented again within Options.RefreshGrace, returns the very same
// new pair (decrypted from the sealed reply); presented later, it revokes
// the whole grant (RFC 9700 §4.14.2 refresh-token reuse detection).
func (s *Service) Refresh(ctx context.Context, client store.Client, p RefreshParams) (TokenResponse, *Error) {
	if p.RefreshToken == "" {
		return TokenResponse{}, Errorf(ErrCodeInvalidRequest, "refresh_token is required")
	}
	// A dead or garbage refresh token must get 400 invalid_grant
	// (CONNECTORS.md §0 item 12).
	dead := invalidGrant("refresh token is invalid, expired or revoked")
	if !looksLikeSecret(p.RefreshToken, PrefixRefreshToken) {
		return TokenResponse{}, dead
	}
	hash := HashSecret(p.RefreshToken)
	for attempt := 0; attempt < 3; attempt++ {
		old, err := s.st.GetToken(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return TokenResponse{}, dead
		}
		if err != nil {
			return TokenResponse{}, serverError(fmt.Errorf("get refresh token: %w", err))
		}
		if old.Kind != store.TokenRefresh || !equalHash(old.Hash, hash) {
			return TokenResponse{}, dead
		}
		// RFC 6749 §6: "the authorization server MUST ... validate the
		// refresh token" and that it "was issued to the authenticated client".
		if old.ClientID != client.ID {
			return TokenResponse{}, invalidGrant("refresh token was issued to another client")
		}
		now := s.now()
		if !old.RevokedAt.IsZero() || !now.Before(old.ExpiresAt) {
			return TokenResponse{}, dead
		}
		if !old.RotatedAt.IsZero() {
			return s.refreshRotated(ctx, client, old, p.RefreshToken, now)
		}
		g, err := s.st.GetGrant(ctx, old.GrantID)
		if err != nil {
			return TokenResponse{}, serverError(fmt.Errorf("get grant: %w", err))
		}
		if !g.RevokedAt.IsZero() {
			return TokenResponse{}, dead
		}
		if p.Resource != "" {
			res, oerr := s.NormalizeResource(p.Resource)
			if oerr != nil {
				return TokenResponse{}, oerr
			}
			if res != g.Resource {
				return TokenResponse{}, Errorf(ErrCodeInvalidTarget, "resource differs from the grant")
			}
		}
		// RFC 6749 §6: the requested scope "MUST NOT include any scope not
		// originally granted by the resource owner, and if omitted is treated
		// as equal to the scope originally granted". Unknown scopes are
		// ignored; a narrower known set narrows this pair only.
		issued := g
		// An admin's cap on the client applies from the next refresh on.
		if client.AllowedScopes != nil {
			issued.Scopes = IntersectScopes(g.Scopes, client.AllowedScopes)
			if len(issued.Scopes) == 0 {
				return TokenResponse{}, invalidGrant("the client may no longer be granted any of these scopes")
			}
		}
		if req := ParseScope(p.Scope); len(req) > 0 {
			issued.Scopes = IntersectScopes(req, issued.Scopes)
			if len(issued.Scopes) == 0 {
				return TokenResponse{}, Errorf(ErrCodeInvalidScope, "requested scope was not granted")
			}
		}
		resp, at, rt := s.newPair(issued, now)
		plain, err := json.Marshal(sealedReply{TokenResponse: resp, IssuedAt: now.Unix()})
		if err != nil {
			return TokenResponse{}, serverError(err)
		}
		sealed, err := seal(p.RefreshToken, plain)
		if err != nil {
			return TokenResponse{}, serverError(err)
		}
		err = s.st.RotateRefresh(ctx, hash, now, sealed, at, rt)
		if errors.Is(err, store.ErrConflict) {
			continue // a concurrent refresh won; answer from its sealed reply
		}
		if err != nil {
			return TokenResponse{}, serverError(fmt.Errorf("rotate refresh token: %w", err))
		}
		s.touchClient(ctx, client, now)
		s.RecordEvent(ctx, store.Event{Kind: "token.refreshed", ClientID: client.ID, UserID: g.UserID, GrantID: g.ID,
			Detail: map[string]string{"scope": resp.Scope, "scope_sent": strconv.FormatBool(p.Scope != ""),
				"resource_sent": strconv.FormatBool(p.Resource != "")}})
		return resp, nil
	}
	return TokenResponse{}, serverError(errors.New("refresh rotation kept conflicting"))
}

// refreshRotated answers a refresh token that was already rotated.
func (s *Service) refreshRotated(ctx context.Context, client store.Client, old store.Token, raw string, now time.Time) (TokenResponse, *Error) {
	if now.Sub(old.RotatedAt) <= s.opts.RefreshGrace && len(old.SealedReply) > 0 {
		plain, err := open(raw, old.SealedReply)
		if err == nil {
			var r sealedReply
			if err := json.Unmarshal(plain, &r); err == nil {
				// The successor must still be alive (a revoked grant revokes it).
				if succ, err := s.st.GetToken(ctx, old.ReplacedBy); err == nil && succ.RevokedAt.IsZero() {
					resp := r.TokenResponse
					resp.ExpiresIn = max(1, resp.ExpiresIn-(now.Unix()-r.IssuedAt))
					s.RecordEvent(ctx, store.Event{Kind: "token.refreshed", ClientID: client.ID, UserID: old.UserID,
						GrantID: old.GrantID, Detail: map[string]string{"grace": "true"}})
					return resp, nil
				}
				return TokenResponse{}, invalidGrant("refresh token is invalid, expired or revoked")
			}
		}
		s.log.ErrorContext(ctx, "open sealed refresh reply", "grant_id", old.GrantID, "err", err)
		return TokenResponse{}, serverError(fmt.Errorf("open sealed reply: %w", err))
	}
	// RFC 9700 §4.14.2: "If a refresh token is compromised and subsequently
	// used by both the attacker and the legitimate client, one of them will
	// present an invalidated refresh token, which will inform the
	// authorization server of the breach" — revoke the whole grant.
	if err := s.st.RevokeGrant(ctx, old.GrantID, now, "refresh token reused after rotation"); err != nil {
		s.log.ErrorContext(ctx, "revoke grant after refresh reuse", "grant_id", old.GrantID, "err", err)
	}
	s.RecordEvent(ctx, store.Event{Kind: "token.refresh_reuse", ClientID: client.ID, UserID: old.UserID, GrantID: old.GrantID,
		Outcome: "error", Detail: map[string]string{"action": "grant revoked",
			"since_rotation": now.Sub(old.RotatedAt).Round(time.Second).String()}})
	s.log.WarnContext(ctx, "refresh token reused after grace; grant revoked", "client_id", client.ID, "grant_id", old.GrantID)
	return TokenResponse{}, invalidGrant("refresh token was already used")
}

// TokenInfo is what a verified bearer token allows.
type TokenInfo struct {
	UserID   int64
	ClientID string // "" for personal access tokens
	Scopes   []string
	Resource string
	Expires  time.Time // zero: never (personal tokens without expiry)
	GrantID  string    // "" for personal access tokens
	// PersonalTokenID is set for personal access tokens.
	PersonalTokenID int64
}

// errInvalidToken is the RFC 6750 §3.1 error for every verification failure.
func errInvalidToken(desc string) *Error {
	return &Error{Code: ErrCodeInvalidToken, Description: desc, Status: http.StatusUnauthorized}
}

// Verify checks a bearer token for resource ("" means the canonical
// resource) and returns what it allows. Every failure is an *Error with code
// invalid_token and status 401: RFC 6750 §3.1 "The access token provided is
// expired, revoked, malformed, or invalid for other reasons." A token bound
// to another audience is refused (RFC 8707 §2, MCP authorization "Token
// Audience Binding and Validation").
func (s *Service) Verify(ctx context.Context, token, resource string) (TokenInfo, error) {
	want, oerr := s.NormalizeResource(resource)
	if oerr != nil {
		return TokenInfo{}, errInvalidToken("the token is not valid for this resource")
	}
	if looksLikeSecret(token, PrefixPersonalToken) {
		return s.verifyPersonal(ctx, token, want)
	}
	if !looksLikeSecret(token, PrefixAccessToken) {
		return TokenInfo{}, errInvalidToken("the access token is malformed")
	}
	hash := HashSecret(token)
	t, err := s.st.GetToken(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return TokenInfo{}, errInvalidToken("the access token is unknown")
	}
	if err != nil {
		return TokenInfo{}, fmt.Errorf("oauth: verify: %w", err)
	}
	now := s.now()
	switch {
	case t.Kind != store.TokenAccess || !equalHash(t.Hash, hash):
		return TokenInfo{}, errInvalidToken("not an access token")
	case !t.RevokedAt.IsZero():
		return TokenInfo{}, errInvalidToken("the access token was revoked")
	case !now.Before(t.ExpiresAt):
		return TokenInfo{}, errInvalidToken("the access token expired")
	case t.Resource != want:
		return TokenInfo{}, errInvalidToken("the access token was issued for another resource")
	}
	capped, err := s.clientActive(ctx, t.ClientID, now)
	if err != nil {
		return TokenInfo{}, err
	}
	scopes := t.Scopes
	if capped != nil { // an admin's cap applies to tokens already issued
		scopes = IntersectScopes(scopes, capped)
	}
	return TokenInfo{UserID: t.UserID, ClientID: t.ClientID, Scopes: scopes, Resource: t.Resource,
		Expires: t.ExpiresAt, GrantID: t.GrantID}, nil
}

func (s *Service) verifyPersonal(ctx context.Context, token, resource string) (TokenInfo, error) {
	if resource != s.resource {
		return TokenInfo{}, errInvalidToken("the token is not valid for this resource")
	}
	pt, err := s.st.GetPersonalTokenByHash(ctx, HashSecret(token))
	if errors.Is(err, store.ErrNotFound) {
		return TokenInfo{}, errInvalidToken("the personal token is unknown")
	}
	if err != nil {
		return TokenInfo{}, fmt.Errorf("oauth: verify personal token: %w", err)
	}
	now := s.now()
	if !pt.RevokedAt.IsZero() || (!pt.ExpiresAt.IsZero() && !now.Before(pt.ExpiresAt)) {
		return TokenInfo{}, errInvalidToken("the personal token was revoked or expired")
	}
	u, err := s.st.GetUser(ctx, pt.UserID)
	if err != nil || u.Disabled {
		return TokenInfo{}, errInvalidToken("the personal token's user is disabled")
	}
	if now.Sub(pt.LastUsedAt) > time.Minute {
		if err := s.st.TouchPersonalToken(ctx, pt.ID, now); err != nil {
			s.log.WarnContext(ctx, "touch personal token", "id", pt.ID, "err", err)
		}
	}
	return TokenInfo{UserID: pt.UserID, Scopes: pt.Scopes, Resource: s.resource, Expires: pt.ExpiresAt,
		PersonalTokenID: pt.ID}, nil
}

// MintPersonalToken creates a personal access token for userID with the
// given scopes (unknown ones dropped; none means content:read) and lifetime
// (0: never expires). The raw token is returned once and never stored.
func (s *Service) MintPersonalToken(ctx context.Context, userID int64, name string, scopes []string, ttl time.Duration) (string, store.PersonalToken, error) {
	u, err := s.st.GetUser(ctx, userID)
	if err != nil {
		return "", store.PersonalToken{}, fmt.Errorf("oauth: personal token user %d: %w", userID, err)
	}
	sc := IntersectScopes(scopes, RoleScopes(u.Role))
	if len(sc) == 0 {
		sc = IntersectScopes([]string{ScopeContentRead}, RoleScopes(u.Role))
	}
	raw := newSecret(PrefixPersonalToken)
	now := s.now()
	pt := store.PersonalToken{Hash: HashSecret(raw), UserID: userID, Name: name, Scopes: sc, CreatedAt: now}
	if ttl > 0 {
		pt.ExpiresAt = now.Add(ttl)
	}
	pt, err = s.st.CreatePersonalToken(ctx, pt)
	if err != nil {
		return "", store.PersonalToken{}, fmt.Errorf("oauth: create personal token: %w", err)
	}
	return raw, pt, nil
}

// Revoke implements RFC 7009 for an authenticated client. §2.2: "The
// authorization server responds with HTTP status code 200 if the token has
// been revoked successfully or if the client submitted an invalid token." A
// refresh token revokes its whole grant (§2.1: "If the token passed to the
// request is a refresh token ... the authorization server SHOULD also
// invalidate all access tokens based on the same authorization grant").
func (s *Service) Revoke(ctx context.Context, client store.Client, token string) error {
	if !looksLikeSecret(token, PrefixAccessToken) && !looksLikeSecret(token, PrefixRefreshToken) {
		return nil
	}
	t, err := s.st.GetToken(ctx, HashSecret(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("oauth: revoke: %w", err)
	}
	// §2.1: the server "verifies whether the token was issued to the client
	// making the revocation request"; a foreign token is left alone.
	if t.ClientID != client.ID {
		return nil
	}
	now := s.now()
	if t.Kind == store.TokenRefresh {
		err = s.st.RevokeGrant(ctx, t.GrantID, now, "refresh token revoked by the client")
	} else {
		err = s.st.RevokeToken(ctx, t.Hash, now)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("oauth: revoke: %w", err)
	}
	s.RecordEvent(ctx, store.Event{Kind: "token.revoked", ClientID: client.ID, UserID: t.UserID, GrantID: t.GrantID,
		Detail: map[string]string{"token_kind": string(t.Kind)}})
	return nil
}

// Introspect implements RFC 7662 for an authenticated client; only the
// client's own tokens are reported active. §2.2: "If the introspection call
// is properly authorized but the token is not active ... the authorization
// server MUST return ... {"active": false}".
func (s *Service) Introspect(ctx context.Context, client store.Client, token string) (map[string]any, error) {
	inactive := map[string]any{"active": false}
	if !looksLikeSecret(token, PrefixAccessToken) && !looksLikeSecret(token, PrefixRefreshToken) {
		return inactive, nil
	}
	t, err := s.st.GetToken(ctx, HashSecret(token))
	if errors.Is(err, store.ErrNotFound) {
		return inactive, nil
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: introspect: %w", err)
	}
	now := s.now()
	if t.ClientID != client.ID || !t.RevokedAt.IsZero() || !now.Before(t.ExpiresAt) ||
		(t.Kind == store.TokenRefresh && !t.RotatedAt.IsZero() && now.Sub(t.RotatedAt) > s.opts.RefreshGrace) {
		return inactive, nil
	}
	hint := "access_token"
	if t.Kind == store.TokenRefresh {
		hint = "refresh_token"
	}
	return map[string]any{
		"active": true, "scope": FormatScope(t.Scopes), "client_id": t.ClientID,
		"sub": strconv.FormatInt(t.UserID, 10), "aud": t.Resource, "iss": s.issuer,
		"exp": t.ExpiresAt.Unix(), "iat": t.CreatedAt.Unix(), "token_type": "Bearer", "token_use": hint,
	}, nil
}

// touchClient records use of the client (clearing an unused registration's
// expiry) at most once a minute, saving a write per token request.
func (s *Service) touchClient(ctx context.Context, c store.Client, now time.Time) {
	if c.ExpiresAt.IsZero() && now.Sub(c.LastUsedAt) < time.Minute {
		return
	}
	if err := s.st.TouchClient(ctx, c.ID, now); err != nil {
		s.log.WarnContext(ctx, "touch client", "client_id", c.ID, "err", err)
	}
}

// clientStatusTTL is how long Verify trusts a cached "client is active"
// answer and its scope cap. Disabling a client should also revoke its
// grants (RevokeClientGrants), which takes effect at once; a new cap takes
// effect within this time.
const clientStatusTTL = 10 * time.Second

// clientActive reports whether a token's client still exists and is not
// disabled, with a short bounded cache so Verify usually costs one query.
func (s *Service) clientActive(ctx context.Context, id string, now time.Time) (capped []string, err error) {
	s.clientMu.Lock()
	st, ok := s.clientOK[id]
	s.clientMu.Unlock()
	if ok && now.Before(st.until) {
		return st.capped, nil
	}
	c, err := s.st.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidToken("the client is gone")
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: verify client: %w", err)
	}
	if !c.DisabledAt.IsZero() {
		return nil, errInvalidToken("the client was revoked")
	}
	s.clientMu.Lock()
	if len(s.clientOK) >= 10000 {
		clear(s.clientOK)
	}
	s.clientOK[id] = clientStatus{until: now.Add(clientStatusTTL), capped: c.AllowedScopes}
	s.clientMu.Unlock()
	return c.AllowedScopes, nil
}

// clientStatus is a cached answer of clientActive.
type clientStatus struct {
	until  time.Time
	capped []string // the client's scope cap; nil: none
}
