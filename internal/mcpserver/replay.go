package mcpserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The replay path (DESIGN.md, performance note). initialize, tools/list and
// server/discover cost the engine 0.3–0.8 ms of allocation per request, yet
// their answers depend only on the request itself (minus its id), the
// headers the engine reads (Mcp-*) and the token's scope mask, which picks
// the engine's server. So the engine renders each distinct request once,
// with a sentinel id; the bytes are kept and replayed with the caller's id
// put where the sentinel was. Only successful results are kept; an error
// answer, an odd id, a batch, a request with fields other than jsonrpc, id,
// method and params, or any other method goes to the engine as before.
// fastpath_test.go proves every cached answer byte-identical to the
// engine's for every scope mask and protocol version.

// replayMethods are the methods whose answers are replayed.
var replayMethods = [...]string{`"initialize"`, `"tools/list"`, `"server/discover"`}

// replaySentinel is the id the engine renders cached answers with; it must
// survive the engine's JSON encoding unchanged and appear nowhere else.
const replaySentinel = `"portico.replay.9f4c1e7a2b"`

// replayMax bounds the cache: distinct requests (clients' initialize
// params, Mcp-* headers) beyond it empty the cache, which then refills with
// whatever is asked for now.
const replayMax = 512

// replayEntry is one cached answer: the engine's headers and body around
// the id. ok false marks a request whose answer is not cacheable (the
// engine answers it every time).
type replayEntry struct {
	ok     bool
	header http.Header
	before []byte
	after  []byte
}

type replayCache struct {
	mu      sync.RWMutex
	entries map[string]*replayEntry
	served  atomic.Uint64 // answers replayed (tests)
}

func (c *replayCache) get(key string) *replayEntry {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	return e
}

func (c *replayCache) put(key string, e *replayEntry) {
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= replayMax {
		c.entries = make(map[string]*replayEntry)
	}
	c.entries[key] = e
	c.mu.Unlock()
}

// replay answers the request from the cache (rendering it through the
// engine on a miss) and reports whether it did.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request, p *Principal, body []byte, msgs []rpcPeek) bool {
	if h.Stateful || h.noFastPath || len(msgs) != 1 {
		return false
	}
	switch msgs[0].Method {
	case "initialize", "tools/list", "server/discover":
	default:
		return false
	}
	id, method, params, ok := splitRequest(body)
	if !ok || !replayableID(id) || !slices.Contains(replayMethods[:], string(method)) {
		return false
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		return false
	}
	key := replayKey(p.mask, r.Header, method, params)
	e := h.replays.get(key)
	if e == nil {
		e = h.render(r, method, params)
		h.replays.put(key, e)
	}
	if !e.ok {
		return false
	}
	h.replays.served.Add(1)
	hdr := w.Header()
	for k, v := range e.header {
		hdr[k] = slices.Clone(v) // later Adds must not touch the cache
	}
	// No explicit Content-Length: net/http frames the answer as it framed
	// the engine's (a length for small bodies, chunked for large ones).
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.before)
	_, _ = w.Write(id)
	_, _ = w.Write(e.after)
	return true
}

// replayKey names everything the engine's answer depends on besides the
// id: the scope mask (which server), every Mcp-* header (protocol version,
// Mcp-Method, Mcp-Name, Mcp-Param-*, session id), the method and the raw
// params. Header values cannot contain NUL or SOH, so the key is
// unambiguous.
func replayKey(m scopeMask, hdr http.Header, method, params []byte) string {
	var names [8]string
	mcp := names[:0]
	for k := range hdr {
		if len(k) > 4 && strings.EqualFold(k[:4], "mcp-") {
			mcp = append(mcp, k)
		}
	}
	slices.Sort(mcp)
	var b strings.Builder
	b.Grow(64 + len(method) + len(params))
	b.WriteByte(byte(m))
	b.Write(method)
	for _, k := range mcp {
		b.WriteByte(0)
		b.WriteString(strings.ToLower(k))
		for _, v := range hdr[k] {
			b.WriteByte(1)
			b.WriteString(v)
		}
	}
	b.WriteByte(0)
	b.Write(params)
	return b.String()
}

