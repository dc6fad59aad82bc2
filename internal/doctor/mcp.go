package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

var mcpIDs = []string{"mcp.initialize", "mcp.initialized", "mcp.stateless", "mcp.unknown_session", "mcp.discover", "tools.shape", "tools.search", "tools.fetch"}

// rpc is a decoded JSON-RPC answer.
type rpc struct {
	result map[string]any
	err    map[string]any
}

func (x rpc) errCode() (int, bool) {
	if x.err == nil {
		return 0, false
	}
	n, ok := x.err["code"].(json.Number)
	if !ok {
		return 0, false
	}
	v, err := n.Int64()
	return int(v), err == nil
}

func decodeRPC(ex *exchange) (rpc, error) {
	m, err := ex.object()
	if err != nil {
		return rpc{}, err
	}
	var out rpc
	out.result, _ = m["result"].(map[string]any)
	out.err, _ = m["error"].(map[string]any)
	if out.result == nil && out.err == nil {
		return out, fmt.Errorf("neither result nor error in the JSON-RPC answer")
	}
	return out, nil
}

// mcpPost sends one JSON-RPC message to the MCP URL with the bearer token,
// if any.
func (r *runner) mcpPost(ctx context.Context, body any, cat string, kv ...string) *exchange {
	h := mcpHeaders()
	if r.token != "" {
		h.Set("Authorization", "Bearer "+r.token)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return r.do(ctx, request{method: http.MethodPost, url: r.target.String(), header: h, body: mustJSON(body), cat: cat})
}

// authenticated runs the MCP checks with the token (or without one when the
// server is open).
func (r *runner) authenticated(ctx context.Context) {
	switch {
	case r.stop:
		for _, id := range mcpIDs {
			r.skip(id, "MCP traffic", "the MCP URL did not answer (see challenge.status)")
		}
		return
	case r.token == "" && !r.open:
		for _, id := range mcpIDs {
			r.skip(id, "MCP traffic", "needs a token: pass an access token (--token) or run interactively (--interactive)")
		}
		return
	}
	session := r.checkInitialize(ctx)
	r.checkInitialized(ctx)
	tools := r.checkSessions(ctx, session)
	r.checkTools(ctx, tools)
	r.checkDiscover(ctx)
	r.expired(ctx)
}

// tokenProblem explains a 401/403 on an authenticated request.
func (r *runner) tokenProblem(ex *exchange) (string, string, string) {
	switch ex.status {
	case http.StatusUnauthorized:
		return "the token from " + r.tokenFrom + " is refused (401): expired, revoked, or its audience does not match the PRM resource",
			"bind tokens to the PRM resource (the MCP URL) and accept them on every replica",
			"CONNECTORS.md §2.7 (claude-ai-mcp#299)"
	case http.StatusForbidden:
		return "authenticated request answered 403: a WAF/CDN rule or a scope check blocks it",
			"let authenticated MCP requests through the WAF (UA Claude-User, 160.79.104.0/21); grant the full scope set at consent",
			"CONNECTORS.md §2.7 (claude-ai-mcp#335, #620, #931)"
	}
	return "", "", ""
}

func (r *runner) checkInitialize(ctx context.Context) string {
	const ref = "CONNECTORS.md §11.27 (claude-ai-mcp#473)"
	var evs []string
	worst := StatusPass
	title := "initialize answers 200 for 2025-11-25, 2025-06-18 and 2025-03-26 and echoes the version"
	fix, fref := "", ref
	session := ""
	for _, v := range []string{"2025-11-25", "2025-06-18", "2025-03-26"} {
		ex := r.do(ctx, request{method: http.MethodPost, url: r.target.String(), body: initializeBody(v), cat: catInitialize,
			header: func() http.Header {
				h := mcpHeaders()
				if r.token != "" {
					h.Set("Authorization", "Bearer "+r.token)
				}
				return h
			}()})
		evs = append(evs, v+": "+ex.evidence("Content-Type", "Mcp-Session-Id"))
		if !ex.ok() || ex.status != http.StatusOK {
			worst = StatusFail
			if t, f, rf := r.tokenProblem(ex); t != "" {
				title, fix, fref = t, f, rf
			} else if ex.timedOut {
				title, fix = "initialize did not answer within "+ex.timeout.String()+"; Claude gives up after 10 s", "answer initialize quickly (no slow work before the first response)"
			} else {
				title, fix = fmt.Sprintf("authenticated initialize (%s) does not answer 200", v), "answer initialize for every protocol version clients send"
			}
			continue
		}
		if session == "" {
			session = ex.header.Get("Mcp-Session-Id")
		}
		mt := ex.mediaType()
		msg, err := decodeRPC(ex)
		switch {
		case mt != "application/json" && mt != "text/event-stream":
			worst = StatusFail
			title, fix = "initialize answers with Content-Type "+mt, "answer application/json or text/event-stream"
		case err != nil || msg.result == nil:
			worst = StatusFail
			title, fix = fmt.Sprintf("initialize (%s) does not return a JSON-RPC result", v), "return the InitializeResult"
		default:
			pv, _ := msg.result["protocolVersion"].(string)
			caps, _ := msg.result["capabilities"].(map[string]any)
			if pv != v && worst == StatusPass {
				worst = StatusWarn
				title, fix = fmt.Sprintf("initialize for %s answers protocolVersion %q; clients expect the version echoed when supported", v, pv), "support and echo 2025-03-26, 2025-06-18 and 2025-11-25"
			}
			if caps == nil || caps["tools"] == nil {
				if worst == StatusPass {
					worst = StatusWarn
					title, fix = "initialize does not announce capabilities.tools", "announce the tools capability"
				}
			}
		}
	}
	f := Finding{ID: "mcp.initialize", Status: worst, Title: title, Evidence: strings.Join(evs, " | ")}
	if worst != StatusPass {
		f.Ref, f.Fix = fref, fix
	}
	r.add(f, nil)
	return session
}

// checkInitialized — MCP 2025-11-25 transports: for a notification, "If the
// server accepts the input, the server MUST return HTTP status code 202
// Accepted with no body."
func (r *runner) checkInitialized(ctx context.Context) {
	const ref = "CONNECTORS.md §11.28 (claude-ai-mcp#99)"
	ex := r.mcpPost(ctx, map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}, catOther, "MCP-Protocol-Version", "2025-11-25")
	switch {
	case ex.ok() && ex.status == http.StatusAccepted:
		r.add(Finding{ID: "mcp.initialized", Status: StatusPass, Title: "notifications/initialized without a session answers 202", Evidence: ex.evidence()}, nil)
	case ex.ok() && (ex.status == http.StatusOK || ex.status == http.StatusNoContent):
		r.add(Finding{ID: "mcp.initialized", Status: StatusWarn, Evidence: ex.evidence(), Ref: ref,
			Title: fmt.Sprintf("notifications/initialized answers %d; the spec says 202 Accepted", ex.status), Fix: "answer notifications with 202 and no body"}, none)
	default:
		t, fix := fmt.Sprintf("notifications/initialized without Mcp-Session-Id answers %s; hosted Claude sends it without a session", statusWord(ex)), "accept notifications without a session (be stateless, or never 400 on a missing session)"
		if tp, f, _ := r.tokenProblem(ex); tp != "" {
			t, fix = tp, f
		}
		r.add(Finding{ID: "mcp.initialized", Status: StatusFail, Evidence: ex.evidence(), Ref: ref, Title: t, Fix: fix}, []string{ClientClaude, ClientClaudeCode})
	}
}

