// Command loadgen is the closed-loop load generator of bench/run.sh.
//
//	loadgen rpc      JSON-RPC POSTs over fixed keep-alive connections
//	loadgen token    drive the real OAuth flow once, print the tokens
//	loadgen dance    full OAuth dances per second (register → authorize → consent → token)
//	loadgen refresh  refresh-token rotations per second
//	loadgen conns    hold N open connections (SSE streams), sample RSS and goroutines
//	loadgen startup  time from exec to 200 on /readyz, and idle RSS
//
// Every measured response is checked; one failure fails the run (exit 1).
// Results are one JSON object on stdout.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen rpc|token|dance|refresh|conns|startup [flags]")
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"rpc": cmdRPC, "token": cmdToken, "dance": cmdDance, "refresh": cmdRefresh,
		"conns": cmdConns, "startup": cmdStartup, "report": cmdReport,
	}
	f, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "loadgen: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := f(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// result is what every load command prints.
type result struct {
	Name   string  `json:"name"`
	Conns  int     `json:"conns,omitempty"`
	N      int     `json:"n"`
	Secs   float64 `json:"secs"`
	RPS    float64 `json:"rps"`
	P50us  float64 `json:"p50_us"`
	P95us  float64 `json:"p95_us"`
	P99us  float64 `json:"p99_us"`
	Extra  any     `json:"extra,omitempty"`
	Errors int     `json:"errors"`
}

func summarize(name string, conns int, lat [][]time.Duration, secs float64) result {
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	q := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Nanoseconds()) / 1e3
	}
	return result{Name: name, Conns: conns, N: len(all), Secs: secs, RPS: float64(len(all)) / secs,
		P50us: q(0.50), P95us: q(0.95), P99us: q(0.99)}
}

func emit(r result) error {
	return json.NewEncoder(os.Stdout).Encode(r)
}

// runLoop runs c workers in a closed loop: warm-up, then d of measurement.
// each(worker) returns a function doing one operation.
func runLoop(c int, warm, d time.Duration, each func(w int) (func() error, error)) ([][]time.Duration, float64, error) {
	return runLoopHook(c, warm, d, nil, nil, each)
}

// runLoopHook is runLoop calling start when measurement starts.
func runLoopHook(c int, warm, d time.Duration, start, end func(), each func(w int) (func() error, error)) ([][]time.Duration, float64, error) {
	ops := make([]func() error, c)
	for i := range c {
		op, err := each(i)
		if err != nil {
			return nil, 0, err
		}
		ops[i] = op
	}
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		firstErr  error
		errOnce   sync.Once
		wg        sync.WaitGroup
	)
	lat := make([][]time.Duration, c)
	for i := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, 1<<16)
			for !stop.Load() {
				t0 := time.Now()
				err := ops[i]()
				dt := time.Since(t0)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					stop.Store(true)
					return
				}
				if measuring.Load() {
					l = append(l, dt)
				}
			}
			lat[i] = l
		}()
	}
	time.Sleep(warm)
	if start != nil {
		start()
	}
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(d)
	measuring.Store(false)
	if end != nil {
		end()
	}
	secs := time.Since(t0).Seconds()
	stop.Store(true)
	wg.Wait()
	return lat, secs, firstErr
}

// ---------------------------------------------------------------------------
// rpc: raw HTTP/1.1 keep-alive connections, so the client costs far less
// CPU than the servers it measures.

type rawConn struct {
	addr  string
	c     net.Conn
	br    *bufio.Reader
	reqs  [][]byte
	k     int
	check func(status int, ct string, body []byte, strict bool) error
	first bool
}

