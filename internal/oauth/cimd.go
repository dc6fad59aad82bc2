package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// CIMDOptions tunes fetching client ID metadata documents
// (draft-ietf-oauth-client-id-metadata-document). Zero fields take the
// documented defaults.
type CIMDOptions struct {
	// Timeout bounds one fetch, connection included. Default 5s.
	Timeout time.Duration
	// MaxBytes caps a document. Default 64 KiB.
	MaxBytes int64
	// MinTTL and MaxTTL clamp the Cache-Control max-age of a document.
	// Defaults 60s and 24h. DefaultTTL applies when the response has no
	// max-age. Default 5 minutes.
	MinTTL, MaxTTL, DefaultTTL time.Duration
	// MaxCacheEntries bounds the in-memory freshness table. Default 1000.
	MaxCacheEntries int
	// DisableBuiltins turns off the built-in copies of the well-known
	// clients' documents used when a fetch fails.
	DisableBuiltins bool
	// AllowAddrs lets the SSRF guard connect to these otherwise refused
	// addresses. FOR TESTS ONLY (an httptest TLS server on 127.0.0.1);
	// leave empty in production.
	AllowAddrs []netip.Prefix
	// RootCAs replaces the system roots for fetches. FOR TESTS ONLY.
	RootCAs *x509.CertPool
}

func (o *CIMDOptions) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 10
	}
	if o.MinTTL <= 0 {
		o.MinTTL = time.Minute
	}
	if o.MaxTTL <= 0 {
		o.MaxTTL = 24 * time.Hour
	}
	if o.DefaultTTL <= 0 {
		o.DefaultTTL = 5 * time.Minute
	}
	if o.MaxCacheEntries <= 0 {
		o.MaxCacheEntries = 1000
	}
}

// builtinCIMD are the published documents of the clients that matter most,
// used when the deployment cannot fetch them (CONNECTORS.md test 16 SHOULD).
// Verbatim as published, except claude.com added to Claude's redirects.
var builtinCIMD = map[string]string{
	"https://claude.ai/oauth/mcp-oauth-client-metadata":   `{"client_id":"https://claude.ai/oauth/mcp-oauth-client-metadata","client_name":"Claude","client_uri":"https://claude.ai","redirect_uris":["https://claude.ai/api/mcp/auth_callback","https://claude.com/api/mcp/auth_callback"],"grant_types":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:jwt-bearer"],"response_types":["code"],"token_endpoint_auth_method":"none"}`,
	"https://claude.ai/oauth/claude-code-client-metadata": `{"client_id":"https://claude.ai/oauth/claude-code-client-metadata","client_name":"Claude Code","client_uri":"https://claude.ai","redirect_uris":["http://localhost/callback","http://127.0.0.1/callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}`,
	"https://vscode.dev/oauth/client-metadata.json":       `{"client_name":"Visual Studio Code","grant_types":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:device_code"],"response_types":["code"],"token_endpoint_auth_method":"none","application_type":"native","client_id":"https://vscode.dev/oauth/client-metadata.json","client_uri":"https://vscode.dev/product","redirect_uris":["http://127.0.0.1:33418/","https://vscode.dev/redirect"]}`,
}

// IsClientIDURL reports whether id is a client ID metadata document URL:
// the draft (§3) requires "https" with a path component, no fragment, no
// userinfo and no dot segments.
func IsClientIDURL(id string) bool {
	if !strings.HasPrefix(id, "https://") || len(id) > 2048 {
		return false
	}
	u, err := url.Parse(id)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || strings.Contains(id, "#") {
		return false
	}
	if u.Path == "" || u.Path == "/" {
		return false
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

type cimdFetcher struct {
	opts   CIMDOptions
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	fresh map[string]time.Time // client ID → cache expiry
}

func newCIMDFetcher(o CIMDOptions, hc *http.Client, now func() time.Time) *cimdFetcher {
	if hc == nil {
		hc = GuardedHTTPClient(o.Timeout, o.AllowAddrs, o.RootCAs)
	}
	return &cimdFetcher{opts: o, client: hc, now: now, fresh: map[string]time.Time{}}
}

var errRedirectRefused = errors.New("redirects are refused when fetching client metadata")

// GuardedHTTPClient returns an *http.Client for fetching URLs a remote
// party chose, with the SSRF guard of the MCP security best practices: the
// address is checked at connect time (after DNS, so rebinding cannot slip
// past) by net.Dialer.Control and must be public (see CheckPublicAddr)
// unless it is in allow; no proxy from the environment; no redirects;
// overall timeout. allow and roots are for tests.
func GuardedHTTPClient(timeout time.Duration, allow []netip.Prefix, roots *x509.CertPool) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("ssrf guard: %q: %w", address, err)
		}
		for _, p := range allow {
			if p.Contains(ap.Addr()) {
				return nil
			}
		}
		return CheckPublicAddr(ap.Addr())
	}}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return errRedirectRefused }}
}