// render runs the engine on the request with the sentinel id and keeps the
// answer if it is a successful result.
func (h *Handler) render(r *http.Request, method, params []byte) *replayEntry {
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0","id":` + replaySentinel + `,"method":`)
	b.Write(method)
	if params != nil {
		b.WriteString(`,"params":`)
		b.Write(params)
	}
	b.WriteByte('}')
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, r.URL.String(), &b)
	if err != nil {
		return &replayEntry{}
	}
	req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range r.Header {
		if len(k) > 4 && strings.EqualFold(k[:4], "mcp-") {
			req.Header[k] = slices.Clone(v)
		}
	}
	rec := &recorder{header: http.Header{}}
	h.streamable.ServeHTTP(rec, req)
	out := rec.body.Bytes()
	if rec.status != http.StatusOK || bytes.Count(out, []byte(replaySentinel)) != 1 {
		return &replayEntry{}
	}
	var res struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(out, &res) != nil || len(res.Result) == 0 || res.Error != nil {
		return &replayEntry{}
	}
	i := bytes.Index(out, []byte(replaySentinel))
	rec.header.Del("Content-Length")
	return &replayEntry{
		ok:     true,
		header: rec.header,
		before: bytes.Clone(out[:i]),
		after:  bytes.Clone(out[i+len(replaySentinel):]),
	}
}

// recorder captures the engine's answer to a rendering request.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
func (r *recorder) Flush() {}

// replayableID reports whether id is a JSON-RPC id the engine echoes
// byte for byte: a decimal integer that fits in 53 bits, or a short string
// of printable ASCII without escapes or characters an HTML-safe encoder
// would rewrite.
func replayableID(id []byte) bool {
	if len(id) == 0 {
		return false
	}
	if id[0] == '"' {
		if len(id) < 2 || len(id) > 130 || id[len(id)-1] != '"' {
			return false
		}
		for _, c := range id[1 : len(id)-1] {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
		return true
	}
	digits := id
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && (len(digits) > 1 || len(id) > 1)) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// splitRequest returns the raw id, method and params values of a single
// JSON-RPC request object whose members are exactly jsonrpc ("2.0"), id,
// method and optionally params, each once and spelled exactly. Anything
// else (a batch, other or repeated members, escaped names) is not ok.
func splitRequest(b []byte) (id, method, params []byte, ok bool) {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' {
		return nil, nil, nil, false
	}
	var rpc []byte
	i := 1
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] != '"' {
			return nil, nil, nil, false
		}
		end := skipString(b, i)
		if end < 0 {
			return nil, nil, nil, false
		}
		key := b[i:end]
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, nil, nil, false
		}
		i = skipWS(b, i+1)
		vend := skipValue(b, i)
		if vend < 0 {
			return nil, nil, nil, false
		}
		val := b[i:vend]
		var slot *[]byte
		switch string(key) {
		case `"jsonrpc"`:
			slot = &rpc
		case `"id"`:
			slot = &id
		case `"method"`:
			slot = &method
		case `"params"`:
			slot = &params
		default:
			return nil, nil, nil, false
		}
		if *slot != nil {
			return nil, nil, nil, false
		}
		*slot = val
		i = skipWS(b, vend)
		if i >= len(b) {
			return nil, nil, nil, false
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != '}' || i != len(b)-1 {
			return nil, nil, nil, false
		}
		break
	}
	if string(rpc) != `"2.0"` || id == nil || method == nil {
		return nil, nil, nil, false
	}
	return id, method, params, true
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string starting at b[i].
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value starting at b[i]; the
// body was already checked to be valid JSON.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := skipString(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
