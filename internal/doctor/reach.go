package doctor

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// hosted are the clients that connect from their vendor's cloud, not from
// the user's machine.
var hosted = []string{ClientClaude, ClientChatGPT}

// addrClass sorts an address into what hosted Claude accepts.
func addrClass(ip netip.Addr) string {
	ip = ip.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate(), cgnat.Contains(ip):
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "non-routable"
	default:
		return "public"
	}
}

// localHostName reports names that never resolve publicly.
func localHostName(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".local") ||
		strings.HasSuffix(h, ".internal") || strings.HasSuffix(h, ".lan") || strings.HasSuffix(h, ".home.arpa")
}

func (r *runner) checkReach(ctx context.Context) {
	const dnsRef = "CONNECTORS.md §2.1, §11.37 (claude.com/docs/connectors/building/troubleshooting)"
	host := r.target.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		lctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
		ips, err := r.o.Resolver.LookupNetIP(lctx, "ip", host)
		cancel()
		if err != nil {
			r.add(Finding{ID: "reach.dns", Status: StatusFail, Title: "the MCP host name does not resolve",
				Evidence: fmt.Sprintf("lookup %s: %v", host, err), Ref: dnsRef,
				Fix: "publish an A record for the host (and check for typos in the URL)"}, nil)
			r.local = localHostName(host)
			r.checkScheme()
			return
		}
		addrs = ips
	}
	classes := map[string][]string{}
	v4 := false
	for i, a := range addrs {
		a = a.Unmap()
		addrs[i] = a
		c := addrClass(a)
		classes[c] = append(classes[c], a.String())
		if a.Unmap().Is4() {
			v4 = true
		}
	}
	var parts []string
	for _, c := range []string{"public", "private", "loopback", "non-routable"} {
		if len(classes[c]) > 0 {
			parts = append(parts, c+" "+strings.Join(classes[c], " "))
		}
	}
	ev := fmt.Sprintf("%s → %s", host, strings.Join(parts, "; "))
	nonPublic := len(addrs) - len(classes["public"])
	switch {
	case nonPublic == len(addrs) && r.o.AllowLoopback:
		r.local = true
		r.add(Finding{ID: "reach.dns", Status: StatusPass, Evidence: ev + " (AllowLoopback)",
			Title: host + " is local; allowed by AllowLoopback (hosted clients could not reach it)"}, nil)
	case nonPublic == len(addrs):
		r.local = true
		what := host + " resolves only to loopback/private addresses"
		if len(addrs) == 1 && addrs[0].String() == host {
			what = host + " is a " + addrClass(addrs[0]) + " address"
		}
		f := Finding{ID: "reach.dns", Status: StatusWarn, Evidence: ev, Ref: dnsRef,
			Title: what + ": local clients work, hosted Claude and ChatGPT cannot reach it",
			Fix:   "for hosted clients, deploy on a public host name with a public A record (or a tunnel); local clients are fine"}
		f.breaks = hosted
		r.add(f, hosted)
	case nonPublic > 0:
		r.add(Finding{ID: "reach.dns", Status: StatusFail, Evidence: ev, Ref: dnsRef,
			Title: "the DNS answer mixes public and private addresses; hosted Claude rejects any host with a private address",
			Fix:   "publish only public addresses for this name (no split-horizon answers leaking out)"}, []string{ClientClaude})
	case !v4:
		r.add(Finding{ID: "reach.dns", Status: StatusFail, Evidence: ev, Ref: dnsRef,
			Title: "no IPv4 address: hosted Claude connects over IPv4 only",
			Fix:   "add an A record"}, []string{ClientClaude})
	default:
		r.add(Finding{ID: "reach.dns", Status: StatusPass, Evidence: ev, Title: "host resolves to public IPv4 addresses only"}, nil)
	}
	r.checkScheme()
}

