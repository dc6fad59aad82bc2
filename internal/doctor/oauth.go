package doctor

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// resourceScope is the scope string a spec client requests: the challenge's
// scope=, else the PRM's scopes_supported.
func (r *runner) resourceScope() string {
	if r.challengeScope != "" {
		return r.challengeScope
	}
	if r.prm != nil {
		return strings.Join(stringList(r.prm["scopes_supported"]), " ")
	}
	return ""
}

func (r *runner) asString(k string) string {
	if r.as == nil {
		return ""
	}
	s, _ := r.as[k].(string)
	return s
}

func (r *runner) postJSON(ctx context.Context, u string, body any, cat string) *exchange {
	return r.do(ctx, request{method: http.MethodPost, url: u, body: mustJSON(body), cat: cat,
		header: hdr("Content-Type", "application/json", "Accept", "application/json", "User-Agent", uaDiscovery)})
}

func (r *runner) postForm(ctx context.Context, u string, form url.Values, h http.Header, cat string) *exchange {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Accept", "application/json")
	h.Set("User-Agent", uaDiscovery)
	rq := request{method: http.MethodPost, url: u, body: []byte(form.Encode()), header: h, cat: cat}
	if cat == catRefresh {
		rq.timeout = 3 * r.o.Timeout
	}
	return r.do(ctx, rq)
}

// ---- CORS ----

const inspectorOrigin = "http://localhost:6274"

func (r *runner) checkCORS(ctx context.Context) {
	const ref = "CONNECTORS.md §6, §11.7 (routecraftjs/routecraft#320; mcp-memory-service#877)"
	if !r.relevant("cors.preflight", "CORS preflight", ClientInspector) {
		r.skip("cors.expose", "CORS exposes WWW-Authenticate", "concerns only inspector, which was not selected")
		return
	}
	type target struct{ name, url, method, headers string }
	var targets []target
	prm := r.prmURL
	if prm == "" {
		prm = r.origin + wkPRM + r.mcpPath
	}
	targets = append(targets, target{"PRM", prm, "GET", "mcp-protocol-version"})
	if r.asURL != "" {
		targets = append(targets, target{"AS metadata", r.asURL, "GET", "mcp-protocol-version"})
	}
	if u := r.asString("registration_endpoint"); u != "" {
		targets = append(targets, target{"register", u, "POST", "content-type"})
	}
	if u := r.asString("token_endpoint"); u != "" {
		targets = append(targets, target{"token", u, "POST", "content-type"})
	}
	targets = append(targets, target{"MCP", r.target.String(), "POST", "authorization,content-type,mcp-protocol-version,mcp-session-id"})

	var bad, good []string
	var badEv []string
	for _, t := range targets {
		ex := r.do(ctx, request{method: http.MethodOptions, url: t.url, cat: catOther, header: hdr(
			"Origin", inspectorOrigin, "Access-Control-Request-Method", t.method, "Access-Control-Request-Headers", t.headers)})
		if why := preflightProblem(ex, t.headers); why != "" {
			bad = append(bad, t.name+": "+why)
			badEv = append(badEv, ex.evidence("Access-Control-Allow-Origin", "Access-Control-Allow-Headers"))
		} else {
			good = append(good, t.name)
		}
	}
	if len(bad) == 0 {
		r.add(Finding{ID: "cors.preflight", Status: StatusPass, Title: "CORS preflight allowed on " + strings.Join(good, ", "), Evidence: "Origin " + inspectorOrigin}, []string{ClientInspector})
	} else {
		r.add(Finding{ID: "cors.preflight", Status: StatusFail, Evidence: strings.Join(badEv, " | "), Ref: ref,
			Title: "CORS preflight fails (" + strings.Join(bad, "; ") + "); the Inspector's browser OAuth cannot proceed",
			Fix:   "answer OPTIONS without auth on /.well-known/*, /register, /token and the MCP path with Access-Control-Allow-Origin and -Headers"}, []string{ClientInspector})
	}

	h := mcpHeaders()
	h.Set("Origin", inspectorOrigin)
	ex := r.do(ctx, request{method: http.MethodPost, url: r.target.String(), header: h, body: initializeBody("2025-11-25"), cat: catOther})
	acao := ""
	if ex.ok() {
		acao = ex.header.Get("Access-Control-Allow-Origin")
	}
	expose := ""
	if ex.ok() {
		expose = strings.ToLower(strings.Join(ex.header.Values("Access-Control-Expose-Headers"), ","))
	}
	switch {
	case acao != "*" && acao != inspectorOrigin:
		r.add(Finding{ID: "cors.expose", Status: StatusFail, Evidence: ex.evidence("Access-Control-Allow-Origin", "Access-Control-Expose-Headers"), Ref: ref,
			Title: "the 401 carries no Access-Control-Allow-Origin, so a browser client cannot read it",
			Fix:   "send Access-Control-Allow-Origin and Access-Control-Expose-Headers: WWW-Authenticate, Mcp-Session-Id on MCP answers"}, []string{ClientInspector})
	case !strings.Contains(expose, "www-authenticate") && expose != "*":
		r.add(Finding{ID: "cors.expose", Status: StatusFail, Evidence: ex.evidence("Access-Control-Allow-Origin", "Access-Control-Expose-Headers"), Ref: ref + "; modelcontextprotocol discussion #587",
			Title: "WWW-Authenticate is not in Access-Control-Expose-Headers; the Inspector cannot see the challenge",
			Fix:   "add Access-Control-Expose-Headers: WWW-Authenticate, Mcp-Session-Id"}, []string{ClientInspector})
	case !strings.Contains(expose, "mcp-session-id") && expose != "*":
		r.add(Finding{ID: "cors.expose", Status: StatusWarn, Evidence: ex.evidence("Access-Control-Expose-Headers"), Ref: ref,
			Title: "Mcp-Session-Id is not exposed to browser clients",
			Fix:   "add Mcp-Session-Id to Access-Control-Expose-Headers"}, []string{ClientInspector})
	default:
		r.add(Finding{ID: "cors.expose", Status: StatusPass, Title: "the 401 exposes WWW-Authenticate to browser clients", Evidence: ex.evidence("Access-Control-Expose-Headers")}, []string{ClientInspector})
	}
}

