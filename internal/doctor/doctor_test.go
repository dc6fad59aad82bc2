package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/doctor"
	"github.com/portico-mcp/portico/internal/oauthtest"
)

// run starts a TLS fake with cfg, runs doctor against it and returns the
// report. mod adjusts the options (token, interactive, timeouts).
func run(t *testing.T, cfg oauthtest.Config, mod func(*doctor.Options, *oauthtest.Server)) (doctor.Report, *oauthtest.Server) {
	t.Helper()
	s := oauthtest.NewTLS(cfg)
	t.Cleanup(s.Close)
	o := doctor.Options{
		URL:        s.MCPURL(),
		HTTPClient: s.Client(),
		Timeout:    3 * time.Second,
		Budget:     20 * time.Second,
	}
	if mod != nil {
		mod(&o, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	rep, err := doctor.Run(ctx, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep, s
}

func withToken(o *doctor.Options, s *oauthtest.Server) { o.Token = s.IssueToken() }

func withInteractive(o *doctor.Options, s *oauthtest.Server) {
	o.Interactive = &doctor.Interactive{Open: s.Approve, Wait: 10 * time.Second}
}

func ids(fs []doctor.Finding, st doctor.Status) []string {
	var out []string
	for _, f := range fs {
		if f.Status == st {
			out = append(out, f.ID)
		}
	}
	return out
}

func mustFinding(t *testing.T, rep doctor.Report, id string) doctor.Finding {
	t.Helper()
	f, ok := rep.Finding(id)
	if !ok {
		t.Fatalf("no finding %q; have FAIL %v WARN %v", id, ids(rep.Findings, doctor.StatusFail), ids(rep.Findings, doctor.StatusWarn))
	}
	return f
}

func textReport(t *testing.T, rep doctor.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteText(&b, false); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	return b.String()
}

func TestCorrectFakeHasNoFailures(t *testing.T) {
	rep, _ := run(t, oauthtest.Config{}, func(o *doctor.Options, s *oauthtest.Server) {
		withToken(o, s)
		withInteractive(o, s)
	})
	if got := ids(rep.Findings, doctor.StatusFail); len(got) > 0 {
		t.Fatalf("FAIL findings against a correct fake: %v\n%s", got, textReport(t, rep))
	}
	if rep.Failed() {
		t.Fatal("Failed() = true for a correct fake")
	}
	// Loopback is a warning (hosted clients cannot reach it), not a failure.
	if f := mustFinding(t, rep, "reach.dns"); f.Status != doctor.StatusWarn {
		t.Errorf("reach.dns = %s, want WARN for a loopback target", f.Status)
	}
	if v := rep.Clients[doctor.ClientClaude]; v.Status != doctor.StatusFail || v.Step != "reach.dns" {
		t.Errorf("claude verdict = %+v, want FAIL at reach.dns (loopback)", v)
	}
	for _, c := range []string{doctor.ClientClaudeCode, doctor.ClientCursor, doctor.ClientVSCode, doctor.ClientInspector, doctor.ClientMCPRemote} {
		if v := rep.Clients[c]; v.Status == doctor.StatusFail {
			t.Errorf("%s verdict = %+v, want no failure", c, v)
		}
	}
	// With a token and the interactive flow, nothing that matters is skipped.
	for _, id := range []string{"mcp.initialize", "mcp.initialized", "mcp.stateless", "mcp.unknown_session", "mcp.discover",
		"tools.shape", "tools.search", "tools.fetch", "flow.callback", "flow.redirect_status", "flow.token", "token.refresh",
		"dcr.claude", "dcr.cursor", "authorize.vscode", "authorize.cimd", "token.client_auth", "cors.preflight"} {
		if f := mustFinding(t, rep, id); f.Status != doctor.StatusPass {
			t.Errorf("%s = %s (%s), want PASS", id, f.Status, f.Title)
		}
	}
}

func TestAllowLoopbackHasNoWarnings(t *testing.T) {
	rep, _ := run(t, oauthtest.Config{}, func(o *doctor.Options, s *oauthtest.Server) {
		o.AllowLoopback = true
		withToken(o, s)
	})
	if w := ids(rep.Findings, doctor.StatusWarn); len(w) > 0 || rep.Failed() {
		t.Fatalf("AllowLoopback against a correct fake: WARN %v FAIL %v", w, ids(rep.Findings, doctor.StatusFail))
	}
	for c, v := range rep.Clients {
		if v.Status != doctor.StatusPass {
			t.Errorf("%s verdict = %+v, want PASS", c, v)
		}
	}
}

// TestFaults breaks the fake one knob at a time and checks doctor names the
// fault by ID, with no unrelated failures.
func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		cfg    oauthtest.Config
		mod    func(*doctor.Options, *oauthtest.Server)
		id     string
		status doctor.Status
		// alsoFail are ID prefixes of failures that follow from the fault.
		alsoFail []string
		// clients maps a client to the step its verdict must fail at.
		clients map[string]string
	}{
		{name: "PRM answers 401", cfg: oauthtest.Config{PRMUnauthorized: true},
			id: "prm.path", status: doctor.StatusFail, alsoFail: []string{"prm.root", "challenge.resource_metadata"},
			clients: map[string]string{doctor.ClientClaude: "challenge.resource_metadata", doctor.ClientChatGPT: "challenge.resource_metadata"}},
		{name: "relative resource_metadata", cfg: oauthtest.Config{RelativeResourceMetadata: true},
			id: "challenge.resource_metadata", status: doctor.StatusFail,
			clients: map[string]string{doctor.ClientClaude: "challenge.resource_metadata"}},
		{name: "http issuer", cfg: oauthtest.Config{HTTPIssuer: true},
			id: "as.issuer", status: doctor.StatusFail, clients: map[string]string{doctor.ClientCursor: "as.issuer"}},
		{name: "issuer with a path and no root metadata", cfg: oauthtest.Config{IssuerPath: "/tenant"},
			id: "as.root", status: doctor.StatusFail,
			clients: map[string]string{doctor.ClientCursor: "as.root", doctor.ClientClaudeCode: "as.root"}},
		{name: "missing S256", cfg: oauthtest.Config{NoS256: true},
			id: "as.pkce", status: doctor.StatusFail, clients: map[string]string{doctor.ClientVSCode: "as.pkce"}},
		{name: "DCR rejects refresh_token", cfg: oauthtest.Config{DCRRejectRefreshToken: true},
			id: "dcr.grant_types", status: doctor.StatusFail, alsoFail: []string{"dcr."},
			clients: map[string]string{doctor.ClientClaude: "dcr.claude", doctor.ClientCursor: "dcr.cursor"}},
		{name: "nulls in DCR answer", cfg: oauthtest.Config{DCRNulls: true},
			id: "dcr.nulls", status: doctor.StatusFail,
			clients: map[string]string{doctor.ClientClaudeCode: "dcr.nulls", doctor.ClientClaude: ""}},
		{name: "307 after consent", cfg: oauthtest.Config{ConsentRedirect307: true}, mod: withInteractive,
			id: "flow.redirect_status", status: doctor.StatusFail, clients: map[string]string{doctor.ClientClaude: "flow.redirect_status"}},
		{name: "JSON-only token endpoint", cfg: oauthtest.Config{TokenJSONOnly: true},
			id: "token.form", status: doctor.StatusFail, clients: map[string]string{doctor.ClientClaude: "token.form"}},
		{name: "slow token endpoint over the limit", cfg: oauthtest.Config{TokenDelay: time.Second},
			mod: func(o *doctor.Options, _ *oauthtest.Server) { o.Timeout = 250 * time.Millisecond },
			id:  "timing.token", status: doctor.StatusFail, alsoFail: []string{"token."},
			clients: map[string]string{doctor.ClientClaude: "token.unknown_client"}},
		{name: "slow token endpoint", cfg: oauthtest.Config{TokenDelay: 60 * time.Millisecond},
			mod: func(o *doctor.Options, _ *oauthtest.Server) { o.SlowAfter = 30 * time.Millisecond },
			id:  "timing.token", status: doctor.StatusWarn},
		{name: "title-cased path unsupported", cfg: oauthtest.Config{CaseSensitivePath: true},
			id: "mcp.path_case", status: doctor.StatusWarn},
		{name: "trailing slash redirected", cfg: oauthtest.Config{SlashRedirect: true},
			id: "mcp.trailing_slash", status: doctor.StatusFail},
		{name: "-32601 on server/discover", cfg: oauthtest.Config{DiscoverMethodNotFound: true}, mod: withToken,
			id: "mcp.discover", status: doctor.StatusFail,
			clients: map[string]string{doctor.ClientClaudeCode: "mcp.discover", doctor.ClientCursor: ""}},
		{name: "bot challenge on metadata", cfg: oauthtest.Config{BotChallenge: true},
			id: "reach.bot_challenge", status: doctor.StatusFail, alsoFail: []string{"prm.", "as.", "challenge.resource_metadata"},
			clients: map[string]string{doctor.ClientCursor: "reach.bot_challenge"}},
		{name: "no CORS", cfg: oauthtest.Config{NoCORS: true},
			id: "cors.preflight", status: doctor.StatusFail, alsoFail: []string{"cors.expose"},
			clients: map[string]string{doctor.ClientInspector: "cors.preflight", doctor.ClientClaude: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, _ := run(t, tt.cfg, func(o *doctor.Options, s *oauthtest.Server) {
				o.AllowLoopback = true
				if tt.mod != nil {
					tt.mod(o, s)
				}
			})
			got := mustFinding(t, rep, tt.id)
			if got.Status != tt.status {
				t.Fatalf("%s = %s (%s), want %s\n%s", tt.id, got.Status, got.Title, tt.status, textReport(t, rep))
			}
			if got.Evidence == "" || got.Fix == "" || got.Ref == "" {
				t.Errorf("%s lacks evidence, fix or ref: %+v", tt.id, got)
			}
			for _, id := range ids(rep.Findings, doctor.StatusFail) {
				ok := id == tt.id
				for _, p := range tt.alsoFail {
					ok = ok || strings.HasPrefix(id, p)
				}
				if !ok {
					f, _ := rep.Finding(id)
					t.Errorf("unrelated failure %s: %s (%s)", id, f.Title, f.Evidence)
				}
			}
			if wantFailed := tt.status == doctor.StatusFail; rep.Failed() != wantFailed {
				t.Errorf("Failed() = %v, want %v", rep.Failed(), wantFailed)
			}
			for c, step := range tt.clients {
				v := rep.Clients[c]
				switch {
				case step == "" && v.Status == doctor.StatusFail:
					t.Errorf("%s verdict = FAIL at %s, want it unaffected", c, v.Step)
				case step != "" && (v.Status != doctor.StatusFail || v.Step != step):
					t.Errorf("%s verdict = %s at %q, want FAIL at %s", c, v.Status, v.Step, step)
				}
			}
		})
	}
}

func TestWithoutTokenAuthenticatedChecksSkip(t *testing.T) {
	rep, _ := run(t, oauthtest.Config{}, nil)
	for _, id := range []string{"mcp.initialize", "mcp.stateless", "mcp.discover", "tools.shape", "flow.callback", "token.refresh"} {
		f := mustFinding(t, rep, id)
		if f.Status != doctor.StatusSkip {
			t.Errorf("%s = %s, want SKIP without a token", id, f.Status)
		}
	}
	if f := mustFinding(t, rep, "mcp.initialize"); !strings.Contains(f.Evidence, "--token") || !strings.Contains(f.Evidence, "--interactive") {
		t.Errorf("mcp.initialize SKIP does not say how to enable it: %q", f.Evidence)
	}
	// The unauthenticated checks all ran.
	for _, id := range []string{"challenge.status", "prm.path", "as.issuer", "dcr.claude", "authorize.claude", "token.unknown_client", "mcp.path_case"} {
		if f := mustFinding(t, rep, id); f.Status != doctor.StatusPass {
			t.Errorf("%s = %s, want PASS", id, f.Status)
		}
	}
	if rep.Failed() {
		t.Errorf("Failed() = true: %v", ids(rep.Findings, doctor.StatusFail))
	}
	if !strings.Contains(rep.Clients[doctor.ClientClaudeCode].Note, "not tested") {
		t.Errorf("verdict note does not say the authenticated steps were not tested: %+v", rep.Clients[doctor.ClientClaudeCode])
	}
}

func TestJSONReport(t *testing.T) {
	rep, _ := run(t, oauthtest.Config{DCRNulls: true}, withToken)
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	var got struct {
		Target   string                    `json:"target"`
		Findings []map[string]any          `json:"findings"`
		Clients  map[string]map[string]any `json:"clients"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b.String())
	}
	if got.Target != rep.Target || len(got.Findings) != len(rep.Findings) {
		t.Fatalf("target %q, %d findings; want %q, %d", got.Target, len(got.Findings), rep.Target, len(rep.Findings))
	}
	sawClient := false
	for _, f := range got.Findings {
		for _, k := range []string{"id", "status", "title", "evidence"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding %v lacks %q", f["id"], k)
			}
		}
		if st := f["status"]; st == "FAIL" || st == "WARN" {
			if fix, _ := f["fix"].(string); fix == "" {
				t.Errorf("%v finding %v has no fix", st, f["id"])
			}
		}
		if f["id"] == "dcr.nulls" && f["status"] != "FAIL" {
			t.Errorf("dcr.nulls = %v", f["status"])
		}
		if c, ok := f["client"].(string); ok && c != "" {
			sawClient = true
		}
	}
	if !sawClient {
		t.Error("no finding carries a client")
	}
	if v := got.Clients["claude-code"]; v["status"] != "FAIL" || v["step"] != "dcr.nulls" {
		t.Errorf("clients.claude-code = %v, want FAIL at dcr.nulls", v)
	}
}

func TestFailedSemantics(t *testing.T) {
	pass := doctor.Report{Findings: []doctor.Finding{{ID: "a.b", Status: doctor.StatusPass}, {ID: "a.c", Status: doctor.StatusWarn}, {ID: "a.d", Status: doctor.StatusSkip}}}
	if pass.Failed() {
		t.Error("Failed() = true with only PASS, WARN and SKIP")
	}
	fail := doctor.Report{Findings: append(pass.Findings, doctor.Finding{ID: "a.e", Status: doctor.StatusFail})}
	if !fail.Failed() {
		t.Error("Failed() = false with a FAIL")
	}
	if (doctor.Report{}).Failed() {
		t.Error("empty report failed")
	}
}

// recorder remembers every secret-looking value the fake sent doctor, so the
// test can prove none reaches the report.
type recorder struct {
	base    http.RoundTripper
	mu      sync.Mutex
	secrets []string
}

func (rc *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rc.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var m map[string]any
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"access_token", "refresh_token", "client_secret"} {
			if s, ok := m[k].(string); ok {
				rc.secrets = append(rc.secrets, s)
			}
		}
	}
	if loc, err := url.Parse(resp.Header.Get("Location")); err == nil {
		if c := loc.Query().Get("code"); c != "" {
			rc.secrets = append(rc.secrets, c)
		}
	}
	return resp, nil
}

func TestInteractiveFlowEndToEnd(t *testing.T) {
	var rc *recorder
	var out bytes.Buffer
	var static string
	rep, s := run(t, oauthtest.Config{}, func(o *doctor.Options, s *oauthtest.Server) {
		base := s.Client()
		rc = &recorder{base: base.Transport}
		o.HTTPClient = &http.Client{Transport: rc}
		o.Out = &out
		static = s.IssueToken()
		o.Token = static
		// The fake's browser runs through its own client; the callback is a
		// real loopback listener opened by doctor.
		o.Interactive = &doctor.Interactive{Open: s.Approve, Wait: 10 * time.Second}
	})
	for _, id := range []string{"flow.callback", "flow.redirect_status", "flow.token", "token.response", "token.refresh", "mcp.initialize", "tools.search"} {
		if f := mustFinding(t, rep, id); f.Status != doctor.StatusPass {
			t.Errorf("%s = %s (%s: %s)", id, f.Status, f.Title, f.Evidence)
		}
	}
	if !strings.Contains(out.String(), "/authorize?") || !strings.Contains(out.String(), "Callback received") {
		t.Errorf("interactive prompt missing the URL or the confirmation:\n%s", out.String())
	}
	// The fake saw the whole flow.
	reqs := strings.Join(s.Requests(), "\n")
	for _, want := range []string{"POST /consent", "POST /token", "POST /register"} {
		if !strings.Contains(reqs, want) {
			t.Errorf("fake never saw %s", want)
		}
	}
	// No token, code or secret reaches either rendering.
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	all := textReport(t, rep) + js.String()
	rc.mu.Lock()
	secrets := append([]string{static}, rc.secrets...)
	rc.mu.Unlock()
	if len(secrets) < 5 {
		t.Fatalf("recorded only %d secrets; the flow did not run", len(secrets))
	}
	for _, sec := range secrets {
		if strings.Contains(all, sec) {
			t.Errorf("report leaks a secret %q…", sec[:6])
		}
	}
}

func TestInteractiveTimesOutWithoutBrowser(t *testing.T) {
	start := time.Now()
	rep, _ := run(t, oauthtest.Config{}, func(o *doctor.Options, _ *oauthtest.Server) {
		o.Interactive = &doctor.Interactive{Wait: 200 * time.Millisecond}
	})
	if f := mustFinding(t, rep, "flow.callback"); f.Status != doctor.StatusFail {
		t.Errorf("flow.callback = %s, want FAIL when nobody opens the URL", f.Status)
	}
	if f := mustFinding(t, rep, "mcp.initialize"); f.Status != doctor.StatusSkip {
		t.Errorf("mcp.initialize = %s, want SKIP without a token", f.Status)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestClientSelection(t *testing.T) {
	rep, _ := run(t, oauthtest.Config{NoCORS: true}, func(o *doctor.Options, _ *oauthtest.Server) {
		o.Clients = []string{doctor.ClientCursor}
	})
	if f := mustFinding(t, rep, "cors.preflight"); f.Status != doctor.StatusSkip {
		t.Errorf("cors.preflight = %s, want SKIP when inspector is not selected", f.Status)
	}
	if f := mustFinding(t, rep, "dcr.claude"); f.Status != doctor.StatusSkip {
		t.Errorf("dcr.claude = %s, want SKIP", f.Status)
	}
	if f := mustFinding(t, rep, "dcr.cursor"); f.Status != doctor.StatusPass {
		t.Errorf("dcr.cursor = %s, want PASS", f.Status)
	}
	if v := rep.Clients[doctor.ClientClaude]; v.Status != doctor.StatusSkip {
		t.Errorf("claude verdict = %+v, want SKIP", v)
	}
	if rep.Failed() {
		t.Errorf("failed: %v", ids(rep.Findings, doctor.StatusFail))
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []doctor.Options{
		{},
		{URL: "mcp.example.com/mcp"},
		{URL: "ftp://mcp.example.com/mcp"},
		{URL: "https://mcp.example.com/mcp", Clients: []string{"netscape"}},
	} {
		if _, err := doctor.Run(context.Background(), o); err == nil {
			t.Errorf("Run(%+v) succeeded, want an error", o)
		}
	}
}

func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rep, err := doctor.Run(context.Background(), doctor.Options{URL: "http://" + addr + "/mcp", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if f := mustFinding(t, rep, "challenge.status"); f.Status != doctor.StatusFail {
		t.Errorf("challenge.status = %s, want FAIL", f.Status)
	}
	if f := mustFinding(t, rep, "prm.path"); f.Status != doctor.StatusSkip {
		t.Errorf("prm.path = %s, want SKIP after an unreachable MCP URL", f.Status)
	}
	if f := mustFinding(t, rep, "reach.https"); f.Status != doctor.StatusWarn {
		t.Errorf("reach.https = %s, want WARN (http on loopback)", f.Status)
	}
}

// TestHangingServerIsBounded checks that per-request timeouts and the run
// budget bound a server that never answers discovery.
func TestHangingServerIsBounded(t *testing.T) {
	var self string
	done := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/mcp" {
			w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+self+`/.well-known/oauth-protected-resource/mcp"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		select {
		case <-r.Context().Done():
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}))
	self = hang.URL
	defer func() {
		close(done)
		hang.CloseClientConnections()
		hang.Close()
	}()
	start := time.Now()
	rep, err := doctor.Run(context.Background(), doctor.Options{URL: hang.URL + "/mcp", Timeout: 150 * time.Millisecond, Budget: 700 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("run took %s with a 700ms budget", d)
	}
	if f := mustFinding(t, rep, "prm.path"); f.Status != doctor.StatusFail || !strings.Contains(f.Evidence, "no answer within") {
		t.Errorf("prm.path = %s %q, want FAIL with a timeout", f.Status, f.Evidence)
	}
	if f := mustFinding(t, rep, "timing.discovery"); f.Status != doctor.StatusFail {
		t.Errorf("timing.discovery = %s, want FAIL", f.Status)
	}
	if _, ok := rep.Finding("run.budget"); !ok {
		t.Error("no run.budget finding after the budget ran out")
	}
}

