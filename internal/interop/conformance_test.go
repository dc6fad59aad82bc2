package interop

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// conformanceBaseline is the list of server scenarios of
// @modelcontextprotocol/conformance that Portico does not pass, each with
// its reason (YAML: `server:` then `  - scenario  # reason`). The suite
// itself fails on a failure not listed and on a listed scenario that passes.
const conformanceBaseline = "conformance-baseline.yml"

// bearerProxy is a reverse proxy to the site that adds a valid bearer token
// to every request: the conformance suite (0.1.13) has no way to send one.
// It stands in for the server, so it maps its own origin onto the site's
// (Host, and an Origin equal to the proxy's); every other Origin passes
// through untouched, so the DNS-rebinding scenario still sees foreign
// origins refused.
func bearerProxy(t *testing.T, s *site, token string) string {
	t.Helper()
	u, err := url.Parse(s.Public)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	self := "http://" + ln.Addr().String()
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			if r.In.Host == ln.Addr().String() {
				r.Out.Host = u.Host
			} else {
				r.Out.Host = r.In.Host
			}
			if strings.EqualFold(r.In.Header.Get("Origin"), self) {
				r.Out.Header.Set("Origin", s.Public)
			}
			r.Out.Header.Set("Authorization", "Bearer "+token)
		},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil { // the suite hung up: not worth a line
				t.Logf("bearer proxy: %s %s: %v", r.Method, r.URL.Path, err)
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return self
}

var (
	ansiRE     = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	baselineRE = regexp.MustCompile(`^\s*-\s*([A-Za-z0-9_./-]+)\s*(?:#\s*(.*))?$`)
)

// readBaseline returns the baseline's scenarios and their reasons.
func readBaseline(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(interopDir, conformanceBaseline))
	if err != nil {
		t.Fatalf("conformance baseline: %v", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := baselineRE.FindStringSubmatch(sc.Text()); m != nil {
			out[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out
}

// TestConformance runs the MCP conformance suite's server scenarios against
// Portico's MCP endpoint (authenticated through a bearer-injecting proxy)
// and holds it to interop/conformance-baseline.yml.
func TestConformance(t *testing.T) {
	requireInterop(t)
	baseline := readBaseline(t)
	for name, reason := range baseline {
		if reason == "" {
			t.Errorf("baseline entry %q has no reason: write `- %s  # why it cannot pass`", name, name)
		}
	}
	eachBackend(t, func(t *testing.T, s *site) {
		checkDiscovery(t, s, s.MCP, false)
		token := obtainToken(t, s, "conformance").AccessToken
		endpoint := bearerProxy(t, s, token) + "/mcp"
		env, _ := nodeEnv(t)
		start := time.Now()
		p := node(t, "conformance", env, "node_modules/@modelcontextprotocol/conformance/dist/index.js",
			"server", "--url", endpoint, "--expected-failures", conformanceBaseline, "-o", filepath.Join(logDir(t), "conformance-results"))
		var lines []string
		timeout := time.After(240 * time.Second)
	wait:
		for {
			select {
			case l := <-p.Lines:
				lines = append(lines, ansiRE.ReplaceAllString(l.Text, ""))
			case <-p.done:
				break wait
			case <-timeout:
				t.Fatal("the conformance suite did not finish within 240s")
			}
		}
		for len(p.Lines) > 0 {
			lines = append(lines, ansiRE.ReplaceAllString((<-p.Lines).Text, ""))
		}
		unexpected, stale, expected := conformanceVerdict(lines)
		var total string
		for _, l := range lines {
			if strings.HasPrefix(l, "Total:") {
				total = l
			}
		}
		t.Logf("conformance: %s; %d expected failures (baseline) in %v", total, len(expected), time.Since(start).Round(time.Millisecond))
		for _, name := range unexpected {
			t.Errorf("conformance scenario %s failed and is not in interop/%s: fix it, or add it with the reason", name, conformanceBaseline)
		}
		for _, name := range stale {
			t.Errorf("conformance scenario %s now passes: remove it from interop/%s (stale entry: %s)", name, conformanceBaseline, baseline[name])
		}
		if p.err != nil && len(unexpected) == 0 && len(stale) == 0 {
			t.Errorf("the conformance suite exited with %v without naming a scenario", p.err)
		}
	})
}

// conformanceVerdict reads the suite's baseline report.
func conformanceVerdict(lines []string) (unexpected, stale, expected []string) {
	var section *[]string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "Unexpected failures"):
			section = &unexpected
		case strings.HasPrefix(l, "Stale baseline entries"):
			section = &stale
		case strings.HasPrefix(l, "Expected failures"):
			section = &expected
		case section != nil && strings.HasPrefix(l, "  "):
			f := strings.Fields(l)
			if len(f) >= 2 {
				*section = append(*section, f[1])
			}
		default:
			section = nil
		}
	}
	return unexpected, stale, expected
}