// preflightProblem judges a preflight answer per the Fetch standard's CORS
// check: 2xx, a matching Allow-Origin, and every requested header allowed
// ("*" covers all but Authorization).
func preflightProblem(ex *exchange, requested string) string {
	if !ex.ok() {
		return "no answer"
	}
	if ex.status < 200 || ex.status > 299 {
		return fmt.Sprintf("OPTIONS answers %d", ex.status)
	}
	acao := ex.header.Get("Access-Control-Allow-Origin")
	if acao != "*" && acao != inspectorOrigin {
		return "no Access-Control-Allow-Origin"
	}
	allowed := map[string]bool{}
	for _, v := range ex.header.Values("Access-Control-Allow-Headers") {
		for _, h := range strings.Split(v, ",") {
			allowed[strings.ToLower(strings.TrimSpace(h))] = true
		}
	}
	var missing []string
	for _, h := range strings.Split(requested, ",") {
		if allowed[h] || (allowed["*"] && h != "authorization") {
			continue
		}
		missing = append(missing, h)
	}
	if len(missing) > 0 {
		return "headers not allowed: " + strings.Join(missing, ", ")
	}
	return ""
}

// ---- Dynamic client registration ----

var dcrURLFields = []string{"client_uri", "logo_uri", "tos_uri", "policy_uri", "jwks_uri", "initiate_login_uri", "sector_identifier_uri", "software_id", "software_version"}

type dcrResult struct {
	client string
	req    map[string]any
	resp   map[string]any
	ex     *exchange
}

