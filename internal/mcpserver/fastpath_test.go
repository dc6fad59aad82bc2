package mcpserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/portico-mcp/portico/internal/store"
)

// TestFastPathMatchesEngine is the differential test of the lean tools/call
// path: for each request the answer with the lean path must equal, as JSON,
// the MCP engine's answer.
func TestFastPathMatchesEngine(t *testing.T) {
	e := newEnv(t)
	admin := e.users[store.RoleAdmin]
	pub := e.post(admin, "Gardening <b>&</b> autumn", store.StatusPublished)
	e.comment(pub.ID)
	tok := e.token(admin, allScopes()...)

	calls := []string{
		`{"name":"list_posts","arguments":{}}`,
		`{"name":"list_posts"}`,
		`{"name":"list_posts","arguments":{"limit":500}}`,
		`{"name":"search_posts","arguments":{"query":"gardening"}}`,
		`{"name":"search_posts","arguments":{}}`,
		fmt.Sprintf(`{"name":"get_post","arguments":{"id":%d}}`, pub.ID),
		`{"name":"get_post","arguments":{"id":424242}}`,
		`{"name":"get_post","arguments":{"id":"x"}}`,
		`{"name":"create_post","arguments":{"body":"no title"}}`,
		`{"name":"update_post","arguments":{"title":"x"}}`,
		`{"name":"publish_post","arguments":{}}`,
		`{"name":"schedule_post","arguments":{"id":1,"publish_at":"soon"}}`,
		`{"name":"trash_post","arguments":{"id":-1}}`,
		`{"name":"list_comments","arguments":{}}`,
		`{"name":"moderate_comment","arguments":{"id":1,"action":"nuke"}}`,
		`{"name":"reply_to_comment","arguments":{"comment_id":1}}`,
		`{"name":"list_categories","arguments":{}}`,
		`{"name":"list_tags","arguments":{}}`,
		`{"name":"create_tag","arguments":{}}`,
		`{"name":"get_site_info","arguments":{}}`,
		`{"name":"list_users","arguments":{}}`,
		`{"name":"update_site_settings","arguments":{}}`,
		`{"name":"search","arguments":{"query":"gardening"}}`,
		fmt.Sprintf(`{"name":"fetch","arguments":{"id":"%d"}}`, pub.ID),
		`{"name":"fetch","arguments":{}}`,
		`{"name":"no_such_tool","arguments":{}}`,
	}
	for i, c := range calls {
		for _, id := range []string{`7`, `"abc"`} {
			t.Run(fmt.Sprintf("%02d_%s", i, id), func(t *testing.T) {
				body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":%s}`, id, c)
				h := append(bearer(tok), "MCP-Protocol-Version", "2025-06-18")
				e.handler.SetFastPath(true)
				fast := e.do("POST", "/mcp", body, h...)
				e.handler.SetFastPath(false)
				slow := e.do("POST", "/mcp", body, h...)
				e.handler.SetFastPath(true)
				if fast.status != slow.status || fast.header.Get("Content-Type") != slow.header.Get("Content-Type") {
					t.Fatalf("fast %d %s, engine %d %s", fast.status, fast.header.Get("Content-Type"), slow.status, slow.header.Get("Content-Type"))
				}
				var a, b any
				if err := json.Unmarshal(fast.body, &a); err != nil {
					t.Fatalf("fast body: %v %s", err, fast.body)
				}
				if err := json.Unmarshal(slow.body, &b); err != nil {
					t.Fatalf("engine body: %v %s", err, slow.body)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("answers differ\nfast:   %s\nengine: %s", fast.body, slow.body)
				}
			})
		}
	}
}

