package oauthtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// legacyVersions are the protocol versions the fake's initialize accepts;
// anything else is answered with the newest.
var legacyVersions = []string{"2025-11-25", "2025-06-18", "2025-03-26"}

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

type doc struct{ id, title, text, path string }

var docs = []doc{
	{"doc-1", "Hello, world", "The first post of the fake server.", "/posts/hello-world"},
	{"doc-2", "Second thoughts", "Another post, for search results with more than one hit.", "/posts/second-thoughts"},
}

const toolsJSON = `[
 {"name":"search","title":"Search","description":"Search the site's documents and return matching ids, titles and urls.",
  "inputSchema":{"type":"object","properties":{"query":{"type":"string","description":"Search terms."}},"required":["query"]},
  "annotations":{"title":"Search","readOnlyHint":true}},
 {"name":"fetch","title":"Fetch","description":"Fetch one document by the id that search returned.",
  "inputSchema":{"type":"object","properties":{"id":{"type":"string","description":"A document id from search."}},"required":["id"]},
  "annotations":{"title":"Fetch","readOnlyHint":true}}
]`

// serveMCP is a minimal stateless Streamable HTTP endpoint. It ignores
// Mcp-Session-Id entirely, so a missing or unknown session is never a 400.
func (s *Server) serveMCP(w http.ResponseWriter, r *http.Request) {
	authz := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(authz, "Bearer ")
	if !ok {
		s.challenge(w, false)
		return
	}
	s.mu.Lock()
	g := s.access[tok]
	s.mu.Unlock()
	if g == nil || time.Now().After(g.expires) {
		s.challenge(w, true)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var req rpcRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Method == "" {
		writeJSON(w, http.StatusBadRequest, rpcError(nil, -32700, "parse error"))
		return
	}
	if len(req.ID) == 0 || string(req.ID) == "null" {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	modern := r.Header.Get("MCP-Protocol-Version") == "2026-07-28"
	switch req.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		_ = json.Unmarshal(req.Params, &p)
		v := legacyVersions[0]
		for _, lv := range legacyVersions {
			if p.ProtocolVersion == lv {
				v = lv
			}
		}
		writeJSON(w, http.StatusOK, rpcResult(req.ID, map[string]any{
			"protocolVersion": v,
			"capabilities":    map[string]any{"tools": map[string]any{"listChanged": false}},
			"serverInfo":      map[string]any{"name": "oauthtest", "version": "1.0.0"},
		}))
	case "server/discover":
		if s.cfg.DiscoverMethodNotFound {
			writeJSON(w, http.StatusOK, rpcError(req.ID, -32601, "Method not found"))
			return
		}
		writeJSON(w, http.StatusOK, rpcResult(req.ID, map[string]any{
			"supportedVersions": append([]string{"2026-07-28"}, legacyVersions...),
			"capabilities":      map[string]any{"tools": map[string]any{}},
			"resultType":        "complete",
			"_meta": map[string]any{
				"io.modelcontextprotocol/serverInfo": map[string]any{"name": "oauthtest", "version": "1.0.0"},
			},
		}))
	case "ping":
		writeJSON(w, http.StatusOK, rpcResult(req.ID, map[string]any{}))
	case "tools/list":
		writeJSON(w, http.StatusOK, rpcResult(req.ID, map[string]any{"tools": json.RawMessage(toolsJSON)}))
	case "tools/call":
		s.callTool(w, req)
	default:
		status := http.StatusOK
		if modern {
			status = http.StatusNotFound
		}
		writeJSON(w, status, rpcError(req.ID, -32601, "Method not found"))
	}
}

func (s *Server) callTool(w http.ResponseWriter, req rpcRequest) {
	var p struct {
		Name      string            `json:"name"`
		Arguments map[string]string `json:"arguments"`
	}
	if err := json.Unmarshal(req.Params, &p); err != nil {
		writeJSON(w, http.StatusOK, rpcError(req.ID, -32602, "invalid params"))
		return
	}
	var out any
	switch p.Name {
	case "search":
		q := strings.ToLower(p.Arguments["query"])
		results := []map[string]string{}
		for _, d := range docs {
			if q == "" || strings.Contains(strings.ToLower(d.title+" "+d.text), q) || len(results) == 0 {
				results = append(results, map[string]string{"id": d.id, "title": d.title, "url": s.origin + d.path})
			}
		}
		out = map[string]any{"results": results}
	case "fetch":
		for _, d := range docs {
			if d.id == p.Arguments["id"] {
				out = map[string]any{"id": d.id, "title": d.title, "text": d.text, "url": s.origin + d.path}
			}
		}
		if out == nil {
			writeJSON(w, http.StatusOK, rpcResult(req.ID, map[string]any{
				"isError": true,
				"content": []map[string]any{{"type": "text", "text": "no document with that id"}},
			}))
			return
		}
	default:
		writeJSON(w, http.StatusOK, rpcError(req.ID, -32602, "unknown tool"))
		return
	}
	text, _ := json.Marshal(out)
	writeJSON(w, http.StatusOK, rpcResult(req.ID, map[string]any{
		"content":           []map[string]any{{"type": "text", "text": string(text)}},
		"structuredContent": out,
	}))
}

func rpcResult(id json.RawMessage, result any) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": id, "result": result}
}

func rpcError(id json.RawMessage, code int, msg string) map[string]any {
	var idv any = id
	if len(id) == 0 {
		idv = nil
	}
	return map[string]any{"jsonrpc": "2.0", "id": idv, "error": map[string]any{"code": code, "message": msg}}
}
