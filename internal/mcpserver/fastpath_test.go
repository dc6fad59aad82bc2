package mcpserver_test

import (
	"encoding/json"
	"fmt"
	"reflect"
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