// TestReplayMatchesEngine is the differential test of the replay path
// (replay.go): for every scope combination, every protocol version (and
// none), initialize, tools/list and server/discover, with number and
// string ids, the replayed answer (first render and cache hit) must be
// byte-identical to the engine's, with the same status and headers.
// Requests the replay path must leave to the engine (errors, odd ids,
// header mismatches) are compared too.
func TestReplayMatchesEngine(t *testing.T) {
	e := newEnv(t)
	admin := e.users[store.RoleAdmin]
	versions := []string{"", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"}
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`
	type req struct {
		name, body string
		headers    []string
		cacheable  bool // the engine must answer it with a result (so the replay path serves it)
	}
	reqs := func(v string) []req {
		var out []req
		for _, pv := range []string{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28", "1999-01-01"} {
			out = append(out, req{name: "initialize " + pv,
				body: `{"jsonrpc":"2.0","id":ID,"method":"initialize","params":{"protocolVersion":"` + pv + `","capabilities":{"roots":{}},"clientInfo":{"name":"claude-ai","version":"0.1.0"}}}`})
		}
		out = append(out,
			req{name: "tools/list", body: `{"jsonrpc":"2.0","id":ID,"method":"tools/list","params":{}}`},
			req{name: "tools/list no params", body: `{"method":"tools/list","jsonrpc":"2.0","id":ID}`},
			req{name: "tools/list cursor", body: `{"jsonrpc":"2.0","id":ID,"method":"tools/list","params":{"cursor":"bogus"}}`},
			req{name: "tools/list modern", body: `{"jsonrpc":"2.0","id":ID,"method":"tools/list","params":{` + meta + `}}`, headers: []string{"Mcp-Method", "tools/list"}},
			req{name: "tools/list modern no header", body: `{"jsonrpc":"2.0","id":ID,"method":"tools/list","params":{` + meta + `}}`},
			req{name: "discover", body: `{"jsonrpc":"2.0","id":ID,"method":"server/discover","params":{` + meta + `}}`, headers: []string{"Mcp-Method", "server/discover"}},
			req{name: "discover mismatch", body: `{"jsonrpc":"2.0","id":ID,"method":"server/discover","params":{` + meta + `}}`, headers: []string{"Mcp-Method", "tools/list"}},
			req{name: "discover legacy", body: `{"jsonrpc":"2.0","id":ID,"method":"server/discover","params":{}}`},
			req{name: "extra member", body: `{"jsonrpc":"2.0","id":ID,"method":"tools/list","params":{},"x":1}`},
		)
		if v != "2026-07-28" {
			out[1].cacheable = true // initialize 2025-06-18
			out[5].cacheable = true // tools/list
		} else {
			out[8].cacheable = true // tools/list modern
			out[10].cacheable = true
		}
		return out
	}
	allIDs := []string{`7`, `"abc"`, `0`, `-12`, `"a b-c_d.e:1"`, `1.5`, `1e3`, `"\u0061"`, `"<x>"`, `null`, `123456789012345678`}
	scopes := allScopes()
	for m := 0; m < 16; m++ {
		var granted []string
		for i, s := range scopes {
			if m&(1<<i) != 0 {
				granted = append(granted, s)
			}
		}
		tok := e.token(admin, granted...)
		for _, v := range versions {
			for _, rq := range reqs(v) {
				ids := allIDs[:2]
				if m == 15 || m == 1 {
					ids = allIDs
				}
				for _, id := range ids {
					name := fmt.Sprintf("mask%02d/%s/%s/%s", m, v, rq.name, id)
					body := strings.Replace(rq.body, "ID", id, 1)
					h := append(bearer(tok), rq.headers...)
					if v != "" {
						h = append(h, "MCP-Protocol-Version", v)
					}
					before := e.handler.ReplayServed()
					e.handler.SetFastPath(true)
					first := e.do("POST", "/mcp", body, h...)
					second := e.do("POST", "/mcp", body, h...)
					e.handler.SetFastPath(false)
					slow := e.do("POST", "/mcp", body, h...)
					e.handler.SetFastPath(true)
					for i, fast := range []rawResp{first, second} {
						if fast.status != slow.status || !bytes.Equal(fast.body, slow.body) {
							t.Fatalf("%s (answer %d) differs\nreplay: %d %s\nengine: %d %s", name, i+1, fast.status, fast.body, slow.status, slow.body)
						}
						for _, k := range []string{"Content-Type", "Cache-Control", "Mcp-Session-Id"} {
							if fast.header.Get(k) != slow.header.Get(k) {
								t.Fatalf("%s: header %s replay %q engine %q", name, k, fast.header.Get(k), slow.header.Get(k))
							}
						}
					}
					served := e.handler.ReplayServed() - before
					okID := id == `7` || id == `"abc"` || id == `0` || id == `-12` || id == `"a b-c_d.e:1"`
					result := slow.status == 200 && dig(slow.json(t), "result") != nil
					if rq.cacheable && okID && !result {
						t.Fatalf("%s: engine answered %d %s, want a result", name, slow.status, slow.body)
					}
					want := uint64(0)
					if result && okID && rq.name != "extra member" {
						want = 2
					}
					if served != want {
						t.Fatalf("%s: replay path served %d of 2 answers, want %d", name, served, want)
					}
				}
			}
		}
	}
}
