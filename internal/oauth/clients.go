package oauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/store"
)

// Token-endpoint client authentication methods Portico accepts, whatever a
// client registered (CONNECTORS.md §0 item 5).
const (
	AuthMethodNone              = "none"
	AuthMethodClientSecretPost  = "client_secret_post"
	AuthMethodClientSecretBasic = "client_secret_basic"
)

// MaxRegistrationBody caps a registration request (and a CIMD document).
const MaxRegistrationBody = 64 << 10

// replaceUnusedAfter: a confidential re-registration with the same
// fingerprint replaces the previous one when that one was never used and is
// older than this (younger ones may still be in flight: hosted Claude
// registers twice within seconds, claude-ai-mcp#966).
const replaceUnusedAfter = 10 * time.Minute

// refreshClientEvery limits the writes of identical public
// re-registrations (see Register).
const refreshClientEvery = time.Minute

// RegistrationRequest is the RFC 7591 §2 client metadata Portico reads.
// Unknown members are ignored.
type RegistrationRequest struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri"`
	LogoURI                 string   `json:"logo_uri"`
	TosURI                  string   `json:"tos_uri"`
	PolicyURI               string   `json:"policy_uri"`
	Scope                   string   `json:"scope"`
	SoftwareID              string   `json:"software_id"`
	SoftwareVersion         string   `json:"software_version"`
	ApplicationType         string   `json:"application_type"`
}

