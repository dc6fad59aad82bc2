package interop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store/postgres"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// httpClient is for the test's own requests; it never follows redirects so
// every status is seen as the server sent it.
var httpClient = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("reading %s: %v", resp.Request.URL, err)
	}
	return string(b)
}

var resourceMetadataRE = regexp.MustCompile(`resource_metadata="([^"]*)"`)

// prm is what discovery found.
type prm struct {
	Resource             string   `json:"resource"`
	AuthorizationServers []string `json:"authorization_servers"`
	ScopesSupported      []string `json:"scopes_supported"`
}

// checkDiscovery walks the path every client walks before it can show a
// login page, and names the broken step: the anonymous 401 and its
// WWW-Authenticate, the PRM document it points to, and the AS metadata.
// endpoint is the URL the client is given (…/mcp or …/sse); get says whether
// the client opens it with GET (legacy SSE) rather than POST.
func checkDiscovery(t *testing.T, s *site, endpoint string, get bool) prm {
	t.Helper()
	var req *http.Request
	if get {
		req, _ = http.NewRequest("GET", endpoint, nil)
		req.Header.Set("Accept", "text/event-stream")
	} else {
		req, _ = http.NewRequest("POST", endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"interop","version":"1"}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Errorf("discovery: %s %s: %v", req.Method, endpoint, err)
		return prm{}
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("discovery: anonymous %s %s answered %d, want 401 with a WWW-Authenticate challenge (CONNECTORS.md 11.1); Location=%q body=%.300s",
			req.Method, endpoint, resp.StatusCode, resp.Header.Get("Location"), body)
		return prm{}
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	m := resourceMetadataRE.FindStringSubmatch(challenge)
	if !strings.HasPrefix(challenge, "Bearer ") || m == nil {
		t.Errorf("discovery: the 401 from %s has no Bearer challenge with resource_metadata (CONNECTORS.md 11.1): WWW-Authenticate=%q", endpoint, challenge)
		return prm{}
	}
	rm, err := url.Parse(m[1])
	if err != nil || !rm.IsAbs() || rm.Host == "" {
		t.Errorf("discovery: resource_metadata=%q in the 401 from %s is not an absolute URL; clients silently reject relative ones (CONNECTORS.md §0 item 1)", m[1], endpoint)
		return prm{}
	}
	if !strings.HasPrefix(m[1], s.Public+"/") {
		t.Errorf("discovery: resource_metadata=%q is not on the public origin %s", m[1], s.Public)
	}
	resp, err = httpClient.Get(m[1])
	if err != nil {
		t.Errorf("discovery: GET %s: %v", m[1], err)
		return prm{}
	}
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("discovery: the protected resource metadata %s answered %d, want 200 (it must be public, CONNECTORS.md §0 item 1); body=%.300s", m[1], resp.StatusCode, body)
		return prm{}
	}
	var p prm
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Resource == "" || len(p.AuthorizationServers) == 0 {
		t.Errorf("discovery: protected resource metadata %s is not a usable RFC 9728 document (%v): %.300s", m[1], err, body)
		return prm{}
	}
	// RFC 9728 §3.3: the resource is the URL the client was given (the
	// legacy /sse endpoint has its own document).
	if p.Resource != endpoint {
		t.Errorf("discovery: PRM resource = %q, want %q (RFC 9728 §3.3: the URL in use)", p.Resource, endpoint)
	}
	as := strings.TrimSuffix(p.AuthorizationServers[0], "/")
	resp, err = httpClient.Get(as + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Errorf("discovery: AS metadata: %v", err)
		return prm{}
	}
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("discovery: %s/.well-known/oauth-authorization-server answered %d, want 200: %.300s", as, resp.StatusCode, body)
		return prm{}
	}
	return p
}

var (
	formRE   = regexp.MustCompile(`(?s)<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"`)
	scopeRE  = regexp.MustCompile(`name="grant_scope"[^>]*value="([^"]+)"`)
)

