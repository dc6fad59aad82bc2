package mcpserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/mcpserver"
	"github.com/portico-mcp/portico/internal/store"
)

// A connection's "last used" time follows its MCP requests, written at
// most once a minute per grant, and never for a request that fails
// authentication.
func TestGrantLastUsed(t *testing.T) {
	e := newEnv(t)
	c := newClock(time.Now().Truncate(time.Second))
	now, advance := c.now, c.advance
	e.remount(func(h *mcpserver.Handler) { h.Now = now })

	tok := e.token(e.users[store.RoleViewer], "content:read")
	grantID := "gr_" + tok[len(tok)-12:]
	lastUsed := func() time.Time {
		t.Helper()
		g, err := e.st.GetGrant(context.Background(), grantID)
		if err != nil {
			t.Fatal(err)
		}
		return g.LastUsedAt
	}
	list := func(tok string) int {
		return e.do("POST", "/mcp", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
			append(bearer(tok), "Mcp-Protocol-Version", "2025-06-18")...).status
	}
	if got := lastUsed(); !got.IsZero() {
		t.Fatalf("a new grant: last used %v, want never", got)
	}
	if s := list(tok + "x"); s != 401 {
		t.Fatalf("bad token: %d", s)
	}
	if got := lastUsed(); !got.IsZero() {
		t.Errorf("after a refused request: last used %v, want never", got)
	}
	t0 := now()
	if s := list(tok); s != 200 {
		t.Fatalf("tools/list: %d", s)
	}
	if got := lastUsed(); !got.Equal(t0) {
		t.Errorf("after a request: last used %v, want %v", got, t0)
	}
	advance(30 * time.Second)
	list(tok)
	if got := lastUsed(); !got.Equal(t0) {
		t.Errorf("30 s later: last used %v, want it still %v (written at most once a minute)", got, t0)
	}
	advance(mcpserver.GrantTouchEvery)
	t1 := now()
	list(tok)
	if got := lastUsed(); !got.Equal(t1) {
		t.Errorf("a minute later: last used %v, want %v", got, t1)
	}
}
