package doctor

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

const (
	wkPRM  = "/.well-known/oauth-protected-resource"
	wkAS   = "/.well-known/oauth-authorization-server"
	wkOIDC = "/.well-known/openid-configuration"
)

func discoveryHeaders() http.Header {
	// Hosted Claude's discovery requests (CONNECTORS.md §1, claude-ai-mcp#764).
	return hdr("Accept", "*/*", "MCP-Protocol-Version", "2025-11-25", "User-Agent", uaDiscovery)
}

// fetchDoc GETs a metadata document and says what is wrong with it, if
// anything ("" when it is a 200 JSON object).
func (r *runner) fetchDoc(ctx context.Context, u string) (*exchange, map[string]any, string) {
	ex := r.do(ctx, request{method: http.MethodGet, url: u, header: discoveryHeaders(), cat: catDiscovery})
	switch {
	case !ex.ok():
		return ex, nil, "no answer"
	case isBotChallenge(ex):
		return ex, nil, "a bot challenge page"
	case ex.is3xx():
		return ex, nil, fmt.Sprintf("a %d redirect (discovery must not redirect)", ex.status)
	case ex.status == http.StatusUnauthorized || ex.status == http.StatusForbidden:
		return ex, nil, fmt.Sprintf("%d: the document is behind authentication (it must be public)", ex.status)
	case ex.status != http.StatusOK:
		return ex, nil, fmt.Sprintf("%d instead of 200", ex.status)
	}
	m, err := ex.object()
	if err != nil {
		return ex, nil, "200 but not a JSON object (an HTML catch-all page?)"
	}
	return ex, m, ""
}

// secureURL reports whether u is an absolute https URL, or an http URL on a
// loopback host while the target itself is local.
func (r *runner) secureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	if u.Scheme == "http" && r.local {
		h := u.Hostname()
		if h == "localhost" {
			return true
		}
		if ip, err := netip.ParseAddr(h); err == nil && addrClass(ip) != "public" {
			return true
		}
	}
	return false
}

