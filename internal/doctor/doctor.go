package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Status is the outcome of one check.
type Status string

// The four outcomes. FAIL means at least one client cannot connect because
// of this step; WARN means it works with caveats (or only for local clients);
// SKIP means the check did not run, and the evidence says how to enable it.
const (
	StatusPass Status = "PASS"
	StatusWarn Status = "WARN"
	StatusFail Status = "FAIL"
	StatusSkip Status = "SKIP"
)

// Client names accepted in Options.Clients and used as keys of
// Report.Clients.
const (
	// ClientClaude is hosted Claude: claude.ai, Claude Desktop connectors,
	// Claude mobile and Cowork, which share one backend.
	ClientClaude = "claude"
	// ClientClaudeCode is the Claude Code CLI.
	ClientClaudeCode = "claude-code"
	// ClientChatGPT is ChatGPT connectors and apps.
	ClientChatGPT = "chatgpt"
	// ClientCursor is the Cursor editor.
	ClientCursor = "cursor"
	// ClientVSCode is Visual Studio Code.
	ClientVSCode = "vscode"
	// ClientInspector is the MCP Inspector, whose OAuth runs in a browser.
	ClientInspector = "inspector"
	// ClientMCPRemote is the mcp-remote bridge (Claude Desktop's local
	// config, and others).
	ClientMCPRemote = "mcp-remote"
)

// KnownClients lists every client doctor models, in report order.
func KnownClients() []string {
	return []string{ClientClaude, ClientClaudeCode, ClientChatGPT, ClientCursor, ClientVSCode, ClientInspector, ClientMCPRemote}
}

