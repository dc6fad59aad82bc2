package sqlstore

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"github.com/portico-mcp/portico/internal/store"
)

// ChangeProbe returns a number that grows whenever anything commits to the
// database — this process or any other — and is unchanged otherwise
// (SQLite's PRAGMA data_version on a connection that never writes). It must
// be exact: a commit that finished before the probe started is always
// reflected in its answer.
type ChangeProbe func(ctx context.Context) (int64, error)

// maxCachedRows bounds each kind of row the read cache keeps; a full kind
// is emptied and refills.
const maxCachedRows = 4096

// CacheReads makes the hottest point reads — GetToken (every authenticated
// request) and GetPost (every get_post) — answer from memory while nothing
// has committed to the database since the row was read. Every lookup asks
// probe first, so a write by this process, by another replica of the file
// (the CLI) or by anything else is seen by the very next read, exactly as
// without the cache: a revoked token is refused on the next request. The
// probe is one cheap statement instead of the row's query (and, for posts,
// its terms join). Call it once, before the store is used; probe nil turns
// the cache off. PostgreSQL has no such probe and does not cache.
func (db *DB) CacheReads(probe ChangeProbe) {
	if probe == nil {
		db.cache = nil
		return
	}
	c := &readCache{probe: probe}
	c.tokens = newTable[string](c, cloneToken)
	c.posts = newTable[int64](c, clonePost)
	db.cache = c
}

// readCache holds rows read at one database version (ver). The version only
// grows; a lookup at a newer version empties the cache, a lookup or fill at
// an older one (a caller that probed before a concurrent commit) neither
// hits nor fills.
type readCache struct {
	probe ChangeProbe

	mu     sync.Mutex
	ver    int64
	tables []interface{ reset() }
	tokens *table[string, store.Token]
	posts  *table[int64, store.Post]
}

// table is one kind of cached row, guarded by its cache's mutex.
type table[K comparable, V any] struct {
	c     *readCache
	m     map[K]V
	clone func(V) V // copies what a caller could change in place
}

func newTable[K comparable, V any](c *readCache, clone func(V) V) *table[K, V] {
	t := &table[K, V]{c: c, m: map[K]V{}, clone: clone}
	c.tables = append(c.tables, t)
	return t
}

func (t *table[K, V]) reset() { clear(t.m) }

// get returns the row under k if it was read at version v.
func (t *table[K, V]) get(v int64, k K) (V, bool) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	var zero V
	if !t.c.at(v) { // first: a newer version empties the tables
		return zero, false
	}
	row, ok := t.m[k]
	if !ok {
		return zero, false
	}
	return t.clone(row), true
}

// put keeps row, read at version v, under k.
func (t *table[K, V]) put(v int64, k K, row V) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if !t.c.at(v) {
		return
	}
	if len(t.m) >= maxCachedRows {
		clear(t.m)
	}
	t.m[k] = t.clone(row)
}

// cachedRead answers read through t: from memory when k was read at the
// current (or pinned) version, else from the database, keeping the row.
func cachedRead[K comparable, V any](ctx context.Context, db *DB, t func(*readCache) *table[K, V], k K,
	read func() (V, error)) (V, error) {
	c := db.cache
	if c == nil {
		return read()
	}
	v, ok := db.version(ctx)
	if ok {
		if row, hit := t(c).get(v, k); hit {
			return row, nil
		}
	}
	row, err := read()
	if err == nil && ok {
		t(c).put(v, k, row)
	}
	return row, err
}

// pinKey keys a pinned version in a context; db tells stores apart.
type pinKey struct{ db *DB }

// PinReads probes once and returns a context under which GetToken and
// GetPost reuse that answer instead of probing again: they see the database
// as of this call (or later), which is what a request that only reads needs
// — its reads are one moment, at most as old as the request. Reads under
// the returned context may miss writes made after the call, the caller's
// own included, so a caller that writes must not read through it. Without
// a read cache, or when the probe fails, ctx is returned unchanged.
func (db *DB) PinReads(ctx context.Context) context.Context {
	c := db.cache
	if c == nil {
		return ctx
	}
	v, err := c.probe(ctx)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, pinKey{db}, v)
}

// version returns the version pinned in ctx, or probes the database. ok is
// false when the probe failed; the caller then reads from the database and
// caches nothing.
func (db *DB) version(ctx context.Context) (v int64, ok bool) {
	if v, ok := ctx.Value(pinKey{db}).(int64); ok {
		return v, true
	}
	v, err := db.cache.probe(ctx)
	return v, err == nil
}

// at brings the cache to version v and reports whether entries may be read
// and written at v. The caller holds c.mu.
func (c *readCache) at(v int64) bool {
	if v > c.ver {
		for _, t := range c.tables {
			t.reset()
		}
		c.ver = v
	}
	return v == c.ver
}

// cloneToken and clonePost copy what a caller could modify in place, so a
// cached row never changes; nil stays nil and empty stays empty.
func cloneToken(t store.Token) store.Token {
	t.Hash = bytes.Clone(t.Hash)
	t.Scopes = slices.Clone(t.Scopes)
	t.ReplacedBy = bytes.Clone(t.ReplacedBy)
	t.SealedReply = bytes.Clone(t.SealedReply)
	return t
}

func clonePost(p store.Post) store.Post {
	p.Categories = slices.Clone(p.Categories)
	p.Tags = slices.Clone(p.Tags)
	return p
}
