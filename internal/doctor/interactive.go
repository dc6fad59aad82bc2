package doctor

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

var interactiveIDs = []string{"flow.callback", "flow.redirect_status", "flow.token", "token.response", "token.refresh"}

func (r *runner) skipInteractive() {
	why := "run interactively (Options.Interactive, --interactive) to complete a real authorization in a browser"
	if r.stop || r.open {
		why = "no authorization flow to run (see challenge.status)"
	}
	for _, id := range interactiveIDs {
		r.skip(id, "interactive authorization", why)
	}
}

// callback is what arrived at the loopback redirect URI.
type callback struct {
	method string
	query  url.Values
}

// interactive runs the authorization code flow with a person: register a
// loopback client, print the authorize URL, wait for the browser to come
// back, exchange the code and refresh.
func (r *runner) interactive(ctx context.Context) {
	ia := r.o.Interactive
	ae, te, reg := r.asString("authorization_endpoint"), r.asString("token_endpoint"), r.asString("registration_endpoint")
	switch {
	case r.open:
		r.skipInteractive()
		return
	case ae == "" || te == "":
		r.skipAllInteractive("the authorization server metadata names no authorization or token endpoint (see as.endpoints)")
		return
	case reg == "":
		r.skipAllInteractive("doctor registers its own loopback client and needs a registration_endpoint (see as.registration)")
		return
	case r.o.NoRegister:
		r.skipAllInteractive("doctor registers its own loopback client; registration is disabled (--no-register)")
		return
	}
	addr := ia.ListenAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.skipAllInteractive(fmt.Sprintf("cannot listen on %s for the callback: %v", addr, err))
		return
	}
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil || !ap.Addr().IsLoopback() {
		ln.Close()
		r.skipAllInteractive("the callback listener must be on a loopback address, not " + ln.Addr().String())
		return
	}
	redirect := fmt.Sprintf("http://%s/callback", netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))

	got := make(chan callback, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, req *http.Request) {
		select {
		case got <- callback{method: req.Method, query: req.URL.Query()}:
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, "<!DOCTYPE html><title>Portico doctor</title><p>Doctor received the authorization response. You can close this tab and return to the terminal.</p>")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	// Register doctor's own client, shaped like Claude Code's.
	rctx, rcancel := context.WithTimeout(ctx, r.o.Budget)
	rex := r.postJSON(rctx, reg, map[string]any{
		"client_name": "Portico doctor", "redirect_uris": []string{redirect}, "grant_types": grantsACRT,
		"response_types": []string{"code"}, "token_endpoint_auth_method": "none",
	}, catRegistration)
	rcancel()
	m, _ := rex.object()
	clientID, _ := m["client_id"].(string)
	secret, _ := m["client_secret"].(string)
	if secret != "" {
		r.secrets = append(r.secrets, secret)
	}
	if clientID == "" {
		r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: rex.evidence(), Ref: "RFC 7591",
			Title: "could not register a loopback client for the interactive flow",
			Fix:   "accept public clients with loopback redirect URIs (see the dcr.* findings)"}, nil)
		for _, id := range interactiveIDs[1:] {
			r.skip(id, "interactive authorization", "no client (see flow.callback)")
		}
		return
	}
	verifier, challenge := pkce()
	st := state()
	var scope *string
	if s := r.resourceScope(); s != "" {
		scope = strp(s)
	}
	authURL := buildAuthorize(ae, authzParams{clientID: clientID, redirect: redirect, resource: r.target.String(), challenge: challenge, method: "S256", state: st, scope: scope})

	wait := ia.Wait
	if wait <= 0 {
		wait = 5 * time.Minute
	}
	fmt.Fprintf(r.o.Out, "Open this URL in a browser and approve access:\n\n  %s\n\nWaiting up to %s for the browser to return to %s …\n", authURL, wait, redirect)
	wctx, wcancel := context.WithTimeout(ctx, wait)
	defer wcancel()
	openErr := make(chan error, 1)
	if ia.Open != nil {
		go func() { openErr <- ia.Open(wctx, authURL) }()
	}
	var cb callback
	for received := false; !received; {
		select {
		case cb = <-got:
			received = true
		case err := <-openErr:
			if err != nil {
				r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: shorten(err.Error(), 400), Ref: "CONNECTORS.md §2.5",
					Title: "the browser step failed before reaching the callback",
					Fix:   "complete login and consent; the server must redirect to the registered loopback URI"}, nil)
				r.skipAfterCallback("the browser step failed (see flow.callback)")
				return
			}
		case <-wctx.Done():
			r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: fmt.Sprintf("nothing arrived at %s within %s", redirect, wait), Ref: "CONNECTORS.md §2.5 (claude-ai-mcp#683)",
				Title: "the browser never returned to the callback",
				Fix:   "after consent, redirect with 302/303 to the client's redirect_uri with code and state"}, nil)
			r.skipAfterCallback("no callback (see flow.callback)")
			return
		}
	}
	fmt.Fprintln(r.o.Out, "Callback received.")
	r.judgeCallback(cb, st)

	code := cb.query.Get("code")
	if code == "" || cb.query.Get("error") != "" {
		r.skip("flow.token", "code exchange", "no code (see flow.callback)")
		r.skip("token.response", "token response", "no code (see flow.callback)")
		r.skip("token.refresh", "refresh", "no code (see flow.callback)")
		return
	}
	r.secrets = append(r.secrets, code)
	ectx, ecancel := context.WithTimeout(ctx, r.o.Budget)
	defer ecancel()
	r.exchangeCode(ectx, te, clientID, secret, code, redirect, verifier)
}

