package sqlite

import (
	"database/sql"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// seedTokenAndPost creates a live access token and a post through s.
func seedTokenAndPost(t *testing.T, s *Store) (hash []byte, postID int64) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.CreateGrant(ctx, store.Grant{ID: "g", UserID: 1, ClientID: "c"}); err != nil {
		t.Fatal(err)
	}
	hash = []byte("token-hash-0123456789")
	tok := store.Token{Hash: hash, Kind: store.TokenAccess, GrantID: "g", ClientID: "c", UserID: 1,
		Scopes: []string{"content:read"}, Resource: "http://x/mcp", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateTokens(ctx, tok); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePost(ctx, store.Post{Type: store.TypePost, Slug: "p", Title: "first", Status: store.StatusPublished,
		Tags: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	return hash, p.ID
}

// Every commit, whoever makes it, is seen by the next cached read: this
// store's own writer, a second store on the file (another process, such as
// the CLI), and a bare connection writing SQL directly.
func TestReadCacheSeesEveryCommit(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "c.db")
	a := openAt(t, path)
	b := openAt(t, path)
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hash, id := seedTokenAndPost(t, a)

	title := func() string {
		t.Helper()
		p, err := a.GetPost(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p.Title
	}
	for i := 0; i < 2; i++ { // fill, then hit
		if got := title(); got != "first" {
			t.Fatalf("GetPost: title %q, want first", got)
		}
	}
	p, _ := a.GetPost(ctx, id)
	p.Title = "by a"
	if _, err := a.UpdatePost(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := title(); got != "by a" {
		t.Errorf("after this store's own update: title %q, want %q", got, "by a")
	}
	p, _ = b.GetPost(ctx, id)
	p.Title = "by b"
	if _, err := b.UpdatePost(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := title(); got != "by b" {
		t.Errorf("after another store's update: title %q, want %q", got, "by b")
	}
	if _, err := raw.ExecContext(ctx, `UPDATE posts SET title = 'raw' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if got := title(); got != "raw" {
		t.Errorf("after a bare connection's update: title %q, want raw", got)
	}

	for i := 0; i < 2; i++ {
		if tk, err := a.GetToken(ctx, hash); err != nil || !tk.RevokedAt.IsZero() {
			t.Fatalf("GetToken: %+v, %v; want a live token", tk, err)
		}
	}
	if err := b.RevokeToken(ctx, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	if tk, err := a.GetToken(ctx, hash); err != nil || tk.RevokedAt.IsZero() {
		t.Errorf("after another store revoked the token: %+v, %v; want it revoked", tk, err)
	}
	if _, err := raw.ExecContext(ctx, `DELETE FROM tokens`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetToken(ctx, hash); err == nil {
		t.Errorf("after a bare connection deleted the token: GetToken found it")
	}
}

// A repeated read is served from memory: with the reader pool closed under
// it, the read still answers until something commits, and then goes to the
// database again.
func TestReadCacheServesRepeatReads(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	hash, id := seedTokenAndPost(t, s)
	if _, err := s.GetToken(ctx, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetPost(ctx, id); err != nil {
		t.Fatal(err)
	}
	s.Reader().Close()
	tk, err := s.GetToken(ctx, hash)
	if err != nil {
		t.Fatalf("cached GetToken with the reader pool closed: %v", err)
	}
	p, err := s.GetPost(ctx, id)
	if err != nil || p.Title != "first" || !slices.Equal(p.Tags, []string{"a"}) {
		t.Fatalf("cached GetPost with the reader pool closed: %+v, %v", p, err)
	}
	// What a caller does to the rows it got does not reach the cache.
	tk.Scopes[0] = "changed"
	tk.Hash[0] = 'X'
	p.Tags[0] = "changed"
	if again, _ := s.GetToken(ctx, hash); again.Scopes[0] != "content:read" || again.Hash[0] != 't' {
		t.Errorf("a caller's change reached the cached token: %+v", again)
	}
	if again, _ := s.GetPost(ctx, id); again.Tags[0] != "a" {
		t.Errorf("a caller's change reached the cached post: %+v", again)
	}
	if err := s.RevokeToken(ctx, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetToken(ctx, hash); err == nil {
		t.Errorf("GetToken after a commit answered from memory; want a read of the (closed) pool")
	}
}

// Once RevokeToken has returned, no reader sees the token live, however
// many read it at the same time.
func TestReadCacheRevocationUnderConcurrentReads(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	hash, _ := seedTokenAndPost(t, s)
	var revoked atomic.Bool
	var stale atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load()
				tk, err := s.GetToken(ctx, hash)
				if err != nil {
					t.Error(err)
					return
				}
				if after && tk.RevokedAt.IsZero() {
					stale.Add(1)
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.RevokeToken(ctx, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := stale.Load(); n > 0 {
		t.Errorf("%d reads started after RevokeToken returned saw the token live", n)
	}
}

// A probe that had to take a new connection answers higher than before, so
// versions of different connections are never compared as equal.
func TestChangeProbeNewConnectionMovesForward(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	v1, err := s.probe.version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.probe.version(ctx); v != v1 {
		t.Fatalf("no commit between probes: %d then %d", v1, v)
	}
	if err := s.PutSettings(ctx, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	v2, _ := s.probe.version(ctx)
	if v2 <= v1 {
		t.Fatalf("after a commit: %d, want > %d", v2, v1)
	}
	s.probe.mu.Lock()
	s.probe.drop()
	s.probe.mu.Unlock()
	v3, err := s.probe.version(ctx)
	if err != nil || v3 <= v2 {
		t.Fatalf("after a new connection: %d, %v; want > %d", v3, err, v2)
	}
}

// Under a pinned context reads may answer as of the pin; an unpinned read,
// or a new pin, sees every commit since.
func TestPinReads(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "p.db")
	a := openAt(t, path)
	b := openAt(t, path)
	hash, _ := seedTokenAndPost(t, a)
	pinned := a.PinReads(ctx)
	if tk, err := a.GetToken(pinned, hash); err != nil || !tk.RevokedAt.IsZero() {
		t.Fatalf("pinned GetToken: %+v, %v", tk, err)
	}
	if err := b.RevokeToken(ctx, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	if tk, _ := a.GetToken(pinned, hash); !tk.RevokedAt.IsZero() {
		t.Errorf("a read under the old pin probed again (want the answer as of the pin)")
	}
	if tk, _ := a.GetToken(ctx, hash); tk.RevokedAt.IsZero() {
		t.Errorf("unpinned GetToken after the revocation: still live")
	}
	if tk, _ := a.GetToken(a.PinReads(ctx), hash); tk.RevokedAt.IsZero() {
		t.Errorf("GetToken under a new pin after the revocation: still live")
	}

}