// approve is the person in the browser: it opens the authorization URL a
// client printed, logs in, allows every offered scope on the consent page,
// and returns where the server finally sent the browser (the client's
// redirect URI with code, state and iss). It checks that redirect the way a
// browser and a client would see it, naming the cause when it is wrong.
func approve(t *testing.T, s *site, authURL string) *url.URL {
	t.Helper()
	au, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("the client's authorization URL %q does not parse: %v", authURL, err)
	}
	if !strings.HasPrefix(authURL, s.Public+"/authorize?") {
		t.Errorf("the client's authorization URL %q is not %s/authorize (issuer at the origin root, CONNECTORS.md §0 item 2)", authURL, s.Public)
	}
	q := au.Query()
	redirectURI, state := q.Get("redirect_uri"), q.Get("state")
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		t.Errorf("the client did not send PKCE S256: %q", authURL)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		// Follow the server's own pages (login, back to /authorize); stop at
		// the client's redirect URI, which the client handles itself.
		if req.URL.Scheme+"://"+req.URL.Host != s.Public {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatalf("GET authorization URL: %v", err)
	}
	page := readBody(t, resp)
	for i := 0; ; i++ {
		if resp.StatusCode/100 == 3 {
			break
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("authorization: %s answered %d, want the login or consent page; body:\n%.1500s", resp.Request.URL, resp.StatusCode, page)
		}
		if i == 4 {
			t.Fatalf("authorization: still on a page after 4 form submissions:\n%.1500s", page)
		}
		m := formRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("authorization: no form on %s (%d):\n%.1500s", resp.Request.URL, resp.StatusCode, page)
		}
		action, inner := html.UnescapeString(m[1]), m[2]
		form := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(inner, -1) {
			form.Add(h[1], html.UnescapeString(h[2]))
		}
		if strings.Contains(inner, `name="password"`) {
			form.Set("email", ownerEmail)
			form.Set("password", ownerPassword)
		}
		for _, sc := range scopeRE.FindAllStringSubmatch(inner, -1) {
			form.Add("grant_scope", sc[1])
		}
		if strings.Contains(inner, `name="decision"`) {
			form.Set("decision", "allow")
		}
		target, err := resp.Request.URL.Parse(action)
		if err != nil {
			t.Fatalf("authorization: bad form action %q", action)
		}
		resp, err = browser.PostForm(target.String(), form)
		if err != nil {
			t.Fatalf("authorization: submit %s: %v", target, err)
		}
		page = readBody(t, resp)
	}
	loc := resp.Header.Get("Location")
	switch resp.StatusCode {
	case http.StatusFound, http.StatusSeeOther:
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		t.Fatalf("consent answered %d to %q: a method-preserving redirect makes the browser re-POST the consent form to the client's callback; it must be 302 or 303 (CONNECTORS.md §0 item 3, 11.14)", resp.StatusCode, loc)
	default:
		t.Fatalf("consent answered %d, want a 302/303 to the client's redirect URI; Location=%q body=%.500s", resp.StatusCode, loc, page)
	}
	lu, err := url.Parse(loc)
	if err != nil || !lu.IsAbs() {
		t.Fatalf("consent redirect Location %q is not an absolute URL", loc)
	}
	if redirectURI != "" && !strings.HasPrefix(loc, redirectURI+"?") {
		t.Fatalf("consent redirected to %q, not to the client's redirect_uri %q", loc, redirectURI)
	}
	got := lu.Query()
	if e := got.Get("error"); e != "" {
		t.Fatalf("the server refused the authorization: error=%s error_description=%q (Location %q)", e, got.Get("error_description"), loc)
	}
	if got.Get("code") == "" {
		t.Fatalf("consent redirect carries no code: %q", loc)
	}
	if got.Get("state") != state {
		t.Fatalf("consent redirect state = %q, want the client's %q byte for byte (CONNECTORS.md 11.14)", got.Get("state"), state)
	}
	if got.Get("iss") != s.Public {
		t.Errorf("consent redirect iss = %q, want %q (advertised authorization_response_iss_parameter_supported, RFC 9207)", got.Get("iss"), s.Public)
	}
	return lu
}

// tokenSet is a token response.
type tokenSet struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
}

// obtainToken runs the whole flow from Go (register, authorize as the
// person, exchange) for clients that are handed a ready bearer token.
func obtainToken(t *testing.T, s *site, name string) tokenSet {
	t.Helper()
	redirect := "http://127.0.0.1:9/callback"
	body := fmt.Sprintf(`{"client_name":%q,"redirect_uris":[%q],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}`, name, redirect)
	resp, err := httpClient.Post(s.Public+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	b := readBody(t, resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, b)
	}
	var client struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(b), &client); err != nil || client.ClientID == "" {
		t.Fatalf("register: bad body %s", b)
	}
	vb := make([]byte, 32)
	_, _ = rand.Read(vb)
	verifier := base64.RawURLEncoding.EncodeToString(vb)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {client.ClientID}, "redirect_uri": {redirect},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"state": {"interop-state"}, "resource": {s.MCP},
	}
	loc := approve(t, s, s.Public+"/authorize?"+q.Encode())
	resp, err = httpClient.PostForm(s.Public+"/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect},
		"code_verifier": {verifier}, "client_id": {client.ClientID}, "resource": {s.MCP},
	})
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	b = readBody(t, resp)
	var tk tokenSet
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(b), &tk) != nil || tk.AccessToken == "" {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	return tk
}

// mintPAT creates a personal access token for the owner directly in the
// site's database, with the product's own oauth.Service.MintPersonalToken
// (there is no CLI or page for it the test could use instead).
func mintPAT(t *testing.T, s *site, scopes ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var st interface {
		oauth.Store
		Close() error
	}
	var err error
	if s.storage[0] == "--data-dir" {
		st, err = sqlite.Open(ctx, s.storage[1]+"/portico.db")
	} else {
		st, err = postgres.Open(ctx, s.storage[1])
	}
	if err != nil {
		t.Fatalf("open the site's database to mint a personal token: %v", err)
	}
	defer st.Close()
	svc, err := oauth.New(oauth.Config{Store: st, Issuer: s.Public})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUserByEmail(ctx, ownerEmail)
	if err != nil {
		t.Fatalf("owner account: %v", err)
	}
	raw, _, err := svc.MintPersonalToken(ctx, u.ID, "interop", scopes, time.Hour)
	if err != nil {
		t.Fatalf("MintPersonalToken: %v", err)
	}
	if !strings.HasPrefix(raw, oauth.PrefixPersonalToken) {
		t.Fatalf("personal token %q lacks the %s prefix", raw[:8], oauth.PrefixPersonalToken)
	}
	return raw
}
