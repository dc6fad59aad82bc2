package mcpserver

import (
	"container/list"
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/portico-mcp/portico/internal/httpx"
	"github.com/portico-mcp/portico/internal/store"
)

// EventSink records connection-timeline events. store.Events implements it.
type EventSink interface {
	AddEvent(ctx context.Context, e store.Event) (store.Event, error)
}

// Metrics counts tool calls. Implementations must be cheap and safe for
// concurrent use; outcome is "ok", "error" (an isError result) or "denied".
type Metrics interface {
	ToolCall(tool, outcome string)
}

// EventFirstCall is recorded the first time this process sees a grant (or a
// client, for tokens without a grant) call the MCP endpoint.
const EventFirstCall = "mcp.first_call"

// seenSet is a bounded set of keys, forgetting the least recently added
// once full, so "first call" events stay sparse without unbounded memory.
type seenSet struct {
	mu    sync.Mutex
	max   int
	order *list.List
	keys  map[string]*list.Element
}

func newSeenSet(max int) *seenSet {
	return &seenSet{max: max, order: list.New(), keys: make(map[string]*list.Element)}
}

// add reports whether key is new.
func (s *seenSet) add(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[key]; ok {
		return false
	}
	s.keys[key] = s.order.PushBack(key)
	if s.order.Len() > s.max {
		oldest := s.order.Front()
		s.order.Remove(oldest)
		delete(s.keys, oldest.Value.(string))
	}
	return true
}

// recordFirstCall writes mcp.first_call once per grant (or client) per
// process. It never blocks the request on a slow store for long: the event
// is written with the request's context and failures are only logged.
func (h *Handler) recordFirstCall(r *http.Request, p *Principal, msgs []rpcPeek) {
	if h.Events == nil {
		return
	}
	key := "g:" + p.GrantID
	if p.GrantID == "" {
		key = "c:" + p.ClientID + ":u:" + strconv.FormatInt(p.UserID, 10)
	}
	if !h.seen.add(key) {
		return
	}
	method := ""
	if len(msgs) > 0 {
		method = msgs[0].Method
	}
	ev := store.Event{
		At:        h.now(),
		Kind:      EventFirstCall,
		ClientID:  p.ClientID,
		UserID:    p.UserID,
		GrantID:   p.GrantID,
		Outcome:   "ok",
		Detail:    map[string]string{"method": method, "protocol_version": r.Header.Get("Mcp-Protocol-Version"), "scopes": p.mask.names()},
		UserAgent: r.UserAgent(),
		RemoteIP:  httpx.ClientIP(r, h.TrustedProxies).String(),
	}
	if _, err := h.Events.AddEvent(r.Context(), ev); err != nil {
		h.log.WarnContext(r.Context(), "recording mcp.first_call failed", "error", err)
	}
}
