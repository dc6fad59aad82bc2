package doctor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// maxBody caps every response body doctor reads.
const maxBody = 1 << 20

// maxExcerpt caps the body excerpt in a finding's evidence.
const maxExcerpt = 300

// maxEvidence caps a finding's whole evidence (several exchanges at most).
const maxEvidence = 1200

// Request categories, each with the deadline hosted Claude applies
// (CONNECTORS.md §0 item 4, §2.7).
const (
	catDiscovery    = "discovery"
	catRegistration = "registration"
	catToken        = "token"
	catRefresh      = "refresh"
	catInitialize   = "initialize"
	catOther        = "other"
)

// User agents hosted Claude sends (CONNECTORS.md §2.1): WAF rules that block
// hosted Claude match these, so doctor sends them too.
const (
	uaDiscovery = "python-httpx/0.28.1"
	uaMCP       = "Claude-User"
)

// request is one HTTP request doctor makes.
type request struct {
	method string
	url    string
	header http.Header
	body   []byte
	cat    string
	// timeout overrides the per-request timeout (used for refresh).
	timeout time.Duration
}

// exchange is what came back, with the body capped and, for an event
// stream, cut after the first JSON-RPC message.
type exchange struct {
	method, url string
	status      int
	header      http.Header
	body        []byte
	sse         bool
	dur         time.Duration
	err         error
	timedOut    bool
	timeout     time.Duration
}

func (ex *exchange) ok() bool { return ex.err == nil }

func (ex *exchange) is3xx() bool { return ex.err == nil && ex.status >= 300 && ex.status < 400 }

// mediaType is the response's media type, lower-cased, without parameters.
func (ex *exchange) mediaType() string {
	mt, _, _ := mime.ParseMediaType(ex.header.Get("Content-Type"))
	return strings.ToLower(mt)
}

// object decodes the body as a JSON object.
func (ex *exchange) object() (map[string]any, error) {
	if ex.err != nil {
		return nil, ex.err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(ex.body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %w", err)
	}
	if m == nil {
		return nil, errors.New("body is JSON null")
	}
	return m, nil
}

// oauthError returns the RFC 6749 "error" member of a JSON body, if any.
func (ex *exchange) oauthError() string {
	m, err := ex.object()
	if err != nil {
		return ""
	}
	s, _ := m["error"].(string)
	return s
}

// do sends one request with the per-request timeout, never following
// redirects, and records its timing and any bot challenge it met.
func (r *runner) do(ctx context.Context, rq request) *exchange {
	timeout := r.o.Timeout
	if rq.timeout > 0 {
		timeout = rq.timeout
	}
	ex := &exchange{method: rq.method, url: rq.url, timeout: timeout}
	if err := ctx.Err(); err != nil {
		ex.err = fmt.Errorf("not sent: %w", err)
		return ex
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, rq.url, body)
	if err != nil {
		ex.err = fmt.Errorf("build request: %w", err)
		return ex
	}
	for k, vs := range rq.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	start := r.now()
	resp, err := r.hc.Do(req)
	if err == nil {
		ex.status = resp.StatusCode
		ex.header = resp.Header
		ex.body, ex.sse, err = readBody(resp)
		resp.Body.Close()
	}
	ex.dur = r.now().Sub(start)
	if err != nil {
		ex.err = err
		switch {
		case parent.Err() != nil:
			// The run's budget (or the caller) stopped it, not this request's
			// own timeout.
			ex.err = fmt.Errorf("stopped: the run's time budget ran out: %w", err)
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
			ex.timedOut = true
		}
	}
	cat := rq.cat
	if cat == "" {
		cat = catOther
	}
	r.timings[cat] = append(r.timings[cat], ex)
	if isBotChallenge(ex) {
		r.challenged = append(r.challenged, ex)
	}
	return ex
}

// readBody reads at most maxBody bytes. For text/event-stream it stops after
// the first event whose data is a JSON-RPC response, because the stream may
// stay open.
func readBody(resp *http.Response) ([]byte, bool, error) {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	lr := io.LimitReader(resp.Body, maxBody)
	if !strings.EqualFold(mt, "text/event-stream") {
		b, err := io.ReadAll(lr)
		if err != nil {
			return b, false, fmt.Errorf("read body: %w", err)
		}
		return b, false, nil
	}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 64<<10), maxBody)
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(data) > 0 {
				msg := strings.Join(data, "\n")
				data = nil
				var m map[string]json.RawMessage
				if json.Unmarshal([]byte(msg), &m) == nil && (m["result"] != nil || m["error"] != nil) {
					return []byte(msg), true, nil
				}
			}
			continue
		}
		if v, ok := strings.CutPrefix(line, "data:"); ok {
			data = append(data, strings.TrimPrefix(v, " "))
		}
	}
	if len(data) > 0 {
		return []byte(strings.Join(data, "\n")), true, nil
	}
	if err := sc.Err(); err != nil {
		return nil, true, fmt.Errorf("read event stream: %w", err)
	}
	return nil, true, nil
}

