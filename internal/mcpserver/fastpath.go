package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
)

// The lean path (DESIGN.md, performance note). The MCP engine spends most of
// a stateless tools/call allocating: its JSON decoder buffers ≥ 32 KiB per
// message, several times per request. The hottest request, a single
// tools/call of the 2025 eras, is simple enough to answer directly with the
// same tool code and the same JSON; differential tests (fastpath_test.go)
// compare both answers for every tool. Everything else, including every
// 2026-07-28 request, goes to the engine.

// modernVersion is the first protocol version with per-request metadata; the
// lean path leaves those requests to the engine, which validates them.
const modernVersion = "2026-07-28"

// fastToolCall answers msg if it is eligible and reports whether it did.
func (h *Handler) fastToolCall(w http.ResponseWriter, r *http.Request, pinned context.Context, p *Principal, body []byte, msgs []rpcPeek) bool {
	if h.Stateful || h.noFastPath || len(msgs) != 1 {
		return false
	}
	m := &msgs[0]
	if m.Method != "tools/call" || m.JSONRPC != "2.0" || !validID(m.ID) {
		return false
	}
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return false // a batch
	}
	if v := r.Header.Get("Mcp-Protocol-Version"); v >= modernVersion {
		return false
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		return false
	}
	var params struct {
		Name      string                     `json:"name"`
		Arguments json.RawMessage            `json:"arguments"`
		Meta      map[string]json.RawMessage `json:"_meta"`
	}
	if c, ok := m.parsed(); ok {
		params.Name, params.Arguments, params.Meta = c.Name, c.Arguments, c.Meta
	} else if json.Unmarshal(m.Params, &params) != nil {
		return false
	}
	if _, modern := params.Meta["io.modelcontextprotocol/protocolVersion"]; modern {
		return false
	}
	if a := bytes.TrimSpace(params.Arguments); len(a) > 0 && a[0] != '{' {
		return false
	}
	t := h.toolIndex[params.Name]
	if t == nil || !p.mask.has(t.scope) {
		return false
	}

	ctx := r.Context()
	if t.readOnly && pinned != nil {
		// The token was verified under pinned: a read-only tool reads at
		// the same moment, without a second freshness check.
		ctx = withPrincipal(pinned, p)
	}
	o := h.invoke(ctx, t, params.Arguments)

	var b bytes.Buffer
	b.Grow(len(o.body)*2 + 128)
	b.WriteString(`{"jsonrpc":"2.0","id":`)
	b.Write(m.ID)
	b.WriteString(`,"result":{"content":[{"type":"text","text":`)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if o.body != nil {
		_ = enc.Encode(string(o.body)) // a string always encodes
		trimNewline(&b)
		b.WriteString(`}],"structuredContent":`)
		b.Write(o.body)
		b.WriteString(`}}`)
	} else {
		_ = enc.Encode(o.errText)
		trimNewline(&b)
		b.WriteString(`}],"isError":true}}`)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-cache, no-transform")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
	return true
}

// jsonContentType reports whether a Content-Type names application/json
// (parameters allowed), as mime.ParseMediaType reads it.
func jsonContentType(ct string) bool {
	if ct == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

func trimNewline(b *bytes.Buffer) {
	if n := b.Len(); n > 0 && b.Bytes()[n-1] == '\n' {
		b.Truncate(n - 1)
	}
}

// validID reports whether id is a JSON-RPC request id: a string or a number
// (a null or absent id is a notification or invalid; the engine answers).
func validID(id json.RawMessage) bool {
	id = bytes.TrimSpace(id)
	if len(id) == 0 {
		return false
	}
	c := id[0]
	return c == '"' || c == '-' || (c >= '0' && c <= '9')
}