func (rc *rawConn) do() error {
	if rc.c == nil {
		c, err := net.Dial("tcp", rc.addr)
		if err != nil {
			return err
		}
		rc.c, rc.br = c, bufio.NewReaderSize(c, 64<<10)
	}
	req := rc.reqs[rc.k%len(rc.reqs)]
	rc.k++
	if _, err := rc.c.Write(req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	strict := rc.first
	rc.first = false
	if err := rc.check(resp.StatusCode, resp.Header.Get("Content-Type"), body, strict); err != nil {
		return err
	}
	if resp.Close {
		rc.c.Close()
		rc.c = nil
	}
	return nil
}

// checkRPC fails non-2xx answers and JSON-RPC or tool errors. Every answer
// is scanned for an error member and isError:true and must hold want; the
// first answer on each connection is also decoded strictly.
func checkRPC(want string) func(int, string, []byte, bool) error {
	return func(status int, ct string, body []byte, strict bool) error {
		if status < 200 || status > 299 {
			return fmt.Errorf("HTTP %d: %.300s", status, body)
		}
		if bytes.Contains(body, []byte(`"error":{`)) || bytes.Contains(body, []byte(`"isError":true`)) {
			return fmt.Errorf("JSON-RPC error: %.300s", body)
		}
		if !bytes.Contains(body, []byte(`"result"`)) || (want != "" && !bytes.Contains(body, []byte(want))) {
			return fmt.Errorf("answer lacks result or %q: %.300s", want, body)
		}
		if !strict {
			return nil
		}
		msg := body
		if strings.HasPrefix(ct, "text/event-stream") {
			for line := range strings.Lines(string(body)) {
				if d, ok := strings.CutPrefix(strings.TrimSpace(line), "data:"); ok {
					msg = []byte(d)
				}
			}
		}
		var m struct {
			JSONRPC string          `json:"jsonrpc"`
			Result  json.RawMessage `json:"result"`
			Error   json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(msg, &m); err != nil || m.JSONRPC != "2.0" || len(m.Result) == 0 || len(m.Error) != 0 {
			return fmt.Errorf("not a JSON-RPC result (%v): %.300s", err, body)
		}
		return nil
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " | ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func cmdRPC(args []string) error {
	fs := flag.NewFlagSet("rpc", flag.ExitOnError)
	target := fs.String("url", "", "endpoint URL, e.g. http://127.0.0.1:9101/mcp")
	token := fs.String("token", "", "bearer token (empty: none)")
	proto := fs.String("proto", "2025-06-18", "MCP-Protocol-Version header (empty: none)")
	c := fs.Int("c", 16, "connections")
	d := fs.Duration("d", 10*time.Second, "measured duration")
	warm := fs.Duration("warmup", 2*time.Second, "warm-up")
	want := fs.String("expect", "", "substring every answer must contain")
	name := fs.String("name", "rpc", "name in the result")
	pid := fs.Int("pid", 0, "server process: report its CPU time per request")
	var bodies multiFlag
	fs.Var(&bodies, "body", "JSON-RPC body (repeat to rotate several)")
	argsFile := fs.String("args-file", "", "file of tools/call arguments, one JSON object a line (# comments): a body each, rotated like -body")
	tool := fs.String("tool", "", "with -args-file: the tool to call")
	_ = fs.Parse(args)
	if *argsFile != "" {
		b, err := toolBodies(*argsFile, *tool)
		if err != nil {
			return err
		}
		bodies = append(bodies, b...)
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" || len(bodies) == 0 {
		return errors.New("need -url and -body or -args-file")
	}
	var reqs [][]byte
	for _, b := range bodies {
		var r bytes.Buffer
		fmt.Fprintf(&r, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n", u.RequestURI(), u.Host)
		if *proto != "" {
			fmt.Fprintf(&r, "MCP-Protocol-Version: %s\r\n", *proto)
		}
		if *token != "" {
			fmt.Fprintf(&r, "Authorization: Bearer %s\r\n", *token)
		}
		fmt.Fprintf(&r, "Content-Length: %d\r\n\r\n%s", len(b), b)
		reqs = append(reqs, r.Bytes())
	}
	conns := make([]*rawConn, *c)
	var cpu0, cpu1 int64
	lat, secs, err := runLoopHook(*c, *warm, *d, func() { cpu0 = cpuTicks(*pid) }, func() { cpu1 = cpuTicks(*pid) }, func(w int) (func() error, error) {
		rc := &rawConn{addr: u.Host, reqs: reqs, k: w, check: checkRPC(*want), first: true}
		conns[w] = rc
		return rc.do, nil
	})
	for _, rc := range conns {
		if rc != nil && rc.c != nil {
			rc.c.Close()
		}
	}
	if err != nil {
		return err
	}
	r := summarize(*name, *c, lat, secs)
	extra := map[string]any{}
	if *pid != 0 && r.N > 0 {
		extra["server_cpu_us_per_req"] = float64(cpu1-cpu0) * 1e4 / float64(r.N)
	}
	if len(bodies) > 1 {
		extra["bodies"] = len(bodies)
	}
	if len(extra) > 0 {
		r.Extra = extra
	}
	return emit(r)
}

// toolBodies reads a file of tool arguments (one JSON object a line; blank
// lines and lines starting with # are skipped) and makes a tools/call body
// for each.
func toolBodies(path, tool string) ([]string, error) {
	if tool == "" {
		return nil, errors.New("-args-file needs -tool")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var a map[string]any
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, line, err)
		}
		b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": len(out) + 1, "method": "tools/call",
			"params": map[string]any{"name": tool, "arguments": a}})
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no arguments", path)
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// OAuth driving, as internal/cli/flow_test.go does it.

// fakeIP hands out distinct client addresses for X-Forwarded-For, so that
// Portico's per-IP rate limits (which protect a real deployment from one
// abusive address) do not cap a benchmark that stands in for many clients.
// Portico runs with --trusted-proxies 127.0.0.1/32 for this.
var ipSeq atomic.Uint32

func fakeIP() string {
	n := ipSeq.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", (n>>16)&0xff, (n>>8)&0xff, n&0xff)
}

type flow struct {
	base, public string
	email, pass  string
	redirect     string
	jar          http.CookieJar
	api, browser *http.Client
	loggedIn     atomic.Bool
}

func newFlow(base, public, email, pass string) *flow {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	f := &flow{base: base, public: public, email: email, pass: pass, redirect: "http://127.0.0.1:9/callback", jar: jar}
	f.api = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	f.browser = &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), base) {
				return http.ErrUseLastResponse
			}
			req.Header.Set("X-Forwarded-For", via[0].Header.Get("X-Forwarded-For"))
			return nil
		}}
	return f
}

