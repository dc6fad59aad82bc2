package mcpserver

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// JSON-RPC and MCP error codes used before a request reaches the engine.
const (
	codeInvalidRequest     = -32600
	codeInternal           = -32603
	codeUnauthorized       = -32001 // CONNECTORS.md Appendix A
	codeForbidden          = -32003
	codeHeaderMismatch     = -32020 // MCP 2026-07-28
	codeUnsupportedVersion = -32022 // MCP 2026-07-28
)

// rpcPeek is what the middleware needs to know about a request body before
// the engine sees it: the method and, for the methods that name something,
// that name.
type rpcPeek struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`

	call    *callParams // params read once for named and fastToolCall
	callErr bool        // params did not read as callParams
}

// callParams is what named and the lean tools/call path read from params.
type callParams struct {
	Name      string                     `json:"name"`
	URI       string                     `json:"uri"`
	Arguments json.RawMessage            `json:"arguments"`
	Meta      map[string]json.RawMessage `json:"_meta"`
}

// parsed reads params as callParams once. It is not ok when params are
// absent or any of the four fields has another type; callers then read
// params their own way, exactly as before.
func (p *rpcPeek) parsed() (*callParams, bool) {
	if p.call == nil && !p.callErr {
		var c callParams
		if len(p.Params) > 0 && json.Unmarshal(p.Params, &c) == nil {
			p.call = &c
		} else {
			p.callErr = true
		}
	}
	return p.call, p.call != nil
}

// named returns params.name (tools/call, prompts/get) or params.uri
// (resources/read); "" when absent or unparsable.
func (p *rpcPeek) named() string {
	if len(p.Params) == 0 {
		return ""
	}
	if c, ok := p.parsed(); ok {
		if p.Method == "resources/read" {
			return c.URI
		}
		return c.Name
	}
	var v struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	if json.Unmarshal(p.Params, &v) != nil {
		return ""
	}
	if p.Method == "resources/read" {
		return v.URI
	}
	return v.Name
}

// peekBody parses a JSON-RPC message or batch. It returns nil when the body
// is not JSON-RPC; the engine then answers the parse error itself.
func peekBody(body []byte) []rpcPeek {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] == '[' {
		var batch []rpcPeek
		if json.Unmarshal(body, &batch) != nil {
			return nil
		}
		return batch
	}
	if p, ok := peekPlain(body); ok {
		return []rpcPeek{p}
	}
	var one rpcPeek
	if json.Unmarshal(body, &one) != nil {
		return nil
	}
	return []rpcPeek{one}
}

// rpcError is a JSON-RPC 2.0 error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// writeRPCError answers with a JSON-RPC error response and an HTTP status.
// id may be nil (the request could not be read): it is then JSON null, as
// JSON-RPC 2.0 §5 requires.
func writeRPCError(w http.ResponseWriter, status int, id json.RawMessage, e rpcError) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	body, err := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   rpcError        `json:"error"`
	}{"2.0", id, e})
	if err != nil {
		body = []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"internal error"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// peekPlain reads the common shape of a single request — exactly the
// members jsonrpc, id, method and params, spelled plainly, with a method
// name without escapes — without reflection. Anything else is not ok and
// goes through json.Unmarshal, whose reading it matches where it is ok.
func peekPlain(body []byte) (rpcPeek, bool) {
	if !json.Valid(body) {
		return rpcPeek{}, false
	}
	id, method, params, ok := splitRequest(body)
	if !ok || len(method) < 2 || method[0] != '"' || bytes.IndexByte(method, '\\') >= 0 {
		return rpcPeek{}, false
	}
	return rpcPeek{JSONRPC: "2.0", ID: id, Method: string(method[1 : len(method)-1]), Params: params}, true
}
