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
}

// named returns params.name (tools/call, prompts/get) or params.uri
// (resources/read); "" when absent or unparsable.
func (p *rpcPeek) named() string {
	if len(p.Params) == 0 {
		return ""
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
