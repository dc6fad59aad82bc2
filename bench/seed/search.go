package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Queries is the search workload: one search_posts arguments object per
// line, drawn from the generated vocabulary (see queries.jsonl). bench/run.sh
// sends the same lines to the server.
//
//go:embed queries.jsonl
var Queries []byte

// searchArgs is the part of the search_posts arguments the queries use.
type searchArgs struct {
	Query  string `json:"query"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
}

// filter is what the content service makes of args for an administrator:
// no status means published and every unpublished status but trash; no
// limit means 20.
func (a searchArgs) filter() store.PostFilter {
	f := store.PostFilter{Type: store.PostType(a.Type), Offset: a.Offset, Limit: a.Limit}
	if f.Limit == 0 {
		f.Limit = 20
	}
	if a.Status != "" {
		f.Statuses = []store.PostStatus{store.PostStatus(a.Status)}
	} else {
		f.Statuses = []store.PostStatus{store.StatusPublished, store.StatusDraft, store.StatusPending, store.StatusScheduled}
	}
	return f
}

func parseQueries(b []byte) ([]searchArgs, []string, error) {
	var qs []searchArgs
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var a searchArgs
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			return nil, nil, fmt.Errorf("queries: %q: %w", line, err)
		}
		qs = append(qs, a)
		lines = append(lines, line)
	}
	return qs, lines, sc.Err()
}

// searchBench runs every query rounds times through the store (one caller)
// and prints each query's median time and hit count, then the percentiles
// over all runs.
func searchBench(ctx context.Context, st store.Posts, rounds int, cpuprofile, only string) error {
	qs, lines, err := parseQueries(Queries)
	if err != nil {
		return err
	}
	if only != "" {
		var q2 []searchArgs
		var l2 []string
		for i, l := range lines {
			if strings.Contains(l, only) {
				q2, l2 = append(q2, qs[i]), append(l2, l)
			}
		}
		if len(q2) == 0 {
			return fmt.Errorf("no query line contains %q", only)
		}
		qs, lines = q2, l2
	}
	for _, q := range qs { // warm the page cache and the statement cache
		if _, err := st.SearchPosts(ctx, q.Query, q.filter()); err != nil {
			return err
		}
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	per := make([][]time.Duration, len(qs))
	hits := make([]int, len(qs))
	var all []time.Duration
	cpu0 := cpuTime()
	t0 := time.Now()
	for range rounds {
		for i, q := range qs {
			t := time.Now()
			hs, err := st.SearchPosts(ctx, q.Query, q.filter())
			if err != nil {
				return err
			}
			d := time.Since(t)
			per[i] = append(per[i], d)
			all = append(all, d)
			hits[i] = len(hs)
		}
	}
	total, cpu := time.Since(t0), cpuTime()-cpu0
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	for i, l := range lines {
		slices.Sort(per[i])
		fmt.Printf("%7.2f ms  %3d hits  %s\n", ms(per[i][len(per[i])/2]), hits[i], l)
	}
	slices.Sort(all)
	q := func(p float64) float64 { return ms(all[min(len(all)-1, int(p*float64(len(all))))]) }
	fmt.Printf("%d searches: mean %.2f ms (CPU %.2f ms), p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n",
		len(all), ms(total)/float64(len(all)), ms(cpu)/float64(len(all)), q(0.50), q(0.95), q(0.99))
	return nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