// Options configures Run. Only URL is required; every zero value has a
// documented default.
type Options struct {
	// URL is the MCP endpoint exactly as a user would paste it into a client.
	URL string
	// Clients restricts the checks to these clients (see KnownClients);
	// empty means all. Checks that concern no selected client are SKIP.
	Clients []string
	// Token is an access token for the MCP endpoint. With it (or with
	// Interactive) the authenticated MCP checks run; without, they are SKIP.
	// It never appears in the report.
	Token string
	// HTTPClient sends every request. Doctor uses a copy that never follows
	// redirects and has no cookie jar. Nil means a client with a
	// TLS-handshake timeout and the default transport's proxy settings.
	HTTPClient *http.Client
	// Timeout bounds each request; zero means 10 s, the deadline hosted
	// Claude applies to discovery, registration and token requests. Refresh
	// requests get three times as long (hosted Claude allows 30 s).
	Timeout time.Duration
	// SlowAfter is the duration above which a request is reported as slow
	// (WARN); zero means 2 s.
	SlowAfter time.Duration
	// Budget bounds the whole run, not counting the time spent waiting for a
	// person in Interactive mode; zero means 2 minutes.
	Budget time.Duration
	// Interactive, when set, completes a real authorization: doctor prints
	// an authorize URL, waits for the browser on a loopback callback,
	// exchanges the code, refreshes, and runs the authenticated checks with
	// the token it obtained.
	Interactive *Interactive
	// AllowLoopback declares that the target is knowingly local (a test fake
	// or a staging copy): a loopback or private address, plain http on it and
	// a port other than 443 are PASS with a note instead of WARN, and hosted
	// clients' verdicts are judged on the remaining steps. Without it those
	// findings are WARN and hosted Claude and ChatGPT are marked as failing
	// at reach.dns, because they cannot reach such a host.
	AllowLoopback bool
	// NoRegister skips every check that creates a client on the server
	// (dynamic registration, and the authorize and token checks that need a
	// registered client).
	NoRegister bool
	// Resolver resolves the target host; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// Out receives progress messages (the interactive prompt); nil discards
	// them. The report itself is written by Report.WriteText or WriteJSON.
	Out io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Interactive configures the browser half of an interactive run. The zero
// value listens on a random loopback port, prints the URL to Options.Out and
// waits up to 5 minutes.
type Interactive struct {
	// ListenAddr is the loopback address of the callback listener; "" means
	// 127.0.0.1:0 (a random port, as Claude Code and VS Code use).
	ListenAddr string
	// Open is called with the authorization URL once the listener is up,
	// e.g. to launch a browser. It may block until the browser is done. Nil
	// only prints the URL to Options.Out.
	Open func(ctx context.Context, authorizeURL string) error
	// Wait bounds the wait for the callback; zero means 5 minutes.
	Wait time.Duration
}

// Finding is the result of one check.
type Finding struct {
	// ID is stable across releases, e.g. "prm.path"; its prefix names the
	// step (reach, challenge, prm, as, cors, dcr, authorize, token, flow,
	// mcp, tools, timing).
	ID     string `json:"id"`
	Status Status `json:"status"`
	// Client is set when the finding concerns a single client.
	Client string `json:"client,omitempty"`
	// Title says in one line what was found.
	Title string `json:"title"`
	// Evidence is what was seen on the wire: request, status, relevant
	// headers and a body excerpt of at most 300 characters, with tokens,
	// codes and secrets redacted.
	Evidence string `json:"evidence"`
	// Ref is the specification section or client issue behind the check.
	Ref string `json:"ref,omitempty"`
	// Fix says in one line what to change; empty for PASS.
	Fix string `json:"fix,omitempty"`

	// affects lists the clients that fail at this step when Status is FAIL;
	// nil means every client.
	affects []string
	// breaks lists clients that cannot connect because of this step even
	// though Status is WARN (a loopback host and hosted Claude).
	breaks []string
}

// ClientVerdict says whether one client would connect, and if not, where it
// would stop.
type ClientVerdict struct {
	// Status is FAIL when some step stops this client, WARN when it would
	// connect with caveats, PASS when every check that concerns it passed,
	// SKIP when the client was not selected.
	Status Status `json:"status"`
	// Step is the ID of the first finding that stops this client.
	Step string `json:"step,omitempty"`
	// Reason is that finding's title.
	Reason string `json:"reason,omitempty"`
	// Warnings are the IDs of WARN findings that concern this client.
	Warnings []string `json:"warnings,omitempty"`
	// Note says what was not tested (e.g. the authenticated steps).
	Note string `json:"note,omitempty"`
}

// Report is the result of Run.
type Report struct {
	// Target is the MCP URL that was diagnosed.
	Target string `json:"target"`
	// Time is when the run started.
	Time time.Time `json:"time"`
	// Elapsed is how long the run took.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Findings are in step order (reachability first, MCP traffic last).
	Findings []Finding `json:"findings"`
	// Clients maps each client name to its verdict.
	Clients map[string]ClientVerdict `json:"clients"`
}

// Failed reports whether any finding is FAIL; a command-line front end exits
// non-zero when it is true.
func (r Report) Failed() bool {
	for _, f := range r.Findings {
		if f.Status == StatusFail {
			return true
		}
	}
	return false
}

// Finding returns the finding with the given ID, if present.
func (r Report) Finding(id string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return Finding{}, false
}

// Run diagnoses the MCP server at o.URL. It returns an error only for
// invalid options or when ctx is cancelled (then with the partial report);
// every problem with the server is a Finding. Run never waits longer than
// Budget plus the interactive wait.
func Run(ctx context.Context, o Options) (Report, error) {
	o, target, err := o.normalize()
	if err != nil {
		return Report{}, fmt.Errorf("doctor: %w", err)
	}
	r := newRunner(o, target)
	start := r.now()
	rep := Report{Target: target.String(), Time: start}

	deadline := start.Add(o.Budget)
	phase, cancel := context.WithDeadline(ctx, deadline)
	r.unauthenticated(phase)
	cancel()

	if o.Interactive != nil && !r.stop {
		remaining := time.Until(deadline)
		r.interactive(ctx)
		deadline = time.Now().Add(remaining)
	} else {
		r.skipInteractive()
	}
	phase, cancel = context.WithDeadline(ctx, deadline)
	r.authenticated(phase)
	cancel()
	if r.budgetHit {
		r.add(Finding{ID: "run.budget", Status: StatusWarn, Title: "the run stopped at its time budget; later checks did not complete",
			Evidence: fmt.Sprintf("budget %s", o.Budget), Fix: "raise the budget, or fix the slow or hanging endpoints reported above"}, none)
	}
	r.summaries()

	rep.Findings = r.sorted()
	rep.Clients = r.verdicts(rep.Findings)
	rep.Elapsed = r.now().Sub(start)
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("doctor: run interrupted: %w", err)
	}
	return rep, nil
}

