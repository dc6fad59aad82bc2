package content

import (
	"strings"
	"testing"
)

// TestSummaryCache: the cached summary always equals MakeExcerpt, for
// short and long bodies, after edits inside and beyond the window, and
// across generations.
func TestSummaryCache(t *testing.T) {
	var c summaryCache
	long := strings.Repeat("word ", 2000)
	bodies := []string{
		"", "Hello *world*", "Hello **world**", "# Title\n\nBody text.",
		long, long + "tail", "x" + long, long[:excerptWindow], long[:excerptWindow+1],
		strings.Repeat("é", 3000),
	}
	for round := 0; round < 3; round++ {
		for _, b := range bodies {
			if got, want := c.summary(b), MakeExcerpt(b); got != want {
				t.Fatalf("summary(%.40q) = %q, want %q", b, got, want)
			}
		}
	}
	for i := 0; i < 3*summaryCacheMax; i++ {
		b := "post number " + strings.Repeat("z", i%7) + string(rune('a'+i%26)) + " " + strings.Repeat("q", i)
		if got, want := c.summary(b), MakeExcerpt(b); got != want {
			t.Fatalf("summary %d = %q, want %q", i, got, want)
		}
	}
	if n := len(c.cur) + len(c.prev); n > 2*summaryCacheMax {
		t.Errorf("cache holds %d entries", n)
	}
}