// checkSessions lists tools without a session and with an unknown one, and
// returns the tools for the shape checks.
func (r *runner) checkSessions(ctx context.Context, session string) []any {
	const ref = "CONNECTORS.md §0 item 15, §11.29 (claude-ai-mcp#99, #583; claude-code#48557)"
	list := map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
	ex := r.mcpPost(ctx, list, catOther, "MCP-Protocol-Version", "2025-11-25")
	var tools []any
	if msg, err := decodeRPC(ex); ex.ok() && ex.status == http.StatusOK && err == nil && msg.result != nil {
		tools, _ = msg.result["tools"].([]any)
		r.add(Finding{ID: "mcp.stateless", Status: StatusPass, Title: "tools/list without a session answers 200", Evidence: ex.evidence()}, nil)
	} else {
		t, fix := fmt.Sprintf("tools/list without Mcp-Session-Id answers %s; hosted Claude often omits the session", statusWord(ex)), "serve requests without a session (stateless), or at least never answer 400"
		if tp, f, _ := r.tokenProblem(ex); tp != "" {
			t, fix = tp, f
		}
		r.add(Finding{ID: "mcp.stateless", Status: StatusFail, Evidence: ex.evidence(), Ref: ref, Title: t, Fix: fix}, []string{ClientClaude, ClientClaudeCode})
		if session != "" {
			sx := r.mcpPost(ctx, list, catOther, "MCP-Protocol-Version", "2025-11-25", "Mcp-Session-Id", session)
			if msg, err := decodeRPC(sx); err == nil && msg.result != nil {
				tools, _ = msg.result["tools"].([]any)
			}
		}
	}
	ux := r.mcpPost(ctx, list, catOther, "MCP-Protocol-Version", "2025-11-25", "Mcp-Session-Id", "doctor-unknown-"+randHex(8))
	switch {
	case ux.ok() && (ux.status == http.StatusOK || ux.status == http.StatusNotFound):
		r.add(Finding{ID: "mcp.unknown_session", Status: StatusPass, Title: fmt.Sprintf("an unknown Mcp-Session-Id answers %d (never 400)", ux.status), Evidence: ux.evidence()}, nil)
	case ux.ok() && ux.status == http.StatusBadRequest:
		r.add(Finding{ID: "mcp.unknown_session", Status: StatusFail, Evidence: ux.evidence(), Ref: ref,
			Title: "an unknown Mcp-Session-Id answers 400; Claude keeps stale sessions after a restart and never re-initialises on 400",
			Fix:   "ignore unknown sessions (stateless) or answer 404 so the client re-initialises"}, []string{ClientClaude, ClientClaudeCode})
	default:
		r.add(Finding{ID: "mcp.unknown_session", Status: StatusWarn, Evidence: ux.evidence(), Ref: ref,
			Title: "an unknown Mcp-Session-Id answers " + statusWord(ux) + " (expected 200 or 404)", Fix: "ignore unknown sessions or answer 404"}, none)
	}
	return tools
}

