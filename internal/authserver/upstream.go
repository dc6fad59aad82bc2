package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Upstream identity providers: people may sign in with an account at an
// OpenID Connect issuer (Google, GitLab, Keycloak, …) or at GitHub, and are
// mapped to an existing Portico account by a verified email address only.
// Upstream sign-in never creates accounts.

// Upstream kinds.
const (
	KindOIDC   = "oidc"
	KindGitHub = "github"
)

// Upstream configures one upstream identity provider. Register
// <public URL>/login/oidc/callback as its redirect (callback) URL.
type Upstream struct {
	// Name is shown on the button ("Sign in with <Name>") and identifies
	// the provider in the start URL /login/oidc/{slug of Name}. Default:
	// "GitHub" for Kind github, else the issuer's host.
	Name string
	// Kind is "oidc" (default; any OpenID Connect issuer, found by
	// discovery) or "github" (GitHub's OAuth apps: not OIDC; the user's
	// verified primary email is read from the API).
	Kind string
	// Issuer is the OIDC issuer URL, exactly as its discovery document
	// says. For github: the GitHub web origin, default https://github.com
	// (a GitHub Enterprise Server origin also works).
	Issuer       string
	ClientID     string
	ClientSecret string
	// APIURL is GitHub's REST API base. Default https://api.github.com for
	// github.com, else <Issuer>/api/v3. Tests point it at a fake.
	APIURL string
	// Scopes overrides the requested scopes. Default "openid email
	// profile" (oidc) or "read:user user:email" (github).
	Scopes []string
}

// upstream is a configured provider with its lazily discovered endpoints.
type upstream struct {
	Upstream
	slug   string
	client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider // oidc only, after discovery
}

func newUpstream(u Upstream, client *http.Client) (*upstream, error) {
	u.Kind = strings.ToLower(strings.TrimSpace(u.Kind))
	if u.Kind == "" {
		u.Kind = KindOIDC
	}
	u.Issuer = strings.TrimSpace(u.Issuer)
	switch u.Kind {
	case KindOIDC:
		if u.Issuer == "" {
			return nil, errors.New("authserver: an OIDC upstream needs an issuer URL")
		}
		if len(u.Scopes) == 0 {
			u.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
		}
	case KindGitHub:
		if u.Issuer == "" {
			u.Issuer = "https://github.com"
		}
		u.Issuer = strings.TrimRight(u.Issuer, "/")
		if u.APIURL == "" {
			if iu, err := url.Parse(u.Issuer); err == nil && strings.EqualFold(iu.Host, "github.com") {
				u.APIURL = "https://api.github.com"
			} else {
				u.APIURL = u.Issuer + "/api/v3"
			}
		}
		u.APIURL = strings.TrimRight(u.APIURL, "/")
		if len(u.Scopes) == 0 {
			u.Scopes = []string{"read:user", "user:email"}
		}
		if u.Name == "" {
			u.Name = "GitHub"
		}
	default:
		return nil, fmt.Errorf("authserver: upstream kind %q is not oidc or github", u.Kind)
	}
	iu, err := url.Parse(u.Issuer)
	if err != nil || (iu.Scheme != "https" && iu.Scheme != "http") || iu.Host == "" {
		return nil, fmt.Errorf("authserver: upstream issuer %q is not an absolute http(s) URL", u.Issuer)
	}
	if u.ClientID == "" {
		return nil, fmt.Errorf("authserver: upstream %s needs a client ID", u.Issuer)
	}
	if u.Name == "" {
		u.Name = iu.Host
	}
	return &upstream{Upstream: u, slug: slugify(u.Name), client: client}, nil
}

// slugify makes a URL path segment of a provider name.
func slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if s == "" {
		s = "provider"
	}
	return s
}

// ctx carries our HTTP client into go-oidc and x/oauth2.
func (u *upstream) ctx(ctx context.Context) context.Context {
	return context.WithValue(oidc.ClientContext(ctx, u.client), oauth2.HTTPClient, u.client)
}

// discover returns the OIDC provider, fetching its discovery document on
// first use (so Portico starts even when the issuer is down) and caching it.
func (u *upstream) discover(ctx context.Context) (*oidc.Provider, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.provider != nil {
		return u.provider, nil
	}
	// go-oidc keeps the context for later JWKS fetches; never hand it a
	// request context that ends with the request.
	p, err := oidc.NewProvider(u.ctx(context.WithoutCancel(ctx)), u.Issuer)
	if err != nil {
		return nil, fmt.Errorf("authserver: discover %s: %w", u.Issuer, err)
	}
	u.provider = p
	return p, nil
}