func (f *flow) do(c *http.Client, req *http.Request, ip string) (*http.Response, []byte, error) {
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func (f *flow) postForm(c *http.Client, u string, form url.Values, ip string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(c, req, ip)
}

func (f *flow) register(ip string) (string, error) {
	body := `{"client_name":"bench","redirect_uris":["` + f.redirect + `"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}`
	req, _ := http.NewRequest("POST", f.base+"/register", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, b, err := f.do(f.api, req, ip)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("register: %d %.300s", resp.StatusCode, b)
	}
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.ClientID == "" {
		return "", fmt.Errorf("register: bad body %.300s", b)
	}
	return out.ClientID, nil
}

var (
	formRE   = regexp.MustCompile(`(?s)<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	scopeRE  = regexp.MustCompile(`name="grant_scope" value="([^"]+)"`)
)

// authorize runs /authorize with the shared browser session (logging in
// the first time) and returns the code.
func (f *flow) authorize(clientID, verifier, ip string) (string, error) {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {f.redirect},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"state": {"st"}, "scope": {"content:read content:write content:publish site:admin offline_access"},
		"resource": {f.public + "/mcp"},
	}
	req, _ := http.NewRequest("GET", f.base+"/authorize?"+q.Encode(), nil)
	resp, page, err := f.do(f.browser, req, ip)
	if err != nil {
		return "", err
	}
	for range 4 {
		if resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound {
			break
		}
		m := formRE.FindSubmatch(page)
		if m == nil {
			return "", fmt.Errorf("authorize: no form on page (%d): %.500s", resp.StatusCode, page)
		}
		action, inner := html.UnescapeString(string(m[1])), string(m[2])
		form := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(inner, -1) {
			form.Add(h[1], html.UnescapeString(h[2]))
		}
		if strings.Contains(inner, `name="password"`) {
			form.Set("email", f.email)
			form.Set("password", f.pass)
		}
		for _, s := range scopeRE.FindAllStringSubmatch(inner, -1) {
			form.Add("grant_scope", s[1])
		}
		if strings.Contains(inner, `name="decision"`) {
			form.Set("decision", "allow")
		}
		resp, page, err = f.postForm(f.browser, f.base+action, form, ip)
		if err != nil {
			return "", err
		}
	}
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("authorize ended with %d: %.500s", resp.StatusCode, page)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("redirect without code: %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), nil
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ClientID     string `json:"client_id"`
}

