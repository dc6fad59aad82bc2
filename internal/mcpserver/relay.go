package mcpserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// SSERelay is the storage that lets any replica accept a message for a
// legacy SSE session another replica holds (store.SSERelay implements it).
// With a nil Relay the legacy transport works on one replica only.
type SSERelay interface {
	PutSSESession(ctx context.Context, s store.SSESession) error
	RefreshSSESessions(ctx context.Context, replicaID string, expiresAt time.Time) (int64, error)
	GetSSESession(ctx context.Context, id string) (store.SSESession, error)
	DeleteSSESession(ctx context.Context, id string) error
	EnqueueSSEMessage(ctx context.Context, m store.SSEMessage) (store.SSEMessage, error)
	TakeSSEMessages(ctx context.Context, replicaID string, limit int) ([]store.SSEMessage, error)
}

const (
	// sseSessionTTL is how long a session record lives without a refresh;
	// while a process holds streams it refreshes all of them, in one
	// statement, every sseRefresh.
	sseSessionTTL = 2 * time.Minute
	sseRefresh    = 30 * time.Second
	// ssePoll is how often the holder looks for messages queued by other
	// replicas while it holds at least one stream.
	ssePoll = 50 * time.Millisecond
)

// relay is the per-process state of the legacy SSE relay.
type relay struct {
	store   SSERelay
	replica string
	now     func() time.Time

	mu      sync.Mutex
	local   map[string]*Principal // sessions whose stream this process holds
	polling bool
}

func newRelay(st SSERelay, now func() time.Time) *relay {
	return &relay{store: st, replica: rand.Text(), now: now, local: map[string]*Principal{}}
}

// serveSSEGet serves a GET /sse stream, registering its session for the
// other replicas once the SDK announced it.
func (h *Handler) serveSSEGet(w http.ResponseWriter, r *http.Request, p *Principal) {
	rl := h.relay
	sw := &sessionSniffer{ResponseWriter: w}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sw.found = func(id string) {
		rl.mu.Lock()
		rl.local[id] = p
		start := !rl.polling
		rl.polling = true
		rl.mu.Unlock()
		if start {
			go h.pollRelay()
		}
		if err := rl.put(ctx, id, p); err != nil {
			h.log.Warn("registering a legacy SSE session", "error", err)
		}
	}
	h.sse.ServeHTTP(sw, r.WithContext(withPrincipal(r.Context(), p)))
	cancel()
	if sw.id != "" {
		rl.mu.Lock()
		delete(rl.local, sw.id)
		rl.mu.Unlock()
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer dcancel()
		if err := rl.store.DeleteSSESession(dctx, sw.id); err != nil {
			h.log.Warn("removing a legacy SSE session", "error", err)
		}
	}
}

func (rl *relay) put(ctx context.Context, id string, p *Principal) error {
	now := rl.now()
	return rl.store.PutSSESession(ctx, store.SSESession{ID: id, ReplicaID: rl.replica, UserID: p.UserID,
		ClientID: p.ClientID, CreatedAt: now, ExpiresAt: now.Add(sseSessionTTL)})
}

// serveSSEPost delivers a POSTed message: to the SDK when this process holds
// the stream, else through the store to the replica that does. It answers
// 202 like the SDK's transport.
func (h *Handler) serveSSEPost(w http.ResponseWriter, r *http.Request, p *Principal) {
	rl := h.relay
	id := r.URL.Query().Get("sessionid")
	rl.mu.Lock()
	_, held := rl.local[id]
	rl.mu.Unlock()
	if id == "" || held {
		h.sse.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "Content-Type must be 'application/json'", http.StatusUnsupportedMediaType)
		return
	}
	sess, err := rl.store.GetSSESession(r.Context(), id)
	// A session of another person is as unknown as a missing one.
	if errors.Is(err, store.ErrNotFound) || (err == nil && (sess.UserID != p.UserID || !rl.now().Before(sess.ExpiresAt))) {
		http.Error(w, "session not found", http.StatusNotFound)
		return
	}
	if err != nil {
		h.log.Error("looking up a legacy SSE session", "error", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if !json.Valid(body) {
		http.Error(w, "the body is not JSON", http.StatusBadRequest)
		return
	}
	if _, err := rl.store.EnqueueSSEMessage(r.Context(), store.SSEMessage{SessionID: id, Body: body, CreatedAt: rl.now()}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, "session not found", http.StatusNotFound)
			return
		}
		h.log.Error("queueing a legacy SSE message", "error", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// pollRelay delivers messages other replicas queued for this process's
// streams, and keeps their session records alive, until it holds none. One
// goroutine per process does both, however many streams it holds.
func (h *Handler) pollRelay() {
	rl := h.relay
	t := time.NewTicker(ssePoll)
	defer t.Stop()
	refreshed := rl.now()
	for range t.C {
		rl.mu.Lock()
		if len(rl.local) == 0 {
			rl.polling = false
			rl.mu.Unlock()
			return
		}
		rl.mu.Unlock()
		if now := rl.now(); now.Sub(refreshed) >= sseRefresh {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if _, err := rl.store.RefreshSSESessions(ctx, rl.replica, now.Add(sseSessionTTL)); err != nil {
				h.log.Warn("refreshing legacy SSE sessions", "error", err)
			} else {
				refreshed = now
			}
			cancel()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		msgs, err := rl.store.TakeSSEMessages(ctx, rl.replica, 100)
		cancel()
		if err != nil {
			h.log.Warn("taking relayed legacy SSE messages", "error", err)
			continue
		}
		for _, m := range msgs {
			rl.mu.Lock()
			p := rl.local[m.SessionID]
			rl.mu.Unlock()
			if p == nil {
				continue // the stream closed meanwhile
			}
			req, err := http.NewRequestWithContext(withPrincipal(context.Background(), p), http.MethodPost,
				"/sse?sessionid="+m.SessionID, bytes.NewReader(m.Body))
			if err != nil {
				continue
			}
			req.Header.Set("Content-Type", "application/json")
			h.sse.ServeHTTP(discardWriter{h: http.Header{}}, req)
		}
	}
}

// sessionSniffer passes a stream through and reports the session ID the SDK
// announces in its first "endpoint" event (data: /sse?sessionid=ID).
type sessionSniffer struct {
	http.ResponseWriter
	id    string
	buf   []byte
	found func(id string)
}

func (s *sessionSniffer) Write(b []byte) (int, error) {
	if s.id == "" && len(s.buf) < 4096 {
		s.buf = append(s.buf, b...)
		if i := bytes.Index(s.buf, []byte("sessionid=")); i >= 0 {
			rest := s.buf[i+len("sessionid="):]
			if j := bytes.IndexAny(rest, "&\r\n\" "); j > 0 {
				s.id = string(rest[:j])
				s.buf = nil
				// Register before the client can read the endpoint and post.
				s.found(s.id)
			}
		}
	}
	return s.ResponseWriter.Write(b)
}

// Flush forwards to the underlying writer.
func (s *sessionSniffer) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *sessionSniffer) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// discardWriter is the response of an in-process delivery; the answer to the
// message goes out on the stream, not here.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}
