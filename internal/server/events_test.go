package server

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

func TestEventBufferBatchesAndReadsItsOwnWrites(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &eventBuffer{Store: st, log: discardLogger()}
	ctx := t.Context()

	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if _, err := b.AddEvent(ctx, store.Event{Kind: "token.issued", ClientID: fmt.Sprint("c", i%4), Outcome: "ok"}); err != nil {
				t.Errorf("AddEvent: %v", err)
			}
		})
	}
	wg.Wait()
	// Read-your-writes: listing flushes first.
	evs, err := b.ListEvents(ctx, store.EventFilter{Limit: 100})
	if err != nil || len(evs) != 40 {
		t.Fatalf("ListEvents after 40 adds: %d events, %v", len(evs), err)
	}
	for _, e := range evs {
		if e.At.IsZero() {
			t.Errorf("event without time: %+v", e)
		}
	}

	// Without a read, the timer writes them within the flush delay.
	if _, err := b.AddEvent(ctx, store.Event{Kind: "late", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := st.ListEvents(ctx, store.EventFilter{Kind: "late"}) // the store itself, not the buffer
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a buffered event was never written")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// A full batch is written at once, bounding memory.
	for range eventBatchMax {
		if _, err := b.AddEvent(ctx, store.Event{Kind: "burst", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	b.mu.Lock()
	n := len(b.pending)
	b.mu.Unlock()
	if n != 0 {
		t.Errorf("%d events still pending after a full batch", n)
	}
}
