package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// nodeEnv is the environment of a client process: a private HOME, and a
// "browser" that only writes the URL it was asked to open to a file, so no
// client ever opens a real browser or leaks state between runs.
func nodeEnv(t *testing.T) (env []string, opened string) {
	t.Helper()
	home := t.TempDir()
	bin := filepath.Join(home, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	opened = filepath.Join(home, "opened-urls.txt")
	shim := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> %q\nexit 0\n", opened)
	for _, name := range []string{"xdg-open", "open", "gio", "x-www-browser", "sensible-browser", "www-browser"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(shim), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env = cleanEnv(
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"MCP_REMOTE_CONFIG_DIR="+filepath.Join(home, ".mcp-auth"),
		"BROWSER="+filepath.Join(bin, "xdg-open"),
		"DISPLAY=",
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"NO_COLOR=1",
		"FORCE_COLOR=0",
		"NODE_OPTIONS=",
	)
	return env, opened
}

// node starts `node args...` in the interop directory.
func node(t *testing.T, logName string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command("node", args...)
	cmd.Dir = interopDir
	cmd.Env = env
	return startProc(t, newLog(t, logName), cmd)
}

// tsSummary is the DONE line of ts-sdk-client.mjs.
type tsSummary struct {
	Transport       string            `json:"transport"`
	ClientID        string            `json:"clientId"`
	Authorize       map[string]string `json:"authorize"`
	Tools           []string          `json:"tools"`
	Called          map[string]any    `json:"called"`
	ProtocolVersion string            `json:"protocolVersion"`
	Refresh         map[string]any    `json:"refresh"`
}

// runTSSDK runs ts-sdk-client.mjs against endpoint and plays the person
// when it asks to open the authorization URL.
func runTSSDK(t *testing.T, s *site, transport, endpoint string) {
	t.Helper()
	env, _ := nodeEnv(t)
	start := time.Now()
	p := node(t, "ts-sdk-client", env, "ts-sdk-client.mjs", "--url", endpoint, "--transport", transport)
	var failure []string
	timeout := time.After(90 * time.Second)
	authorizations := 0
	for {
		select {
		case l := <-p.Lines:
			switch {
			case l.Stderr:
				if strings.HasPrefix(l.Text, "FAIL ") || len(failure) > 0 && len(failure) < 8 {
					failure = append(failure, l.Text)
				}
			case strings.HasPrefix(l.Text, "AUTHORIZE "):
				authorizations++
				loc := approve(t, s, strings.TrimPrefix(l.Text, "AUTHORIZE "))
				if _, err := fmt.Fprintf(p.stdin, "CODE %s\n", loc.Query().Get("code")); err != nil {
					t.Fatalf("handing the code to the TypeScript SDK client: %v", err)
				}
			case strings.HasPrefix(l.Text, "DONE "):
				var sum tsSummary
				if err := json.Unmarshal([]byte(strings.TrimPrefix(l.Text, "DONE ")), &sum); err != nil {
					t.Fatalf("bad DONE line: %v", err)
				}
				checkTSSummary(t, s, sum, transport)
				t.Logf("TypeScript SDK (%s): flow, %d read tools, refresh and reconnect in %v", transport, len(sum.Called), time.Since(start).Round(time.Millisecond))
				return
			}
		case <-p.done:
			// Drain what is left for the failure text.
			for len(p.Lines) > 0 {
				if l := <-p.Lines; l.Stderr && (strings.HasPrefix(l.Text, "FAIL ") || len(failure) > 0 && len(failure) < 8) {
					failure = append(failure, l.Text)
				}
			}
			t.Fatalf("the TypeScript SDK client (%s transport) failed after %d authorization(s): %v\n%s", transport, authorizations, p.err, strings.Join(failure, "\n"))
		case <-timeout:
			t.Fatalf("the TypeScript SDK client (%s transport) did not finish within 90s", transport)
		}
	}
}

func checkTSSummary(t *testing.T, s *site, sum tsSummary, transport string) {
	t.Helper()
	for _, want := range []string{"search", "fetch", "get_post", "list_posts"} {
		if !slices.Contains(sum.Tools, want) {
			t.Errorf("tools/list lacks %q: %v", want, sum.Tools)
		}
	}
	if len(sum.Called) < 5 {
		t.Errorf("only %d read-only tools were called: %v", len(sum.Called), sum.Called)
	}
	// The legacy endpoint's PRM names <origin>/sse (RFC 9728 §3.3); the
	// server binds either to the same audience.
	want := s.MCP
	if transport == "sse" {
		want = s.Public + "/sse"
	}
	if got := sum.Authorize["resource"]; got != want {
		t.Errorf("the SDK asked for resource %q, want %q (from the PRM document)", got, want)
	}
	if sum.Refresh == nil {
		t.Errorf("no refresh recorded")
	}
}

func TestTypeScriptSDKStreamable(t *testing.T) {
	requireInterop(t)
	eachBackend(t, func(t *testing.T, s *site) {
		checkDiscovery(t, s, s.MCP, false)
		runTSSDK(t, s, "streamable", s.MCP)
	})
}

// TestTypeScriptSDKSSE drives the legacy HTTP+SSE transport (2024-11-05) at
// /sse with SSEClientTransport.
func TestTypeScriptSDKSSE(t *testing.T) {
	requireInterop(t)
	eachBackend(t, func(t *testing.T, s *site) {
		sse := s.Public + "/sse"
		p := checkDiscovery(t, s, sse, true)
		// The TypeScript SDK (shared/auth-utils.js checkResourceAllowed) and
		// mcp-remote refuse a PRM whose resource is not the URL they were
		// given or a path prefix of it: "Protected resource <r> does not
		// match expected <url> (or origin)".
		if p.Resource != "" && !resourceCovers(p.Resource, sse) {
			t.Errorf("the 401 from %s points at a PRM whose resource is %q, which neither equals nor is a path prefix of %s: "+
				"the TypeScript SDK refuses to authorize (checkResourceAllowed); the SSE endpoint needs a PRM (or resource) that covers it", sse, p.Resource, sse)
		}
		checkLegacySSE(t, s, obtainToken(t, s, "legacy SSE check").AccessToken)
		runTSSDK(t, s, "sse", sse)
	})
}

// resourceCovers is the TypeScript SDK's checkResourceAllowed: same origin,
// and the configured path a prefix of the requested one on a segment
// boundary.
func resourceCovers(configured, requested string) bool {
	c, err1 := url.Parse(configured)
	r, err2 := url.Parse(requested)
	if err1 != nil || err2 != nil || c.Scheme != r.Scheme || c.Host != r.Host {
		return false
	}
	cp, rp := strings.TrimSuffix(c.Path, "/")+"/", strings.TrimSuffix(r.Path, "/")+"/"
	return strings.HasPrefix(rp, cp)
}

// checkLegacySSE opens the legacy SSE stream with a valid bearer, posts
// initialize to the endpoint the stream announced and waits for the answer
// on the stream, naming what breaks (behind the round-robin proxy the POST
// may reach the replica that does not hold the stream).
func checkLegacySSE(t *testing.T, s *site, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.Public+"/sse", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("legacy SSE: GET /sse: %v", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("legacy SSE: GET /sse with a valid bearer answered %d, want 200 text/event-stream", resp.StatusCode)
		return
	}
	events := make(chan [2]string, 8)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		var ev, data string
		for sc.Scan() {
			switch line := sc.Text(); {
			case strings.HasPrefix(line, "event:"):
				ev = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
			case line == "":
				if data != "" {
					events <- [2]string{ev, data}
				}
				ev, data = "", ""
			}
		}
	}()
	var endpoint string
	select {
	case e, ok := <-events:
		if !ok || e[0] != "endpoint" {
			t.Errorf("legacy SSE: first event %q, want the endpoint event", e)
			return
		}
		endpoint = e[1]
	case <-ctx.Done():
		t.Errorf("legacy SSE: no endpoint event within 15s")
		return
	}
	post, err := url.Parse(s.Public + "/sse")
	if err == nil {
		post, err = post.Parse(endpoint)
	}
	if err != nil {
		t.Errorf("legacy SSE: bad endpoint %q", endpoint)
		return
	}
	for i := range 2 { // twice: through the round-robin proxy both replicas are tried
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`, i+1)
		preq, _ := http.NewRequestWithContext(ctx, "POST", post.String(), strings.NewReader(body))
		preq.Header.Set("Content-Type", "application/json")
		preq.Header.Set("Authorization", "Bearer "+token)
		presp, err := http.DefaultClient.Do(preq)
		if err != nil {
			t.Errorf("legacy SSE: POST %s: %v", post, err)
			return
		}
		b := readBody(t, presp)
		if presp.StatusCode != http.StatusAccepted {
			where := ""
			if len(s.replicas) > 1 {
				where = fmt.Sprintf(" (%d replicas behind a round-robin balancer: the SSE session lives in one replica's memory, the POST reached another)", len(s.replicas))
			}
			t.Errorf("legacy SSE: POST %s answered %d %q, want 202%s", post.Path+"?"+post.RawQuery, presp.StatusCode, strings.TrimSpace(b), where)
			return
		}
		select {
		case e, ok := <-events:
			if !ok || !strings.Contains(e[1], fmt.Sprintf(`"id":%d`, i+1)) {
				t.Errorf("legacy SSE: the answer to ping %d did not arrive on the stream: %q", i+1, e)
				return
			}
		case <-ctx.Done():
			t.Errorf("legacy SSE: no answer to ping %d on the stream within 15s", i+1)
			return
		}
	}
}