// checkDCR sends each client's registration body. RFC 7591 §3.2.1: "The
// server responds with an HTTP 201 Created status code and a body of type
// application/json".
func (r *runner) checkDCR(ctx context.Context) {
	const ref = "RFC 7591 §3; CONNECTORS.md §11 B"
	aggregates := []string{"dcr.nulls", "dcr.grant_types", "dcr.redirect_uris", "dcr.echo"}
	skipAll := func(why string) {
		for _, p := range profiles() {
			r.skip("dcr."+p.name, "registration with "+p.name+"'s body", why)
		}
		for _, id := range aggregates {
			r.skip(id, "registration answers", why)
		}
	}
	reg := r.asString("registration_endpoint")
	switch {
	case r.o.NoRegister:
		skipAll("registration disabled (Options.NoRegister / --no-register)")
		return
	case reg == "":
		skipAll("no registration_endpoint (see as.registration)")
		return
	}
	var ok []dcrResult
	rtProbe := "" // evidence that refresh_token alone is rejected
	for _, p := range profiles() {
		id := "dcr." + p.name
		if !r.selected[p.name] {
			r.skip(id, "registration with "+p.name+"'s body", "client not selected")
			continue
		}
		st := newProfileState()
		r.states()[p.name] = st
		body := p.body(st)
		ex := r.postJSON(ctx, reg, body, catRegistration)
		m, _ := ex.object()
		cid, _ := m["client_id"].(string)
		title := "registration with " + p.name + "'s body"
		switch {
		case ex.ok() && (ex.status == http.StatusCreated || ex.status == http.StatusOK) && cid != "":
			if ex.status == http.StatusOK {
				r.add(Finding{ID: id, Status: StatusWarn, Evidence: ex.evidence("Content-Type"), Ref: "RFC 7591 §3.2.1",
					Title: title + " answers 200; RFC 7591 says 201 Created", Fix: "answer a successful registration with 201"}, none)
			} else {
				r.add(Finding{ID: id, Status: StatusPass, Title: title + " is accepted (201)", Evidence: ex.evidence("Cache-Control")}, []string{p.name})
			}
			ok = append(ok, dcrResult{client: p.name, req: body, resp: m, ex: ex})
			r.recordRegistration(p, st, body, m)
		default:
			why := ""
			switch {
			case !ex.ok():
				why = "got no answer"
			case ex.is3xx():
				why = fmt.Sprintf("is redirected (%d; a trailing-slash redirect turns POST into GET)", ex.status)
			case cid == "" && ex.status < 300:
				why = "answers without a client_id"
			default:
				why = fmt.Sprintf("is rejected (%d %s)", ex.status, ex.oauthError())
			}
			hint := ""
			if ex.ok() && ex.status >= 400 {
				if rtProbe == "" && hasString(body["grant_types"], "refresh_token") {
					alt := cloneMap(body)
					alt["grant_types"] = []string{"authorization_code"}
					if aex := r.postJSON(ctx, reg, alt, catRegistration); aex.ok() && aex.status < 300 {
						rtProbe = aex.evidence()
						hint = "; the same body without the refresh_token grant is accepted (see dcr.grant_types)"
					}
				}
				if hint == "" {
					if uris := stringsOf(body["redirect_uris"]); hasCustomScheme(uris) {
						alt := cloneMap(body)
						alt["redirect_uris"] = webURIs(uris)
						if aex := r.postJSON(ctx, reg, alt, catRegistration); aex.ok() && aex.status < 300 {
							hint = "; it is accepted without the custom-scheme redirect URI, so reject only that URI, not the registration"
						}
					}
				}
			}
			r.add(Finding{ID: id, Status: StatusFail, Evidence: ex.evidence("Location"), Ref: p.ref + "; " + ref,
				Title: title + " " + why + hint,
				Fix:   "accept this registration body as CONNECTORS.md lists it (register a subset of what is unsupported rather than reject)"}, []string{p.name})
		}
	}
	r.checkDCRAnswers(ok, rtProbe)
}

func (r *runner) states() map[string]*profileState {
	if r.profileStates == nil {
		r.profileStates = map[string]*profileState{}
	}
	return r.profileStates
}

func (r *runner) recordRegistration(p clientProfile, st *profileState, body, resp map[string]any) {
	cid, _ := resp["client_id"].(string)
	secret, _ := resp["client_secret"].(string)
	method, _ := resp["token_endpoint_auth_method"].(string)
	if method == "" {
		method, _ = body["token_endpoint_auth_method"].(string)
	}
	if secret != "" {
		r.secrets = append(r.secrets, secret)
	}
	redirect, _, _ := p.authorize(st, r)
	r.registered[p.name] = &registration{client: p.name, id: cid, secret: secret, method: method, redirectURI: redirect, registered: stringsOf(body["redirect_uris"])}
}

