package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/portico-mcp/portico/internal/store"
)

// PreRegistration describes a client an operator registers by hand, for
// providers that need fixed credentials instead of dynamic registration.
type PreRegistration struct {
	ID           string   // "" generates one
	Name         string   // required
	RedirectURIs []string // at least one; each must pass ValidateRedirectURI
	AuthMethod   string   // none, client_secret_post (default) or client_secret_basic
	Scopes       []string // cap on what it may be granted; nil means no cap
}

// PreRegisterClient validates p and stores a static client. For a
// confidential client the secret is returned once; only its hash is kept.
func (s *Service) PreRegisterClient(ctx context.Context, p PreRegistration) (store.Client, string, error) {
	var problems []string
	name := strings.TrimSpace(p.Name)
	if name == "" {
		problems = append(problems, "a name is required")
	}
	if len(p.RedirectURIs) == 0 {
		problems = append(problems, "at least one redirect URI is required")
	}
	for _, u := range p.RedirectURIs {
		if err := ValidateRedirectURI(u); err != nil {
			problems = append(problems, fmt.Sprintf("redirect URI %q: %v", u, err))
		}
	}
	method := p.AuthMethod
	if method == "" {
		method = AuthMethodClientSecretPost
	}
	switch method {
	case AuthMethodNone, AuthMethodClientSecretPost, AuthMethodClientSecretBasic:
	default:
		problems = append(problems, fmt.Sprintf("auth method %q is not none, client_secret_post or client_secret_basic", method))
	}
	var scopes []string
	if p.Scopes != nil {
		scopes = NormalizeScopes(p.Scopes)
		if len(scopes) == 0 {
			problems = append(problems, "the scope cap names no known scope ("+strings.Join(ContentScopes(), ", ")+")")
		}
	}
	id := strings.TrimSpace(p.ID)
	if id == "" {
		id = newID("pc_static_")
	} else if strings.HasPrefix(strings.ToLower(id), "https://") || len(id) > 200 || strings.ContainsAny(id, " \t\r\n") {
		problems = append(problems, "a client ID must be at most 200 characters, without spaces, and not a URL (URLs are metadata-document clients)")
	}
	if len(problems) > 0 {
		return store.Client{}, "", &Error{Code: ErrCodeInvalidClientMetadata, Description: strings.Join(problems, "; "), Status: 400}
	}
	now := s.now()
	c := store.Client{ID: id, Type: store.ClientStatic, Name: name, RedirectURIs: p.RedirectURIs,
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		TokenEndpointAuthMethod: method, Fingerprint: Fingerprint(name, p.RedirectURIs, "", method),
		AllowedScopes: scopes, CreatedAt: now, UpdatedAt: now}
	var secret string
	if method != AuthMethodNone {
		secret = newSecret(PrefixClientSecret)
		c.SecretHash = HashSecret(secret)
	}
	created, err := s.st.CreateClient(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return store.Client{}, "", &Error{Code: ErrCodeInvalidClientMetadata, Description: fmt.Sprintf("a client with ID %q exists already", id), Status: 400}
	}
	if err != nil {
		return store.Client{}, "", fmt.Errorf("oauth: pre-register client: %w", err)
	}
	s.RecordEvent(ctx, store.Event{Kind: "client.registered", ClientID: created.ID,
		Detail: map[string]string{"type": string(store.ClientStatic), "has_secret": fmt.Sprint(secret != "")}})
	return created, secret, nil
}

// RevokeClient disables a client and revokes every grant (and so every
// token) it holds, at once. It reports how many grants were active.
func (s *Service) RevokeClient(ctx context.Context, id, reason string) (int64, error) {
	c, err := s.st.GetClient(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("oauth: revoke client %q: %w", id, err)
	}
	now := s.now()
	if c.DisabledAt.IsZero() {
		c.DisabledAt = now
		c.UpdatedAt = now
		if _, err := s.st.UpdateClient(ctx, c); err != nil {
			return 0, fmt.Errorf("oauth: disable client %q: %w", id, err)
		}
	}
	n, err := s.st.RevokeClientGrants(ctx, id, now, reason)
	if err != nil {
		return 0, fmt.Errorf("oauth: revoke grants of client %q: %w", id, err)
	}
	s.RecordEvent(ctx, store.Event{Kind: "client.revoked", ClientID: id,
		Detail: map[string]string{"grants": fmt.Sprint(n), "reason": reason}})
	return n, nil
}
