package authserver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/oauth"
)

// benchIssueCode makes a code directly (skipping the browser) for the
// token-endpoint benchmarks.
func benchIssueCode(b *testing.B, e *env, clientID, redirect string) (string, string) {
	v, ch := pkce()
	code, _, err := e.oa.IssueCode(context.Background(), oauth.IssueCodeParams{ClientID: clientID, UserID: e.user.ID,
		RedirectURI: redirect, CodeChallenge: ch, Scopes: oauth.ContentScopes(), Resource: e.issuer + "/mcp"})
	if err != nil {
		b.Fatal(err)
	}
	return code, v
}

func BenchmarkTokenCodeExchangeHTTP(b *testing.B) {
	e := newEnv(b, func(c *envConfig) { c.authOpts.TokenPerMinute = 1e9 })
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		code, v := benchIssueCode(b, e, id, redirect)
		body := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
			"code_verifier": {v}, "client_id": {id}}.Encode()
		b.StartTimer()
		resp, err := client.Post(e.issuer+"/token", "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%v %v", err, resp.StatusCode)
		}
		resp.Body.Close()
	}
}

func BenchmarkTokenRefreshHTTP(b *testing.B) {
	e := newEnv(b, func(c *envConfig) { c.authOpts.TokenPerMinute = 1e9 })
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	code, v := benchIssueCode(b, e, id, redirect)
	c, _ := e.oa.LookupClient(context.Background(), id)
	tr, oerr := e.oa.ExchangeCode(context.Background(), c, oauth.ExchangeParams{Code: code, CodeVerifier: v})
	if oerr != nil {
		b.Fatal(oerr)
	}
	rt := tr.RefreshToken
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(e.issuer+"/token", "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}}.Encode()))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%v %v", err, resp.StatusCode)
		}
		var m struct {
			RefreshToken string `json:"refresh_token"`
		}
		_ = jsonDecodeReader(resp, &m)
		rt = m.RefreshToken
	}
}

func BenchmarkVerify(b *testing.B) {
	e := newEnv(b, func(c *envConfig) { c.authOpts.TokenPerMinute = 1e9 })
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	code, v := benchIssueCode(b, e, id, redirect)
	c, _ := e.oa.LookupClient(context.Background(), id)
	tr, oerr := e.oa.ExchangeCode(context.Background(), c, oauth.ExchangeParams{Code: code, CodeVerifier: v})
	if oerr != nil {
		b.Fatal(oerr)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.oa.Verify(ctx, tr.AccessToken, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStoreGetToken(b *testing.B) {
	e := newEnv(b)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	code, v := benchIssueCode(b, e, id, redirect)
	c, _ := e.oa.LookupClient(context.Background(), id)
	tr, _ := e.oa.ExchangeCode(context.Background(), c, oauth.ExchangeParams{Code: code, CodeVerifier: v})
	h := oauth.HashSecret(tr.AccessToken)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.st.GetToken(context.Background(), h); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPersonalTokenVerify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	raw, pt, err := e.oa.MintPersonalToken(ctx, e.user.ID, "cli", []string{"content:read", "content:write", "bogus"}, time.Hour)
	if err != nil || !strings.HasPrefix(raw, oauth.PrefixPersonalToken) {
		t.Fatal(err)
	}
	info, err := e.oa.Verify(ctx, raw, "")
	if err != nil || info.PersonalTokenID != pt.ID || len(info.Scopes) != 2 || info.UserID != e.user.ID {
		t.Fatalf("%+v %v", info, err)
	}
	if r := e.callMCP(raw); r.StatusCode != 200 {
		t.Fatalf("PAT on MCP: %d", r.StatusCode)
	}
	if _, err := e.oa.Verify(ctx, raw, "https://other.example/mcp"); err == nil {
		t.Fatal("PAT accepted for another resource")
	}
	if err := e.st.RevokePersonalToken(ctx, pt.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.oa.Verify(ctx, raw, ""); err == nil {
		t.Fatal("revoked PAT accepted")
	}
	var oe *oauth.Error
	if _, err := e.oa.Verify(ctx, "pt_pat_nope", ""); !errorsAs(err, &oe) || oe.Code != "invalid_token" || oe.HTTPStatus() != 401 {
		t.Fatalf("%v", err)
	}
}

func TestVerifyRevokedClient(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	m := e.codeFlow(e.loggedIn(), id, "", redirect)
	ctx := context.Background()
	at := m["access_token"].(string)
	if _, err := e.oa.Verify(ctx, at, ""); err != nil {
		t.Fatal(err)
	}
	c, err := e.st.GetClient(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c.DisabledAt = e.clock.Now()
	if _, err := e.st.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Second)
	if _, err := e.oa.Verify(ctx, at, ""); err == nil {
		t.Fatal("token of a disabled client accepted")
	}
	resp, body := e.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {id}}, "", "")
	if resp.StatusCode != 401 || body["error"] != "invalid_client" {
		t.Fatalf("disabled client refresh: %d %v", resp.StatusCode, body)
	}
}

// TestClientScopeCapAppliesToIssuedTokens: an admin's cap narrows what an
// existing access token may do (after the short client cache) and what the
// next refresh issues.
func TestClientScopeCapAppliesToIssuedTokens(t *testing.T) {
	e := newEnv(t)
	redirect := "http://127.0.0.1:9/cb"
	id, _ := e.mustRegister(fmt.Sprintf(`{"redirect_uris":[%q]}`, redirect))
	m := e.codeFlow(e.loggedIn(), id, "", redirect)
	ctx := context.Background()
	at := m["access_token"].(string)
	info, err := e.oa.Verify(ctx, at, "")
	if err != nil || len(info.Scopes) != 4 {
		t.Fatalf("before the cap: %v %v", info.Scopes, err)
	}
	c, err := e.st.GetClient(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c.AllowedScopes = []string{"content:read"}
	if _, err := e.st.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Second)
	info, err = e.oa.Verify(ctx, at, "")
	if err != nil || strings.Join(info.Scopes, " ") != "content:read" {
		t.Errorf("after the cap, Verify scopes = %v, %v; want content:read", info.Scopes, err)
	}
	resp, body := e.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "client_id": {id}}, "", "")
	if resp.StatusCode != 200 || body["scope"] != "content:read" {
		t.Errorf("refresh after the cap: %d %v", resp.StatusCode, body)
	}
}