func (r *runner) checkScheme() {
	const ref = "CONNECTORS.md §2.1 (port 443 only), MCP 2025-11-25 authorization §Communication Security"
	u := r.target
	switch {
	case u.Scheme == "https":
		r.add(Finding{ID: "reach.https", Status: StatusPass, Title: "MCP URL uses https", Evidence: u.String()}, nil)
	case r.local && r.o.AllowLoopback:
		r.add(Finding{ID: "reach.https", Status: StatusPass, Title: "plain http on a local host; allowed by AllowLoopback", Evidence: u.String()}, nil)
	case r.local:
		f := Finding{ID: "reach.https", Status: StatusWarn, Evidence: u.String(), Ref: ref,
			Title: "MCP URL uses plain http: fine on loopback for local clients, hosted clients need https",
			Fix:   "serve https on a public name (e.g. behind a TLS-terminating proxy) for hosted clients"}
		f.breaks = hosted
		r.add(f, hosted)
	default:
		r.add(Finding{ID: "reach.https", Status: StatusFail, Evidence: u.String(), Ref: ref,
			Title: "MCP URL uses plain http on a non-local host: clients refuse OAuth over http",
			Fix:   "serve the MCP endpoint and the authorization server over https"}, nil)
	}
	port := u.Port()
	switch {
	case u.Scheme == "https" && (port == "" || port == "443"):
		r.add(Finding{ID: "reach.port", Status: StatusPass, Title: "served on port 443", Evidence: u.Host}, nil)
	case u.Scheme != "https":
		r.skip("reach.port", "port 443", "the URL is not https (see reach.https)")
	case r.local && r.o.AllowLoopback:
		r.add(Finding{ID: "reach.port", Status: StatusPass, Title: "port " + port + " on a local host; allowed by AllowLoopback", Evidence: u.Host}, nil)
	case r.local:
		r.add(Finding{ID: "reach.port", Status: StatusWarn, Evidence: u.Host, Ref: ref,
			Title: "port " + port + ": hosted Claude connects on 443 only (fine for local clients)",
			Fix:   "publish the server on 443 for hosted clients"}, []string{ClientClaude})
	default:
		r.add(Finding{ID: "reach.port", Status: StatusFail, Evidence: u.Host, Ref: ref + "; homeassistant-ai/ha-mcp#2213",
			Title: "port " + port + ": hosted Claude connects on 443 only and fails silently elsewhere",
			Fix:   "serve on 443 (a reverse proxy can forward to this port)"}, []string{ClientClaude})
	}
}

// initializeBody is CONNECTORS.md §11.1's unauthenticated initialize.
func initializeBody(version string) []byte {
	return mustJSON(map[string]any{
		"jsonrpc": "2.0", "id": 1, "method": "initialize",
		"params": map[string]any{
			"protocolVersion": version,
			"capabilities":    map[string]any{},
			"clientInfo":      map[string]any{"name": "claude-ai", "version": "0.1.0"},
		},
	})
}

func mcpHeaders() http.Header {
	return hdr("Content-Type", "application/json", "Accept", "application/json, text/event-stream", "User-Agent", uaMCP)
}

