package content

import "sync"

// summaryCache remembers generated summaries (MakeExcerpt) so reading or
// listing a post does not render its Markdown every time. It is keyed by
// what MakeExcerpt actually reads — the first excerptWindow bytes of the
// body and whether the body is longer — so an edit can never be answered
// with a stale summary, on any replica, and nothing needs invalidating.
// Two generations bound it: when the current map is full it becomes the
// previous one (entries read from there move back), so what is read often
// stays and the memory is at most 2 × summaryCacheMax keys of ≤ 4 KiB.
// The zero value is ready to use.
//
// It is one per process, like the compiled Markdown renderers: it memoises
// a pure function of its key, so every Service can share it.
type summaryCache struct {
	mu        sync.Mutex
	cur, prev map[summaryKey]string
}

type summaryKey struct {
	head string // body[:min(len, excerptWindow)], copied
	long bool   // len(body) > excerptWindow
}

const summaryCacheMax = 1024

var summaries summaryCache

// summary returns MakeExcerpt(body), from the cache when it can.
func (c *summaryCache) summary(body string) string {
	k := summaryKey{head: body, long: len(body) > excerptWindow}
	if k.long {
		k.head = body[:excerptWindow]
	}
	c.mu.Lock()
	s, ok := c.cur[k]
	if !ok {
		if s, ok = c.prev[k]; ok {
			c.putLocked(k, s)
		}
	}
	c.mu.Unlock()
	if ok {
		return s
	}
	s = MakeExcerpt(body)
	k.head = string([]byte(k.head)) // do not keep the whole body alive
	c.mu.Lock()
	c.putLocked(k, s)
	c.mu.Unlock()
	return s
}

func (c *summaryCache) putLocked(k summaryKey, s string) {
	if c.cur == nil || len(c.cur) >= summaryCacheMax {
		c.prev, c.cur = c.cur, make(map[summaryKey]string, summaryCacheMax/4)
	}
	c.cur[k] = s
}