func (r *runner) skipAllInteractive(why string) {
	for _, id := range interactiveIDs {
		r.skip(id, "interactive authorization", why)
	}
}

func (r *runner) skipAfterCallback(why string) {
	for _, id := range interactiveIDs[1:] {
		r.skip(id, "interactive authorization", why)
	}
}

func (r *runner) judgeCallback(cb callback, wantState string) {
	q := cb.query
	ev := fmt.Sprintf("%s /callback?%s", cb.method, redactURL("http://x/?" + q.Encode())[len("http://x/?"):])
	if cb.method == http.MethodGet {
		r.add(Finding{ID: "flow.redirect_status", Status: StatusPass, Title: "the browser came back with GET: the consent redirect does not replay a POST", Evidence: ev}, nil)
	} else {
		r.add(Finding{ID: "flow.redirect_status", Status: StatusFail, Evidence: ev, Ref: "CONNECTORS.md §0 item 3, §2.5 (claude-ai-mcp#250, #313, #109)",
			Title: "the browser came back with " + cb.method + ": the consent redirect is a 307/308, and Claude's callback answers 405",
			Fix:   "redirect after consent with 303 See Other (or 302), never 307 or 308"}, nil)
	}
	iss := q.Get("iss")
	issAdvertised, _ := r.as["authorization_response_iss_parameter_supported"].(bool)
	switch {
	case q.Get("error") != "":
		r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: ev, Ref: "RFC 6749 §4.1.2.1",
			Title: fmt.Sprintf("authorization failed: error=%s %s", q.Get("error"), shorten(q.Get("error_description"), 120)),
			Fix:   "see the error description; the request had the shape Claude Code sends"}, nil)
	case q.Get("state") != wantState:
		r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: ev, Ref: "RFC 6749 §4.1.2",
			Title: "the callback's state differs from the one sent; clients reject the response",
			Fix:   "echo state byte for byte"}, nil)
	case q.Get("code") == "":
		r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: ev, Ref: "RFC 6749 §4.1.2",
			Title: "the callback carries no code", Fix: "redirect with ?code=…&state=…"}, nil)
	case issAdvertised && iss == "":
		r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: ev, Ref: "RFC 9207 §2; CONNECTORS.md §0 item 20",
			Title: "authorization_response_iss_parameter_supported is advertised but the response has no iss; ChatGPT and Codex reject it",
			Fix:   "add iss=<issuer> to every authorization response, or stop advertising the flag"}, []string{ClientChatGPT})
	case iss != "" && iss != r.issuer:
		r.add(Finding{ID: "flow.callback", Status: StatusFail, Evidence: ev + "; issuer " + r.issuer, Ref: "RFC 9207 §2.4",
			Title: "the response's iss differs from the issuer", Fix: "send iss equal to the metadata issuer"}, []string{ClientChatGPT})
	default:
		r.add(Finding{ID: "flow.callback", Status: StatusPass, Title: "the callback carries code and the same state" + map[bool]string{true: " and iss", false: ""}[iss != ""], Evidence: ev}, nil)
	}
}