// RegistrationResponse is the RFC 7591 §3.2.1 body. Optional members are
// omitted rather than null or "" (claude-code#52565, #13685); client_secret
// and client_secret_expires_at appear only for confidential clients.
type RegistrationResponse struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	TosURI                  string   `json:"tos_uri,omitempty"`
	PolicyURI               string   `json:"policy_uri,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	SoftwareID              string   `json:"software_id,omitempty"`
	SoftwareVersion         string   `json:"software_version,omitempty"`
	ApplicationType         string   `json:"application_type,omitempty"`
}

// ParseRegistration decodes and validates a registration body into the
// client to store. RFC 7591 §3.2.2 errors: invalid_redirect_uri when no
// acceptable redirect URI remains, invalid_client_metadata otherwise.
// Unacceptable redirect URIs among acceptable ones are dropped (returned in
// dropped) rather than failing the registration.
func ParseRegistration(body []byte) (req RegistrationRequest, dropped map[string]string, oerr *Error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return req, nil, Errorf(ErrCodeInvalidClientMetadata, "the body must be a JSON object")
	}
	if len(body) > MaxRegistrationBody {
		return req, nil, Errorf(ErrCodeInvalidClientMetadata, "the body is larger than %d bytes", MaxRegistrationBody)
	}
	if err := json.Unmarshal(body, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return req, nil, Errorf(ErrCodeInvalidClientMetadata, "member %q has the wrong type", te.Field)
		}
		return req, nil, Errorf(ErrCodeInvalidClientMetadata, "the body is not valid JSON")
	}
	// RFC 7591 §2: redirect_uris is needed for redirect-based flows, the only
	// flow here.
	if len(req.RedirectURIs) == 0 {
		return req, nil, Errorf(ErrCodeInvalidRedirectURI, "redirect_uris is required")
	}
	req.RedirectURIs, dropped = FilterRedirectURIs(req.RedirectURIs)
	if len(req.RedirectURIs) == 0 {
		var why []string
		for u, r := range dropped {
			why = append(why, fmt.Sprintf("%q: %s", truncate(u, 100), r))
		}
		slices.Sort(why)
		return req, dropped, Errorf(ErrCodeInvalidRedirectURI, "no acceptable redirect URI (%s)", strings.Join(why, "; "))
	}
	switch req.TokenEndpointAuthMethod {
	case "":
		// RFC 7591 §2 defaults to client_secret_basic, but every MCP client
		// that omits it is a public native app; "none" is the consistent
		// answer (CONNECTORS.md test 12).
		req.TokenEndpointAuthMethod = AuthMethodNone
	case AuthMethodNone, AuthMethodClientSecretPost, AuthMethodClientSecretBasic:
	default:
		return req, dropped, Errorf(ErrCodeInvalidClientMetadata,
			"token_endpoint_auth_method %q is not supported; use none, client_secret_post or client_secret_basic", req.TokenEndpointAuthMethod)
	}
	if len(req.GrantTypes) > 0 && !slices.Contains(req.GrantTypes, "authorization_code") && !slices.Contains(req.GrantTypes, "refresh_token") {
		return req, dropped, Errorf(ErrCodeInvalidClientMetadata, "grant_types must include authorization_code")
	}
	if len(req.ResponseTypes) > 0 && !slices.Contains(req.ResponseTypes, "code") {
		return req, dropped, Errorf(ErrCodeInvalidClientMetadata, "response_types must include code")
	}
	req.ClientName = cleanText(req.ClientName, 200)
	req.SoftwareID = cleanText(req.SoftwareID, 200)
	req.SoftwareVersion = cleanText(req.SoftwareVersion, 100)
	req.ClientURI, req.LogoURI = httpsURLOrEmpty(req.ClientURI), httpsURLOrEmpty(req.LogoURI)
	req.TosURI, req.PolicyURI = httpsURLOrEmpty(req.TosURI), httpsURLOrEmpty(req.PolicyURI)
	if req.ApplicationType != "native" && req.ApplicationType != "web" {
		req.ApplicationType = ""
	}
	return req, dropped, nil
}

// cleanText trims s, drops control characters and caps its length.
func cleanText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// httpsURLOrEmpty keeps u only if it is an absolute https URL.
func httpsURLOrEmpty(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || len(u) > maxRedirectURILen {
		return ""
	}
	return u
}

// Fingerprint identifies identical registrations: same name, redirect URIs,
// software ID and auth method.
func Fingerprint(name string, redirectURIs []string, softwareID, authMethod string) string {
	uris := slices.Clone(redirectURIs)
	slices.Sort(uris)
	h := sha256.New()
	for _, p := range append([]string{name, softwareID, authMethod}, uris...) {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Register performs RFC 7591 dynamic registration of body. An identical
// public registration (same fingerprint) returns the existing client
// instead of piling up new ones; an identical confidential one replaces an
// old unused one. Registrations that never obtain a token expire after
// Options.UnusedClientTTL.
func (s *Service) Register(ctx context.Context, body []byte) (RegistrationResponse, *Error) {
	req, dropped, oerr := ParseRegistration(body)
	if oerr != nil {
		s.RecordEvent(ctx, store.Event{Kind: "client.registered", Outcome: "error",
			Detail: map[string]string{"error": oerr.Code, "error_description": truncate(oerr.Description, 300)}})
		return RegistrationResponse{}, oerr
	}
	now := s.now()
	confidential := req.TokenEndpointAuthMethod != AuthMethodNone
	fp := Fingerprint(req.ClientName, req.RedirectURIs, req.SoftwareID, req.TokenEndpointAuthMethod)
	prev, err := s.st.FindClientByFingerprint(ctx, fp)
	switch {
	case err == nil && prev.Type == store.ClientDynamic && prev.DisabledAt.IsZero() && !confidential:
		// Re-registering moves UpdatedAt (and an unused client's expiry) at
		// most once per refreshClientEvery: a write per registration would
		// carry no information (an expiry of days, moved by seconds).
		if now.Sub(prev.UpdatedAt) >= refreshClientEvery || now.Before(prev.UpdatedAt) {
			if prev.LastUsedAt.IsZero() {
				prev.ExpiresAt = now.Add(s.opts.UnusedClientTTL)
			}
			prev.UpdatedAt = now
			if _, err := s.st.UpdateClient(ctx, prev); err != nil {
				return RegistrationResponse{}, serverError(fmt.Errorf("refresh client: %w", err))
			}
		}
		s.RecordEvent(ctx, store.Event{Kind: "client.registered", ClientID: prev.ID,
			Detail: registeredDetail(req, dropped, false, true)})
		return registrationResponse(prev, "", req), nil
	case err == nil && prev.Type == store.ClientDynamic && confidential && prev.LastUsedAt.IsZero() &&
		now.Sub(prev.CreatedAt) > replaceUnusedAfter:
		if err := s.st.DeleteClient(ctx, prev.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "replace unused client", "client_id", prev.ID, "err", err)
		}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return RegistrationResponse{}, serverError(fmt.Errorf("find client by fingerprint: %w", err))
	}
	c := store.Client{
		ID: newID("pc_"), Type: store.ClientDynamic, Name: req.ClientName, RedirectURIs: req.RedirectURIs,
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		TokenEndpointAuthMethod: req.TokenEndpointAuthMethod, Scope: req.Scope, ClientURI: req.ClientURI,
		LogoURI: req.LogoURI, SoftwareID: req.SoftwareID, SoftwareVersion: req.SoftwareVersion,
		Fingerprint: fp, MetadataJSON: bytes.TrimSpace(body), CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(s.opts.UnusedClientTTL),
	}
	var secret string
	if confidential {
		secret = newSecret(PrefixClientSecret)
		c.SecretHash = HashSecret(secret)
	}
	c, err = s.st.CreateClient(ctx, c)
	if err != nil {
		return RegistrationResponse{}, serverError(fmt.Errorf("create client: %w", err))
	}
	s.RecordEvent(ctx, store.Event{Kind: "client.registered", ClientID: c.ID,
		Detail: registeredDetail(req, dropped, confidential, false)})
	return registrationResponse(c, secret, req), nil
}

func registeredDetail(req RegistrationRequest, dropped map[string]string, hasSecret, reused bool) map[string]string {
	return map[string]string{
		"client_name": req.ClientName, "auth_method": req.TokenEndpointAuthMethod,
		"has_secret": strconv.FormatBool(hasSecret), "reused": strconv.FormatBool(reused),
		"redirect_uris": strings.Join(req.RedirectURIs, " "), "dropped_redirect_uris": strconv.Itoa(len(dropped)),
		"software_id": req.SoftwareID,
	}
}

func registrationResponse(c store.Client, secret string, req RegistrationRequest) RegistrationResponse {
	r := RegistrationResponse{
		ClientID: c.ID, ClientIDIssuedAt: c.CreatedAt.Unix(), RedirectURIs: c.RedirectURIs,
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod, GrantTypes: c.GrantTypes, ResponseTypes: c.ResponseTypes,
		ClientName: c.Name, ClientURI: c.ClientURI, LogoURI: c.LogoURI, TosURI: req.TosURI, PolicyURI: req.PolicyURI,
		Scope: FormatScope(ParseScope(req.Scope)), SoftwareID: c.SoftwareID, SoftwareVersion: c.SoftwareVersion,
		ApplicationType: req.ApplicationType,
	}
	if secret != "" {
		zero := int64(0)
		r.ClientSecret, r.ClientSecretExpiresAt = secret, &zero
	}
	return r
}

// ErrUnknownClient is wrapped by LookupClient's error when no client has the
// ID; the authorize page then offers re-registration.
var ErrUnknownClient = errors.New("oauth: unknown client")

// LookupClient returns an active client by ID. An https URL with a path is
// a client ID metadata document, fetched (or read from cache) as needed.
// Unknown, disabled or expired clients are an invalid_client *Error
// wrapping ErrUnknownClient.
func (s *Service) LookupClient(ctx context.Context, id string) (store.Client, *Error) {
	if id == "" {
		return store.Client{}, Errorf(ErrCodeInvalidRequest, "client_id is required")
	}
	if IsClientIDURL(id) {
		return s.cimdClient(ctx, id)
	}
	unknown := &Error{Code: ErrCodeInvalidClient, Status: http.StatusUnauthorized,
		Description: fmt.Sprintf("Client ID '%s' is not registered", truncate(id, 200)), Cause: ErrUnknownClient}
	if len(id) > 200 {
		return store.Client{}, unknown
	}
	c, err := s.st.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, unknown
	}
	if err != nil {
		return store.Client{}, serverError(fmt.Errorf("get client: %w", err))
	}
	if !c.DisabledAt.IsZero() || (!c.ExpiresAt.IsZero() && !s.now().Before(c.ExpiresAt)) {
		return store.Client{}, unknown
	}
	return c, nil
}

// ClientCredentials is what a token, revocation or introspection request
// presented to authenticate the client.
type ClientCredentials struct {
	ID     string
	Secret string
	// Basic is true when the credentials came in an Authorization: Basic
	// header (then a 401 carries WWW-Authenticate: Basic).
	Basic bool
}

// AuthenticateClient authenticates a client by any of none,
// client_secret_post or client_secret_basic, whatever it registered.
// RFC 6749 §5.2: invalid_client is "Client authentication failed (e.g.,
// unknown client, no client authentication included, or unsupported
// authentication method)" with 401. A public client's stray secret is
// ignored.
func (s *Service) AuthenticateClient(ctx context.Context, cr ClientCredentials) (store.Client, *Error) {
	if cr.ID == "" {
		return store.Client{}, invalidClient("client authentication is required: send client_id")
	}
	c, oerr := s.LookupClient(ctx, cr.ID)
	if oerr != nil {
		if oerr.Code == ErrCodeInvalidRequest {
			oerr = invalidClient(oerr.Description)
		}
		return store.Client{}, oerr
	}
	if len(c.SecretHash) == 0 {
		return c, nil
	}
	// RFC 6749 §2.3.1: a confidential client authenticates with its secret.
	if cr.Secret == "" {
		return store.Client{}, invalidClient("client_secret is required for this client")
	}
	if !equalHash(HashSecret(cr.Secret), c.SecretHash) {
		return store.Client{}, invalidClient("client authentication failed")
	}
	return c, nil
}
