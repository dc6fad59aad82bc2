package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/portico-mcp/portico/internal/store/pgtest"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// binary is the portico binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "portico-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "portico")
	build := exec.Command("go", "build", "-o", binary, "github.com/portico-mcp/portico/cmd/portico")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building portico:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running `portico serve`.
type proc struct {
	cmd    *exec.Cmd
	URL    string // where it listens: http://127.0.0.1:PORT
	Public string // its public URL
	mu     sync.Mutex
	logs   strings.Builder
	done   chan error
}

func (p *proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

var listenRE = regexp.MustCompile(`msg=serving listen=([0-9.:]+) public_url=(\S+)`)

// startServe starts `portico serve` on a random loopback port with args and
// waits until /readyz answers 200.
func startServe(t *testing.T, args ...string) *proc {
	t.Helper()
	full := append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "debug"}, args...)
	cmd := exec.Command(binary, full...)
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan [2]string, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listenRE.FindStringSubmatch(line); m != nil && !sent {
				addr <- [2]string{m[1], m[2]}
				sent = true
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("portico logs:\n%s", p.Logs())
		}
	})
	select {
	case a := <-addr:
		p.URL, p.Public = "http://"+a[0], a[1]
	case err := <-p.done:
		t.Fatalf("portico exited before serving: %v\n%s", err, p.Logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("portico did not start in 30s\n%s", p.Logs())
	}
	waitReady(t, p.URL)
	t.Logf("portico ready in %v", time.Since(start).Round(time.Millisecond))
	return p
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/readyz never answered 200", base)
}

// stop sends sig and returns the exit code.
func (p *proc) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("portico did not exit within 30s of %v", sig)
	}
	return p.cmd.ProcessState.ExitCode()
}

// cleanEnv is the environment without PORTICO_* variables of the test run.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PORTICO_") {
			env = append(env, kv)
		}
	}
	return env
}

func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running portico %v: %v", args, err)
		}
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeStartsAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, "--data-dir", dir)
	if _, err := os.Stat(filepath.Join(dir, "portico.db")); err != nil {
		t.Errorf("SQLite file not created: %v", err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, p.URL+path); code != 200 || !strings.Contains(body, `"ok"`) {
			t.Errorf("GET %s = %d %s", path, code, body)
		}
	}
	code, body := get(t, p.URL+"/metrics")
	if code != 200 || !strings.Contains(body, "portico_http_requests_total") || !strings.Contains(body, `route="GET /readyz"`) {
		t.Errorf("GET /metrics = %d, missing request metrics:\n%.500s", code, body)
	}
	if got := p.stop(t, syscall.SIGINT); got != 0 {
		t.Errorf("exit code after SIGINT: got %d, want 0", got)
	}
	logs := p.Logs()
	if !strings.Contains(logs, "msg=stopped") {
		t.Errorf("no clean shutdown in logs:\n%s", logs)
	}
}