// nonPublic are ranges netip's predicates do not already cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 can reach private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4 can embed private IPv4
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// CheckPublicAddr refuses addresses a server-side fetch must never reach:
// loopback, private (RFC 1918, ULA fc00::/7), link-local, CGNAT, multicast,
// unspecified, IPv4-mapped IPv6 and other special ranges.
func CheckPublicAddr(a netip.Addr) error {
	if !a.IsValid() {
		return errors.New("ssrf guard: invalid address")
	}
	if a.Is4In6() {
		return fmt.Errorf("ssrf guard: IPv4-mapped address %s refused", a)
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return fmt.Errorf("ssrf guard: non-public address %s refused", a)
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return fmt.Errorf("ssrf guard: reserved address %s refused", a)
		}
	}
	return nil
}

// cimdDocument is the client metadata a document may carry.
type cimdDocument struct {
	ClientID                 string   `json:"client_id"`
	ClientName               string   `json:"client_name"`
	ClientURI                string   `json:"client_uri"`
	LogoURI                  string   `json:"logo_uri"`
	RedirectURIs             []string `json:"redirect_uris"`
	GrantTypes               []string `json:"grant_types"`
	ResponseTypes            []string `json:"response_types"`
	TokenEndpointAuthMethod  string   `json:"token_endpoint_auth_method"`
	TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	Scope                    string   `json:"scope"`
	SoftwareID               string   `json:"software_id"`
	SoftwareVersion          string   `json:"software_version"`
}

// ParseClientMetadataDocument validates a CIMD document fetched from id and
// returns the public client it describes.
func ParseClientMetadataDocument(id string, body []byte) (store.Client, error) {
	var d cimdDocument
	if err := json.Unmarshal(body, &d); err != nil {
		return store.Client{}, fmt.Errorf("client metadata document is not valid JSON: %w", err)
	}
	// Draft §4.1: "the authorization server MUST validate that the client_id
	// in the document matches the URL ... using simple string comparison".
	if d.ClientID != id {
		return store.Client{}, fmt.Errorf("client metadata document client_id %q does not equal its URL", d.ClientID)
	}
	uris, _ := FilterRedirectURIs(d.RedirectURIs)
	if len(uris) == 0 {
		return store.Client{}, errors.New("client metadata document has no acceptable redirect_uris")
	}
	// Shared secrets cannot exist for a document anyone can read (draft §4.1:
	// client_secret_* "MUST NOT" be used). The singular member, or failing it
	// the plural one ChatGPT uses, must allow a public client; a private_key_jwt
	// document is served as "none" since the plural lists it (§0 item 9).
	m := d.TokenEndpointAuthMethod
	if strings.HasPrefix(m, "client_secret") {
		return store.Client{}, fmt.Errorf("client metadata document asks for %s, which needs a shared secret", m)
	}
	if m != "" && m != AuthMethodNone && len(d.TokenEndpointAuthMethods) > 0 && !slices.Contains(d.TokenEndpointAuthMethods, AuthMethodNone) {
		return store.Client{}, fmt.Errorf("client metadata document does not allow token_endpoint_auth_method none")
	}
	if len(d.GrantTypes) > 0 && !slices.Contains(d.GrantTypes, "authorization_code") {
		return store.Client{}, errors.New("client metadata document grant_types lacks authorization_code")
	}
	if len(d.ResponseTypes) > 0 && !slices.Contains(d.ResponseTypes, "code") {
		return store.Client{}, errors.New("client metadata document response_types lacks code")
	}
	return store.Client{
		ID: id, Type: store.ClientMetadata, Name: cleanText(d.ClientName, 200), RedirectURIs: uris,
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		TokenEndpointAuthMethod: AuthMethodNone, Scope: d.Scope, ClientURI: httpsURLOrEmpty(d.ClientURI),
		LogoURI: httpsURLOrEmpty(d.LogoURI), SoftwareID: cleanText(d.SoftwareID, 200),
		SoftwareVersion: cleanText(d.SoftwareVersion, 100), MetadataJSON: body,
	}, nil
}

// fetch GETs a document and returns its body and cache lifetime.
func (f *cimdFetcher) fetch(ctx context.Context, id string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Portico (client metadata fetcher)")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("fetch %s: status %d", id, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", id, err)
	}
	if int64(len(body)) > f.opts.MaxBytes {
		return nil, 0, fmt.Errorf("fetch %s: document larger than %d bytes", id, f.opts.MaxBytes)
	}
	return body, f.ttl(resp.Header.Get("Cache-Control")), nil
}