func (r *runner) checkDCRAnswers(ok []dcrResult, rtProbe string) {
	if len(ok) == 0 {
		for _, id := range []string{"dcr.nulls", "dcr.redirect_uris", "dcr.echo"} {
			r.skip(id, "registration answers", "no registration succeeded")
		}
		if rtProbe != "" {
			r.addRTRejected(rtProbe)
		} else {
			r.skip("dcr.grant_types", "registration grant types", "no registration succeeded")
		}
		return
	}
	// Nulls and empty URL strings: Claude Code's (and the TypeScript SDK's)
	// zod schema rejects them (claude-code#52565, #13685).
	var nulls []string
	who := map[string][]string{}
	for _, d := range ok {
		keys := make([]string, 0, len(d.resp))
		for k := range d.resp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, what := d.resp[k], ""
			if v == nil {
				what = fmt.Sprintf("%q is null", k)
			} else if s, isStr := v.(string); isStr && s == "" && contains(dcrURLFields, k) {
				what = fmt.Sprintf("%q is an empty string", k)
			}
			if what == "" {
				continue
			}
			if _, seen := who[what]; !seen {
				nulls = append(nulls, what)
			}
			who[what] = append(who[what], d.client)
		}
	}
	for i, what := range nulls {
		nulls[i] = what + " (answers to " + strings.Join(who[what], ", ") + ")"
	}
	if len(nulls) == 0 {
		r.add(Finding{ID: "dcr.nulls", Status: StatusPass, Title: "registration answers have no null members or empty URL strings", Evidence: ok[0].ex.evidence()}, nil)
	} else {
		r.add(Finding{ID: "dcr.nulls", Status: StatusFail, Evidence: strings.Join(nulls, "; ") + " | " + ok[0].ex.evidence(),
			Ref:   "CONNECTORS.md §0 item 6, §3 (claude-code#52565, #13685)",
			Title: "registration answers contain null or empty-string URL members; Claude Code's schema rejects the whole answer",
			Fix:   "omit members that have no value instead of sending null or \"\""}, []string{ClientClaudeCode, ClientMCPRemote, ClientInspector})
	}

	// Grant types.
	var dropped []string
	for _, d := range ok {
		if !hasString(d.req["grant_types"], "refresh_token") {
			continue
		}
		if g, present := d.resp["grant_types"]; present && !hasString(g, "refresh_token") {
			dropped = append(dropped, d.client)
		}
	}
	switch {
	case rtProbe != "":
		r.addRTRejected(rtProbe)
	case len(dropped) > 0:
		r.add(Finding{ID: "dcr.grant_types", Status: StatusFail, Evidence: "refresh_token missing from the answer for " + strings.Join(dropped, ", "),
			Ref:   "CONNECTORS.md seeds (claude-ai-mcp#18829); RFC 7591 §3.2.1",
			Title: "registration drops the refresh_token grant; clients cannot refresh",
			Fix:   "accept and echo grant_types authorization_code and refresh_token"}, nil)
	default:
		r.add(Finding{ID: "dcr.grant_types", Status: StatusPass, Title: "registration keeps the refresh_token grant", Evidence: fmt.Sprint("grant_types=", ok[0].resp["grant_types"])}, nil)
	}

	// Redirect URIs: every requested one must be registered (Cursor's three).
	var lost []string
	var lostClients []string
	for _, d := range ok {
		got := stringsOf(d.resp["redirect_uris"])
		if d.resp["redirect_uris"] == nil {
			continue
		}
		for _, u := range stringsOf(d.req["redirect_uris"]) {
			if !contains(got, u) {
				lost = append(lost, d.client+": "+u)
				if !contains(lostClients, d.client) {
					lostClients = append(lostClients, d.client)
				}
			}
		}
	}
	if len(lost) == 0 {
		r.add(Finding{ID: "dcr.redirect_uris", Status: StatusPass, Title: "every requested redirect URI is registered", Evidence: fmt.Sprintf("%d registrations checked", len(ok))}, nil)
	} else {
		r.add(Finding{ID: "dcr.redirect_uris", Status: StatusFail, Evidence: "dropped: " + strings.Join(lost, ", "),
			Ref:   "CONNECTORS.md §0 item 8, §8 (erp-mafia/accounted#2225; makeplane/plane-mcp-server#159)",
			Title: "registration drops redirect URIs the client will use (" + strings.Join(lostClients, ", ") + ")",
			Fix:   "register every requested redirect URI, including cursor:// and loopback ones"}, lostClients)
	}

	// Echo: what was registered should be what was asked, within what the
	// AS supports (InsForge/insforge-mcp#104; keeperhub#963).
	var echo []string
	supported := stringList(r.as["grant_types_supported"])
	for _, d := range ok {
		want, _ := d.req["token_endpoint_auth_method"].(string)
		got, _ := d.resp["token_endpoint_auth_method"].(string)
		_, hasSecret := d.resp["client_secret"]
		if want != "" && got != "" && got != want {
			echo = append(echo, fmt.Sprintf("%s: asked %s, got %s", d.client, want, got))
		}
		if (got == "none" || (got == "" && want == "none")) && hasSecret {
			echo = append(echo, d.client+": a client_secret for a public (none) client")
		}
		if strings.HasPrefix(want, "client_secret") && !hasSecret {
			echo = append(echo, d.client+": no client_secret for "+want)
		}
		if _, exp := d.resp["client_secret_expires_at"]; hasSecret && !exp {
			echo = append(echo, d.client+": client_secret without client_secret_expires_at")
		}
		if len(supported) > 0 {
			for _, g := range stringsOf(d.resp["grant_types"]) {
				if !contains(supported, g) {
					echo = append(echo, fmt.Sprintf("%s: grant %q echoed but not in grant_types_supported", d.client, g))
				}
			}
		}
	}
	if len(echo) == 0 {
		r.add(Finding{ID: "dcr.echo", Status: StatusPass, Title: "registration answers echo the requested auth method and only supported values", Evidence: fmt.Sprintf("%d registrations checked", len(ok))}, nil)
	} else {
		r.add(Finding{ID: "dcr.echo", Status: StatusWarn, Evidence: strings.Join(echo, "; "),
			Ref:   "CONNECTORS.md §2.2, §12 (keeperhub/keeperhub#963; InsForge/insforge-mcp#104); RFC 7591 §3.2.1",
			Title: "registration answers differ from what was asked: " + shorten(strings.Join(echo, "; "), 160),
			Fix:   "echo the requested token_endpoint_auth_method, issue a secret only for client_secret_*, with client_secret_expires_at: 0"}, none)
	}
}