func (r *runner) checkPRM(ctx context.Context) {
	const ref = "CONNECTORS.md §11.2–3; RFC 9728 §3"
	rootURL := r.origin + wkPRM
	pathURL := rootURL + r.mcpPath

	type probe struct {
		ex      *exchange
		doc     map[string]any
		problem string
	}
	fetched := map[string]probe{}
	get := func(u string) probe {
		if p, ok := fetched[u]; ok {
			return p
		}
		ex, doc, problem := r.fetchDoc(ctx, u)
		p := probe{ex, doc, problem}
		fetched[u] = p
		return p
	}
	path := get(pathURL)
	root := get(rootURL)

	// The resource_metadata from the challenge.
	rmOK := false
	var rm probe
	if r.challengeRM != "" {
		rmURL, err := url.Parse(r.challengeRM)
		switch {
		case err != nil || !rmURL.IsAbs():
			r.add(Finding{ID: "challenge.resource_metadata", Status: StatusFail, Evidence: "resource_metadata=" + r.challengeRM,
				Ref:   "CONNECTORS.md §0 item 1 (claude-ai-mcp#136, #199, #490)",
				Title: "resource_metadata is a relative URL; hosted Claude silently rejects it",
				Fix:   "send the absolute URL: resource_metadata=\"" + pathURL + "\""}, []string{ClientClaude})
		case !r.secureURL(r.challengeRM):
			r.add(Finding{ID: "challenge.resource_metadata", Status: StatusFail, Evidence: "resource_metadata=" + r.challengeRM,
				Ref:   "CONNECTORS.md §0 item 1; seeds: http resource_metadata hangs on port 80",
				Title: "resource_metadata is not an https URL",
				Fix:   "send an https URL (behind a proxy, configure the public URL instead of trusting the request scheme)"}, []string{ClientClaude})
		default:
			rm = get(r.challengeRM)
			if rm.problem != "" {
				r.add(Finding{ID: "challenge.resource_metadata", Status: StatusFail, Evidence: rm.ex.evidence("Content-Type"),
					Ref:   ref,
					Title: "resource_metadata does not resolve: " + rm.problem,
					Fix:   "serve the PRM JSON publicly at the URL the challenge names"}, nil)
			} else {
				rmOK = true
				r.add(Finding{ID: "challenge.resource_metadata", Status: StatusPass, Title: "resource_metadata is absolute https and resolves", Evidence: rm.ex.evidence()}, nil)
			}
		}
	} else {
		r.skip("challenge.resource_metadata", "resource_metadata resolves", "the challenge has no resource_metadata (see challenge.header)")
	}

	anyPRM := rmOK || path.problem == "" || root.problem == ""
	affectsAll := func(list []string) []string {
		if !anyPRM {
			return nil
		}
		return list
	}
	if pathURL == rootURL {
		r.skip("prm.path", "path-inserted PRM", "the MCP URL has no path, so the path-inserted PRM is the root one (see prm.root)")
	} else if path.problem == "" {
		r.add(Finding{ID: "prm.path", Status: StatusPass, Title: "PRM served at the path-inserted URL", Evidence: path.ex.evidence()}, nil)
	} else {
		fix := "serve the PRM JSON at " + pathURL + ", public, no redirect"
		if strings.HasPrefix(path.problem, "401") || strings.HasPrefix(path.problem, "403") {
			fix = "exempt /.well-known/oauth-protected-resource* from the auth middleware: the PRM must answer 200 without a token"
		}
		r.add(Finding{ID: "prm.path", Status: StatusFail, Evidence: path.ex.evidence("Content-Type", "WWW-Authenticate", "Location"),
			Ref:   ref + " (claude-ai-mcp#716, #490)",
			Title: "the path-inserted PRM answers " + path.problem + "; hosted Claude then falls back to <origin>/authorize",
			Fix:   fix}, affectsAll([]string{ClientClaude}))
	}
	if root.problem == "" {
		r.add(Finding{ID: "prm.root", Status: StatusPass, Title: "PRM served at the root well-known URL", Evidence: root.ex.evidence()}, nil)
	} else {
		st, affects := StatusFail, affectsAll([]string{ClientChatGPT})
		if rmOK {
			st, affects = StatusWarn, none
		}
		fix := "serve the PRM JSON at " + rootURL + " as well"
		if strings.HasPrefix(root.problem, "401") || strings.HasPrefix(root.problem, "403") {
			fix = "exempt /.well-known/oauth-protected-resource* from the auth middleware: the PRM must answer 200 without a token"
		}
		r.add(Finding{ID: "prm.root", Status: st, Evidence: root.ex.evidence("Content-Type", "WWW-Authenticate", "Location"),
			Ref:   ref + " (jimprosser/obsidian-web-mcp#20; ChatGPT auth doc)",
			Title: "the root PRM answers " + root.problem,
			Fix:   fix}, affects)
	}

	switch {
	case rmOK:
		r.prm, r.prmURL = rm.doc, r.challengeRM
	case path.problem == "":
		r.prm, r.prmURL = path.doc, pathURL
	case root.problem == "":
		r.prm, r.prmURL = root.doc, rootURL
	}
	if r.prm == nil {
		r.issuer = r.origin
		why := "no PRM document (see prm.path, prm.root); falling back to the MCP origin as the authorization server, as 2025-03-26 clients do"
		r.skip("prm.resource", "PRM resource", why)
		r.skip("prm.authorization_servers", "PRM authorization_servers", why)
		r.skip("prm.fields", "PRM fields", why)
		return
	}
	r.checkPRMResource()
	r.checkPRMServers()
	r.checkPRMFields()
}

// sameURL compares two URLs with case-insensitive scheme and host.
func sameURL(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		ua.EscapedPath() == ub.EscapedPath() && ua.RawQuery == ub.RawQuery
}