func (r *runner) checkTools(ctx context.Context, tools []any) {
	if len(tools) == 0 {
		r.skip("tools.shape", "tools/list shape", "no tools were listed")
		r.checkSearchFetch(ctx, nil)
		return
	}
	var hard, soft []string
	seen := map[string]bool{}
	byName := map[string]map[string]any{}
	for i, x := range tools {
		t, _ := x.(map[string]any)
		name, _ := t["name"].(string)
		label := name
		if name == "" {
			label = fmt.Sprintf("#%d", i)
			hard = append(hard, label+": no name")
		}
		if seen[name] && name != "" {
			hard = append(hard, "duplicate name "+name)
		}
		seen[name] = true
		byName[name] = t
		if d, _ := t["description"].(string); strings.TrimSpace(d) == "" {
			soft = append(soft, label+": no description")
		}
		schema, _ := t["inputSchema"].(map[string]any)
		if ty, _ := schema["type"].(string); ty != "object" {
			hard = append(hard, label+`: inputSchema.type is not "object"`)
		}
		if p := nullRequired(schema, "inputSchema"); p != "" {
			hard = append(hard, label+": "+p)
		}
		ann, _ := t["annotations"].(map[string]any)
		if tt, _ := ann["title"].(string); tt == "" {
			soft = append(soft, label+": no annotations.title")
		}
		_, ro := ann["readOnlyHint"].(bool)
		_, de := ann["destructiveHint"].(bool)
		if !ro && !de {
			soft = append(soft, label+": neither readOnlyHint nor destructiveHint")
		}
	}
	const ref = "CONNECTORS.md §11.31 (claude.com/docs/connectors/faq; claude-code#49637; lfx-mcp#126)"
	ev := fmt.Sprintf("%d tools", len(tools))
	switch {
	case len(hard) > 0:
		r.add(Finding{ID: "tools.shape", Status: StatusFail, Evidence: ev + ": " + shorten(strings.Join(append(hard, soft...), "; "), 500), Ref: ref,
			Title: "tools/list has invalid tools: " + shorten(strings.Join(hard, "; "), 160),
			Fix:   `give every tool a unique name and an inputSchema of type "object"; write "required" as an array or omit it, never null`}, nil)
	case len(soft) > 0:
		r.add(Finding{ID: "tools.shape", Status: StatusWarn, Evidence: ev + ": " + shorten(strings.Join(soft, "; "), 500), Ref: ref,
			Title: "tools lack descriptions or annotations: " + shorten(strings.Join(soft, "; "), 160),
			Fix:   "add a description, annotations.title and readOnlyHint or destructiveHint to every tool"}, none)
	default:
		r.add(Finding{ID: "tools.shape", Status: StatusPass, Title: "every tool has a name, description, object inputSchema and annotations", Evidence: ev}, nil)
	}
	r.checkSearchFetch(ctx, byName)
}