func (r *runner) addRTRejected(ev string) {
	r.add(Finding{ID: "dcr.grant_types", Status: StatusFail, Evidence: "without refresh_token: " + ev,
		Ref:   "CONNECTORS.md seeds (claude-ai-mcp#18829); RFC 7591 §3.2.1",
		Title: "registration is rejected because it asks for the refresh_token grant; every client asks for it",
		Fix:   "allow the refresh_token grant in registrations (or register the supported subset instead of answering 400)"}, nil)
}

func hasString(v any, s string) bool { return contains(stringsOf(v), s) }

// stringsOf reads a []string or a decoded JSON array.
func stringsOf(v any) []string {
	switch t := v.(type) {
	case []string:
		return t
	case []any:
		return stringList(t)
	}
	return nil
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func hasCustomScheme(uris []string) bool { return len(webURIs(uris)) < len(uris) }

func webURIs(uris []string) []string {
	var out []string
	for _, u := range uris {
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			out = append(out, u)
		}
	}
	return out
}

// ---- Authorization endpoint ----

type authzParams struct {
	clientID, redirect, resource, challenge, method, state string
	scope                                                  *string
	extra                                                  url.Values
}

func buildAuthorize(endpoint string, p authzParams) string {
	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("client_id", p.clientID)
	q.Set("redirect_uri", p.redirect)
	if p.challenge != "" {
		q.Set("code_challenge", p.challenge)
	}
	if p.method != "" {
		q.Set("code_challenge_method", p.method)
	}
	q.Set("state", p.state)
	if p.scope != nil {
		q.Set("scope", *p.scope)
	}
	if p.resource != "" {
		q.Set("resource", p.resource)
	}
	for k, vs := range p.extra {
		q[k] = vs
	}
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	return endpoint + sep + q.Encode()
}

func (r *runner) getAuthorize(ctx context.Context, u string) *exchange {
	return r.do(ctx, request{method: http.MethodGet, url: u, cat: catOther,
		header: hdr("Accept", "text/html,application/xhtml+xml", "User-Agent", "Mozilla/5.0 (portico-doctor)")})
}

// authzOutcome classifies an authorize answer: accepted (a consent or login
// page, or a code), rejected with an error for the client, or broken.
func authzOutcome(ex *exchange, redirect string) (accepted bool, why string) {
	switch {
	case !ex.ok():
		return false, "no answer"
	case isBotChallenge(ex):
		return false, "a bot challenge page"
	case ex.status == http.StatusOK:
		return true, "shows a page (consent or login)"
	case ex.is3xx():
		loc, err := url.Parse(ex.header.Get("Location"))
		if err != nil {
			return false, "redirects to an unparsable Location"
		}
		if ru, err := url.Parse(redirect); err == nil && loc.Scheme == ru.Scheme && strings.EqualFold(loc.Host, ru.Host) && loc.Path == ru.Path && (loc.Scheme != "" || loc.Host != "") {
			q := loc.Query()
			if e := q.Get("error"); e != "" {
				return false, fmt.Sprintf("redirects to the client with error=%s (%s)", e, shorten(q.Get("error_description"), 100))
			}
			return true, "redirects to the client with a code"
		}
		return true, "redirects to " + shorten(loc.Host+loc.Path, 80) + " (login)"
	default:
		return false, fmt.Sprintf("answers %d", ex.status)
	}
}