func (o Options) normalize() (Options, *url.URL, error) {
	if strings.TrimSpace(o.URL) == "" {
		return o, nil, errors.New("no MCP URL given")
	}
	u, err := url.Parse(strings.TrimSpace(o.URL))
	if err != nil {
		return o, nil, fmt.Errorf("parse MCP URL: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return o, nil, fmt.Errorf("MCP URL %q must be an absolute http(s) URL", o.URL)
	}
	if u.User != nil {
		return o, nil, errors.New("MCP URL must not carry credentials")
	}
	u.Fragment = ""
	known := KnownClients()
	for _, c := range o.Clients {
		if !contains(known, c) {
			return o, nil, fmt.Errorf("unknown client %q (known: %s)", c, strings.Join(known, ", "))
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.SlowAfter <= 0 {
		o.SlowAfter = 2 * time.Second
	}
	if o.Budget <= 0 {
		o.Budget = 2 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	return o, u, nil
}

// none is the affects list of a finding that cannot stop any client.
var none = []string{}

// runner holds one run's state: what was discovered and what was found.
type runner struct {
	o        Options
	hc       *http.Client
	target   *url.URL
	origin   string // scheme://host[:port] of the MCP URL
	mcpPath  string // the MCP URL's path without a trailing slash
	selected map[string]bool

	local     bool // the host resolves only to loopback/private addresses
	stop      bool // the MCP URL is unreachable: nothing else can be checked
	open      bool // the MCP endpoint answered without authentication
	budgetHit bool

	findings   []Finding
	secrets    []string
	timings    map[string][]*exchange
	challenged []*exchange

	// discovery results
	challengeRM    string // resource_metadata from the 401, as sent
	challengeScope string
	prm            map[string]any
	prmURL         string
	issuer         string
	as             map[string]any
	asURL          string

	registered    map[string]*registration // by client name
	profileStates map[string]*profileState // random parts of each client's requests
	token         string
	tokenFrom     string
}

// registration is a client doctor registered (or a CIMD client ID).
type registration struct {
	client      string
	id          string
	secret      string
	method      string
	redirectURI string // the one this client's authorize request uses
	registered  []string
}

func newRunner(o Options, target *url.URL) *runner {
	hc := &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		hc = &c
	}
	hc.Jar = nil
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r := &runner{
		o: o, hc: hc, target: target,
		origin:     target.Scheme + "://" + target.Host,
		mcpPath:    strings.TrimSuffix(target.EscapedPath(), "/"),
		selected:   map[string]bool{},
		timings:    map[string][]*exchange{},
		registered: map[string]*registration{},
	}
	if len(o.Clients) == 0 {
		for _, c := range KnownClients() {
			r.selected[c] = true
		}
	}
	for _, c := range o.Clients {
		r.selected[c] = true
	}
	if o.Token != "" {
		r.token, r.tokenFrom = o.Token, "--token"
		r.secrets = append(r.secrets, o.Token)
	}
	return r
}

func (r *runner) now() time.Time { return r.o.Now() }

// sel reports whether any of the clients is selected.
func (r *runner) sel(clients ...string) bool {
	for _, c := range clients {
		if r.selected[c] {
			return true
		}
	}
	return false
}

// add records a finding. affects are the clients that fail at this step if
// it is FAIL (nil: all). Client is filled in when exactly one is affected.
func (r *runner) add(f Finding, affects []string) {
	f.affects = affects
	f.Evidence = shorten(r.scrub(f.Evidence), maxEvidence)
	f.Title = r.scrub(f.Title)
	if f.Client == "" && len(affects) == 1 {
		f.Client = affects[0]
	}
	if f.Status == StatusPass {
		f.Fix = ""
	}
	r.findings = append(r.findings, f)
}

// skip records a SKIP finding with the reason as evidence.
func (r *runner) skip(id, title, why string) {
	r.add(Finding{ID: id, Status: StatusSkip, Title: title, Evidence: why}, none)
}

// relevant records a SKIP and returns false when none of the clients is
// selected.
func (r *runner) relevant(id, title string, clients ...string) bool {
	if r.sel(clients...) {
		return true
	}
	r.skip(id, title, "concerns only "+strings.Join(clients, ", ")+", which were not selected")
	return false
}

// expired notes whether the run's budget ran out.
func (r *runner) expired(ctx context.Context) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.budgetHit = true
		return true
	}
	return ctx.Err() != nil
}

// sectionOrder is the order of steps in the report.
var sectionOrder = []string{"reach", "challenge", "prm", "as", "cors", "dcr", "authorize", "token", "flow", "mcp", "tools", "timing", "run"}

func section(id string) string {
	s, _, _ := strings.Cut(id, ".")
	return s
}

func sectionRank(id string) int {
	for i, s := range sectionOrder {
		if s == section(id) {
			return i
		}
	}
	return len(sectionOrder)
}

// sorted returns the findings in step order, stable within a step, with
// every known secret scrubbed from titles and evidence.
func (r *runner) sorted() []Finding {
	out := append([]Finding(nil), r.findings...)
	sort.SliceStable(out, func(i, j int) bool { return sectionRank(out[i].ID) < sectionRank(out[j].ID) })
	for i := range out {
		out[i].Evidence = r.scrub(out[i].Evidence)
		out[i].Title = r.scrub(out[i].Title)
	}
	return out
}

// scrub replaces every secret doctor knows of (the token it was given, and
// codes, tokens and client secrets it obtained) with [redacted].
func (r *runner) scrub(s string) string {
	for _, sec := range r.secrets {
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// verdicts works out, for each client, the first step that stops it.
func (r *runner) verdicts(findings []Finding) map[string]ClientVerdict {
	out := map[string]ClientVerdict{}
	note := ""
	if f, ok := findingByID(findings, "mcp.initialize"); ok && f.Status == StatusSkip {
		note = "authenticated steps not tested: " + f.Evidence
	}
	for _, c := range KnownClients() {
		if !r.selected[c] {
			out[c] = ClientVerdict{Status: StatusSkip, Note: "not selected"}
			continue
		}
		v := ClientVerdict{Status: StatusPass, Note: note}
		for _, f := range findings {
			concerns := f.affects == nil || contains(f.affects, c)
			if (f.Status == StatusFail && concerns) || contains(f.breaks, c) {
				v.Status, v.Step, v.Reason = StatusFail, f.ID, f.Title
				break
			}
			if f.Status == StatusWarn && concerns {
				v.Warnings = append(v.Warnings, f.ID)
			}
		}
		if v.Status == StatusPass && len(v.Warnings) > 0 {
			v.Status = StatusWarn
		}
		out[c] = v
	}
	return out
}

func findingByID(fs []Finding, id string) (Finding, bool) {
	for _, f := range fs {
		if f.ID == id {
			return f, true
		}
	}
	return Finding{}, false
}

// unauthenticated runs every check that needs no token.
func (r *runner) unauthenticated(ctx context.Context) {
	r.checkReach(ctx)
	r.checkChallenge(ctx)
	if r.stop {
		r.skipRest("the MCP URL did not answer (see challenge.status)")
		return
	}
	r.checkPathCase(ctx)
	if r.open {
		r.checkNoRedirects(ctx)
		r.skipOAuth("the MCP endpoint answers without authentication, so no client runs OAuth (see challenge.status)")
		return
	}
	stages := []struct {
		run func(context.Context)
		ids []string
	}{
		{r.checkPRM, []string{"prm.path", "prm.root", "prm.resource", "prm.authorization_servers"}},
		{r.checkAS, []string{"as.rfc8414", "as.oidc", "as.issuer", "as.pkce", "as.endpoints", "as.registration"}},
		{r.checkCORS, []string{"cors.preflight", "cors.expose"}},
		{r.checkDCR, []string{"dcr.claude", "dcr.nulls", "dcr.grant_types"}},
		{r.checkAuthorize, []string{"authorize.claude", "authorize.pkce"}},
		{r.checkToken, []string{"token.unknown_client", "token.form", "token.client_auth"}},
		{r.checkNoRedirects, []string{"mcp.get", "mcp.head", "mcp.trailing_slash"}},
	}
	for _, st := range stages {
		if r.expired(ctx) {
			for _, id := range st.ids {
				r.skip(id, "not checked", "the run's time budget ran out (see run.budget)")
			}
			continue
		}
		st.run(ctx)
	}
	r.expired(ctx)
}

// skipRest marks everything after the challenge SKIP.
func (r *runner) skipRest(why string) {
	r.skip("mcp.path_case", "title-cased MCP path", why)
	for _, id := range []string{"mcp.get", "mcp.head", "mcp.trailing_slash"} {
		r.skip(id, "no redirect on the MCP URL", why)
	}
	r.skipOAuth(why)
}

func (r *runner) skipOAuth(why string) {
	for _, id := range []string{"prm.path", "prm.root", "as.rfc8414", "cors.preflight", "dcr.claude", "authorize.claude", "token.unknown_client", "token.form"} {
		r.skip(id, "not checked", why)
	}
}