func (r *runner) exchangeCode(ctx context.Context, te, clientID, secret, code, redirect, verifier string) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"code_verifier": {verifier}, "client_id": {clientID}, "resource": {r.target.String()}}
	if secret != "" {
		form.Set("client_secret", secret)
	}
	ex := r.postForm(ctx, te, form, nil, catToken)
	m, err := ex.object()
	access, _ := m["access_token"].(string)
	if !ex.ok() || ex.status != http.StatusOK || err != nil || access == "" {
		r.add(Finding{ID: "flow.token", Status: StatusFail, Evidence: ex.evidence("Content-Type"), Ref: "RFC 6749 §4.1.3; CONNECTORS.md §11.19",
			Title: "exchanging the code (form-encoded, PKCE) failed", Fix: "accept the authorization_code grant as RFC 6749 §4.1.3 and OAuth 2.1 describe it"}, nil)
		r.skip("token.response", "token response", "no token (see flow.token)")
		r.skip("token.refresh", "refresh", "no token (see flow.token)")
		return
	}
	refresh, _ := m["refresh_token"].(string)
	r.secrets = append(r.secrets, access)
	if refresh != "" {
		r.secrets = append(r.secrets, refresh)
	}
	r.token, r.tokenFrom = access, "the interactive flow"
	r.add(Finding{ID: "flow.token", Status: StatusPass, Title: "the code exchange returned an access token", Evidence: ex.evidence()}, nil)
	r.judgeTokenResponse(ex, m)

	if refresh == "" {
		r.skip("token.refresh", "refresh", "no refresh_token was issued (see token.response)")
		return
	}
	rex := r.postForm(ctx, te, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {clientID}}, nil, catRefresh)
	rm, _ := rex.object()
	newAccess, _ := rm["access_token"].(string)
	if rex.ok() && rex.status == http.StatusOK && newAccess != "" {
		r.secrets = append(r.secrets, newAccess)
		if nr, _ := rm["refresh_token"].(string); nr != "" {
			r.secrets = append(r.secrets, nr)
		}
		r.token = newAccess
		r.add(Finding{ID: "token.refresh", Status: StatusPass, Title: "refresh without scope or resource returns a new access token", Evidence: rex.evidence()}, nil)
		return
	}
	r.add(Finding{ID: "token.refresh", Status: StatusFail, Evidence: rex.evidence(), Ref: "CONNECTORS.md §0 item 13, §11.22 (claude-ai-mcp#228)",
		Title: "refreshing (no scope, no resource, as hosted Claude does) failed",
		Fix:   "accept refresh_token grants without scope or resource and rotate the pair"}, nil)
}

func (r *runner) judgeTokenResponse(ex *exchange, m map[string]any) {
	var probs []string
	if tt, _ := m["token_type"].(string); tt != "Bearer" {
		probs = append(probs, fmt.Sprintf("token_type is %q, not \"Bearer\"", tt))
	}
	switch v := m["expires_in"].(type) {
	case nil:
		probs = append(probs, "no expires_in")
	case interface{ Int64() (int64, error) }:
		if n, err := v.Int64(); err != nil || n <= 0 {
			probs = append(probs, "expires_in is not a positive integer")
		}
	default:
		probs = append(probs, "expires_in is not a number")
	}
	if _, ok := m["refresh_token"].(string); !ok {
		probs = append(probs, "no refresh_token (hosted Claude needs one even without offline_access)")
	}
	if cc := strings.ToLower(ex.header.Get("Cache-Control")); !strings.Contains(cc, "no-store") {
		probs = append(probs, "no Cache-Control: no-store")
	}
	if len(probs) == 0 {
		r.add(Finding{ID: "token.response", Status: StatusPass, Title: "token response: Bearer, integer expires_in, refresh_token, no-store", Evidence: ex.evidence("Cache-Control")}, nil)
		return
	}
	r.add(Finding{ID: "token.response", Status: StatusWarn, Evidence: ex.evidence("Cache-Control"), Ref: "RFC 6749 §5.1; CONNECTORS.md §11.19",
		Title: "token response: " + strings.Join(probs, "; "),
		Fix:   `answer {"access_token","token_type":"Bearer","expires_in":<int>,"refresh_token","scope"} with Cache-Control: no-store`}, []string{ClientClaude})
}
