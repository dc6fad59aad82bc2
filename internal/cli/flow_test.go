package cli_test

import (
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
)

// oauthClient is a registered client plus the person who approves it, driven
// the way a browser and an MCP client would.
type oauthClient struct {
	ID, Secret  string
	RedirectURI string
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// register performs RFC 7591 registration at base.
func register(t *testing.T, base, name string) oauthClient {
	t.Helper()
	body := fmt.Sprintf(`{"client_name":%q,"redirect_uris":["http://127.0.0.1:9/callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}`, name)
	resp, err := http.Post(base+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, b)
	}
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.ClientID == "" {
		t.Fatalf("register: bad body %s", b)
	}
	return oauthClient{ID: out.ClientID, Secret: out.ClientSecret, RedirectURI: "http://127.0.0.1:9/callback"}
}

var (
	formRE   = regexp.MustCompile(`(?s)<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	scopeRE  = regexp.MustCompile(`name="grant_scope" value="([^"]+)"`)
)

// authorizeAt runs /authorize at base as a person: it logs in with email and
// password, allows every offered scope on the consent page and returns the
// authorization code from the final redirect.
func authorizeAt(t *testing.T, base, public string, c oauthClient, email, password, verifier string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), base) {
			return http.ErrUseLastResponse // the client's callback: stop here
		}
		return nil
	}}
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.ID},
		"redirect_uri":          {c.RedirectURI},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"state":                 {"st-123"},
		"scope":                 {" offline_access"},
		"resource":              {public + "/mcp/"},
	}
	resp, err := browser.Get(base + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for range 4 {
		if resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound {
			break
		}
		m := formRE.FindStringSubmatch(string(page))
		if m == nil {
			t.Fatalf("authorize: no form on page (%d):\n%.2000s", resp.StatusCode, page)
		}
		action, inner := html.UnescapeString(m[1]), m[2]
		form := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(inner, -1) {
			form.Add(h[1], html.UnescapeString(h[2]))
		}
		if strings.Contains(inner, `name="password"`) {
			form.Set("email", email)
			form.Set("password", password)
		}
		for _, s := range scopeRE.FindAllStringSubmatch(inner, -1) {
			form.Add("grant_scope", s[1])
		}
		if strings.Contains(inner, `name="decision"`) {
			form.Set("decision", "allow")
		}
		resp, err = browser.PostForm(base+action, form)
		if err != nil {
			t.Fatalf("submit %s: %v", action, err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize ended with %d, want a 302/303 to the client:\n%.2000s", resp.StatusCode, page)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("redirect without code: %q", resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "st-123" || loc.Query().Get("iss") == "" {
		t.Errorf("redirect lacks state or iss: %q", loc.String())
	}
	return loc.Query().Get("code")
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
}

func exchangeAt(t *testing.T, base, public string, c oauthClient, code, verifier string) tokens {
	t.Helper()
	resp, body := postForm(t, http.DefaultClient, base+"/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.RedirectURI},
		"code_verifier": {verifier}, "client_id": {c.ID}, "resource": {public + "/mcp"},
	})
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	var tk tokens
	if err := json.Unmarshal([]byte(body), &tk); err != nil || tk.AccessToken == "" || tk.RefreshToken == "" || tk.TokenType != "Bearer" || tk.ExpiresIn <= 0 {
		t.Fatalf("token: bad body %s", body)
	}
	return tk
}

// mcpCall posts one JSON-RPC request to base/mcp with the bearer token and
// returns the status and body.
func mcpCall(t *testing.T, base, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /mcp: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func newVerifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// addUser creates an account with the CLI against the given storage flags.
func addUser(t *testing.T, email, password string, storage ...string) {
	t.Helper()
	args := append([]string{"user", "add", "--email", email, "--role", "admin", "--password-stdin"}, storage...)
	out, stderr, code := run(t, password+"\n", args...)
	if code != 0 || !strings.Contains(out, "created "+email) {
		t.Fatalf("user add: code %d out %q err %q", code, out, stderr)
	}
}