func (r *runner) checkAuthorize(ctx context.Context) {
	ae := r.asString("authorization_endpoint")
	for _, p := range profiles() {
		id := "authorize." + p.name
		title := p.name + "'s authorize request"
		if !r.selected[p.name] {
			r.skip(id, title, "client not selected")
			continue
		}
		reg := r.registered[p.name]
		switch {
		case ae == "":
			r.skip(id, title, "no authorization_endpoint (see as.endpoints)")
			continue
		case reg == nil:
			r.skip(id, title, "no registered client (see dcr."+p.name+")")
			continue
		}
		redirect, scope, resource := p.authorize(r.states()[p.name], r)
		_, ch := pkce()
		ap := authzParams{clientID: reg.id, redirect: redirect, resource: resource, challenge: ch, method: "S256", state: state(), scope: scope}
		if p.name == ClientClaude {
			ap.extra = url.Values{"prompt": {"consent"}}
		}
		ex := r.getAuthorize(ctx, buildAuthorize(ae, ap))
		accepted, why := authzOutcome(ex, redirect)
		shape := describeShape(ap)
		if accepted {
			r.add(Finding{ID: id, Status: StatusPass, Title: title + " (" + shape + ") " + why, Evidence: ex.evidence("Location")}, []string{p.name})
			continue
		}
		r.add(Finding{ID: id, Status: StatusFail, Evidence: ex.evidence("Location", "Content-Type"), Ref: p.ref,
			Title: title + " (" + shape + ") " + why,
			Fix:   "accept it: trim and ignore unknown scopes, normalise a trailing-slash resource, match loopback redirect URIs on any port"}, []string{p.name})
	}
	r.checkAuthorizeCIMD(ctx, ae)
	r.checkAuthorizePKCE(ctx, ae)
}

func describeShape(ap authzParams) string {
	var parts []string
	switch {
	case ap.scope == nil:
		parts = append(parts, "no scope")
	default:
		parts = append(parts, fmt.Sprintf("scope=%q", *ap.scope))
	}
	if ap.resource != "" {
		parts = append(parts, "resource="+ap.resource)
	}
	parts = append(parts, "redirect_uri="+ap.redirect)
	return strings.Join(parts, ", ")
}

func (r *runner) checkAuthorizeCIMD(ctx context.Context, ae string) {
	cimd, _ := r.as["client_id_metadata_document_supported"].(bool)
	switch {
	case ae == "" || r.as == nil:
		r.skip("authorize.cimd", "CIMD client IDs at /authorize", "no authorization_endpoint")
		return
	case !cimd:
		r.skip("authorize.cimd", "CIMD client IDs at /authorize", "CIMD not advertised (see as.cimd)")
		return
	}
	var failed, passed, evs []string
	for _, p := range profiles() {
		if p.cimd == nil || !r.selected[p.name] {
			continue
		}
		st := r.states()[p.name]
		if st == nil {
			st = newProfileState()
		}
		_, scope, resource := p.authorize(st, r)
		_, ch := pkce()
		redirect := p.cimdRedirect(st)
		ex := r.getAuthorize(ctx, buildAuthorize(ae, authzParams{clientID: p.cimd(st), redirect: redirect, resource: resource, challenge: ch, method: "S256", state: state(), scope: scope}))
		if ok, why := authzOutcome(ex, redirect); ok {
			passed = append(passed, p.name)
		} else {
			failed = append(failed, p.name)
			evs = append(evs, p.name+": "+why+": "+ex.evidence())
		}
	}
	switch {
	case len(failed) == 0 && len(passed) == 0:
		r.skip("authorize.cimd", "CIMD client IDs at /authorize", "no CIMD client selected")
	case len(failed) == 0:
		r.add(Finding{ID: "authorize.cimd", Status: StatusPass, Title: "CIMD client IDs accepted at /authorize (" + strings.Join(passed, ", ") + ")", Evidence: "client IDs of the published documents"}, passed)
	default:
		r.add(Finding{ID: "authorize.cimd", Status: StatusFail, Evidence: strings.Join(evs, " | "),
			Ref:   "CONNECTORS.md §2.2, §11.16",
			Title: "CIMD is advertised, so these clients use it, but their client IDs are refused: " + strings.Join(failed, ", "),
			Fix:   "fetch the client ID metadata documents (or keep built-in copies of the well-known ones) and match loopback redirects on any port"}, failed)
	}
}

