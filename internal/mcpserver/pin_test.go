package mcpserver_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/mcpserver"
	"github.com/portico-mcp/portico/internal/store"
)

type pinMark struct{}

// pinRecorder is the content service, noting for each call whether it ran
// under a pinned context.
type pinRecorder struct {
	*content.Service
	mu     sync.Mutex
	pinned map[string]bool
}

func (r *pinRecorder) note(ctx context.Context, op string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pinned[op] = ctx.Value(pinMark{}) != nil
}

func (r *pinRecorder) GetPost(ctx context.Context, a content.Actor, id int64) (content.Post, error) {
	r.note(ctx, "GetPost")
	return r.Service.GetPost(ctx, a, id)
}

func (r *pinRecorder) UpdatePost(ctx context.Context, a content.Actor, u content.PostUpdate) (content.Post, error) {
	r.note(ctx, "UpdatePost")
	return r.Service.UpdatePost(ctx, a, u)
}

// A read-only tool on the fast path reads under the context its token was
// verified under (one freshness check per request); a tool that writes never
// does, so it always reads what it is about to change, its own writes
// included.
func TestPinnedReadsOnlyForReadOnlyTools(t *testing.T) {
	e := newEnv(t)
	rec := &pinRecorder{Service: e.content, pinned: map[string]bool{}}
	pins := 0
	e.remount(func(h *mcpserver.Handler) {
		h.Content = rec
		h.PinReads = func(ctx context.Context) context.Context {
			pins++
			return context.WithValue(e.st.PinReads(ctx), pinMark{}, true)
		}
	})

	p := e.post(e.users[store.RoleAdmin], "Pinned", store.StatusDraft)
	tok := e.token(e.users[store.RoleAdmin], allScopes()...)
	call := func(name, args string) rawResp {
		t.Helper()
		r := e.do("POST", "/mcp", fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, name, args),
			append(bearer(tok), "Mcp-Protocol-Version", "2025-06-18")...)
		if r.status != 200 || strings.Contains(string(r.body), `"isError":true`) {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		return r
	}
	call("get_post", fmt.Sprintf(`{"id":%d}`, p.ID))
	if !rec.pinned["GetPost"] {
		t.Errorf("get_post did not read under the pinned context")
	}
	r := call("update_post", fmt.Sprintf(`{"id":%d,"title":"Renamed"}`, p.ID))
	if rec.pinned["UpdatePost"] {
		t.Errorf("update_post ran under the pinned context")
	}
	if !strings.Contains(string(r.body), "Renamed") {
		t.Errorf("update_post answer lacks its own change: %s", r.body)
	}
	if r := call("get_post", fmt.Sprintf(`{"id":%d}`, p.ID)); !strings.Contains(string(r.body), "Renamed") {
		t.Errorf("get_post after update_post: %s", r.body)
	}
	if pins != 3 {
		t.Errorf("PinReads called %d times for 3 POSTs, want 3", pins)
	}
}

// Every request pins anew: a token revoked between two requests is refused
// by the second, and an edit made between two reads is seen by the second.
func TestPinnedReadsSeeCommitsBetweenRequests(t *testing.T) {
	e := newEnv(t)
	p := e.post(e.users[store.RoleAdmin], "Before", store.StatusPublished)
	tok := e.token(e.users[store.RoleViewer], "content:read")
	get := func() rawResp {
		return e.do("POST", "/mcp", fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_post","arguments":{"id":%d}}}`, p.ID),
			append(bearer(tok), "Mcp-Protocol-Version", "2025-06-18")...)
	}
	for range 2 {
		if r := get(); r.status != 200 || !strings.Contains(string(r.body), "Before") {
			t.Fatalf("get_post: %d %s", r.status, r.body)
		}
	}
	if _, err := e.content.UpdatePost(context.Background(), adminActor(e), content.PostUpdate{ID: p.ID, Title: ptr("After")}); err != nil {
		t.Fatal(err)
	}
	if r := get(); r.status != 200 || !strings.Contains(string(r.body), "After") {
		t.Errorf("get_post after an edit: %d %s", r.status, r.body)
	}
	toks, err := e.st.ListTokensByGrant(context.Background(), "gr_"+tok[len(tok)-12:])
	if err != nil || len(toks) != 1 {
		t.Fatalf("ListTokensByGrant: %v %v", toks, err)
	}
	if err := e.st.RevokeToken(context.Background(), toks[0].Hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := get(); r.status != 401 {
		t.Errorf("get_post with a token revoked before the request: %d %s", r.status, r.body)
	}
}

func ptr[T any](v T) *T { return &v }