// nullRequired finds a "required": null anywhere in a schema.
func nullRequired(v any, path string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if req, present := m["required"]; present {
		if req == nil {
			return path + ".required is null"
		}
		if _, isArr := req.([]any); !isArr {
			if _, isBool := req.(bool); !isBool { // draft-3 booleans inside properties are legacy but harmless
				return path + ".required is not an array"
			}
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for k, p := range props {
			if s := nullRequired(p, path+".properties."+k); s != "" {
				return s
			}
		}
	}
	if items, ok := m["items"]; ok {
		return nullRequired(items, path+".items")
	}
	return ""
}

// checkSearchFetch checks the ChatGPT deep-research tools of
// CONNECTORS.md §4.3 / §11.32, calling them only when they are marked
// read-only.
func (r *runner) checkSearchFetch(ctx context.Context, byName map[string]map[string]any) {
	const ref = "CONNECTORS.md §4.3, §11.32 (platform.openai.com/docs/mcp)"
	if !r.relevant("tools.search", "ChatGPT search tool", ClientChatGPT) {
		r.skip("tools.fetch", "ChatGPT fetch tool", "concerns only chatgpt, which was not selected")
		return
	}
	search, fetch := byName["search"], byName["fetch"]
	if search == nil {
		r.add(Finding{ID: "tools.search", Status: StatusWarn, Evidence: fmt.Sprintf("%d tools, none named search", len(byName)), Ref: ref,
			Title: "no search tool: ChatGPT deep research and company knowledge will not use this server",
			Fix:   `add read-only search({"query": string}) and fetch({"id": string}) tools`}, none)
		r.skip("tools.fetch", "ChatGPT fetch tool", "no search tool (see tools.search)")
		return
	}
	firstID := ""
	if prob := toolSignature(search, "query"); prob != "" {
		r.add(Finding{ID: "tools.search", Status: StatusFail, Evidence: prob, Ref: ref,
			Title: "the search tool's signature is not ChatGPT's: " + prob,
			Fix:   `inputSchema {"type":"object","properties":{"query":{"type":"string"}},"required":["query"]} and readOnlyHint true`}, []string{ClientChatGPT})
	} else {
		ex := r.mcpPost(ctx, map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": map[string]any{"name": "search", "arguments": map[string]any{"query": "a"}}}, catOther, "MCP-Protocol-Version", "2025-11-25")
		obj, prob := toolResult(ex)
		if prob == "" {
			results, _ := obj["results"].([]any)
			if _, ok := obj["results"].([]any); !ok {
				prob = `the result is not {"results":[…]}`
			}
			for _, x := range results {
				it, _ := x.(map[string]any)
				if p := requireStrings(it, "id", "title", "url"); p != "" {
					prob = "a result " + p
					break
				}
				if !absHTTP(it["url"]) {
					prob = "a result's url is not an absolute http(s) URL (ChatGPT cites only real URLs)"
					break
				}
				if firstID == "" {
					firstID, _ = it["id"].(string)
				}
			}
		}
		if prob == "" {
			r.add(Finding{ID: "tools.search", Status: StatusPass, Title: "search has ChatGPT's signature and result shape", Evidence: ex.evidence()}, nil)
		} else {
			r.add(Finding{ID: "tools.search", Status: StatusFail, Evidence: ex.evidence(), Ref: ref,
				Title: "search({query:\"a\"}): " + prob,
				Fix:   `return one text content item holding {"results":[{"id","title","url"}]} and the same object as structuredContent`}, []string{ClientChatGPT})
		}
	}

	switch {
	case fetch == nil:
		r.add(Finding{ID: "tools.fetch", Status: StatusWarn, Evidence: "no tool named fetch", Ref: ref,
			Title: "search without fetch: ChatGPT deep research needs both", Fix: `add a read-only fetch({"id": string}) tool`}, none)
		return
	case toolSignature(fetch, "id") != "":
		prob := toolSignature(fetch, "id")
		r.add(Finding{ID: "tools.fetch", Status: StatusFail, Evidence: prob, Ref: ref,
			Title: "the fetch tool's signature is not ChatGPT's: " + prob,
			Fix:   `inputSchema {"type":"object","properties":{"id":{"type":"string"}},"required":["id"]} and readOnlyHint true`}, []string{ClientChatGPT})
		return
	case firstID == "":
		r.skip("tools.fetch", "ChatGPT fetch tool", "search returned no id to fetch")
		return
	}
	ex := r.mcpPost(ctx, map[string]any{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": map[string]any{"name": "fetch", "arguments": map[string]any{"id": firstID}}}, catOther, "MCP-Protocol-Version", "2025-11-25")
	obj, prob := toolResult(ex)
	if prob == "" {
		if p := requireStrings(obj, "id", "title", "text", "url"); p != "" {
			prob = "the document " + p
		} else if !absHTTP(obj["url"]) {
			prob = "the document's url is not an absolute http(s) URL"
		}
	}
	if prob == "" {
		r.add(Finding{ID: "tools.fetch", Status: StatusPass, Title: "fetch has ChatGPT's signature and document shape", Evidence: ex.evidence()}, nil)
		return
	}
	r.add(Finding{ID: "tools.fetch", Status: StatusFail, Evidence: ex.evidence(), Ref: ref,
		Title: "fetch({id}) : " + prob,
		Fix:   `return one text content item holding {"id","title","text","url"} and the same object as structuredContent`}, []string{ClientChatGPT})
}

// toolSignature checks a one-string-argument, read-only tool.
func toolSignature(t map[string]any, arg string) string {
	schema, _ := t["inputSchema"].(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	p, _ := props[arg].(map[string]any)
	if ty, _ := p["type"].(string); ty != "string" {
		return fmt.Sprintf("inputSchema.properties.%s is not {\"type\":\"string\"}", arg)
	}
	if !hasString(schema["required"], arg) {
		return fmt.Sprintf("%q is not in inputSchema.required", arg)
	}
	ann, _ := t["annotations"].(map[string]any)
	if ro, _ := ann["readOnlyHint"].(bool); !ro {
		return "readOnlyHint is not true (doctor calls only read-only tools)"
	}
	return ""
}

// toolResult decodes a tools/call answer into the JSON object carried by
// its single text content item, checking structuredContent matches.
func toolResult(ex *exchange) (map[string]any, string) {
	if !ex.ok() || ex.status != http.StatusOK {
		return nil, "answered " + statusWord(ex)
	}
	msg, err := decodeRPC(ex)
	if err != nil || msg.result == nil {
		return nil, "no JSON-RPC result"
	}
	if ie, _ := msg.result["isError"].(bool); ie {
		return nil, "the tool returned isError"
	}
	content, _ := msg.result["content"].([]any)
	if len(content) != 1 {
		return nil, fmt.Sprintf("content has %d items, ChatGPT expects exactly one text item", len(content))
	}
	item, _ := content[0].(map[string]any)
	text, _ := item["text"].(string)
	if ty, _ := item["type"].(string); ty != "text" {
		return nil, "the content item is not type text"
	}
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, "the text item is not a JSON object"
	}
	if sc, ok := msg.result["structuredContent"]; ok && !reflect.DeepEqual(normalizeJSON(sc), normalizeJSON(obj)) {
		return nil, "structuredContent differs from the JSON in the text item"
	}
	return obj, ""
}

func normalizeJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func requireStrings(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); !ok || s == "" {
			return "lacks a string " + k
		}
	}
	return ""
}

func absHTTP(v any) bool {
	s, _ := v.(string)
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// checkDiscover sends the 2026-07-28 server/discover of CONNECTORS.md
// §11.35 and judges how a dual-era client would read the answer.
func (r *runner) checkDiscover(ctx context.Context) {
	const ref = "CONNECTORS.md §0 item 16, §10, §11.35 (claude-ai-mcp#1044; spec 2026-07-28 streamable-http.mdx)"
	body := map[string]any{"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": map[string]any{"_meta": map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "portico-doctor", "version": "1"},
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}}}
	ex := r.mcpPost(ctx, body, catOther, "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "server/discover")
	if !ex.ok() {
		r.add(Finding{ID: "mcp.discover", Status: StatusWarn, Evidence: ex.evidence(), Ref: ref,
			Title: "server/discover got no answer", Fix: "answer server/discover, or 400 with a non-modern error"}, none)
		return
	}
	msg, _ := decodeRPC(ex)
	code, hasCode := msg.errCode()
	switch {
	case ex.status == http.StatusOK && msg.result != nil:
		sv := stringsOf(msg.result["supportedVersions"])
		if contains(sv, "2026-07-28") {
			r.add(Finding{ID: "mcp.discover", Status: StatusPass, Title: "server/discover answers with supportedVersions (dual-era server)", Evidence: ex.evidence()}, nil)
		} else {
			r.add(Finding{ID: "mcp.discover", Status: StatusWarn, Evidence: ex.evidence(), Ref: ref,
				Title: "server/discover answers 200 without 2026-07-28 in supportedVersions", Fix: "list the versions you serve in supportedVersions"}, none)
		}
	case hasCode && code == -32601 && (ex.status == http.StatusOK || ex.status == http.StatusNotFound):
		r.add(Finding{ID: "mcp.discover", Status: StatusFail, Evidence: ex.evidence(), Ref: ref,
			Title: fmt.Sprintf("server/discover answers %d with -32601: dual-era clients take that as a modern server and never fall back to initialize", ex.status),
			Fix:   `implement server/discover, or answer it with HTTP 400 and a non-modern error such as -32600 "send initialize first"`}, []string{ClientClaudeCode, ClientClaude})
	case ex.status == http.StatusBadRequest && hasCode && (code == -32020 || code == -32021 || code == -32022):
		r.add(Finding{ID: "mcp.discover", Status: StatusFail, Evidence: ex.evidence(), Ref: ref,
			Title: fmt.Sprintf("server/discover answers 400 with modern error %d, so dual-era clients stay modern and cannot connect", code),
			Fix:   "serve 2026-07-28, or answer with a 400 that is not -32020/-32021/-32022"}, []string{ClientClaudeCode, ClientClaude})
	case ex.status == http.StatusBadRequest:
		r.add(Finding{ID: "mcp.discover", Status: StatusPass, Title: "server/discover answers a legacy 400; dual-era clients fall back to initialize", Evidence: ex.evidence()}, nil)
	case ex.status == http.StatusUnauthorized || ex.status == http.StatusForbidden:
		r.add(Finding{ID: "mcp.discover", Status: StatusWarn, Evidence: ex.evidence(), Ref: ref,
			Title: fmt.Sprintf("server/discover with a valid token answers %d", ex.status), Fix: "authenticate 2026-07-28 requests like legacy ones"}, none)
	default:
		r.add(Finding{ID: "mcp.discover", Status: StatusWarn, Evidence: ex.evidence(), Ref: ref,
			Title: fmt.Sprintf("server/discover answers %d; dual-era clients may not fall back", ex.status),
			Fix:   "implement server/discover, or answer 400 with a non-modern JSON-RPC error"}, none)
	}
}