// checkPRMResource — RFC 9728 §3.3: "The resource value returned MUST be
// identical to the protected resource's resource identifier value into which
// the well-known URI path suffix was inserted".
func (r *runner) checkPRMResource() {
	const ref = "CONNECTORS.md §2.4, §11.2 (claude-ai-mcp#199, #299); RFC 9728 §3.3"
	res, _ := r.prm["resource"].(string)
	want := r.target.String()
	ev := fmt.Sprintf("PRM %s: resource=%q; MCP URL %q", r.prmURL, res, want)
	switch {
	case res == "":
		r.add(Finding{ID: "prm.resource", Status: StatusFail, Evidence: ev, Ref: ref,
			Title: "the PRM has no resource", Fix: "set resource to the MCP URL: " + want}, nil)
	case sameURL(res, want):
		r.add(Finding{ID: "prm.resource", Status: StatusPass, Title: "PRM resource equals the MCP URL", Evidence: ev}, nil)
	case sameURL(strings.TrimSuffix(res, "/"), strings.TrimSuffix(want, "/")):
		r.add(Finding{ID: "prm.resource", Status: StatusWarn, Evidence: ev, Ref: ref,
			Title: "PRM resource differs from the MCP URL by a trailing slash; clients bind the token audience to it",
			Fix:   "make resource exactly " + want}, none)
	default:
		ru, err := url.Parse(res)
		if err == nil && strings.EqualFold(ru.Host, r.target.Host) && strings.HasPrefix(r.target.EscapedPath(), strings.TrimSuffix(ru.EscapedPath(), "/")) {
			r.add(Finding{ID: "prm.resource", Status: StatusWarn, Evidence: ev, Ref: ref,
				Title: "PRM resource is a prefix of the MCP URL; hosted Claude expects the exact URL the user entered",
				Fix:   "make resource exactly " + want}, []string{ClientClaude})
			return
		}
		r.add(Finding{ID: "prm.resource", Status: StatusFail, Evidence: ev, Ref: ref,
			Title: "PRM resource does not match the MCP URL (host or path differ): clients reject it or the token audience mismatches",
			Fix:   "make resource exactly " + want + " (behind a proxy, configure the public URL)"}, nil)
	}
}

func (r *runner) checkPRMServers() {
	const ref = "RFC 9728 §2; CONNECTORS.md §1 (hosted Claude uses only the first entry)"
	list, _ := r.prm["authorization_servers"].([]any)
	ev := fmt.Sprintf("PRM %s: authorization_servers=%s", r.prmURL, shorten(fmt.Sprint(list), 200))
	var first string
	if len(list) > 0 {
		first, _ = list[0].(string)
	}
	switch {
	case first == "":
		r.issuer = r.origin
		r.add(Finding{ID: "prm.authorization_servers", Status: StatusFail, Evidence: ev, Ref: ref,
			Title: "the PRM lists no authorization server",
			Fix:   `set "authorization_servers": ["<issuer URL>"]`}, nil)
		return
	case !r.secureURL(first):
		r.issuer = first
		r.add(Finding{ID: "prm.authorization_servers", Status: StatusFail, Evidence: ev, Ref: ref,
			Title: "the first authorization server is not an absolute https URL",
			Fix:   "list the issuer as an absolute https URL, e.g. " + r.origin}, nil)
		return
	}
	r.issuer = first
	if len(list) > 1 {
		r.add(Finding{ID: "prm.authorization_servers", Status: StatusWarn, Evidence: ev, Ref: ref,
			Title: "the PRM lists several authorization servers; hosted Claude uses only the first",
			Fix:   "list only the authorization server you want clients to use"}, []string{ClientClaude})
		return
	}
	r.add(Finding{ID: "prm.authorization_servers", Status: StatusPass, Title: "one absolute authorization server", Evidence: ev}, nil)
}

func (r *runner) checkPRMFields() {
	var probs []string
	if s, _ := r.prm["scopes_supported"].([]any); len(s) == 0 {
		probs = append(probs, "no scopes_supported (Claude then requests every scope the AS lists)")
	}
	if b, ok := r.prm["bearer_methods_supported"].([]any); ok && !containsAny(b, "header") {
		probs = append(probs, `bearer_methods_supported lacks "header"`)
	}
	for k, v := range r.prm {
		if v == nil {
			probs = append(probs, k+" is null")
		}
	}
	if len(probs) == 0 {
		r.add(Finding{ID: "prm.fields", Status: StatusPass, Title: "PRM lists scopes and has no null members", Evidence: "PRM " + r.prmURL}, nil)
		return
	}
	r.add(Finding{ID: "prm.fields", Status: StatusWarn, Evidence: "PRM " + r.prmURL + ": " + strings.Join(probs, "; "),
		Ref:   "CONNECTORS.md §11.2 (tldraw/tldraw#10612)",
		Title: "PRM fields: " + strings.Join(probs, "; "),
		Fix:   `list "scopes_supported" and "bearer_methods_supported":["header"], and omit members rather than send null`}, []string{ClientClaude})
}

