package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// record is one line of the results file run.sh appends to.
type record struct {
	Target   string `json:"target"`
	Workload string `json:"workload"`
	Round    int    `json:"round"`
	R        result `json:"r"`
}

var targetOrder = []string{"limit", "gosdk", "mcpgo", "ts", "portico", "portico-pg", "portico-pg2"}
var targetName = map[string]string{"limit": "limit (bare net/http)", "gosdk": "go-sdk bare", "mcpgo": "mcp-go bare",
	"ts": "TS reference", "portico": "portico (SQLite)", "portico-pg": "portico-pg ×1", "portico-pg2": "portico-pg ×2 (RR proxy)"}

// cmdReport turns the results file (and go test -bench output) into the
// Markdown tables of RESULTS.md.
func cmdReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	in := fs.String("in", "", "results .jsonl")
	benchOut := fs.String("bench", "", "go test -bench output (optional)")
	authPairs := fs.String("authpairs", "", "go test -bench output of interleaved runs of the with/without-auth pair (optional)")
	mode := fs.String("mode", "full", "run mode, printed in the header")
	_ = fs.Parse(args)
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	recs := map[[2]string][]result{}
	var workloads []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("%s: %w", sc.Text(), err)
		}
		k := [2]string{r.Target, r.Workload}
		if !slices.Contains(workloads, r.Workload) {
			workloads = append(workloads, r.Workload)
		}
		recs[k] = append(recs[k], r.R)
	}
	med := func(t, w string, get func(result) float64) (float64, bool) {
		rs := recs[[2]string{t, w}]
		if len(rs) == 0 {
			return 0, false
		}
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		slices.Sort(v)
		return v[len(v)/2], true
	}
	rps := func(r result) float64 { return r.RPS }
	p50 := func(r result) float64 { return r.P50us }
	p95 := func(r result) float64 { return r.P95us }
	p99 := func(r result) float64 { return r.P99us }
	cpu := func(r result) float64 {
		if m, ok := r.Extra.(map[string]any); ok {
			if v, ok := m["server_cpu_us_per_req"].(float64); ok {
				return v
			}
		}
		return 0
	}
	extra := func(t, w, key string) (float64, bool) {
		return med(t, w, func(r result) float64 {
			if m, ok := r.Extra.(map[string]any); ok {
				if v, ok := m[key].(float64); ok {
					return v
				}
			}
			return -1
		})
	}

	var b strings.Builder
	rounds := 0
	for _, rs := range recs {
		rounds = max(rounds, len(rs))
	}
	fmt.Fprintf(&b, "Run: %s, mode %s, %d round(s) per cell interleaved across targets; each cell is the median round. "+
		"Cells: requests/s, p50 / p99 latency in ms, server CPU µs per request.\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), *mode, rounds)

	// Throughput table over the MCP workloads.
	var cols []string
	for _, t := range targetOrder {
		for _, w := range workloads {
			if len(recs[[2]string{t, w}]) > 0 && strings.HasPrefix(w, "mcp.") {
				cols = append(cols, t)
				break
			}
		}
	}
	b.WriteString("| workload |")
	for _, t := range cols {
		b.WriteString(" " + targetName[t] + " |")
	}
	b.WriteString(" portico ÷ limit | portico ÷ TS |\n|---|")
	for range cols {
		b.WriteString("---|")
	}
	b.WriteString("---|---|\n")
	for _, w := range workloads {
		if !strings.HasPrefix(w, "mcp.") {
			continue
		}
		fmt.Fprintf(&b, "| %s |", strings.TrimPrefix(w, "mcp."))
		for _, t := range cols {
			v, ok := med(t, w, rps)
			if !ok {
				b.WriteString(" — |")
				continue
			}
			a, _ := med(t, w, p50)
			z, _ := med(t, w, p99)
			c, _ := med(t, w, cpu)
			fmt.Fprintf(&b, " %s/s<br>%.2f / %.2f ms<br>%.0f µs CPU |", human(v), a/1e3, z/1e3, c)
		}
		pv, _ := med("portico", w, rps)
		lv, okL := med("limit", w, rps)
		tv, okT := med("ts", w, rps)
		b.WriteString(ratio(pv, lv, okL) + ratio(pv, tv, okT) + "\n")
	}

	// Other workloads: one line each.
	b.WriteString("\n| measurement | target | value |\n|---|---|---|\n")
	for _, w := range workloads {
		if strings.HasPrefix(w, "mcp.") {
			continue
		}
		for _, t := range targetOrder {
			if len(recs[[2]string{t, w}]) == 0 {
				continue
			}
			var v string
			switch w {
			case "oauth-dance", "token-refresh":
				r, _ := med(t, w, rps)
				a, _ := med(t, w, p50)
				z, _ := med(t, w, p99)
				v = fmt.Sprintf("%s/s (p50 %.1f ms, p99 %.1f ms)", human(r), a/1e3, z/1e3)
			case "search-100k c=1", "search-100k c=4":
				// c=1: latency per query (nothing queues; the goal row);
				// c=4: throughput against the one server core.
				r, _ := med(t, w, rps)
				a, _ := med(t, w, p50)
				c, _ := med(t, w, p95)
				z, _ := med(t, w, p99)
				u, _ := med(t, w, cpu)
				n, _ := extra(t, w, "bodies")
				what := "latency, one client"
				if w == "search-100k c=4" {
					what = "throughput, 4 clients, one server core"
				}
				v = fmt.Sprintf("%s: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, %s/s, %.1f ms server CPU per search",
					what, a/1e3, c/1e3, z/1e3, human(r), u/1e3)
				if n > 0 {
					v += fmt.Sprintf(" (%.0f queries)", n)
				}
			case "startup":
				s, _ := extra(t, w, "startup_ms_median")
				rss, _ := extra(t, w, "idle_rss_kb")
				v = fmt.Sprintf("ready in %.1f ms; idle RSS %.1f MB", s, rss/1024)
			case "conns-sse", "conns-keepalive":
				rss, _ := extra(t, w, "rss_kb")
				g, _ := extra(t, w, "goroutines")
				n, _ := med(t, w, func(r result) float64 { return float64(r.Conns) })
				v = fmt.Sprintf("%.0f open: RSS %.1f MB, %.0f goroutines", n, rss/1024, g)
			default:
				r, _ := med(t, w, rps)
				v = fmt.Sprintf("%s/s", human(r))
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", w, targetName[t], v)
		}
	}

	// Goals.
	type goal struct {
		name, measured string
		met            string
	}
	yes := func(ok, have bool) string {
		if !have {
			return "not measured"
		}
		if ok {
			return "**met**"
		}
		return "**not met**"
	}
	var goals []goal
	pv, okP := med("portico", "mcp.tools/call c=16", rps)
	lv, okL := med("limit", "mcp.tools/call c=16", rps)
	tv, okT := med("ts", "mcp.tools/call c=16", rps)
	goals = append(goals, goal{"tools/call ≥ 0.4 × limit at 16 connections", fmt.Sprintf("%.2f ×", safeDiv(pv, lv)), yes(safeDiv(pv, lv) >= 0.4, okP && okL)})
	goals = append(goals, goal{"tools/call ≥ 20 × TS reference", fmt.Sprintf("%.1f ×", safeDiv(pv, tv)), yes(safeDiv(pv, tv) >= 20, okP && okT)})
	bench := parseBench(*benchOut)
	auth, noauth := bench["BenchmarkToolsCallGetPost"], bench["BenchmarkToolsCallGetPostNoAuth"]
	share, haveShare := 0.0, auth["ns/op"] > 0 && noauth["ns/op"] > 0
	if haveShare {
		share = (auth["ns/op"] - noauth["ns/op"]) / auth["ns/op"]
	}
	what := "auth adds ≤ 10 % (in-process: same request with and without token verification)"
	measured := fmt.Sprintf("%.1f %%", share*100)
	if shares := pairShares(*authPairs); len(shares) > 0 {
		// Interleaved pairs (A B A B …): the median of the per-pair shares
		// is steadier than two medians taken minutes apart.
		sorted := slices.Sorted(slices.Values(shares))
		share, haveShare = sorted[len(sorted)/2], true
		var each []string
		for _, v := range shares {
			each = append(each, fmt.Sprintf("%.1f", v*100))
		}
		what += fmt.Sprintf(", median of %d interleaved pairs", len(shares))
		measured = fmt.Sprintf("%.1f %% (pairs: %s %%)", share*100, strings.Join(each, ", "))
	}
	goals = append(goals, goal{what, measured, yes(share <= 0.10, haveShare)})
	d, okD := med("portico", "oauth-dance", rps)
	goals = append(goals, goal{"full OAuth dance ≥ 1,000/s (SQLite)", human(d) + "/s", yes(d >= 1000, okD)})
	rf, okR := med("portico", "token-refresh", rps)
	goals = append(goals, goal{"token refresh ≥ 2,000/s", human(rf) + "/s", yes(rf >= 2000, okR)})
	vp := bench["BenchmarkVerify"]["p99-µs"]
	goals = append(goals, goal{"token verification < 50 µs p99 in process (SQLite)", fmt.Sprintf("%.1f µs", vp), yes(vp < 50, vp > 0)})
	sp, okS := med("portico", "search-100k c=1", p95)
	goals = append(goals, goal{"search p95 < 20 ms at 100k posts (one client, the query mix of seed/queries.jsonl)", fmt.Sprintf("%.2f ms", sp/1e3), yes(sp < 20e3, okS)})
	rss, okI := extra("portico", "startup", "idle_rss_kb")
	goals = append(goals, goal{"idle RSS < 25 MB", fmt.Sprintf("%.1f MB", rss/1024), yes(rss/1024 < 25, okI && rss > 0)})
	cr, okC := extra("portico", "conns-sse", "rss_kb")
	cn, _ := med("portico", "conns-sse", func(r result) float64 { return float64(r.Conns) })
	goals = append(goals, goal{"5,000 open connections < 250 MB", fmt.Sprintf("%.1f MB at %.0f SSE streams", cr/1024, cn), yes(cr/1024 < 250 && cn >= 5000, okC && cr > 0)})
	st, okSt := extra("portico", "startup", "startup_ms_median")
	goals = append(goals, goal{"start-up to /readyz < 100 ms", fmt.Sprintf("%.1f ms", st), yes(st < 100, okSt)})
	b.WriteString("\n| goal | measured | |\n|---|---|---|\n")
	for _, g := range goals {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", g.name, g.measured, g.met)
	}
	if *benchOut != "" {
		raw, _ := os.ReadFile(*benchOut)
		b.WriteString("\nMicro-benchmarks (`go test -bench -benchmem`):\n\n```\n")
		for line := range strings.Lines(string(raw)) {
			if strings.HasPrefix(line, "Benchmark") {
				b.WriteString(line)
			}
		}
		b.WriteString("```\n")
	}
	_, err = os.Stdout.WriteString(b.String())
	return err
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ratio(a, b float64, ok bool) string {
	if !ok || b == 0 || a == 0 {
		return " — |"
	}
	return fmt.Sprintf(" %.2f × |", a/b)
}

func human(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1fk", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// pairShares reads go test -bench output in which each
// BenchmarkToolsCallGetPost line is followed by its
// BenchmarkToolsCallGetPostNoAuth line, and returns each pair's share of
// the authenticated request's time that authentication took.
func pairShares(path string) []float64 {
	if path == "" {
		return nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var shares []float64
	auth := 0.0
	for line := range strings.Lines(string(raw)) {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		if len(f) < 2 || f[1] != "ns/op" {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || v <= 0 {
			continue
		}
		switch m[1] {
		case "BenchmarkToolsCallGetPost":
			auth = v
		case "BenchmarkToolsCallGetPostNoAuth":
			if auth > 0 {
				shares = append(shares, (auth-v)/auth)
			}
			auth = 0
		}
	}
	return shares
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// parseBench reads go test -bench output: name → unit → median value.
func parseBench(path string) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	if path == "" {
		return out
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	all := map[string]map[string][]float64{}
	for line := range strings.Lines(string(raw)) {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if all[m[1]] == nil {
				all[m[1]] = map[string][]float64{}
			}
			all[m[1]][f[i+1]] = append(all[m[1]][f[i+1]], v)
		}
	}
	for n, units := range all {
		out[n] = map[string]float64{}
		for u, vs := range units {
			slices.Sort(vs)
			out[n][u] = vs[len(vs)/2]
		}
	}
	return out
}
