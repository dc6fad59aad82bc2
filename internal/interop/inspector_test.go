package interop

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// inspectorCLI is the MCP Inspector launcher as users run it
// (`npx @modelcontextprotocol/inspector --cli ...`). v1 (1.0.3) is the newest
// whose CLI runs on Node 20; its CLI has no OAuth, so it is given a bearer.
const inspectorCLI = "node_modules/@modelcontextprotocol/inspector/cli/build/cli.js"

// runInspector runs one Inspector CLI call and returns its JSON output.
func runInspector(t *testing.T, logName, endpoint, token string, args ...string) map[string]any {
	t.Helper()
	env, _ := nodeEnv(t)
	full := append([]string{inspectorCLI, "--cli", endpoint, "--transport", "http",
		"--header", "Authorization: Bearer " + token}, args...)
	p := node(t, logName, env, full...)
	var stdout, stderr []string
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l := <-p.Lines:
			if l.Stderr {
				stderr = append(stderr, l.Text)
			} else {
				stdout = append(stdout, l.Text)
			}
			continue
		case <-p.done:
		case <-timeout:
			t.Fatalf("the Inspector CLI (%s) did not finish within 60s", strings.Join(args, " "))
		}
		break
	}
	for len(p.Lines) > 0 {
		if l := <-p.Lines; l.Stderr {
			stderr = append(stderr, l.Text)
		} else {
			stdout = append(stdout, l.Text)
		}
	}
	if p.err != nil {
		t.Fatalf("the Inspector CLI (%s) failed: %v\n%s", strings.Join(args, " "), p.err, lastLines(append(stderr, stdout...), 15))
	}
	// The CLI prints the result as indented JSON after any banner lines.
	text := strings.Join(stdout, "\n")
	i := strings.Index(text, "{")
	var out map[string]any
	if i < 0 || json.Unmarshal([]byte(text[i:]), &out) != nil {
		t.Fatalf("the Inspector CLI (%s) printed no JSON result:\n%s", strings.Join(args, " "), lastLines(stdout, 15))
	}
	return out
}

func lastLines(lines []string, n int) string {
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestInspectorCLI lists tools and calls one with the Inspector CLI, with a
// bearer token from the OAuth flow and with a personal access token.
func TestInspectorCLI(t *testing.T) {
	requireInterop(t)
	eachBackend(t, func(t *testing.T, s *site) {
		checkDiscovery(t, s, s.MCP, false)
		for _, tc := range []struct {
			name  string
			token func(t *testing.T) string
		}{
			{"oauth", func(t *testing.T) string { return obtainToken(t, s, "MCP Inspector").AccessToken }},
			{"personal-token", func(t *testing.T) string { return mintPAT(t, s, "content:read") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				token := tc.token(t)
				start := time.Now()
				list := runInspector(t, "inspector-tools-list", s.MCP, token, "--method", "tools/list")
				var names []string
				tools, _ := list["tools"].([]any)
				for _, tool := range tools {
					if m, ok := tool.(map[string]any); ok {
						names = append(names, fmt.Sprint(m["name"]))
					}
				}
				for _, want := range []string{"search", "fetch", "get_post", "get_site_info"} {
					if !slices.Contains(names, want) {
						t.Errorf("Inspector tools/list lacks %q: %v", want, names)
					}
				}
				call := runInspector(t, "inspector-tools-call", s.MCP, token,
					"--method", "tools/call", "--tool-name", "search", "--tool-arg", "query=oat")
				if call["isError"] == true {
					t.Errorf("Inspector tools/call search returned isError: %v", call["content"])
				}
				if _, ok := call["structuredContent"].(map[string]any)["results"]; !ok {
					t.Errorf("Inspector tools/call search: no structuredContent.results: %v", call)
				}
				t.Logf("Inspector CLI (%s): tools/list (%d tools) and tools/call in %v", tc.name, len(names), time.Since(start).Round(time.Millisecond))
			})
		}
	})
}
