package oauthtest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cimdClients are built-in copies of the published client ID metadata
// documents of the well-known clients (CONNECTORS.md §2.2, §3, §7), so CIMD
// works without outbound network access.
var cimdClients = map[string][]string{
	"https://claude.ai/oauth/mcp-oauth-client-metadata":   {"https://claude.ai/api/mcp/auth_callback"},
	"https://claude.ai/oauth/claude-code-client-metadata": {"http://localhost/callback", "http://127.0.0.1/callback"},
	"https://vscode.dev/oauth/client-metadata.json":       {"http://127.0.0.1:33418/", "https://vscode.dev/redirect"},
}

func (s *Server) lookupClient(id string) *client {
	s.mu.Lock()
	c := s.clients[id]
	s.mu.Unlock()
	if c != nil {
		return c
	}
	if uris, ok := cimdClients[id]; ok {
		return &client{id: id, redirectURIs: uris, authMethod: "none"}
	}
	return nil
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serveRegister implements RFC 7591 registration, tolerant of every client
// body in CONNECTORS.md §11 B.
func (s *Server) serveRegister(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "the body must be application/json")
		return
	}
	var req struct {
		RedirectURIs []string `json:"redirect_uris"`
		GrantTypes   []string `json:"grant_types"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
		ClientName   string   `json:"client_name"`
		ClientURI    string   `json:"client_uri"`
		Scope        string   `json:"scope"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "the body is not a JSON object")
		return
	}
	if len(req.RedirectURIs) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris is required")
		return
	}
	for _, u := range req.RedirectURIs {
		if p, err := url.Parse(u); err != nil || p.Scheme == "" {
			oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", "redirect URI is not absolute")
			return
		}
	}
	grants := []string{}
	for _, g := range req.GrantTypes {
		switch g {
		case "refresh_token":
			if s.cfg.DCRRejectRefreshToken {
				oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "grant type refresh_token is not allowed")
				return
			}
			grants = append(grants, g)
		case "authorization_code":
			grants = append(grants, g)
		}
	}
	if len(grants) == 0 {
		grants = []string{"authorization_code", "refresh_token"}
	}
	method := req.AuthMethod
	switch method {
	case "":
		method = "none"
	case "none", "client_secret_post", "client_secret_basic":
	default:
		oauthError(w, http.StatusBadRequest, "invalid_client_metadata", "unsupported token_endpoint_auth_method")
		return
	}
	c := &client{id: randomID(), redirectURIs: req.RedirectURIs, authMethod: method}
	resp := map[string]any{
		"client_id":                  c.id,
		"client_id_issued_at":        time.Now().Unix(),
		"redirect_uris":              req.RedirectURIs,
		"grant_types":                grants,
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": method,
	}
	if method != "none" {
		c.secret = randomToken()
		resp["client_secret"] = c.secret
		resp["client_secret_expires_at"] = 0
	}
	if req.ClientName != "" {
		resp["client_name"] = req.ClientName
	}
	if req.ClientURI != "" {
		resp["client_uri"] = req.ClientURI
	}
	if req.Scope != "" {
		resp["scope"] = req.Scope
	}
	if s.cfg.DCRNulls {
		resp["client_uri"] = nil
		resp["logo_uri"] = ""
	}
	s.mu.Lock()
	s.clients[c.id] = c
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, resp)
}