func (f *flow) token(form url.Values, ip string) (tokens, error) {
	resp, b, err := f.postForm(f.api, f.base+"/token", form, ip)
	if err != nil {
		return tokens{}, err
	}
	if resp.StatusCode != 200 {
		return tokens{}, fmt.Errorf("token: %d %.300s", resp.StatusCode, b)
	}
	var t tokens
	if err := json.Unmarshal(b, &t); err != nil || t.AccessToken == "" || t.RefreshToken == "" {
		return tokens{}, fmt.Errorf("token: bad body %.300s", b)
	}
	return t, nil
}

// dance is one full OAuth flow: register, authorize (consent), token.
func (f *flow) dance() (tokens, error) {
	ip := fakeIP()
	id, err := f.register(ip)
	if err != nil {
		return tokens{}, err
	}
	v := verifier()
	code, err := f.authorize(id, v, ip)
	if err != nil {
		return tokens{}, err
	}
	t, err := f.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect},
		"code_verifier": {v}, "client_id": {id}, "resource": {f.public + "/mcp"}}, ip)
	t.ClientID = id
	return t, err
}

func verifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func flowFlags(fs *flag.FlagSet) (base, public, email, pass *string) {
	base = fs.String("base", "http://127.0.0.1:8080", "where to send requests")
	public = fs.String("public", "", "Portico's public URL (default: -base)")
	email = fs.String("email", "bench@example.com", "login")
	pass = fs.String("password", "bench-password-123", "password")
	return
}

func cmdToken(args []string) error {
	fs := flag.NewFlagSet("token", flag.ExitOnError)
	base, public, email, pass := flowFlags(fs)
	_ = fs.Parse(args)
	f := newFlow(*base, or(*public, *base), *email, *pass)
	t, err := f.dance()
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(t)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cmdDance(args []string) error {
	fs := flag.NewFlagSet("dance", flag.ExitOnError)
	base, public, email, pass := flowFlags(fs)
	c := fs.Int("c", 8, "concurrent dances")
	d := fs.Duration("d", 10*time.Second, "measured duration")
	warm := fs.Duration("warmup", 2*time.Second, "warm-up")
	_ = fs.Parse(args)
	f := newFlow(*base, or(*public, *base), *email, *pass)
	if _, err := f.dance(); err != nil { // logs in once; every dance after reuses the session
		return fmt.Errorf("first dance: %w", err)
	}
	lat, secs, err := runLoop(*c, *warm, *d, func(int) (func() error, error) {
		return func() error { _, err := f.dance(); return err }, nil
	})
	if err != nil {
		return err
	}
	return emit(summarize("oauth-dance", *c, lat, secs))
}

func cmdRefresh(args []string) error {
	fs := flag.NewFlagSet("refresh", flag.ExitOnError)
	base, public, email, pass := flowFlags(fs)
	c := fs.Int("c", 8, "concurrent refresh chains (one grant each)")
	d := fs.Duration("d", 10*time.Second, "measured duration")
	warm := fs.Duration("warmup", 2*time.Second, "warm-up")
	_ = fs.Parse(args)
	f := newFlow(*base, or(*public, *base), *email, *pass)
	lat, secs, err := runLoop(*c, *warm, *d, func(int) (func() error, error) {
		t, err := f.dance()
		if err != nil {
			return nil, err
		}
		return func() error {
			n, err := f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t.RefreshToken},
				"client_id": {t.ClientID}, "resource": {f.public + "/mcp"}}, fakeIP())
			if err != nil {
				return err
			}
			if n.RefreshToken == t.RefreshToken {
				return errors.New("refresh did not rotate")
			}
			t.RefreshToken = n.RefreshToken
			return nil
		}, nil
	})
	if err != nil {
		return err
	}
	return emit(summarize("token-refresh", *c, lat, secs))
}