func (u *upstream) config(ctx context.Context, redirectURL string) (*oauth2.Config, error) {
	c := &oauth2.Config{ClientID: u.ClientID, ClientSecret: u.ClientSecret, RedirectURL: redirectURL, Scopes: u.Scopes}
	switch u.Kind {
	case KindGitHub:
		c.Endpoint = oauth2.Endpoint{AuthURL: u.Issuer + "/login/oauth/authorize", TokenURL: u.Issuer + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams}
	default:
		p, err := u.discover(ctx)
		if err != nil {
			return nil, err
		}
		c.Endpoint = p.Endpoint()
	}
	return c, nil
}

// upstreamIdentity is what an upstream says about the person.
type upstreamIdentity struct {
	Email    string
	Verified bool
	Subject  string
}

// errUpstreamNoEmail means the provider gave no email address at all.
var errUpstreamNoEmail = errors.New("the provider did not share an email address")

// identify exchanges the code (with the PKCE verifier) and returns the
// person's email address and whether the provider verified it. For OIDC
// the ID token's signature, issuer, audience, expiry and nonce are checked
// (OIDC Core §3.1.3.7).
func (u *upstream) identify(ctx context.Context, redirectURL, code, verifier, nonce string) (upstreamIdentity, error) {
	cfg, err := u.config(ctx, redirectURL)
	if err != nil {
		return upstreamIdentity{}, err
	}
	tok, err := cfg.Exchange(u.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return upstreamIdentity{}, fmt.Errorf("authserver: %s token exchange: %w", u.Name, err)
	}
	if u.Kind == KindGitHub {
		return u.githubEmail(ctx, tok)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return upstreamIdentity{}, fmt.Errorf("authserver: %s returned no id_token", u.Name)
	}
	p, err := u.discover(ctx)
	if err != nil {
		return upstreamIdentity{}, err
	}
	idt, err := p.VerifierContext(u.ctx(ctx), &oidc.Config{ClientID: u.ClientID}).Verify(ctx, raw)
	if err != nil {
		return upstreamIdentity{}, fmt.Errorf("authserver: %s id_token: %w", u.Name, err)
	}
	// OIDC Core §3.1.3.7 step 11: "If a nonce value was sent in the
	// Authentication Request, a nonce Claim MUST be present and its value
	// checked to verify that it is the same value as the one that was sent".
	if idt.Nonce == "" || idt.Nonce != nonce {
		return upstreamIdentity{}, fmt.Errorf("authserver: %s id_token nonce does not match", u.Name)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return upstreamIdentity{}, fmt.Errorf("authserver: %s id_token claims: %w", u.Name, err)
	}
	if claims.Email == "" && p.UserInfoEndpoint() != "" {
		// Some issuers put the email only in the UserInfo response (OIDC
		// Core §5.3.2); its sub must match the ID token's.
		ui, err := p.UserInfo(u.ctx(ctx), oauth2.StaticTokenSource(tok))
		if err != nil {
			return upstreamIdentity{}, fmt.Errorf("authserver: %s userinfo: %w", u.Name, err)
		}
		if ui.Subject != idt.Subject {
			return upstreamIdentity{}, fmt.Errorf("authserver: %s userinfo subject does not match the id_token", u.Name)
		}
		claims.Email, claims.EmailVerified = ui.Email, ui.EmailVerified
	}
	if claims.Email == "" {
		return upstreamIdentity{}, errUpstreamNoEmail
	}
	return upstreamIdentity{Email: claims.Email, Verified: truthy(claims.EmailVerified), Subject: idt.Subject}, nil
}

// truthy reads email_verified, which some issuers send as a string.
func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// githubEmail reads GET /user/emails and returns the primary address and
// whether GitHub verified it.
func (u *upstream) githubEmail(ctx context.Context, tok *oauth2.Token) (upstreamIdentity, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.APIURL+"/user/emails", nil)
	if err != nil {
		return upstreamIdentity{}, fmt.Errorf("authserver: github emails request: %w", err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := u.client.Do(req)
	if err != nil {
		return upstreamIdentity{}, fmt.Errorf("authserver: github emails: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return upstreamIdentity{}, fmt.Errorf("authserver: github emails: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return upstreamIdentity{}, fmt.Errorf("authserver: github emails: status %d", resp.StatusCode)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := json.Unmarshal(body, &emails); err != nil {
		return upstreamIdentity{}, fmt.Errorf("authserver: github emails: %w", err)
	}
	for _, e := range emails {
		if e.Primary {
			return upstreamIdentity{Email: e.Email, Verified: e.Verified}, nil
		}
	}
	return upstreamIdentity{}, errUpstreamNoEmail
}
