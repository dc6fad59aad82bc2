package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

const (
	// eventFlushDelay is how long a connection event may wait to be written
	// with the others of its moment: one commit instead of one per step.
	eventFlushDelay = 20 * time.Millisecond
	// eventBatchMax flushes at once when this many events are waiting, which
	// also bounds memory when the database is slow.
	eventBatchMax = 256
)

// eventBuffer is the store with connection events written in batches. The
// timeline is diagnostic: an event may be lost if the process dies within
// eventFlushDelay of it, but never an acknowledged write of anything else.
// Reads of the timeline flush first, so a process always sees its own
// events.
type eventBuffer struct {
	store.Store
	log *slog.Logger

	mu      sync.Mutex
	pending []store.Event
	timer   *time.Timer

	flushMu sync.Mutex // one flush at a time keeps the order
}

// AddEvent queues e; it is written within eventFlushDelay.
func (b *eventBuffer) AddEvent(ctx context.Context, e store.Event) (store.Event, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	b.mu.Lock()
	b.pending = append(b.pending, e)
	full := len(b.pending) >= eventBatchMax
	if b.timer == nil && !full {
		b.timer = time.AfterFunc(eventFlushDelay, b.flushLater)
	}
	b.mu.Unlock()
	if full {
		_ = b.Flush(ctx)
	}
	return e, nil
}

// ListEvents flushes what is waiting, then reads.
func (b *eventBuffer) ListEvents(ctx context.Context, f store.EventFilter) ([]store.Event, error) {
	_ = b.Flush(ctx)
	return b.Store.ListEvents(ctx, f)
}

func (b *eventBuffer) flushLater() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.Flush(ctx)
}

// Flush writes every waiting event in one transaction.
func (b *eventBuffer) Flush(ctx context.Context) error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	batch := b.pending
	b.pending = nil
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := b.Store.AddEvents(context.WithoutCancel(ctx), batch); err != nil {
		b.log.Warn("connection events not recorded", "events", len(batch), "error", err)
		return err
	}
	return nil
}