func TestServeSIGTERMWaitsForInFlightStreams(t *testing.T) {
	p := startServe(t, "--data-dir", t.TempDir(), "--shutdown-timeout", "10s")
	// A keep-alive connection that is idle must not hold shutdown.
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	if line, _ := br.ReadString('\n'); !strings.Contains(line, "200") {
		t.Fatalf("status line %q", line)
	}
	start := time.Now()
	if got := p.stop(t, syscall.SIGTERM); got != 0 {
		t.Errorf("exit code after SIGTERM: got %d, want 0", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v with only an idle connection open", d)
	}
}

func TestBadConfigurationExitsWithOneLinePerProblem(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		lines []string // substrings, one per expected line
	}{
		{"unknown flag", []string{"--frobnicate"}, []string{"unknown flag -frobnicate"}},
		{"bad dsn", []string{"--data-dir", dir, "--db", "mysql://x"}, []string{"--db: unknown database"}},
		{"unreachable database", []string{"--data-dir", dir, "--db", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, []string{"open database"}},
		{"http public url on public listener", []string{"--data-dir", dir, "--listen", "0.0.0.0:0", "--public-url", "http://example.com"}, []string{"--public-url"}},
		{"unwritable data dir", []string{"--data-dir", filepath.Join(file, "sub")}, []string{"--data-dir: cannot write"}},
		{"several problems", []string{"--data-dir", dir, "--log-level", "loud", "--listen", "0.0.0.0:0"}, []string{"--public-url", "--log-level"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, "", append([]string{"serve"}, tt.args...)...)
			if code == 0 {
				t.Fatalf("exit code 0, want non-zero; stderr:\n%s", stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != len(tt.lines) {
				t.Errorf("got %d lines, want %d:\n%s", len(lines), len(tt.lines), stderr)
			}
			for i, want := range tt.lines {
				if i < len(lines) && !strings.Contains(lines[i], want) {
					t.Errorf("line %d %q lacks %q", i, lines[i], want)
				}
			}
			for _, bad := range []string{"goroutine ", "panic", "msg=serving"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr contains %q:\n%s", bad, stderr)
				}
			}
		})
	}
}

func TestPortTakenFailsClearly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, stderr, code := run(t, "", "serve", "--data-dir", t.TempDir(), "--listen", ln.Addr().String())
	if code == 0 || !strings.Contains(stderr, "cannot listen on") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("code %d stderr:\n%s", code, stderr)
	}
}

func TestMigrateAndVersion(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := run(t, "", "migrate", "--data-dir", dir)
	if code != 0 || !regexp.MustCompile(`schema version [1-9]`).MatchString(out) {
		t.Fatalf("migrate: code %d out %q err %q", code, out, stderr)
	}
	again, _, code := run(t, "", "migrate", "--data-dir", dir)
	if code != 0 || again != out {
		t.Errorf("second migrate: code %d %q, want %q", code, again, out)
	}
	out, _, code = run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "portico ") {
		t.Errorf("version: %d %q", code, out)
	}
	_, stderr, code = run(t, "", "frobnicate")
	if code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
}

func TestUserAddAndFullFlowOnSQLite(t *testing.T) {
	dir := t.TempDir()
	// The CLI works while the server runs (SQLite WAL, busy timeout).
	p := startServe(t, "--data-dir", dir)
	if !strings.Contains(p.Logs(), `setup_url="http://localhost:`) {
		t.Errorf("no setup link logged on first start:\n%s", p.Logs())
	}
	addUser(t, "owner@example.com", "correct horse battery", "--data-dir", dir)
	_, stderr, code := run(t, "correct horse battery\n", "user", "add", "--email", "owner@example.com", "--password-stdin", "--data-dir", dir)
	if code == 0 || !strings.Contains(stderr, "already has an account") {
		t.Errorf("duplicate user add: %d %q", code, stderr)
	}
	_, stderr, code = run(t, "", "user", "add", "--email", "x@example.com", "--role", "king", "--data-dir", dir)
	if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 1 {
		t.Errorf("bad user add: want 2 lines (role, password-stdin), got %d %q", code, stderr)
	}
	out, _, _ := run(t, "", "user", "list", "--data-dir", dir)
	if !strings.Contains(out, "owner@example.com") || !strings.Contains(out, "admin") {
		t.Errorf("user list: %q", out)
	}

	c := register(t, p.URL, "e2e")
	v := newVerifier()
	code1 := authorizeAt(t, p.URL, p.Public, c, "owner@example.com", "correct horse battery", v)
	tk := exchangeAt(t, p.URL, p.Public, c, code1, v)
	status, body := mcpCall(t, p.URL, tk.AccessToken, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if status != 200 || !strings.Contains(body, `"get_post"`) {
		t.Errorf("tools/list: %d %.300s", status, body)
	}
	if s, _ := mcpCall(t, p.URL, "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`); s != 401 {
		t.Errorf("tools/list without token: %d, want 401", s)
	}
}

func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, "--data-dir", dir)
	var (
		mu    sync.Mutex
		acked []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"client_name":"burst-%d-%d","redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`, w, i)
				resp, err := client.Post(p.URL+"/register", "application/json", strings.NewReader(body))
				if err != nil {
					return // the server died mid-request: not acknowledged
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					continue // rate limited: not a write
				}
				var out struct {
					ClientID string `json:"client_id"`
				}
				if json.Unmarshal(b, &out) == nil && out.ClientID != "" {
					mu.Lock()
					acked = append(acked, out.ClientID)
					mu.Unlock()
				}
			}
		})
	}
	// Kill while requests are in flight.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 30 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d registrations acknowledged before the kill; the burst did not happen", len(acked))
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "portico.db"))
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer st.Close()
	lost := 0
	for _, id := range acked {
		if _, err := st.GetClient(t.Context(), id); err != nil {
			lost++
			t.Errorf("acknowledged client %s lost: %v", id, err)
		}
	}
	t.Logf("%d acknowledged writes, %d lost after kill -9", len(acked), lost)
}