// TestOpenServer: an MCP endpoint without auth skips OAuth and checks MCP.
func TestOpenServer(t *testing.T) {
	fake := oauthtest.New(oauthtest.Config{})
	defer fake.Close()
	tok := fake.IssueToken()
	open := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := url.Parse(fake.Origin())
		r.URL.Scheme, r.URL.Host, r.RequestURI = u.Scheme, u.Host, ""
		r.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer open.Close()
	rep, err := doctor.Run(context.Background(), doctor.Options{URL: open.URL + "/mcp", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if f := mustFinding(t, rep, "challenge.status"); f.Status != doctor.StatusWarn {
		t.Errorf("challenge.status = %s, want WARN for an open server", f.Status)
	}
	if f := mustFinding(t, rep, "prm.path"); f.Status != doctor.StatusSkip {
		t.Errorf("prm.path = %s, want SKIP", f.Status)
	}
	for _, id := range []string{"mcp.initialize", "mcp.stateless", "tools.search"} {
		if f := mustFinding(t, rep, id); f.Status != doctor.StatusPass {
			t.Errorf("%s = %s (%s)", id, f.Status, f.Title)
		}
	}
}

func TestTextReport(t *testing.T) {
	rep, _ := run(t, oauthtest.Config{DCRNulls: true}, nil)
	txt := textReport(t, rep)
	for _, want := range []string{"portico doctor " + rep.Target, "Dynamic client registration", "FAIL  dcr.nulls", "fix", "Who would fail where", "claude-code  FAIL", "failed"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text report lacks %q:\n%s", want, txt)
		}
	}
	var colored bytes.Buffer
	if err := rep.WriteText(&colored, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[31;1mFAIL") {
		t.Error("colored report has no red FAIL")
	}
}

// TestPlainHTTPLocalFake: a correct server on http://127.0.0.1 (Portico's
// localhost default) warns about hosted clients but fails nothing.
func TestPlainHTTPLocalFake(t *testing.T) {
	s := oauthtest.New(oauthtest.Config{})
	defer s.Close()
	rep, err := doctor.Run(context.Background(), doctor.Options{URL: s.MCPURL(), Timeout: 3 * time.Second, Token: s.IssueToken(),
		Interactive: &doctor.Interactive{Open: s.Approve, Wait: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() {
		t.Fatalf("FAIL against a correct http fake: %v\n%s", ids(rep.Findings, doctor.StatusFail), textReport(t, rep))
	}
	for _, id := range []string{"reach.https", "reach.dns"} {
		if f := mustFinding(t, rep, id); f.Status != doctor.StatusWarn {
			t.Errorf("%s = %s, want WARN", id, f.Status)
		}
	}
	if f := mustFinding(t, rep, "flow.token"); f.Status != doctor.StatusPass {
		t.Errorf("flow.token = %s (%s)", f.Status, f.Evidence)
	}
}