// checkChallenge sends the unauthenticated initialize of CONNECTORS.md
// §11.1 and checks the 401 and its WWW-Authenticate.
func (r *runner) checkChallenge(ctx context.Context) {
	const ref = "CONNECTORS.md §11.1; RFC 9728 §5.1"
	ex := r.do(ctx, request{method: http.MethodPost, url: r.target.String(), header: mcpHeaders(), body: initializeBody("2025-11-25"), cat: catDiscovery})
	if !ex.ok() {
		r.stop = true
		r.add(Finding{ID: "challenge.status", Status: StatusFail, Title: "the MCP URL did not answer",
			Evidence: ex.evidence(), Ref: "CONNECTORS.md §11.37",
			Fix: "check the URL, DNS, TLS certificate chain and firewall; the server must answer on this URL from the internet"}, nil)
		r.skip("reach.redirect", "no redirect on the MCP URL", "no answer")
		return
	}
	if ex.is3xx() {
		r.add(Finding{ID: "reach.redirect", Status: StatusFail, Evidence: ex.evidence("Location"),
			Ref:   "CONNECTORS.md §0 item 17 (claude-ai-mcp#155, PrefectHQ/fastmcp#1466)",
			Title: fmt.Sprintf("the MCP URL redirects (%d): a cross-origin redirect strips Authorization and a /mcp→/mcp/ redirect breaks Claude Desktop", ex.status),
			Fix:   "register the final URL in the client, or serve the endpoint without a redirect (no trailing-slash or www canonicalisation)"}, nil)
		r.skip("challenge.status", "401 challenge", "the MCP URL redirects (see reach.redirect)")
		r.skip("challenge.header", "WWW-Authenticate", "the MCP URL redirects (see reach.redirect)")
		r.skip("challenge.scope", "scope in the challenge", "the MCP URL redirects (see reach.redirect)")
		return
	}
	r.add(Finding{ID: "reach.redirect", Status: StatusPass, Title: "no redirect on the MCP URL", Evidence: ex.evidence()}, nil)

	switch {
	case ex.status == http.StatusUnauthorized:
		r.add(Finding{ID: "challenge.status", Status: StatusPass, Title: "unauthenticated initialize answers 401", Evidence: ex.evidence("WWW-Authenticate")}, nil)
	case ex.status == http.StatusOK:
		r.open = true
		r.add(Finding{ID: "challenge.status", Status: StatusWarn, Evidence: ex.evidence(), Ref: ref,
			Title: "the MCP endpoint answers without authentication, so clients skip OAuth",
			Fix:   "if the server should be private, answer unauthenticated requests with 401 and a WWW-Authenticate challenge"}, none)
		return
	case isBotChallenge(ex):
		r.add(Finding{ID: "challenge.status", Status: StatusFail, Evidence: ex.evidence(), Ref: "CONNECTORS.md §11.37 (claude-ai-mcp#620)",
			Title: "the MCP URL answers with a bot challenge instead of 401",
			Fix:   "exempt the MCP path, /.well-known/*, /register and /token from bot protection"}, nil)
		return
	case ex.status == http.StatusNotFound:
		r.add(Finding{ID: "challenge.status", Status: StatusFail, Evidence: ex.evidence(), Ref: ref,
			Title: "the MCP URL answers 404: is the path right (often a missing /mcp)?",
			Fix:   "use the URL of the MCP endpoint itself, e.g. https://host/mcp"}, nil)
		return
	default:
		r.add(Finding{ID: "challenge.status", Status: StatusFail, Evidence: ex.evidence("WWW-Authenticate"), Ref: ref,
			Title: fmt.Sprintf("unauthenticated initialize answers %d, not 401, so clients never start OAuth", ex.status),
			Fix:   "answer a request without a token with 401 and WWW-Authenticate: Bearer resource_metadata=\"…\""}, nil)
		return
	}

	params, ok := bearerChallenge(ex.header.Values("WWW-Authenticate"))
	switch {
	case !ok:
		r.add(Finding{ID: "challenge.header", Status: StatusFail, Evidence: ex.evidence("WWW-Authenticate"), Ref: ref + "; MCP 2025-11-25 authorization §Protected Resource Metadata Discovery",
			Title: "the 401 has no WWW-Authenticate: Bearer challenge",
			Fix:   `add WWW-Authenticate: Bearer resource_metadata="https://host/.well-known/oauth-protected-resource/mcp", scope="…"`}, nil)
	case params["resource_metadata"] == "":
		r.add(Finding{ID: "challenge.header", Status: StatusWarn, Evidence: ex.evidence("WWW-Authenticate"), Ref: ref,
			Title: "the Bearer challenge has no resource_metadata; clients must guess the well-known URL",
			Fix:   `add resource_metadata="<absolute https URL of the PRM>" to the challenge`}, none)
	default:
		r.challengeRM = params["resource_metadata"]
		r.add(Finding{ID: "challenge.header", Status: StatusPass, Title: "401 carries a Bearer challenge with resource_metadata", Evidence: ex.evidence("WWW-Authenticate")}, nil)
	}
	if ok && params["scope"] != "" {
		r.challengeScope = params["scope"]
		r.add(Finding{ID: "challenge.scope", Status: StatusPass, Title: "the challenge names the scopes to request", Evidence: "scope=" + params["scope"]}, nil)
	} else {
		r.add(Finding{ID: "challenge.scope", Status: StatusWarn, Evidence: ex.evidence("WWW-Authenticate"),
			Ref:   "CONNECTORS.md §2.4 (tldraw/tldraw#10612, claude-ai-mcp#840)",
			Title: "the challenge has no scope=; Claude then requests every scope the AS lists",
			Fix:   `add scope="<your resource scopes>" to the challenge (and scopes_supported to the PRM)`}, []string{ClientClaude})
	}
}

// bearerChallenge finds the Bearer challenge among WWW-Authenticate values
// and returns its auth-params (RFC 9110 §11.6.1), names lower-cased.
func bearerChallenge(values []string) (map[string]string, bool) {
	for _, v := range values {
		rest := strings.TrimSpace(v)
		for rest != "" {
			scheme, after, _ := strings.Cut(rest, " ")
			if strings.EqualFold(strings.TrimSuffix(scheme, ","), "Bearer") {
				params, _ := parseAuthParams(after)
				return params, true
			}
			// Skip to the next challenge: past this one's params.
			_, rest = parseAuthParams(after)
		}
	}
	return nil, false
}

// parseAuthParams parses `k=v, k="v", …` until a token that starts a new
// challenge; it returns the params and the unparsed rest.
func parseAuthParams(s string) (map[string]string, string) {
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return params, ""
		}
		eq := strings.IndexByte(s, '=')
		sp := strings.IndexAny(s, " \t,")
		if eq < 0 || (sp >= 0 && sp < eq) {
			return params, s // a new scheme (or token68 we ignore)
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					b.WriteByte(s[i])
					continue
				}
				if s[i] == '"' {
					break
				}
				b.WriteByte(s[i])
			}
			val = b.String()
			if i < len(s) {
				s = s[i+1:]
			} else {
				s = ""
			}
		} else {
			end := strings.IndexAny(s, " \t,")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		params[name] = val
	}
}

