package httpx

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter hands out a token bucket per key (an IP address, an email) and
// forgets idle keys so memory stays bounded. The zero value is not usable;
// call NewRateLimiter.
type RateLimiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter allows perMinute events a minute per key with bursts of
// burst, remembering at most maxKeys keys (oldest idle keys are dropped).
func NewRateLimiter(perMinute float64, burst, maxKeys int) *RateLimiter {
	if maxKeys <= 0 {
		maxKeys = 10000
	}
	return &RateLimiter{
		limit:   rate.Limit(perMinute / 60),
		burst:   burst,
		maxKeys: maxKeys,
		now:     time.Now,
		buckets: make(map[string]*bucket),
	}
}

// Allow reports whether one more event for key is allowed now.
func (l *RateLimiter) Allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// evict drops keys idle long enough to have refilled, then, if still full,
// the least recently seen quarter. Called with mu held.
func (l *RateLimiter) evict(now time.Time) {
	full := time.Duration(float64(l.burst)/float64(l.limit)) * time.Second
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxKeys {
		return
	}
	var oldest time.Time
	for _, b := range l.buckets {
		if oldest.IsZero() || b.seen.Before(oldest) {
			oldest = b.seen
		}
	}
	cut := oldest.Add(now.Sub(oldest) / 4)
	for k, b := range l.buckets {
		if !b.seen.After(cut) {
			delete(l.buckets, k)
		}
	}
}

// Len is the number of keys remembered.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
