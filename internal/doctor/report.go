package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// limits are hosted Claude's deadlines per request category (CONNECTORS.md
// §0 item 4: discovery, registration and token 10 s, refresh 30 s, the
// first authenticated initialize 10 s).
var limits = []struct {
	cat   string
	id    string
	what  string
	limit time.Duration
}{
	{catDiscovery, "timing.discovery", "discovery", 10 * time.Second},
	{catRegistration, "timing.registration", "registration", 10 * time.Second},
	{catToken, "timing.token", "token endpoint", 10 * time.Second},
	{catRefresh, "timing.refresh", "refresh", 30 * time.Second},
	{catInitialize, "timing.initialize", "authenticated initialize", 10 * time.Second},
}

// summaries adds the findings computed over all requests: timing per
// category and bot challenges.
func (r *runner) summaries() {
	const ref = "CONNECTORS.md §0 item 4, §2.6, §2.7 (claude-ai-mcp#473; ha-mcp#2213)"
	for _, l := range limits {
		exs := r.timings[l.cat]
		if len(exs) == 0 {
			r.skip(l.id, l.what+" timing", "no "+l.what+" requests were made")
			continue
		}
		var slowest *exchange
		var timedOut *exchange
		for _, ex := range exs {
			if ex.timedOut && timedOut == nil {
				timedOut = ex
			}
			if slowest == nil || ex.dur > slowest.dur {
				slowest = ex
			}
		}
		ev := fmt.Sprintf("%d requests; slowest %s %s took %s", len(exs), slowest.method, redactURL(slowest.url), roundDur(slowest.dur))
		switch {
		case timedOut != nil:
			r.add(Finding{ID: l.id, Status: StatusFail, Evidence: timedOut.evidence(), Ref: ref,
				Title: fmt.Sprintf("a %s request got no answer within %s (hosted Claude allows %s)", l.what, timedOut.timeout, l.limit),
				Fix:   "answer well within the limit; move slow work out of the request path"}, []string{ClientClaude})
		case slowest.dur > l.limit:
			r.add(Finding{ID: l.id, Status: StatusFail, Evidence: ev, Ref: ref,
				Title: fmt.Sprintf("%s took %s, over hosted Claude's %s limit", l.what, roundDur(slowest.dur), l.limit),
				Fix:   "answer well within the limit; move slow work out of the request path"}, []string{ClientClaude})
		case slowest.dur > r.o.SlowAfter:
			r.add(Finding{ID: l.id, Status: StatusWarn, Evidence: ev, Ref: ref,
				Title: fmt.Sprintf("%s is slow (%s > %s); hosted Claude gives up at %s", l.what, roundDur(slowest.dur), r.o.SlowAfter, l.limit),
				Fix:   "answer in under 2 s"}, none)
		default:
			r.add(Finding{ID: l.id, Status: StatusPass, Title: fmt.Sprintf("%s answers in %s or less", l.what, roundDur(slowest.dur)), Evidence: ev}, nil)
		}
	}
	if len(r.challenged) == 0 {
		n := 0
		for _, exs := range r.timings {
			n += len(exs)
		}
		r.add(Finding{ID: "reach.bot_challenge", Status: StatusPass, Title: "no bot challenge or cf-mitigated answer", Evidence: fmt.Sprintf("%d requests", n)}, nil)
		return
	}
	var urls []string
	for _, ex := range r.challenged {
		if u := redactURL(ex.url); !contains(urls, u) {
			urls = append(urls, u)
		}
	}
	r.add(Finding{ID: "reach.bot_challenge", Status: StatusFail, Evidence: r.challenged[0].evidence("cf-mitigated", "Server"),
		Ref:   "CONNECTORS.md §0 item 18, §11.37 (claude-ai-mcp#620, #335; Vercel Security Checkpoint)",
		Title: "bot protection answers with a challenge page on " + shorten(strings.Join(urls, ", "), 200),
		Fix:   "exempt /.well-known/*, /register, /token and the MCP path from bot rules; allow UA Claude-User/python-httpx and 160.79.104.0/21"}, nil)
}

// WriteJSON writes the report as one indented JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("doctor: write JSON report: %w", err)
	}
	return nil
}