func (r *runner) checkAuthorizePKCE(ctx context.Context, ae string) {
	var reg *registration
	for _, c := range KnownClients() {
		if reg = r.registered[c]; reg != nil {
			break
		}
	}
	if ae == "" || reg == nil {
		r.skip("authorize.pkce", "PKCE enforcement", "no registered client to try it with")
		return
	}
	verifier, _ := pkce()
	plain := r.getAuthorize(ctx, buildAuthorize(ae, authzParams{clientID: reg.id, redirect: reg.redirectURI, challenge: verifier, method: "plain", state: state(), resource: r.target.String()}))
	missing := r.getAuthorize(ctx, buildAuthorize(ae, authzParams{clientID: reg.id, redirect: reg.redirectURI, state: state(), resource: r.target.String()}))
	var accepted []string
	for _, c := range []struct {
		name string
		ex   *exchange
	}{{"code_challenge_method=plain", plain}, {"no code_challenge", missing}} {
		if ok, _ := authzOutcome(c.ex, reg.redirectURI); ok {
			accepted = append(accepted, c.name)
		}
	}
	ev := "plain: " + plain.evidence("Location") + " | missing: " + missing.evidence("Location")
	if len(accepted) == 0 {
		r.add(Finding{ID: "authorize.pkce", Status: StatusPass, Title: "plain and missing PKCE challenges are rejected", Evidence: ev}, nil)
		return
	}
	r.add(Finding{ID: "authorize.pkce", Status: StatusWarn, Evidence: ev, Ref: "OAuth 2.1 §4.1.1; CONNECTORS.md §11.18",
		Title: "the authorization endpoint does not reject " + strings.Join(accepted, " or ") + " up front",
		Fix:   "require code_challenge with code_challenge_method=S256 and answer error=invalid_request otherwise"}, none)
}

// ---- Token endpoint ----

// checkToken probes the token endpoint without a real code. RFC 6749 §4.1.3:
// the client sends its parameters "using the application/x-www-form-urlencoded
// format"; §5.2: an invalid_client answer "MAY return an HTTP 401" — and
// Claude re-registers only on 401 (support.claude.com article 11503834).
func (r *runner) checkToken(ctx context.Context) {
	te := r.asString("token_endpoint")
	if te == "" {
		for _, id := range []string{"token.unknown_client", "token.form", "token.client_auth"} {
			r.skip(id, "token endpoint", "no token_endpoint (see as.endpoints)")
		}
		return
	}
	verifier, _ := pkce()
	unknown := r.postForm(ctx, te, url.Values{
		"grant_type": {"authorization_code"}, "code": {"doctor-invalid-code"}, "redirect_uri": {"https://claude.ai/api/mcp/auth_callback"},
		"code_verifier": {verifier}, "client_id": {"doctor-unknown-" + randHex(6)},
	}, nil, catToken)
	const ucRef = "CONNECTORS.md §0 item 12, §11.21 (support.claude.com article 11503834)"
	uerr := unknown.oauthError()
	switch {
	case unknown.ok() && unknown.status == http.StatusUnauthorized && uerr == "invalid_client":
		r.add(Finding{ID: "token.unknown_client", Status: StatusPass, Title: "an unknown client_id gets 401 invalid_client", Evidence: unknown.evidence()}, nil)
	case unknown.ok() && unknown.status == http.StatusUnsupportedMediaType:
		r.add(Finding{ID: "token.unknown_client", Status: StatusWarn, Evidence: unknown.evidence(), Ref: ucRef,
			Title: "could not check the unknown-client answer: the form body was refused (see token.form)", Fix: "accept form-encoded token requests"}, none)
	case unknown.ok() && uerr == "invalid_client":
		r.add(Finding{ID: "token.unknown_client", Status: StatusWarn, Evidence: unknown.evidence(), Ref: ucRef,
			Title: fmt.Sprintf("an unknown client_id gets %d invalid_client; Claude re-registers only on 401", unknown.status),
			Fix:   "answer invalid_client with HTTP 401"}, []string{ClientClaude})
	default:
		r.add(Finding{ID: "token.unknown_client", Status: StatusFail, Evidence: unknown.evidence(), Ref: ucRef,
			Title: "an unknown client_id does not get 401 invalid_client, so Claude never re-registers a forgotten client",
			Fix:   `answer 401 {"error":"invalid_client"} when the client_id is unknown`}, []string{ClientClaude})
	}

	// Form encoding, with a public client doctor registered.
	var pub *registration
	for _, c := range []string{ClientMCPRemote, ClientInspector, ClientCursor, ClientClaudeCode, ClientVSCode, ClientChatGPT} {
		if reg := r.registered[c]; reg != nil && reg.secret == "" {
			pub = reg
			break
		}
	}
	const formRef = "CONNECTORS.md §0 item 4, §2.6 (claude-ai-mcp#176); RFC 6749 §4.1.3"
	formFix := "accept application/x-www-form-urlencoded at the token endpoint (RFC 6749); JSON may be accepted in addition"
	if pub == nil {
		switch {
		case unknown.ok() && uerr == "invalid_client":
			r.add(Finding{ID: "token.form", Status: StatusPass, Title: "the token endpoint reads form-encoded bodies (it recognised the client_id)", Evidence: unknown.evidence()}, nil)
		case unknown.ok() && unknown.status == http.StatusUnsupportedMediaType:
			r.add(Finding{ID: "token.form", Status: StatusFail, Evidence: unknown.evidence(), Ref: formRef,
				Title: "the token endpoint refuses form-encoded bodies (415)", Fix: formFix}, nil)
		default:
			r.skip("token.form", "form-encoded token requests", "no public client registered and the unknown-client answer is inconclusive")
		}
	} else {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {"doctor-invalid-code"}, "redirect_uri": {pub.redirectURI},
			"code_verifier": {verifier}, "client_id": {pub.id}}
		ex := r.postForm(ctx, te, form, nil, catToken)
		e := ex.oauthError()
		switch {
		case !ex.ok():
			r.add(Finding{ID: "token.form", Status: StatusFail, Evidence: ex.evidence(), Ref: formRef,
				Title: "the token endpoint did not answer a form-encoded request", Fix: "answer token requests within 10 s"}, nil)
		case e == "invalid_grant" || (ex.status == http.StatusUnauthorized && e == "invalid_client"):
			r.add(Finding{ID: "token.form", Status: StatusPass, Title: "the token endpoint reads form-encoded bodies (" + e + " for a made-up code)", Evidence: ex.evidence()}, nil)
		default:
			jm := map[string]string{}
			for k := range form {
				jm[k] = form.Get(k)
			}
			jex := r.postJSON(ctx, te, jm, catToken)
			if ex.status == http.StatusUnsupportedMediaType || (jex.oauthError() == "invalid_grant" && e != "invalid_grant") {
				r.add(Finding{ID: "token.form", Status: StatusFail, Evidence: "form: " + ex.evidence() + " | JSON: " + jex.evidence(), Ref: formRef,
					Title: "the token endpoint refuses form-encoded bodies (only JSON works); Claude sends forms", Fix: formFix}, nil)
			} else {
				r.add(Finding{ID: "token.form", Status: StatusWarn, Evidence: "form: " + ex.evidence() + " | JSON: " + jex.evidence(), Ref: formRef,
					Title: "inconclusive: a made-up code got neither invalid_grant nor invalid_client", Fix: "answer an unknown code with 400 invalid_grant"}, none)
			}
		}
	}
	r.checkClientAuth(ctx, te, verifier)
}

