package mcpserver_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/mcpserver"
	"github.com/portico-mcp/portico/internal/store"
)

// A process holding legacy SSE streams keeps their session records alive
// (one refresh for all of them every 30 s, not a goroutine per stream), and
// a closed stream's record goes away.
func TestRelayRefreshesHeldSessions(t *testing.T) {
	e := newEnv(t)
	c := newClock(time.Now())
	now := c.now
	e.remount(func(h *mcpserver.Handler) { h.Now, h.Relay = now, e.st })
	tok := e.token(e.users[store.RoleAdmin], allScopes()...)

	open := func() (id string, closeFn func()) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/sse", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /sse: %v %v", resp, err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "sessionid="); ok {
				closeFn = func() { cancel(); resp.Body.Close() }
				t.Cleanup(closeFn) // before the server's Close, which waits for open streams
				return after, closeFn
			}
		}
		cancel()
		resp.Body.Close()
		t.Fatalf("no endpoint event: %v", sc.Err())
		return "", nil
	}
	expiry := func(id string) time.Time {
		t.Helper()
		s, err := e.st.GetSSESession(context.Background(), id)
		if err != nil {
			t.Fatalf("GetSSESession(%s): %v", id, err)
		}
		return s.ExpiresAt
	}
	a, closeA := open()
	b, _ := open()
	t0 := now()
	deadline := time.Now().Add(5 * time.Second)
	for !expiry(a).Equal(t0.Add(2*time.Minute).Truncate(0)) || !expiry(b).Equal(t0.Add(2*time.Minute).Truncate(0)) {
		if time.Now().After(deadline) {
			t.Fatalf("registered expiries %v %v, want %v", expiry(a), expiry(b), t0.Add(2*time.Minute))
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.advance(31 * time.Second)
	want := now().Add(2 * time.Minute)
	for !expiry(a).Equal(want) || !expiry(b).Equal(want) {
		if time.Now().After(deadline) {
			t.Fatalf("after 31 s: expiries %v %v, want both %v", expiry(a), expiry(b), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	closeA()
	for {
		if _, err := e.st.GetSSESession(context.Background(), a); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s still stored after its stream closed", a)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