var sectionTitles = map[string]string{
	"reach":     "Reachability",
	"challenge": "401 challenge",
	"prm":       "Protected resource metadata (RFC 9728)",
	"as":        "Authorization server metadata (RFC 8414)",
	"cors":      "CORS for browser clients",
	"dcr":       "Dynamic client registration (RFC 7591)",
	"authorize": "Authorization endpoint",
	"token":     "Token endpoint",
	"flow":      "Interactive authorization",
	"mcp":       "MCP traffic",
	"tools":     "Tools",
	"timing":    "Timing",
	"run":       "Run",
}

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31;1m"
	ansiYellow = "\x1b[33;1m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
	ansiBold   = "\x1b[1m"
)

func paint(color bool, code, s string) string {
	if !color {
		return s
	}
	return code + s + ansiReset
}

func statusColor(s Status) string {
	switch s {
	case StatusFail:
		return ansiRed
	case StatusWarn:
		return ansiYellow
	case StatusPass:
		return ansiGreen
	default:
		return ansiDim
	}
}

// WriteText writes a readable terminal report: findings by step (evidence,
// fix and reference under every WARN and FAIL), then a table of which
// client would fail where, then a summary line. color adds ANSI colours.
func (r Report) WriteText(w io.Writer, color bool) error {
	ew := &errWriter{w: w}
	ew.printf("%s %s\n", paint(color, ansiBold, "portico doctor"), r.Target)
	ew.printf("%s\n", paint(color, ansiDim, fmt.Sprintf("%s, %s", r.Time.UTC().Format("2006-01-02 15:04:05 MST"), roundDur(r.Elapsed))))
	last := ""
	counts := map[Status]int{}
	for _, f := range r.Findings {
		counts[f.Status]++
		if s := section(f.ID); s != last {
			last = s
			title := sectionTitles[s]
			if title == "" {
				title = s
			}
			ew.printf("\n%s\n", paint(color, ansiBold, title))
		}
		ew.printf("  %s  %-28s %s\n", paint(color, statusColor(f.Status), fmt.Sprintf("%-4s", f.Status)), f.ID, f.Title)
		switch f.Status {
		case StatusFail, StatusWarn:
			if f.Evidence != "" {
				ew.printf("        %s %s\n", paint(color, ansiDim, "evidence"), f.Evidence)
			}
			if f.Fix != "" {
				ew.printf("        %s      %s\n", paint(color, ansiDim, "fix"), f.Fix)
			}
			if f.Ref != "" {
				ew.printf("        %s      %s\n", paint(color, ansiDim, "ref"), f.Ref)
			}
		case StatusSkip:
			if f.Evidence != "" {
				ew.printf("        %s\n", paint(color, ansiDim, f.Evidence))
			}
		}
	}

	ew.printf("\n%s\n", paint(color, ansiBold, "Who would fail where"))
	type row struct{ client, verdict, step, why string }
	rows := []row{{"CLIENT", "VERDICT", "STEP", "WHY"}}
	for _, c := range KnownClients() {
		v, ok := r.Clients[c]
		if !ok {
			continue
		}
		why := v.Reason
		if v.Status == StatusWarn {
			why = "warnings: " + strings.Join(v.Warnings, ", ")
		}
		if v.Status == StatusSkip {
			why = v.Note
		}
		rows = append(rows, row{c, string(v.Status), dash(v.Step), shorten(why, 110)})
	}
	wc, ws := 0, 0
	for _, rw := range rows {
		wc, ws = max(wc, len(rw.client)), max(ws, len(rw.step))
	}
	for i, rw := range rows {
		verdict := fmt.Sprintf("%-7s", rw.verdict)
		if i > 0 {
			verdict = paint(color, statusColor(Status(rw.verdict)), verdict)
		}
		ew.printf("  %-*s  %s  %-*s  %s\n", wc, rw.client, verdict, ws, rw.step, rw.why)
	}
	for _, c := range KnownClients() {
		if v := r.Clients[c]; v.Note != "" && v.Status != StatusSkip {
			ew.printf("  %s\n", paint(color, ansiDim, v.Note))
			break
		}
	}
	ew.printf("\n%d passed, %d warnings, %d failed, %d skipped\n", counts[StatusPass], counts[StatusWarn], counts[StatusFail], counts[StatusSkip])
	if ew.err != nil {
		return fmt.Errorf("doctor: write text report: %w", ew.err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errWriter remembers the first write error so the report code stays flat.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