// ---------------------------------------------------------------------------
// conns: hold many open connections.

func cmdConns(args []string) error {
	fs := flag.NewFlagSet("conns", flag.ExitOnError)
	target := fs.String("url", "", "GET this URL on every connection (an SSE stream), e.g. http://127.0.0.1:8080/sse")
	token := fs.String("token", "", "bearer token")
	n := fs.Int("n", 5000, "connections")
	pid := fs.Int("pid", 0, "server process to sample (VmRSS)")
	metrics := fs.String("metrics", "", "Prometheus URL to read go_goroutines from (optional)")
	settle := fs.Duration("settle", 2*time.Second, "wait after opening before sampling")
	_ = fs.Parse(args)
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return errors.New("need -url")
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n", u.RequestURI(), u.Host)
	if *token != "" {
		req += "Authorization: Bearer " + *token + "\r\n"
	}
	req += "\r\n"
	conns := make([]net.Conn, *n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	rss0 := rssKB(*pid)
	t0 := time.Now()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ferr error
	)
	sem := make(chan struct{}, 64)
	for i := range *n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
			if err == nil {
				conns[i] = c
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				_, err = io.WriteString(c, req)
			}
			if err == nil {
				// Read the status line and headers; an SSE stream then sends its
				// endpoint event, which we read too.
				br := bufio.NewReader(c)
				var resp *http.Response
				resp, err = http.ReadResponse(br, nil)
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("HTTP %d", resp.StatusCode)
				}
				if err == nil {
					_, err = br.ReadString('\n')
				}
				_ = c.SetDeadline(time.Time{})
			}
			if err != nil {
				mu.Lock()
				ferr = errors.Join(ferr, fmt.Errorf("conn %d: %w", i, err))
				mu.Unlock()
			}
		}()
		if ferr != nil {
			break
		}
	}
	wg.Wait()
	if ferr != nil {
		return ferr
	}
	opened := time.Since(t0)
	time.Sleep(*settle)
	extra := map[string]any{"rss_before_kb": rss0, "rss_kb": rssKB(*pid), "open_secs": opened.Seconds()}
	if *metrics != "" {
		extra["goroutines"] = goroutines(*metrics)
	}
	return emit(result{Name: "open-conns", Conns: *n, N: *n, Extra: extra})
}

func rssKB(pid int) int {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func goroutines(u string) int {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(n)
		}
	}
	return -1
}

// ---------------------------------------------------------------------------
// startup

func cmdStartup(args []string) error {
	fs := flag.NewFlagSet("startup", flag.ExitOnError)
	ready := fs.String("ready", "", "URL that answers 200 once the server is ready")
	rounds := fs.Int("rounds", 5, "starts to time")
	idle := fs.Duration("idle", 2*time.Second, "wait after ready before reading idle RSS (last round)")
	cpu := fs.String("cpu", "", "taskset CPU list for the server (optional)")
	_ = fs.Parse(args)
	argv := fs.Args()
	if *ready == "" || len(argv) == 0 {
		return errors.New("usage: loadgen startup -ready URL -- command args...")
	}
	if *cpu != "" {
		argv = append([]string{"taskset", "-c", *cpu}, argv...)
	}
	hc := &http.Client{Timeout: 200 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	var times []float64
	rss := 0
	for r := range *rounds {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		ok := false
		for time.Since(t0) < 20*time.Second {
			resp, err := hc.Get(*ready)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					ok = true
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		el := time.Since(t0)
		if ok && r == *rounds-1 {
			time.Sleep(*idle)
			rss = rssKB(cmd.Process.Pid)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if !ok {
			return fmt.Errorf("%s never answered 200", *ready)
		}
		times = append(times, float64(el.Microseconds())/1e3)
	}
	slices.Sort(times)
	return emit(result{Name: "startup", N: len(times), Extra: map[string]any{
		"startup_ms_median": times[len(times)/2], "startup_ms_all": times, "idle_rss_kb": rss}})
}

// ---------------------------------------------------------------------------
// CPU accounting: server CPU time per request, read from /proc, is steadier
// than requests per second on a shared machine.

func cpuTicks(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k // clock ticks, 100 per second on Linux
}