// redirectAllowed compares a requested redirect URI with the registered ones;
// loopback URIs match on any port (RFC 8252 §7.3).
func redirectAllowed(registered []string, got string) bool {
	gu, err := url.Parse(got)
	if err != nil {
		return false
	}
	for _, r := range registered {
		if r == got {
			return true
		}
		ru, err := url.Parse(r)
		if err != nil || ru.Scheme != "http" || gu.Scheme != "http" {
			continue
		}
		if isLoopback(ru.Hostname()) && ru.Hostname() == gu.Hostname() && ru.EscapedPath() == gu.EscapedPath() && ru.RawQuery == gu.RawQuery {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) redirectWith(w http.ResponseWriter, r *http.Request, redirectURI string, status int, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	q.Set("iss", s.Issuer())
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.WriteHeader(status)
}

func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := s.lookupClient(q.Get("client_id"))
	if c == nil {
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeJSON(w, http.StatusBadRequest, map[string]any{
				"error":                 "invalid_client",
				"error_description":     fmt.Sprintf("Client ID '%s' is not registered", q.Get("client_id")),
				"registration_endpoint": s.Issuer() + "/register",
			})
			return
		}
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" && len(c.redirectURIs) == 1 {
		redirectURI = c.redirectURIs[0]
	}
	if !redirectAllowed(c.redirectURIs, redirectURI) {
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		s.redirectWith(w, r, redirectURI, http.StatusFound, url.Values{"error": {code}, "error_description": {desc}, "state": {state}})
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case q.Get("code_challenge") == "":
		fail("invalid_request", "code_challenge is required")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case !s.resourceOK(q.Get("resource")):
		fail("invalid_target", "resource is not served here")
		return
	}
	txn := randomID()
	s.mu.Lock()
	s.pending[txn] = &authRequest{
		client: c, redirectURI: redirectURI, state: state,
		challenge: q.Get("code_challenge"), scope: strings.Join(s.cfg.Scopes, " "),
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Authorize</title></head><body>`+
		`<p>Allow %s to use this server?</p>`+
		`<form method="post" action="%s"><input type="hidden" name="txn" value="%s">`+
		`<button type="submit" name="decision" value="approve">Approve</button></form></body></html>`,
		html.EscapeString(c.id), html.EscapeString(s.Issuer()+"/consent"), txn)
}

// serveConsent approves a pending authorization (the fake has no users) and
// redirects to the client with 303, or 307 under ConsentRedirect307.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	ar := s.pending[r.PostForm.Get("txn")]
	delete(s.pending, r.PostForm.Get("txn"))
	var code string
	if ar != nil {
		code = randomToken()
		s.codes[code] = &grant{clientID: ar.client.id, redirectURI: ar.redirectURI, challenge: ar.challenge, scope: ar.scope, expires: time.Now().Add(time.Minute)}
	}
	s.mu.Unlock()
	if ar == nil {
		http.Error(w, "unknown or used authorization request", http.StatusBadRequest)
		return
	}
	status := http.StatusSeeOther
	if s.cfg.ConsentRedirect307 {
		status = http.StatusTemporaryRedirect
	}
	s.redirectWith(w, r, ar.redirectURI, status, url.Values{"code": {code}, "state": {ar.state}})
}

// tokenParams reads a token or revocation request: form-encoded (RFC 6749
// §4.1.3) or, as a tolerance, JSON; with TokenJSONOnly, JSON only.
func (s *Server) tokenParams(r *http.Request) (url.Values, int, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "application/json":
		var m map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&m); err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("body is not JSON: %w", err)
		}
		v := url.Values{}
		for k, x := range m {
			if str, ok := x.(string); ok {
				v.Set(k, str)
			}
		}
		return v, 0, nil
	case s.cfg.TokenJSONOnly:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("unsupported content type %q", mt)
	case mt == "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("bad form: %w", err)
		}
		return r.PostForm, 0, nil
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("unsupported content type %q", mt)
	}
}

// authenticateClient accepts none, client_secret_post and
// client_secret_basic whatever was registered (CONNECTORS.md §0 item 5).
func (s *Server) authenticateClient(r *http.Request, p url.Values) *client {
	id, secret := p.Get("client_id"), p.Get("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(bid)
		secret, _ = url.QueryUnescape(bsecret)
	}
	c := s.lookupClient(id)
	if c == nil {
		return nil
	}
	if c.secret != "" && subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		return nil
	}
	return c
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if d := s.cfg.TokenDelay; d > 0 {
		if err := sleep(r.Context(), d); err != nil {
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	p, status, err := s.tokenParams(r)
	if err != nil {
		oauthError(w, status, "invalid_request", err.Error())
		return
	}
	c := s.authenticateClient(r, p)
	if c == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	var g *grant
	s.mu.Lock()
	switch p.Get("grant_type") {
	case "authorization_code":
		g = s.codes[p.Get("code")]
		delete(s.codes, p.Get("code"))
		if g != nil && (g.clientID != c.id || time.Now().After(g.expires) ||
			(p.Get("redirect_uri") != "" && p.Get("redirect_uri") != g.redirectURI) ||
			s256(p.Get("code_verifier")) != g.challenge) {
			g = nil
		}
	case "refresh_token":
		g = s.refresh[p.Get("refresh_token")]
		delete(s.refresh, p.Get("refresh_token"))
		if g != nil && g.clientID != c.id {
			g = nil
		}
	default:
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}
	if g == nil {
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code or refresh token is invalid, used or expired")
		return
	}
	at, rt := randomToken(), randomToken()
	s.access[at] = &grant{clientID: c.id, scope: g.scope, expires: time.Now().Add(24 * time.Hour)}
	s.refresh[rt] = &grant{clientID: c.id, scope: g.scope}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": 86400,
		"refresh_token": rt, "scope": g.scope,
	})
}

func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	p, status, err := s.tokenParams(r)
	if err != nil {
		oauthError(w, status, "invalid_request", err.Error())
		return
	}
	s.mu.Lock()
	delete(s.access, p.Get("token"))
	delete(s.refresh, p.Get("token"))
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
