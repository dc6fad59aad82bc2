package interop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/portico-mcp/portico/internal/store/pgtest"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const enableHint = "interop tests are off: run `cd interop && npm ci` then `PORTICO_TEST_INTEROP=1 go test ./internal/interop/`"

var (
	// binary is the portico binary under test: built once by TestMain, or
	// PORTICO_INTEROP_BINARY when set (to run the suite against another build).
	binary string
	// interopDir is the npm project with the clients (repo/interop).
	interopDir string
	// setupErr makes every test fail (not skip) when the suite is enabled
	// but cannot run.
	setupErr error
)

func TestMain(m *testing.M) {
	if os.Getenv("PORTICO_TEST_INTEROP") != "1" {
		os.Exit(m.Run())
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	interopDir = filepath.Clean(filepath.Join(wd, "..", "..", "interop"))
	if _, err := os.Stat(filepath.Join(interopDir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")); err != nil {
		setupErr = fmt.Errorf("PORTICO_TEST_INTEROP=1 but %s has no node_modules: run `cd interop && npm ci` first", interopDir)
	} else if _, err := exec.LookPath("node"); err != nil {
		setupErr = errors.New("PORTICO_TEST_INTEROP=1 but `node` is not on PATH (Node 20 or newer is needed)")
	}
	var tmp string
	if b := os.Getenv("PORTICO_INTEROP_BINARY"); b != "" {
		binary = b
	} else if setupErr == nil {
		tmp, err = os.MkdirTemp("", "portico-interop-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binary = filepath.Join(tmp, "portico")
		build := exec.Command("go", "build", "-o", binary, "github.com/portico-mcp/portico/cmd/portico")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			setupErr = fmt.Errorf("building portico: %w", err)
		}
	}
	code := m.Run()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

// requireInterop skips unless the suite is enabled, and fails when it is
// enabled but cannot run.
func requireInterop(t *testing.T) {
	t.Helper()
	if os.Getenv("PORTICO_TEST_INTEROP") != "1" {
		t.Skip(enableHint)
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

// ---- logs ----

// logDir is where a test's full logs go: $PORTICO_INTEROP_LOGS/<test>, or a
// temporary directory that is removed when the test passes and kept (its
// path printed) when it fails.
func logDir(t *testing.T) string {
	t.Helper()
	logDirsMu.Lock()
	defer logDirsMu.Unlock()
	if dir, ok := logDirs[t]; ok {
		return dir
	}
	dir := newLogDir(t)
	logDirs[t] = dir
	t.Cleanup(func() {
		logDirsMu.Lock()
		delete(logDirs, t)
		logDirsMu.Unlock()
	})
	return dir
}

var (
	logDirsMu sync.Mutex
	logDirs   = map[*testing.T]string{}
)

func newLogDir(t *testing.T) string {
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")
	if base := os.Getenv("PORTICO_INTEROP_LOGS"); base != "" {
		dir := filepath.Join(base, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir, err := os.MkdirTemp("", "portico-interop-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			os.RemoveAll(dir)
		}
	})
	return dir
}

// outLog is one process's full output, kept in a file; on failure the test
// prints its path and last 50 lines.
type outLog struct {
	name, path string
	mu         sync.Mutex
	f          *os.File
	lines      []string
}

// newLog makes the log of a client: on failure its path and last 50 lines
// are printed.
func newLog(t *testing.T, name string) *outLog { return makeLog(t, name, true) }

// newServerLog makes the log of a server process or proxy: on failure only
// its path is printed.
func newServerLog(t *testing.T, name string) *outLog { return makeLog(t, name, false) }

func makeLog(t *testing.T, name string, tail bool) *outLog {
	t.Helper()
	path := filepath.Join(logDir(t), name+".log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	l := &outLog{name: name, path: path, f: f}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.f.Close()
		if t.Failed() && !tail {
			t.Logf("%s: full output in %s", l.name, l.path)
		} else if t.Failed() {
			tail := l.lines
			if len(tail) > 50 {
				tail = tail[len(tail)-50:]
			}
			t.Logf("%s: full output in %s; last %d lines:\n%s", l.name, l.path, len(tail), strings.Join(tail, "\n"))
		}
	})
	return l
}

// Line appends one line (a prefix names the stream).
func (l *outLog) Line(prefix, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := prefix + s
	l.lines = append(l.lines, line)
	if len(l.lines) > 2000 {
		l.lines = l.lines[len(l.lines)-1000:]
	}
	fmt.Fprintln(l.f, line)
}

// ---- processes ----

// proc is a running child process whose output lines are logged and
// delivered on Lines.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	Lines chan streamLine // every stdout and stderr line
	done  chan struct{}
	err   error
	log   *outLog
}

type streamLine struct {
	Stderr bool
	Text   string
}

// startProc starts cmd with its output going to log and Lines. The process
// is killed when the test ends.
func startProc(t *testing.T, log *outLog, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, Lines: make(chan streamLine, 4096), done: make(chan struct{}), log: log}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	log.Line("$ ", strings.Join(cmd.Args, " "))
	// Its own process group, so that killing it also ends what it spawned
	// (mcp-remote under the stdio client, the Inspector's CLI under its launcher).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, isErr bool, prefix string) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		for sc.Scan() {
			log.Line(prefix, sc.Text())
			select {
			case p.Lines <- streamLine{isErr, sc.Text()}:
			default: // nobody reads: the log keeps it
			}
		}
	}
	wg.Go(func() { pump(stdout, false, "out| ") })
	wg.Go(func() { pump(stderr, true, "err| ") })
	go func() {
		wg.Wait()
		p.err = cmd.Wait()
		log.Line("# ", fmt.Sprintf("exited: %v", p.err))
		close(p.done)
	}()
	t.Cleanup(func() {
		// The whole group, even when the leader already exited: a child it
		// left behind must not outlive the test.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	})
	return p
}

// Exited reports whether the process ended, and its error.
func (p *proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// cleanEnv is the environment without the test run's PORTICO_* variables.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PORTICO_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// ---- the server ----

const (
	ownerEmail    = "owner@example.com"
	ownerPassword = "correct horse battery staple"
)

// replica is a running `portico serve`.
type replica struct {
	*proc
	URL    string // where it listens: http://127.0.0.1:PORT
	Public string // the public URL it logged
}

var listenRE = regexp.MustCompile(`msg=serving listen=([0-9.:]+) public_url=(\S+)`)

// startServe starts `portico serve` on a random loopback port and waits
// until /readyz answers 200.
func startServe(t *testing.T, name string, args ...string) *replica {
	t.Helper()
	full := append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "debug"}, args...)
	cmd := exec.Command(binary, full...)
	cmd.Env = cleanEnv()
	p := startProc(t, newServerLog(t, name), cmd)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l := <-p.Lines:
			if m := listenRE.FindStringSubmatch(l.Text); m != nil {
				r := &replica{proc: p, URL: "http://" + m[1], Public: m[2]}
				waitReady(t, r.URL)
				// Keep draining so the pipe never blocks the server.
				go func() {
					for range p.Lines {
					}
				}()
				return r
			}
		case <-p.done:
			t.Fatalf("portico serve exited before serving: %v (log %s)", p.err, p.log.path)
		case <-deadline:
			t.Fatalf("portico serve did not start within 30s (log %s)", p.log.path)
		}
	}
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