// challengeMarkers are strings found in bot-challenge and WAF interstitial
// pages (Cloudflare, Vercel, generic captchas).
var challengeMarkers = []string{
	"just a moment...", "challenge-platform", "cf-chl", "attention required! | cloudflare",
	"vercel security checkpoint", "captcha", "checking your browser", "ddos protection by",
}

func isBotChallenge(ex *exchange) bool {
	if ex.err != nil {
		return false
	}
	if ex.header.Get("cf-mitigated") != "" {
		return true
	}
	if ex.status < 400 && ex.status != http.StatusOK {
		return false
	}
	if !strings.Contains(ex.mediaType(), "html") {
		return false
	}
	low := strings.ToLower(string(ex.body))
	for _, m := range challengeMarkers {
		if strings.Contains(low, m) {
			return true
		}
	}
	return false
}

// evidence renders an exchange: request line, status, duration, the named
// response headers and a redacted body excerpt.
func (ex *exchange) evidence(headers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → ", ex.method, redactURL(ex.url))
	if ex.err != nil {
		if ex.timedOut {
			fmt.Fprintf(&b, "no answer within %s", ex.timeout)
		} else {
			fmt.Fprintf(&b, "error: %s", shorten(ex.err.Error(), 200))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%d %s in %s", ex.status, http.StatusText(ex.status), roundDur(ex.dur))
	for _, h := range headers {
		if v := ex.header.Values(h); len(v) > 0 {
			val := strings.Join(v, ", ")
			if strings.EqualFold(h, "Location") {
				val = redactURL(val)
			}
			fmt.Fprintf(&b, "; %s: %s", strings.ToLower(h), shorten(val, 300))
		}
	}
	if ex.header.Get("cf-mitigated") != "" && !containsFold(headers, "cf-mitigated") {
		fmt.Fprintf(&b, "; cf-mitigated: %s", ex.header.Get("cf-mitigated"))
	}
	if len(ex.body) > 0 {
		fmt.Fprintf(&b, "; body: %s", excerpt(ex.body))
	}
	return b.String()
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	default:
		return d.Round(time.Microsecond)
	}
}

// sensitiveKeys are JSON members and query parameters whose values never
// appear in evidence.
var sensitiveKeys = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "client_secret": true,
	"code": true, "code_verifier": true, "token": true, "password": true,
	"registration_access_token": true, "assertion": true, "client_assertion": true,
}

const redacted = "[redacted]"

var sensitiveText = regexp.MustCompile(`(?i)(\b(?:access_token|refresh_token|id_token|client_secret|code_verifier|registration_access_token|password|code|token)["']?\s*[=:]\s*["']?)([^"'&\s,;}]+)`)

// excerpt returns at most maxExcerpt characters of a body with secrets
// replaced: JSON is walked member by member, anything else is scrubbed by
// pattern.
func excerpt(body []byte) string {
	var v any
	s := ""
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil {
		b, err := json.Marshal(redactJSON(v))
		if err == nil {
			s = string(b)
		}
	}
	if s == "" {
		s = strings.Join(strings.Fields(string(body)), " ")
		s = sensitiveText.ReplaceAllString(s, "${1}"+redacted)
	}
	return shorten(s, maxExcerpt)
}

func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if sensitiveKeys[strings.ToLower(k)] {
				if x == nil {
					out[k] = nil
				} else {
					out[k] = redacted
				}
				continue
			}
			out[k] = redactJSON(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = redactJSON(x)
		}
		return out
	default:
		return v
	}
}

// redactURL replaces the values of sensitive query parameters.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	changed := false
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if sensitiveKeys[strings.ToLower(k)] {
			q.Set(k, redacted)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	u.User = nil
	return u.String()
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hdr builds a header from name/value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("doctor: marshal fixed request body: %v", err))
	}
	return b
}