func containsAny(list []any, s string) bool {
	for _, x := range list {
		if v, ok := x.(string); ok && v == s {
			return true
		}
	}
	return false
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// checkAS fetches the authorization server metadata at each URL clients
// derive from the issuer and checks the document.
func (r *runner) checkAS(ctx context.Context) {
	const ref = "RFC 8414 §3; CONNECTORS.md §1, §11.4"
	iu, err := url.Parse(r.issuer)
	if err != nil || iu.Host == "" {
		r.add(Finding{ID: "as.rfc8414", Status: StatusFail, Evidence: "issuer " + r.issuer, Ref: ref,
			Title: "the authorization server URL cannot be parsed", Fix: "list an absolute https issuer in the PRM"}, nil)
		r.skipAS("no usable issuer (see as.rfc8414)")
		return
	}
	origin := iu.Scheme + "://" + iu.Host
	ipath := strings.TrimSuffix(iu.EscapedPath(), "/")

	rfcURL := origin + wkAS + ipath
	oidcURLs := []string{origin + wkOIDC + ipath}
	if ipath != "" {
		oidcURLs = append(oidcURLs, origin+ipath+wkOIDC)
	}
	rfcEx, rfcDoc, rfcProb := r.fetchDoc(ctx, rfcURL)
	var oidcDoc map[string]any
	var oidcURL string
	var oidcEv []string
	for _, u := range oidcURLs {
		ex, doc, prob := r.fetchDoc(ctx, u)
		if prob == "" && oidcDoc == nil {
			oidcDoc, oidcURL = doc, u
		}
		if prob != "" {
			oidcEv = append(oidcEv, ex.evidence("Content-Type"))
		}
	}

	switch {
	case rfcProb == "":
		r.add(Finding{ID: "as.rfc8414", Status: StatusPass, Title: "RFC 8414 metadata served for the issuer", Evidence: rfcEx.evidence()}, nil)
	case oidcDoc == nil:
		r.add(Finding{ID: "as.rfc8414", Status: StatusFail, Evidence: rfcEx.evidence("Content-Type", "Location"), Ref: ref,
			Title: "no authorization server metadata: " + rfcURL + " answers " + rfcProb + " and OpenID discovery fails too",
			Fix:   "serve the AS metadata JSON at " + rfcURL}, nil)
	case ipath == "":
		r.add(Finding{ID: "as.rfc8414", Status: StatusFail, Evidence: rfcEx.evidence("Content-Type", "Location"),
			Ref:   ref + " (jztan/redmine-mcp-server#188; claude-code#95270)",
			Title: "RFC 8414 metadata answers " + rfcProb + "; only OpenID discovery works, and Cursor and Claude Code read only RFC 8414",
			Fix:   "serve the same document at " + rfcURL}, []string{ClientCursor, ClientClaudeCode})
	default:
		r.add(Finding{ID: "as.rfc8414", Status: StatusWarn, Evidence: rfcEx.evidence("Content-Type", "Location"), Ref: ref,
			Title: "RFC 8414 metadata answers " + rfcProb + "; spec clients fall through to OpenID discovery",
			Fix:   "serve the same document at " + rfcURL}, none)
	}
	if oidcDoc != nil {
		r.add(Finding{ID: "as.oidc", Status: StatusPass, Title: "OpenID discovery served for the issuer", Evidence: "GET " + oidcURL + " → 200"}, nil)
	} else {
		r.add(Finding{ID: "as.oidc", Status: StatusWarn, Evidence: strings.Join(oidcEv, " | "), Ref: ref + " (typescript-sdk#616)",
			Title: "no OpenID discovery document; clients that probe only openid-configuration fail",
			Fix:   "serve the same document at " + oidcURLs[0]}, none)
	}

	doc, docURL := rfcDoc, rfcURL
	if doc == nil {
		doc, docURL = oidcDoc, oidcURL
	}

	// Issuer with a path: the root document Cursor and Claude Code read.
	if ipath == "" {
		r.skip("as.root", "root AS metadata", "the issuer has no path, so the root document is the RFC 8414 one (see as.rfc8414)")
		r.add(Finding{ID: "as.issuer_path", Status: StatusPass, Title: "the issuer has no path", Evidence: "issuer " + r.issuer}, nil)
	} else {
		r.add(Finding{ID: "as.issuer_path", Status: StatusWarn, Evidence: "issuer " + r.issuer,
			Ref:   "CONNECTORS.md §0 item 2 (claude-ai-mcp#82, #214, #376)",
			Title: "the issuer has a path; hosted Claude mishandles such issuers and falls back to <origin>/authorize",
			Fix:   "put the issuer at the origin root, with /authorize, /token and /register at the root"}, []string{ClientClaude})
		rootURL := origin + wkAS
		ex, rootDoc, prob := r.fetchDoc(ctx, rootURL)
		switch {
		case prob != "":
			r.add(Finding{ID: "as.root", Status: StatusFail, Evidence: ex.evidence("Content-Type", "Location"),
				Ref:   "CONNECTORS.md §1, §8 (jztan/redmine-mcp-server#188; claude-code#95270)",
				Title: "the issuer has a path and " + rootURL + " answers " + prob + "; Cursor and Claude Code look only there",
				Fix:   "also serve the AS metadata at " + rootURL + " (or move the issuer to the origin root)"}, []string{ClientCursor, ClientClaudeCode})
		default:
			if iss, _ := rootDoc["issuer"].(string); iss != r.issuer {
				r.add(Finding{ID: "as.root", Status: StatusWarn, Evidence: ex.evidence(),
					Ref:   "CONNECTORS.md §1",
					Title: "the root AS metadata describes another issuer (" + iss + "); Cursor and Claude Code will use that one",
					Fix:   "serve the issuer's own document at " + rootURL}, []string{ClientCursor, ClientClaudeCode})
			} else {
				r.add(Finding{ID: "as.root", Status: StatusPass, Title: "AS metadata also served at the origin root", Evidence: ex.evidence()}, nil)
			}
			if doc == nil {
				doc, docURL = rootDoc, rootURL
			}
		}
	}

	r.checkASVariants(ctx, origin, ipath)

	if doc == nil {
		r.skipAS("no AS metadata document (see as.rfc8414)")
		return
	}
	r.as, r.asURL = doc, docURL
	r.checkASDoc()
	r.checkRootEndpoints(ctx)
}

// checkASVariants probes the MCP-path-aware metadata URLs some clients try
// even for a path-less issuer (CONNECTORS.md §11.4, claude-ai-mcp#376).
func (r *runner) checkASVariants(ctx context.Context, asOrigin, ipath string) {
	if ipath != "" || r.mcpPath == "" || !strings.EqualFold(asOrigin, r.origin) {
		r.skip("as.variants", "MCP-path AS metadata variants", "the issuer has a path or lives on another origin")
		return
	}
	var missing []string
	for _, p := range []string{wkAS + r.mcpPath, wkOIDC + r.mcpPath, r.mcpPath + wkOIDC, r.mcpPath + wkAS} {
		ex, _, prob := r.fetchDoc(ctx, r.origin+p)
		if prob != "" {
			missing = append(missing, fmt.Sprintf("%s (%s)", p, statusWord(ex)))
		}
	}
	if len(missing) == 0 {
		r.add(Finding{ID: "as.variants", Status: StatusPass, Title: "AS metadata also served at the MCP-path variants", Evidence: "4 variants answer 200 JSON"}, nil)
		return
	}
	r.add(Finding{ID: "as.variants", Status: StatusWarn, Evidence: "missing: " + strings.Join(missing, ", "),
		Ref:   "CONNECTORS.md §1, §11.4 (claude-ai-mcp#376; apify/mcpc#3)",
		Title: "AS metadata is missing at MCP-path variants some clients probe",
		Fix:   "serve the same AS document at every well-known variant"}, none)
}

func statusWord(ex *exchange) string {
	if ex.err != nil {
		if ex.timedOut {
			return "timeout"
		}
		return "error"
	}
	return fmt.Sprint(ex.status)
}

func (r *runner) skipAS(why string) {
	for _, id := range []string{"as.issuer", "as.pkce", "as.endpoints", "as.registration", "as.cimd", "as.auth_methods", "as.grants", "as.root_endpoints"} {
		r.skip(id, "not checked", why)
	}
}

func (r *runner) checkASDoc() {
	d := r.as
	ev := func(s string) string { return "AS " + r.asURL + ": " + s }

	// issuer — RFC 8414 §3.3: "The issuer value returned MUST be identical to
	// the authorization server's issuer identifier value into which the
	// well-known URI string was inserted".
	iss, _ := d["issuer"].(string)
	switch {
	case iss == r.issuer && r.secureURL(iss):
		r.add(Finding{ID: "as.issuer", Status: StatusPass, Title: "issuer matches the authorization server URL", Evidence: ev("issuer=" + iss)}, nil)
	case iss != "" && !r.secureURL(iss):
		r.add(Finding{ID: "as.issuer", Status: StatusFail, Evidence: ev(fmt.Sprintf("issuer=%q, expected %q", iss, r.issuer)), Ref: "RFC 8414 §2, §3.3",
			Title: "issuer is not an https URL (and so does not match the authorization server URL)",
			Fix:   "set issuer to exactly " + r.issuer + " (behind a proxy, configure the public https URL)"}, nil)
	case strings.TrimSuffix(iss, "/") == strings.TrimSuffix(r.issuer, "/"):
		r.add(Finding{ID: "as.issuer", Status: StatusWarn, Evidence: ev(fmt.Sprintf("issuer=%q, PRM says %q", iss, r.issuer)), Ref: "RFC 8414 §3.3",
			Title: "issuer and the PRM's authorization server differ by a trailing slash; strict clients reject this",
			Fix:   "use the identical string in both documents"}, none)
	default:
		r.add(Finding{ID: "as.issuer", Status: StatusFail, Evidence: ev(fmt.Sprintf("issuer=%q, expected %q", iss, r.issuer)), Ref: "RFC 8414 §3.3",
			Title: "issuer does not match the URL the metadata was derived from",
			Fix:   "set issuer to exactly " + r.issuer}, nil)
	}

	// PKCE — MCP 2025-11-25: clients MUST refuse metadata without
	// code_challenge_methods_supported.
	methods := stringList(d["code_challenge_methods_supported"])
	switch {
	case contains(methods, "S256"):
		r.add(Finding{ID: "as.pkce", Status: StatusPass, Title: "S256 PKCE advertised", Evidence: ev(fmt.Sprint("code_challenge_methods_supported=", methods))}, nil)
	default:
		r.add(Finding{ID: "as.pkce", Status: StatusFail, Evidence: ev(fmt.Sprint("code_challenge_methods_supported=", methods)),
			Ref:   "MCP 2025-11-25 authorization §Authorization Code Protection; RFC 8414 §2",
			Title: "S256 is not in code_challenge_methods_supported; MCP clients refuse such an authorization server",
			Fix:   `add "code_challenge_methods_supported": ["S256"]`}, nil)
	}

	// Endpoints.
	var bad []string
	for _, k := range []string{"authorization_endpoint", "token_endpoint"} {
		if v, _ := d[k].(string); !r.secureURL(v) {
			bad = append(bad, fmt.Sprintf("%s=%q", k, v))
		}
	}
	for _, k := range []string{"registration_endpoint", "revocation_endpoint"} {
		if v, ok := d[k].(string); ok && !r.secureURL(v) {
			bad = append(bad, fmt.Sprintf("%s=%q", k, v))
		}
	}
	if len(bad) == 0 {
		r.add(Finding{ID: "as.endpoints", Status: StatusPass, Title: "endpoints are absolute https URLs", Evidence: ev(fmt.Sprintf("authorization_endpoint=%v token_endpoint=%v", d["authorization_endpoint"], d["token_endpoint"]))}, nil)
	} else {
		r.add(Finding{ID: "as.endpoints", Status: StatusFail, Evidence: ev(strings.Join(bad, ", ")), Ref: "RFC 8414 §2",
			Title: "missing or non-https endpoints: " + strings.Join(bad, ", "),
			Fix:   "advertise absolute https URLs for every endpoint"}, nil)
	}

	// Registration: DCR or CIMD.
	reg, _ := d["registration_endpoint"].(string)
	cimd, _ := d["client_id_metadata_document_supported"].(bool)
	auth := stringList(d["token_endpoint_auth_methods_supported"])
	switch {
	case reg != "":
		r.add(Finding{ID: "as.registration", Status: StatusPass, Title: "dynamic client registration advertised", Evidence: ev("registration_endpoint=" + reg)}, nil)
	case cimd:
		r.add(Finding{ID: "as.registration", Status: StatusFail, Evidence: ev("no registration_endpoint; client_id_metadata_document_supported=true"),
			Ref:   "CONNECTORS.md §5, §6, §8",
			Title: "no registration_endpoint: clients without CIMD (Cursor, mcp-remote, Inspector v1) cannot register",
			Fix:   "add dynamic client registration (RFC 7591) next to CIMD"}, []string{ClientCursor, ClientMCPRemote, ClientInspector})
	default:
		r.add(Finding{ID: "as.registration", Status: StatusFail, Evidence: ev("no registration_endpoint and no client_id_metadata_document_supported"),
			Ref:   "CONNECTORS.md §1 (render-oss/render-mcp-server#25; claude-ai-mcp#433)",
			Title: "neither DCR nor CIMD: Claude Code says \"Incompatible auth server\", Claude asks for a client ID",
			Fix:   "support dynamic client registration (RFC 7591) and advertise registration_endpoint"}, nil)
	}
	switch {
	case cimd && contains(auth, "none"):
		r.add(Finding{ID: "as.cimd", Status: StatusPass, Title: "CIMD advertised with \"none\" auth, so Claude will use it", Evidence: ev("client_id_metadata_document_supported=true")}, nil)
	case cimd:
		r.add(Finding{ID: "as.cimd", Status: StatusWarn, Evidence: ev(fmt.Sprint("token_endpoint_auth_methods_supported=", auth)),
			Ref:   "CONNECTORS.md §2.2",
			Title: "CIMD is advertised but \"none\" is not an auth method, so Claude ignores CIMD and uses DCR",
			Fix:   `add "none" to token_endpoint_auth_methods_supported`}, none)
	default:
		r.add(Finding{ID: "as.cimd", Status: StatusWarn, Evidence: ev("client_id_metadata_document_supported absent"),
			Ref:   "CONNECTORS.md §0 item 9, §2.2",
			Title: "no Client ID Metadata Document support; Claude, Claude Code, VS Code and ChatGPT fall back to DCR",
			Fix:   `support CIMD and advertise "client_id_metadata_document_supported": true with "none" in token_endpoint_auth_methods_supported`}, none)
	}

	var authProbs []string
	if len(auth) == 0 {
		authProbs = append(authProbs, "token_endpoint_auth_methods_supported absent (RFC 8414 default: client_secret_basic only)")
	} else if !contains(auth, "none") {
		authProbs = append(authProbs, `"none" not listed; public clients (Claude Code, VS Code, Cursor, mcp-remote, Inspector) use it`)
	}
	if contains(auth, "private_key_jwt") {
		authProbs = append(authProbs, "private_key_jwt is listed: ChatGPT will use it, so it must really work")
	}
	if len(authProbs) == 0 {
		r.add(Finding{ID: "as.auth_methods", Status: StatusPass, Title: "token endpoint auth methods include none", Evidence: ev(fmt.Sprint("token_endpoint_auth_methods_supported=", auth))}, nil)
	} else {
		r.add(Finding{ID: "as.auth_methods", Status: StatusWarn, Evidence: ev(fmt.Sprint("token_endpoint_auth_methods_supported=", auth)),
			Ref:   "CONNECTORS.md §0 item 5, §4.1, §11.4",
			Title: strings.Join(authProbs, "; "),
			Fix:   `advertise ["none","client_secret_post","client_secret_basic"] and accept all three`}, none)
	}

	grants := stringList(d["grant_types_supported"])
	rtypes := stringList(d["response_types_supported"])
	var gp []string
	failG := false
	if len(rtypes) > 0 && !contains(rtypes, "code") {
		gp = append(gp, `response_types_supported lacks "code"`)
		failG = true
	}
	if len(grants) > 0 && !contains(grants, "authorization_code") {
		gp = append(gp, `grant_types_supported lacks "authorization_code"`)
		failG = true
	}
	if len(grants) > 0 && !contains(grants, "refresh_token") {
		gp = append(gp, `grant_types_supported lacks "refresh_token" (hosted Claude needs long-lived access then)`)
	}
	switch {
	case len(gp) == 0:
		r.add(Finding{ID: "as.grants", Status: StatusPass, Title: "authorization_code and refresh_token grants, code response type", Evidence: ev(fmt.Sprint("grant_types_supported=", grants))}, nil)
	case failG:
		r.add(Finding{ID: "as.grants", Status: StatusFail, Evidence: ev(fmt.Sprint("grant_types_supported=", grants, " response_types_supported=", rtypes)), Ref: "RFC 8414 §2; OAuth 2.1",
			Title: strings.Join(gp, "; "), Fix: `advertise "response_types_supported":["code"] and "grant_types_supported":["authorization_code","refresh_token"]`}, nil)
	default:
		r.add(Finding{ID: "as.grants", Status: StatusWarn, Evidence: ev(fmt.Sprint("grant_types_supported=", grants)), Ref: "CONNECTORS.md §0 item 13",
			Title: strings.Join(gp, "; "), Fix: "support and advertise the refresh_token grant"}, []string{ClientClaude})
	}
}

// checkRootEndpoints probes <MCP origin>/authorize, /token and /register
// when the advertised endpoints live elsewhere: hosted Claude synthesises
// them when discovery does not fully resolve (CONNECTORS.md §11.5).
func (r *runner) checkRootEndpoints(ctx context.Context) {
	const ref = "CONNECTORS.md §0 item 2, §11.5 (claude-ai-mcp#82, #199, #716)"
	if iu, err := url.Parse(r.issuer); err != nil || !strings.EqualFold(iu.Scheme+"://"+iu.Host, r.origin) {
		r.skip("as.root_endpoints", "origin-root fallback endpoints", "the authorization server is on another origin; clients use its advertised endpoints once discovery resolves")
		return
	}
	want := map[string]string{"authorize": "authorization_endpoint", "token": "token_endpoint", "register": "registration_endpoint"}
	var elsewhere []string
	for _, name := range []string{"authorize", "token", "register"} {
		adv, _ := r.as[want[name]].(string)
		if !sameURL(adv, r.origin+"/"+name) {
			elsewhere = append(elsewhere, name)
		}
	}
	if len(elsewhere) == 0 {
		r.add(Finding{ID: "as.root_endpoints", Status: StatusPass, Title: "authorize, token and register are at the MCP origin root", Evidence: "origin " + r.origin}, nil)
		return
	}
	var missing, evs []string
	for _, name := range elsewhere {
		method := http.MethodGet
		ex := r.do(ctx, request{method: method, url: r.origin + "/" + name, header: hdr("User-Agent", uaDiscovery), cat: catOther})
		if !ex.ok() || ex.status == http.StatusNotFound {
			missing = append(missing, "/"+name)
			evs = append(evs, ex.evidence())
		}
	}
	if len(missing) == 0 {
		r.add(Finding{ID: "as.root_endpoints", Status: StatusPass, Title: "the origin root answers /authorize, /token and /register as fallbacks", Evidence: "origin " + r.origin}, nil)
		return
	}
	r.add(Finding{ID: "as.root_endpoints", Status: StatusWarn, Evidence: strings.Join(evs, " | "), Ref: ref,
		Title: "no fallback at the MCP origin root (" + strings.Join(missing, ", ") + "); hosted Claude synthesises these when discovery falters",
		Fix:   "alias /authorize, /token and /register at the origin root"}, []string{ClientClaude})
}