func TestTwoReplicasOnOnePostgres(t *testing.T) {
	dsn := pgtest.Schema(t, pgtest.URL(t), "portico_cli")
	// Both replicas serve one public origin, as behind a load balancer.
	public := "http://localhost:18999"
	a := startServe(t, "--db", dsn, "--public-url", public)
	b := startServe(t, "--db", dsn, "--public-url", public)
	addUser(t, "owner@example.com", "correct horse battery", "--db", dsn)

	// Register on A, authorize and exchange on B.
	c := register(t, a.URL, "two-replicas")
	v := newVerifier()
	code := authorizeAt(t, b.URL, public, c, "owner@example.com", "correct horse battery", v)
	tk := exchangeAt(t, b.URL, public, c, code, v)
	// The token works on both at once.
	for _, p := range []*proc{a, b} {
		if s, body := mcpCall(t, p.URL, tk.AccessToken, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`); s != 200 {
			t.Fatalf("tools/list on %s: %d %.300s", p.URL, s, body)
		}
	}
	// Revoke on A; B rejects the token immediately.
	resp, body := postForm(t, http.DefaultClient, a.URL+"/revoke", url.Values{"token": {tk.RefreshToken}, "client_id": {c.ID}})
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	if s, _ := mcpCall(t, b.URL, tk.AccessToken, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); s != 401 {
		t.Errorf("token still accepted on B after revocation on A: %d", s)
	}
}

func TestDemoContentKeepsSetupLink(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, "--data-dir", dir, "--demo")
	if !strings.Contains(p.Logs(), `setup_url="http://localhost:`) {
		t.Errorf("demo content hid the setup link:\n%s", p.Logs())
	}
	p.stop(t, syscall.SIGTERM)
	// Restarting with --demo neither duplicates content nor loses the link.
	p = startServe(t, "--data-dir", dir, "--demo")
	if !strings.Contains(p.Logs(), `setup_url="http://localhost:`) {
		t.Errorf("no setup link on the second start")
	}
	addUser(t, "owner@example.com", "correct horse battery", "--data-dir", dir)
	c := register(t, p.URL, "demo")
	v := newVerifier()
	tk := exchangeAt(t, p.URL, p.Public, c, authorizeAt(t, p.URL, p.Public, c, "owner@example.com", "correct horse battery", v), v)
	status, body := mcpCall(t, p.URL, tk.AccessToken, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_site_stats","arguments":{}}}`)
	if status != 200 || strings.Contains(body, `"isError":true`) {
		t.Fatalf("get_site_stats: %d %.500s", status, body)
	}
	var resp struct {
		Result struct {
			StructuredContent json.RawMessage `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !regexp.MustCompile(`"published":\s*3[0-9]`).Match(resp.Result.StructuredContent) {
		t.Errorf("demo site should have 30+ published posts once (not twice): %s", resp.Result.StructuredContent)
	}
	// Every url a tool hands out opens a real public page.
	status, body = mcpCall(t, p.URL, tk.AccessToken, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"query":"coffee"}}}`)
	var search struct {
		Result struct {
			StructuredContent struct {
				Results []struct{ ID, Title, URL string } `json:"results"`
			} `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &search); err != nil || status != 200 {
		t.Fatalf("search: %d %v %.300s", status, err, body)
	}
	if len(search.Result.StructuredContent.Results) == 0 {
		t.Fatalf("search for coffee found nothing in the demo site: %.300s", body)
	}
	for _, r := range search.Result.StructuredContent.Results {
		if code, page := get(t, r.URL); code != 200 || !strings.Contains(page, html.EscapeString(r.Title)) {
			t.Errorf("GET %s = %d (title %q present: %v)", r.URL, code, r.Title, strings.Contains(page, html.EscapeString(r.Title)))
		}
	}
	if code, feed := get(t, p.URL+"/feed.xml"); code != 200 || !strings.Contains(feed, "<feed") {
		t.Errorf("feed: %d", code)
	}

	p.stop(t, syscall.SIGTERM)
	p = startServe(t, "--data-dir", dir)
	if strings.Contains(p.Logs(), "setup_url=") {
		t.Errorf("setup link still offered after the owner exists")
	}
}

func TestDoctorAgainstPorticoFindsNoFailure(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, "--data-dir", dir, "--demo")
	// Unauthenticated checks.
	out, stderr, code := run(t, "", "doctor", "--json", "--allow-loopback", p.Public+"/mcp")
	checkDoctor(t, "unauthenticated", out, stderr, code)

	// With a token from the real flow, the MCP checks run too.
	addUser(t, "owner@example.com", "correct horse battery", "--data-dir", dir)
	c := register(t, p.URL, "doctor")
	v := newVerifier()
	tk := exchangeAt(t, p.URL, p.Public, c, authorizeAt(t, p.URL, p.Public, c, "owner@example.com", "correct horse battery", v), v)
	out, stderr, code = run(t, tk.AccessToken+"\n", "doctor", "--json", "--allow-loopback", "--token-stdin", p.Public+"/mcp")
	findings := checkDoctor(t, "authenticated", out, stderr, code)
	ran := 0
	for _, f := range findings {
		if strings.HasPrefix(f.ID, "mcp.") || strings.HasPrefix(f.ID, "tools.") {
			if f.Status == "SKIP" {
				t.Errorf("authenticated check %s skipped: %s", f.ID, f.Evidence)
			}
			ran++
		}
	}
	if ran < 5 {
		t.Errorf("only %d MCP checks ran with a token", ran)
	}
	if strings.Contains(out, tk.AccessToken) || strings.Contains(stderr, tk.AccessToken) {
		t.Error("doctor printed the access token")
	}

	// Text output and exit code for a server that is down.
	_, _, code = run(t, "", "doctor", "--timeout", "1s", "http://127.0.0.1:1/mcp")
	if code != 3 {
		t.Errorf("doctor against a dead server: exit %d, want 3", code)
	}
	_, stderr, code = run(t, "", "doctor")
	if code != 2 || !strings.Contains(stderr, "exactly one MCP URL") {
		t.Errorf("doctor without URL: %d %q", code, stderr)
	}
}

type finding struct {
	ID, Status, Client, Title, Evidence, Fix string
}

func checkDoctor(t *testing.T, name, out, stderr string, code int) []finding {
	t.Helper()
	var rep struct {
		Findings []finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%s: doctor output is not JSON (%v): %.500s\n%s", name, err, out, stderr)
	}
	if len(rep.Findings) < 20 {
		t.Errorf("%s: only %d findings", name, len(rep.Findings))
	}
	for _, f := range rep.Findings {
		if f.Status == "FAIL" {
			t.Errorf("%s: doctor FAIL %s (%s): %s — %s\n  fix: %s", name, f.ID, f.Client, f.Title, f.Evidence, f.Fix)
		}
	}
	if code != 0 {
		t.Errorf("%s: doctor exit code %d, want 0", name, code)
	}
	return rep.Findings
}

func TestClientAndTokenCommands(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, "--data-dir", dir)
	addUser(t, "owner@example.com", "correct horse battery", "--data-dir", dir)

	// A pre-registered confidential client completes the flow with its secret.
	out, stderr, code := run(t, "", "client", "add", "--data-dir", dir, "--name", "Static app",
		"--redirect-uri", "http://127.0.0.1:9/callback", "--scope", "content:read,content:write")
	if code != 0 {
		t.Fatalf("client add: %d %s", code, stderr)
	}
	id := regexp.MustCompile(`client_id: (\S+)`).FindStringSubmatch(out)
	secret := regexp.MustCompile(`client_secret: (pt_cs_\S+)`).FindStringSubmatch(out)
	if id == nil || secret == nil {
		t.Fatalf("client add printed %q", out)
	}
	c := oauthClient{ID: id[1], Secret: secret[1], RedirectURI: "http://127.0.0.1:9/callback"}
	v := newVerifier()
	code1 := authorizeAt(t, p.URL, p.Public, c, "owner@example.com", "correct horse battery", v)
	resp, body := postForm(t, http.DefaultClient, p.URL+"/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code1}, "redirect_uri": {c.RedirectURI},
		"code_verifier": {v}, "client_id": {c.ID}, "client_secret": {c.Secret},
	})
	if resp.StatusCode != 200 {
		t.Fatalf("token with the pre-registered secret: %d %s", resp.StatusCode, body)
	}
	var tk tokens
	_ = json.Unmarshal([]byte(body), &tk)
	if tk.Scope != "content:read content:write" {
		t.Errorf("scope cap not applied: %q", tk.Scope)
	}
	if s, _ := mcpCall(t, p.URL, tk.AccessToken, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`); s != 200 {
		t.Errorf("tools/list with the static client's token: %d", s)
	}
	out, _, _ = run(t, "", "client", "list", "--data-dir", dir)
	if !strings.Contains(out, c.ID) || !strings.Contains(out, "static") {
		t.Errorf("client list: %q", out)
	}
	// Bad input: one line per problem, nothing created.
	_, stderr, code = run(t, "", "client", "add", "--data-dir", dir, "--redirect-uri", "javascript:alert(1)")
	if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 1 {
		t.Errorf("bad client add: %d %q", code, stderr)
	}
	// Revoking from the shell kills the token at once in the running server.
	out, stderr, code = run(t, "", "client", "revoke", c.ID, "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "1 active grant") {
		t.Errorf("client revoke: %d %q %q", code, out, stderr)
	}
	if s, _ := mcpCall(t, p.URL, tk.AccessToken, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); s != 401 {
		t.Errorf("token still works after client revoke: %d", s)
	}

	// A personal access token works in the header and is refused in the URL.
	out, stderr, code = run(t, "", "token", "create", "--data-dir", dir, "--email", "owner@example.com", "--name", "script", "--scope", "content:read")
	pat := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(pat, "pt_pat_") || strings.Contains(stderr, pat) {
		t.Fatalf("token create: %d %q %q", code, out, stderr)
	}
	status, body := mcpCall(t, p.URL, pat, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
	if status != 200 || strings.Contains(body, `"create_post"`) || !strings.Contains(body, `"get_post"`) {
		t.Errorf("read-only PAT: %d, write tools listed: %v", status, strings.Contains(body, `"create_post"`))
	}
	req, _ := http.NewRequest("POST", p.URL+"/mcp?access_token="+pat, strings.NewReader(`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode == 200 {
		t.Errorf("token in the query string accepted: %v %v", err, resp.StatusCode)
	}
	if strings.Contains(p.Logs(), pat) || strings.Contains(p.Logs(), tk.AccessToken) || strings.Contains(p.Logs(), c.Secret) {
		t.Error("a secret appears in the server log")
	}
}
