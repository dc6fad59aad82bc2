package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// TestReadTransactionsDoNotStarveThePool: more concurrent list pages than
// reader connections, on a cold statement cache, must all finish. Preparing
// a statement from inside a read transaction needs a second connection; with
// every connection inside a transaction that used to deadlock.
func TestReadTransactionsDoNotStarveThePool(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 5 {
		if _, err := st.CreatePost(t.Context(), store.Post{Type: store.TypePost, Slug: "p" + string(rune('a'+i)),
			Title: "Post", Body: "coffee", Status: store.StatusPublished, PublishedAt: time.Unix(int64(i+1), 0)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			<-start
			if _, _, err := st.ListPosts(ctx, store.PostFilter{Statuses: []store.PostStatus{store.StatusPublished}}); err != nil {
				t.Errorf("ListPosts: %v", err)
			}
			if _, err := st.SearchPosts(ctx, "coffee", store.PostFilter{}); err != nil {
				t.Errorf("SearchPosts: %v", err)
			}
			if _, err := st.ListTerms(ctx, store.TaxTag); err != nil {
				t.Errorf("ListTerms: %v", err)
			}
		})
	}
	close(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("concurrent reads did not finish: the reader pool is starved")
	}
}