// checkClientAuth checks that a confidential client doctor registered can
// authenticate with client_secret_post and client_secret_basic
// (CONNECTORS.md §11.20).
func (r *runner) checkClientAuth(ctx context.Context, te, verifier string) {
	reg := r.registered[ClientClaude]
	if reg == nil || reg.secret == "" {
		r.skip("token.client_auth", "client_secret_post and client_secret_basic", "no confidential client registered (see dcr.claude)")
		return
	}
	base := url.Values{"grant_type": {"authorization_code"}, "code": {"doctor-invalid-code"}, "redirect_uri": {reg.redirectURI}, "code_verifier": {verifier}}
	post := cloneValues(base)
	post.Set("client_id", reg.id)
	post.Set("client_secret", reg.secret)
	pex := r.postForm(ctx, te, post, nil, catToken)
	basic := http.Header{}
	basic.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(reg.id)+":"+url.QueryEscape(reg.secret))))
	bex := r.postForm(ctx, te, base, basic, catToken)
	ev := "post: " + pex.evidence() + " | basic: " + bex.evidence()
	if pex.status == http.StatusUnsupportedMediaType || bex.status == http.StatusUnsupportedMediaType {
		r.add(Finding{ID: "token.client_auth", Status: StatusWarn, Evidence: ev, Ref: "CONNECTORS.md §11.20",
			Title: "could not check client authentication: the form body was refused (see token.form)", Fix: "accept form-encoded token requests"}, none)
		return
	}
	rejected := func(ex *exchange) bool {
		return !ex.ok() || ex.status == http.StatusUnauthorized || ex.oauthError() == "invalid_client"
	}
	var bad []string
	var affects []string
	if rejected(pex) {
		bad = append(bad, "client_secret_post")
		affects = append(affects, ClientClaude)
	}
	if rejected(bex) {
		bad = append(bad, "client_secret_basic")
		affects = append(affects, ClientClaudeCode)
	}
	if len(bad) == 0 {
		r.add(Finding{ID: "token.client_auth", Status: StatusPass, Title: "the issued client secret works with client_secret_post and client_secret_basic", Evidence: ev}, nil)
		return
	}
	r.add(Finding{ID: "token.client_auth", Status: StatusFail, Evidence: ev, Ref: "CONNECTORS.md §0 item 5, §11.20 (claude-ai-mcp#667; kernel-mcp-server#96)",
		Title: "the client secret just issued is refused with " + strings.Join(bad, " and "),
		Fix:   "accept none, client_secret_post and client_secret_basic whatever was registered; URL-decode Basic credentials"}, affects)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