// ttl reads max-age from Cache-Control and clamps it.
func (f *cimdFetcher) ttl(cc string) time.Duration {
	d := f.opts.DefaultTTL
	for part := range strings.SplitSeq(cc, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case part == "no-store" || part == "no-cache":
			d = f.opts.MinTTL
		case strings.HasPrefix(part, "max-age="):
			if n, err := strconv.Atoi(strings.TrimPrefix(part, "max-age=")); err == nil {
				d = time.Duration(n) * time.Second
			}
		}
	}
	return min(max(d, f.opts.MinTTL), f.opts.MaxTTL)
}

func (f *cimdFetcher) isFresh(id string, updated time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if exp, ok := f.fresh[id]; ok {
		return now.Before(exp)
	}
	return now.Sub(updated) < f.opts.DefaultTTL
}

func (f *cimdFetcher) markFresh(id string, ttl time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if len(f.fresh) >= f.opts.MaxCacheEntries {
		for k, exp := range f.fresh {
			if !now.Before(exp) {
				delete(f.fresh, k)
			}
		}
		if len(f.fresh) >= f.opts.MaxCacheEntries {
			clear(f.fresh)
		}
	}
	f.fresh[id] = now.Add(ttl)
}

// cimdClient resolves a client ID metadata document URL to a client: the
// cached record while fresh, else a guarded fetch, else (on a fetch failure)
// the stale record or a built-in copy.
func (s *Service) cimdClient(ctx context.Context, id string) (store.Client, *Error) {
	stored, err := s.st.GetClient(ctx, id)
	haveStored := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Client{}, serverError(fmt.Errorf("get client: %w", err))
	}
	if haveStored && !stored.DisabledAt.IsZero() {
		return store.Client{}, invalidClient("this client was disabled by the administrator")
	}
	if haveStored && s.cimd.isFresh(id, stored.UpdatedAt) {
		return stored, nil
	}
	body, ttl, ferr := s.cimd.fetch(ctx, id)
	source := "fetch"
	if ferr != nil {
		s.log.WarnContext(ctx, "client metadata fetch failed", "client_id", id, "err", ferr)
		if haveStored {
			s.cimd.markFresh(id, s.opts.CIMD.MinTTL)
			s.RecordEvent(ctx, store.Event{Kind: "client.cimd_fetched", ClientID: id, Outcome: "error",
				Detail: map[string]string{"source": "stale-cache", "error": truncate(ferr.Error(), 300)}})
			return stored, nil
		}
		b, ok := builtinCIMD[id]
		if !ok || s.opts.CIMD.DisableBuiltins {
			s.RecordEvent(ctx, store.Event{Kind: "client.cimd_fetched", ClientID: id, Outcome: "error",
				Detail: map[string]string{"error": truncate(ferr.Error(), 300)}})
			return store.Client{}, &Error{Code: ErrCodeInvalidClient, Status: http.StatusUnauthorized,
				Description: "could not fetch the client metadata document", Cause: errors.Join(ErrUnknownClient, ferr)}
		}
		body, ttl, source = []byte(b), s.opts.CIMD.MinTTL, "builtin"
	}
	c, perr := ParseClientMetadataDocument(id, body)
	if perr != nil {
		s.RecordEvent(ctx, store.Event{Kind: "client.cimd_fetched", ClientID: id, Outcome: "error",
			Detail: map[string]string{"source": source, "error": truncate(perr.Error(), 300)}})
		return store.Client{}, &Error{Code: ErrCodeInvalidClient, Status: http.StatusUnauthorized,
			Description: perr.Error(), Cause: ErrUnknownClient}
	}
	now := s.now()
	c.CreatedAt, c.UpdatedAt = now, now
	if haveStored {
		c.CreatedAt, c.LastUsedAt, c.AllowedScopes = stored.CreatedAt, stored.LastUsedAt, stored.AllowedScopes
	}
	c.Fingerprint = Fingerprint(c.Name, c.RedirectURIs, c.SoftwareID, c.TokenEndpointAuthMethod)
	c, err = s.st.UpsertClient(ctx, c)
	if err != nil {
		return store.Client{}, serverError(fmt.Errorf("cache client metadata: %w", err))
	}
	s.cimd.markFresh(id, ttl)
	s.RecordEvent(ctx, store.Event{Kind: "client.cimd_fetched", ClientID: id,
		Detail: map[string]string{"source": source, "client_name": c.Name, "ttl": ttl.String(),
			"redirect_uris": strings.Join(c.RedirectURIs, " ")}})
	return c, nil
}