// titleCased returns the MCP path with its first segment title-cased, as
// hosted Claude has stored connector URLs (claude-ai-mcp#382).
func titleCased(p string) string {
	segs := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)
	if segs[0] == "" {
		return p
	}
	r, n := utf8.DecodeRuneInString(segs[0])
	segs[0] = string(unicode.ToUpper(r)) + segs[0][n:]
	return "/" + strings.Join(segs, "/")
}

// checkPathCase sends the unauthenticated initialize to the title-cased
// path: it should meet the same challenge as the real path.
func (r *runner) checkPathCase(ctx context.Context) {
	const ref = "CONNECTORS.md §11.38 (claude-ai-mcp#382, #779)"
	tc := titleCased(r.target.EscapedPath())
	if tc == r.target.EscapedPath() {
		r.skip("mcp.path_case", "title-cased MCP path", "the path has no lower-case first letter to title-case")
		return
	}
	if !r.relevant("mcp.path_case", "title-cased MCP path", ClientClaude) {
		return
	}
	u2 := r.origin + tc
	if r.target.RawQuery != "" {
		u2 += "?" + r.target.RawQuery
	}
	want := http.StatusUnauthorized
	if r.open {
		want = http.StatusOK
	}
	ex := r.do(ctx, request{method: http.MethodPost, url: u2, header: mcpHeaders(), body: initializeBody("2025-11-25"), cat: catOther})
	if ex.ok() && ex.status == want {
		r.add(Finding{ID: "mcp.path_case", Status: StatusPass, Title: "the title-cased path " + tc + " reaches the MCP endpoint", Evidence: ex.evidence()}, nil)
		return
	}
	r.add(Finding{ID: "mcp.path_case", Status: StatusWarn, Evidence: ex.evidence(), Ref: ref,
		Title: "the title-cased path " + tc + " does not reach the MCP endpoint; hosted Claude has rewritten stored URLs this way",
		Fix:   "route the MCP path (and its path-inserted PRM) case-insensitively"}, []string{ClientClaude})
}

// checkNoRedirects sends what clients send besides the POST: a GET for the
// event stream, a HEAD, and the POST to the path with a trailing slash. None
// may be redirected: a cross-origin redirect drops Authorization
// (claude-ai-mcp#155), /mcp → /mcp/ broke Claude Desktop (fastmcp#1466), and
// an APPEND_SLASH 301 turns a POST into a GET (claude-ai-mcp#136).
func (r *runner) checkNoRedirects(ctx context.Context) {
	const ref = "CONNECTORS.md §0 item 17, §11.34"
	slash := r.origin + strings.TrimSuffix(r.target.EscapedPath(), "/") + "/"
	if r.target.RawQuery != "" {
		slash += "?" + r.target.RawQuery
	}
	checks := []struct {
		id, what string
		rq       request
	}{
		{"mcp.get", "GET with Accept: text/event-stream", request{method: http.MethodGet, url: r.target.String(),
			header: hdr("Accept", "text/event-stream", "User-Agent", uaMCP), cat: catOther}},
		{"mcp.head", "HEAD", request{method: http.MethodHead, url: r.target.String(), header: hdr("User-Agent", uaMCP), cat: catOther}},
		{"mcp.trailing_slash", "POST to " + slash, request{method: http.MethodPost, url: slash, header: mcpHeaders(),
			body: initializeBody("2025-11-25"), cat: catOther}},
	}
	for _, c := range checks {
		ex := r.do(ctx, c.rq)
		switch {
		case !ex.ok():
			r.add(Finding{ID: c.id, Status: StatusWarn, Title: c.what + " got no answer", Evidence: ex.evidence(), Ref: ref,
				Fix: "answer it (200, 401, 404 or 405) without a redirect"}, nil)
		case ex.is3xx():
			r.add(Finding{ID: c.id, Status: StatusFail, Evidence: ex.evidence(), Ref: ref,
				Title: fmt.Sprintf("%s is redirected (%d to %s): clients drop the Authorization header or the POST body on redirects", c.what, ex.status, ex.header.Get("Location")),
				Fix:   "serve the MCP endpoint at every spelling clients use (with and without the trailing slash) and never redirect it"}, nil)
		default:
			r.add(Finding{ID: c.id, Status: StatusPass, Title: fmt.Sprintf("%s answered %d without a redirect", c.what, ex.status), Evidence: ex.evidence()}, nil)
		}
	}
}
