package interop

import (
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestMCPRemote runs mcp-remote as Claude Desktop users do (a stdio server
// started by an MCP host), completes its browser sign-in headlessly, lists
// tools through it, then starts it again with the same token store: the
// second start must reuse the stored tokens without a new sign-in.
func TestMCPRemote(t *testing.T) {
	requireInterop(t)
	eachBackend(t, func(t *testing.T, s *site) {
		checkDiscovery(t, s, s.MCP, false)
		env, _ := nodeEnv(t)
		port := strconv.Itoa(freePort(t))
		start := time.Now()
		if n := runMCPRemote(t, s, env, port, "mcp-remote-1"); n != 1 {
			t.Fatalf("first start: mcp-remote asked for %d sign-ins, want 1", n)
		}
		t.Logf("mcp-remote: sign-in, tools/list and a call in %v", time.Since(start).Round(time.Millisecond))
		start = time.Now()
		if n := runMCPRemote(t, s, env, port, "mcp-remote-2"); n != 0 {
			t.Errorf("second start with the same token store: mcp-remote asked for %d sign-ins, want 0 (stored tokens reused)", n)
		}
		t.Logf("mcp-remote restart with stored tokens: %v", time.Since(start).Round(time.Millisecond))
	})
}

// runMCPRemote runs mcp-remote-client.mjs once and returns how many
// authorization URLs mcp-remote printed (each one is approved).
func runMCPRemote(t *testing.T, s *site, env []string, port, logName string) int {
	t.Helper()
	p := node(t, logName, env, "mcp-remote-client.mjs", "--url", s.MCP, "--callback-port", port)
	var failure []string
	signIns := 0
	timeout := time.After(120 * time.Second)
	for {
		select {
		case l := <-p.Lines:
			text := strings.TrimSpace(l.Text)
			switch {
			case l.Stderr && strings.HasPrefix(text, s.Public+"/authorize?"):
				signIns++
				loc := approve(t, s, text)
				if !strings.HasPrefix(loc.String(), "http://localhost:"+port+"/oauth/callback?") {
					t.Errorf("consent redirected to %q, want mcp-remote's callback http://localhost:%s/oauth/callback", loc, port)
				}
				// The browser follows the 302/303 to mcp-remote's loopback callback.
				resp, err := http.Get(loc.String())
				if err != nil {
					t.Fatalf("delivering the code to mcp-remote's callback %s: %v", loc, err)
				}
				body := readBody(t, resp)
				if resp.StatusCode/100 != 2 && resp.StatusCode/100 != 3 {
					t.Fatalf("mcp-remote's callback answered %d: %.300s", resp.StatusCode, body)
				}
			case l.Stderr && (strings.HasPrefix(text, "FAIL ") || strings.Contains(text, "Error") || strings.Contains(text, "error")):
				if len(failure) < 20 {
					failure = append(failure, text)
				}
			case !l.Stderr && strings.HasPrefix(text, "DONE "):
				var sum struct {
					Tools []string `json:"tools"`
				}
				if err := json.Unmarshal([]byte(strings.TrimPrefix(text, "DONE ")), &sum); err != nil {
					t.Fatalf("bad DONE line: %v", err)
				}
				for _, want := range []string{"search", "fetch", "get_post"} {
					if !slices.Contains(sum.Tools, want) {
						t.Errorf("tools/list through mcp-remote lacks %q: %v", want, sum.Tools)
					}
				}
				<-p.done
				return signIns
			}
		case <-p.done:
			for len(p.Lines) > 0 {
				if l := <-p.Lines; l.Stderr && len(failure) < 20 && (strings.Contains(l.Text, "FAIL") || strings.Contains(l.Text, "rror")) {
					failure = append(failure, l.Text)
				}
			}
			t.Fatalf("mcp-remote (through the TypeScript SDK stdio client) failed after %d sign-in(s): %v\n%s", signIns, p.err, strings.Join(failure, "\n"))
		case <-timeout:
			t.Fatalf("mcp-remote did not finish within 120s (%d sign-ins)", signIns)
		}
	}
}
