package authserver_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/portico-mcp/portico/internal/oauth"
)

// TestE2EOAuth2ClientDCR drives the real golang.org/x/oauth2 client: DCR by
// raw POST, AuthCodeURL with S256 and resource, a browser that logs in and
// consents, Exchange (x/oauth2 tries Basic with an empty secret first),
// a protected call, then a refresh.
func TestE2EOAuth2ClientDCR(t *testing.T) {
	for _, method := range []string{"none", "client_secret_post", "client_secret_basic"} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t)
			redirect := "http://127.0.0.1:43117/callback"
			id, secret := e.mustRegister(fmt.Sprintf(`{"client_name":"x/oauth2 test","redirect_uris":[%q],"token_endpoint_auth_method":%q}`, redirect, method))
			if (secret != "") != (method != "none") {
				t.Fatalf("secret issued = %v for %s", secret != "", method)
			}
			cfg := &oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect,
				Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/token"},
				Scopes:   []string{"content:read", "offline_access"}}
			if method == "client_secret_basic" {
				cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
			}
			verifier := oauth2.GenerateVerifier()
			u := cfg.AuthCodeURL("state-xyz", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", e.issuer+"/mcp"))
			loc := e.authorize(e.loggedIn(), u)
			if got := loc.Query().Get("state"); got != "state-xyz" {
				t.Fatalf("state = %q", got)
			}
			if got := loc.Query().Get("iss"); got != e.issuer {
				t.Fatalf("iss = %q, want %q", got, e.issuer)
			}
			ctx := context.Background()
			tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", e.issuer+"/mcp"))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.RefreshToken == "" || tok.TokenType != "Bearer" || tok.Extra("scope") != "content:read" {
				t.Fatalf("token = %+v scope %v", tok, tok.Extra("scope"))
			}
			if resp := e.callMCP(tok.AccessToken); resp.StatusCode != 200 {
				t.Fatalf("MCP call: %d", resp.StatusCode)
			}
			tok.Expiry = tok.Expiry.Add(-48 * 3600e9) // force a refresh
			nt, err := cfg.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if nt.AccessToken == tok.AccessToken || nt.RefreshToken == tok.RefreshToken {
				t.Fatal("refresh did not rotate")
			}
			if resp := e.callMCP(nt.AccessToken); resp.StatusCode != 200 {
				t.Fatalf("MCP call after refresh: %d", resp.StatusCode)
			}
		})
	}
}

// sdkFetcher completes the browser part for the go-sdk client handler.
func (e *env) sdkFetcher() auth.AuthorizationCodeFetcher {
	c := e.loggedIn()
	return func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		loc := e.authorize(c, args.URL)
		q := loc.Query()
		if q.Get("error") != "" {
			return nil, fmt.Errorf("authorization error %s: %s", q.Get("error"), q.Get("error_description"))
		}
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
}

// runSDK runs the go-sdk AuthorizationCodeHandler against the protected
// handler: 401 → discovery → registration → authorize → token → 200.
func (e *env) runSDK(t *testing.T, cfg *auth.AuthorizationCodeHandlerConfig) {
	ctx := context.Background()
	cfg.AuthorizationCodeFetcher = e.sdkFetcher()
	h, err := auth.NewAuthorizationCodeHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.issuer+"/mcp", strings.NewReader("{}"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 {
		t.Fatalf("unauthenticated: %d", resp.StatusCode)
	}
	if err := h.Authorize(ctx, req, resp); err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	ts, _ := h.TokenSource(ctx)
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	r := e.callMCP(tok.AccessToken)
	if r.StatusCode != 200 {
		t.Fatalf("authenticated call: %d", r.StatusCode)
	}
}

func TestE2EGoSDKDCR(t *testing.T) {
	e := newEnv(t)
	e.runSDK(t, &auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			RedirectURIs: []string{"http://localhost:38211/oauth/callback"}, ClientName: "go-sdk test",
			GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none"}},
		RequestRefreshToken: true,
	})
}

// cimdServer serves a client ID metadata document over TLS and returns its
// client_id URL and CA pool.
func cimdServer(t *testing.T, redirect string, mutate func(map[string]any)) (string, *x509.CertPool, *httptest.Server) {
	t.Helper()
	var id string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc := map[string]any{"client_id": id, "client_name": "CIMD Test", "redirect_uris": []string{redirect},
			"grant_types":    []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
			"response_types": []string{"code"}, "token_endpoint_auth_method": "none"}
		if mutate != nil {
			mutate(doc)
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	id = srv.URL + "/oauth/client.json"
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return id, pool, srv
}

func TestE2EGoSDKCIMD(t *testing.T) {
	redirect := "http://127.0.0.1:38212/callback"
	id, pool, _ := cimdServer(t, redirect, nil)
	e := newEnv(t, func(c *envConfig) {
		c.oauthOpts.CIMD = oauth.CIMDOptions{AllowAddrs: loopbackOnly(), RootCAs: pool}
	})
	e.runSDK(t, &auth.AuthorizationCodeHandlerConfig{
		ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: id},
		RedirectURL:                    redirect,
	})
	evs := e.events(t, "client.cimd_fetched")
	if len(evs) == 0 || evs[0].Detail["source"] != "fetch" {
		t.Fatalf("cimd events = %+v", evs)
	}
}