// site is a Portico deployment as clients see it: one public origin.
type site struct {
	Backend  string
	Public   string // the origin clients use, no trailing slash
	MCP      string // Public + "/mcp"
	storage  []string
	replicas []*replica
	hits     *[2]atomic.Int64 // requests per replica through the proxy (PostgreSQL only)
}

// backends runs fn once per storage setup: SQLite with one replica, and
// PostgreSQL with two replicas behind a round-robin proxy.
func eachBackend(t *testing.T, fn func(t *testing.T, s *site)) {
	t.Helper()
	for _, b := range []struct {
		name  string
		start func(*testing.T) *site
	}{
		{"sqlite", startSQLite},
		{"postgres-2-replicas", startPostgres},
	} {
		t.Run(b.name, func(t *testing.T) {
			start := time.Now()
			s := b.start(t)
			t.Logf("%s ready at %s in %v", b.name, s.Public, time.Since(start).Round(time.Millisecond))
			fn(t, s)
			if s.hits != nil {
				a, b := s.hits[0].Load(), s.hits[1].Load()
				t.Logf("round-robin proxy: %d requests to replica A, %d to replica B", a, b)
			}
		})
	}
}

func startSQLite(t *testing.T) *site {
	dir := t.TempDir()
	r := startServe(t, "portico", "--data-dir", dir, "--demo")
	s := &site{Backend: "sqlite", Public: r.Public, MCP: r.Public + "/mcp", storage: []string{"--data-dir", dir}, replicas: []*replica{r}}
	addUser(t, s)
	return s
}

func startPostgres(t *testing.T) *site {
	dsn := pgtest.Schema(t, pgtest.URL(t), "portico_interop")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	public := "http://localhost:" + port
	// Only the first replica seeds the demo content; both serve one origin.
	a := startServe(t, "portico-A", "--db", dsn, "--public-url", public, "--demo")
	b := startServe(t, "portico-B", "--db", dsn, "--public-url", public)
	s := &site{Backend: "postgres", Public: public, MCP: public + "/mcp", storage: []string{"--db", dsn},
		replicas: []*replica{a, b}, hits: new([2]atomic.Int64)}
	var targets []*url.URL
	for _, r := range s.replicas {
		u, _ := url.Parse(r.URL)
		targets = append(targets, u)
	}
	var n atomic.Uint64
	plog := newServerLog(t, "proxy")
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := int(n.Add(1) % 2)
			s.hits[i].Add(1)
			r.SetURL(targets[i])
			r.Out.Host = r.In.Host // as a load balancer passing Host through
			plog.Line("", fmt.Sprintf("%s %s -> replica %c", r.In.Method, r.In.URL.RequestURI(), 'A'+i))
		},
		FlushInterval: -1, // SSE
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			plog.Line("error: ", err.Error())
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	addUser(t, s)
	return s
}

// addUser creates the admin account with the CLI (while the server runs).
func addUser(t *testing.T, s *site) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	args := append([]string{"user", "add", "--email", ownerEmail, "--role", "admin", "--password-stdin"}, s.storage...)
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(ownerPassword + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "created "+ownerEmail) {
		t.Fatalf("portico user add: %v\n%s", err, out)
	}
}
