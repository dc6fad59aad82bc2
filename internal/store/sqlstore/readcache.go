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
	db.cache = &readCache{probe: probe, tokens: map[string]store.Token{}, posts: map[int64]store.Post{}}
}

// readCache holds rows read at one database version (ver). The version only
// grows; a lookup at a newer version empties the cache, a lookup or fill at
// an older one (a caller that probed before a concurrent commit) neither
// hits nor fills.
type readCache struct {
	probe ChangeProbe

	mu     sync.Mutex
	ver    int64
	tokens map[string]store.Token
	posts  map[int64]store.Post
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
		clear(c.tokens)
		clear(c.posts)
		c.ver = v
	}
	return v == c.ver
}

func (c *readCache) token(v int64, hash []byte) (store.Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(v) {
		return store.Token{}, false
	}
	t, ok := c.tokens[string(hash)]
	return cloneToken(t), ok
}

func (c *readCache) putToken(v int64, t store.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(v) {
		return
	}
	if len(c.tokens) >= maxCachedRows {
		clear(c.tokens)
	}
	c.tokens[string(t.Hash)] = cloneToken(t)
}

func (c *readCache) post(v int64, id int64) (store.Post, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(v) {
		return store.Post{}, false
	}
	p, ok := c.posts[id]
	return clonePost(p), ok
}

func (c *readCache) putPost(v int64, p store.Post) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(v) {
		return
	}
	if len(c.posts) >= maxCachedRows {
		clear(c.posts)
	}
	c.posts[p.ID] = clonePost(p)
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
