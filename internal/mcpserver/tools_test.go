package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/portico-mcp/portico/internal/store"
)

type bearerTransport struct {
	tok  string
	base http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return b.base.RoundTrip(r)
}

// connect opens a go-sdk client session with the token.
func (e *env) connect(tok string) *mcp.ClientSession {
	e.t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "portico-test", Version: "1"}, nil)
	s, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint:   e.srv.URL + "/mcp",
		HTTPClient: &http.Client{Transport: bearerTransport{tok, http.DefaultTransport}},
	}, nil)
	if err != nil {
		e.t.Fatalf("Connect: %v", err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

func call(t *testing.T, s *mcp.ClientSession, name string, args string) *mcp.CallToolResult {
	t.Helper()
	var a map[string]any
	if err := json.Unmarshal([]byte(args), &a); err != nil {
		t.Fatalf("bad test args %s: %v", args, err)
	}
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: a})
	if err != nil {
		t.Fatalf("CallTool %s: %v", name, err)
	}
	return res
}

func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestToolList checks every tool's shape (CONNECTORS.md 11.31, 11.32).
func TestToolList(t *testing.T) {
	e := newEnv(t)
	s := e.connect(e.token(e.users[store.RoleAdmin], allScopes()...))
	res, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tl := range res.Tools {
		if seen[tl.Name] {
			t.Errorf("duplicate tool %s", tl.Name)
		}
		seen[tl.Name] = true
		raw, _ := json.Marshal(tl)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if tl.Description == "" || tl.Title == "" || tl.Annotations == nil || tl.Annotations.Title == "" {
			t.Errorf("%s: missing description/title/annotations: %s", tl.Name, raw)
		}
		if dig(m, "annotations", "openWorldHint") != false || dig(m, "annotations", "destructiveHint") == nil {
			t.Errorf("%s: hints %s", tl.Name, raw)
		}
		for _, sk := range []string{"inputSchema", "outputSchema"} {
			sch, _ := m[sk].(map[string]any)
			if sch["type"] != "object" {
				t.Errorf("%s.%s type = %v", tl.Name, sk, sch["type"])
			}
			if req, ok := sch["required"]; ok && req == nil {
				t.Errorf("%s.%s required is null", tl.Name, sk)
			}
		}
	}
	want := []string{"list_posts", "search_posts", "get_post", "create_post", "update_post", "publish_post", "schedule_post",
		"unpublish_post", "trash_post", "restore_post", "list_comments", "moderate_comment", "reply_to_comment",
		"list_categories", "list_tags", "create_category", "create_tag", "get_site_info", "get_site_stats",
		"list_users", "update_site_settings", "search", "fetch"}
	for _, n := range want {
		if !seen[n] {
			t.Errorf("tool %s missing", n)
		}
	}
	// Exact ChatGPT schemas.
	for _, tl := range res.Tools {
		raw, _ := json.Marshal(tl.InputSchema)
		want := map[string]string{
			"search": `{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}`,
			"fetch":  `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`,
		}[tl.Name]
		if want == "" {
			continue
		}
		var got, exp any
		_ = json.Unmarshal(raw, &got)
		_ = json.Unmarshal([]byte(want), &exp)
		if !reflect.DeepEqual(got, exp) || !tl.Annotations.ReadOnlyHint {
			t.Errorf("%s schema %s, want %s", tl.Name, raw, want)
		}
	}
}

// TestTools calls every tool with valid and invalid input.
func TestTools(t *testing.T) {
	e := newEnv(t)
	admin := e.users[store.RoleAdmin]
	s := e.connect(e.token(admin, allScopes()...))
	pub := e.post(admin, "Gardening in autumn", store.StatusPublished)
	draft := e.post(admin, "Draft notes", store.StatusDraft)
	trashed := e.post(admin, "Old news", store.StatusPublished)
	if _, err := e.content.Trash(context.Background(), adminActor(e), trashed.ID); err != nil {
		t.Fatal(err)
	}
	cmt := e.comment(pub.ID)

	cases := []struct {
		tool, args string
		wantErr    bool
		want       string // substring of the text result
	}{
		{"list_posts", `{}`, false, `"Gardening in autumn"`},
		{"list_posts", `{"type":"page"}`, false, `"posts":[]`},
		{"list_posts", `{"status":["draft"],"limit":5}`, false, `"Draft notes"`},
		{"list_posts", `{"limit":500}`, true, `"limit"`},
		{"list_posts", `{"status":["bogus"]}`, true, `"status"`},
		{"list_posts", `{"after":"yesterday"}`, true, `"after"`},
		{"search_posts", `{"query":"gardening"}`, false, `"Gardening in autumn"`},
		{"search_posts", `{}`, true, `"query"`},
		{"get_post", fmt.Sprintf(`{"id":%d}`, pub.ID), false, `"body":"Body of Gardening`},
		{"get_post", fmt.Sprintf(`{"id":"%d"}`, pub.ID), false, `"url":"https://blog.example.com/posts/gardening-in-autumn"`},
		{"get_post", fmt.Sprintf(`{"slug":%q}`, pub.Slug), false, `"Gardening in autumn"`},
		{"get_post", `{}`, true, `"id"`},
		{"get_post", `{"id":"abc"}`, true, `"id"`},
		{"get_post", `{"id":999999}`, true, `Not found`},
		{"create_post", `{"title":"Hello","body":"World"}`, false, `"status":"draft"`},
		{"create_post", `{"title":"Live","body":"Now","publish":true}`, false, `"url":"https://blog.example.com/posts/live"`},
		{"create_post", `{"body":"no title"}`, true, `"title"`},
		{"create_post", `{"title":"x","type":"essay"}`, true, `"type"`},
		{"create_post", `{"title":"x","tags":"notalist"}`, true, `"tags"`},
		{"update_post", fmt.Sprintf(`{"id":%d,"title":"Draft notes v2"}`, draft.ID), false, `"Draft notes v2"`},
		{"update_post", fmt.Sprintf(`{"id":%d}`, draft.ID), true, `nothing to change`},
		{"update_post", `{"title":"x"}`, true, `"id"`},
		{"update_post", fmt.Sprintf(`{"id":%d,"version":99,"title":"stale"}`, pub.ID), true, `Conflict`},
		{"publish_post", fmt.Sprintf(`{"id":%d}`, draft.ID), false, `"status":"published"`},
		{"publish_post", `{}`, true, `"id"`},
		{"schedule_post", fmt.Sprintf(`{"id":%d,"publish_at":"2999-01-01T00:00:00Z"}`, e.post(admin, "Later", store.StatusDraft).ID), false, `"status":"scheduled"`},
		{"schedule_post", fmt.Sprintf(`{"id":%d}`, pub.ID), true, `"publish_at"`},
		{"schedule_post", fmt.Sprintf(`{"id":%d,"publish_at":"soon"}`, pub.ID), true, `"publish_at"`},
		{"unpublish_post", fmt.Sprintf(`{"id":%d}`, e.post(admin, "Retract", store.StatusPublished).ID), false, `"status":"draft"`},
		{"trash_post", fmt.Sprintf(`{"id":%d}`, e.post(admin, "Bin me", store.StatusDraft).ID), false, `"status":"trash"`},
		{"trash_post", `{"id":-1}`, true, `"id"`},
		{"restore_post", fmt.Sprintf(`{"id":%d}`, trashed.ID), false, `"status":"published"`},
		{"restore_post", `{"id":"x"}`, true, `"id"`},
		{"list_comments", fmt.Sprintf(`{"post_id":%d}`, pub.ID), false, `"comments":[`},
		{"list_comments", `{"status":["weird"]}`, true, `"status"`},
		{"moderate_comment", fmt.Sprintf(`{"id":%d,"action":"approve"}`, cmt), false, `"status":"approved"`},
		{"moderate_comment", fmt.Sprintf(`{"id":%d,"action":"delete"}`, cmt), true, `"action"`},
		{"reply_to_comment", fmt.Sprintf(`{"comment_id":%d,"post_id":%d,"body":"Thanks!"}`, cmt, pub.ID), false, `"Thanks!"`},
		{"reply_to_comment", fmt.Sprintf(`{"comment_id":%d}`, cmt), true, `"body"`},
		{"list_categories", `{}`, false, `"terms":[`},
		{"list_tags", `{}`, false, `"terms":[`},
		{"create_category", `{"name":"Recipes"}`, false, `"slug":"recipes"`},
		{"create_category", `{}`, true, `"name"`},
		{"create_tag", `{"name":"Tomatoes"}`, false, `"slug":"tomatoes"`},
		{"create_tag", `{"name":""}`, true, `"name"`},
		{"get_site_info", `{}`, false, `"url":"https://blog.example.com"`},
		{"get_site_stats", `{}`, false, `"recent_posts":[`},
		{"get_site_stats", `{"recent":99}`, true, `"recent"`},
		{"list_users", `{}`, false, `"admin@example.com"`},
		{"update_site_settings", `{"title":"My garden"}`, false, `"title":"My garden"`},
		{"update_site_settings", `{}`, true, `nothing to change`},
		{"update_site_settings", `{"timezone":"Mars/Olympus"}`, true, `timezone`},
		{"search", `{"query":"gardening"}`, false, `{"results":[{"id":"`},
		{"search", `{}`, true, `"query"`},
		{"fetch", fmt.Sprintf(`{"id":"%d"}`, pub.ID), false, `"text":"Body of Gardening`},
		{"fetch", `{}`, true, `"id"`},
		{"fetch", `{"id":"no-such-thing"}`, true, `Not found`},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%02d_%s", i, c.tool), func(t *testing.T) {
			res := call(t, s, c.tool, c.args)
			got := text(res)
			if res.IsError != c.wantErr {
				t.Fatalf("isError = %v, want %v; text %s", res.IsError, c.wantErr, got)
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("text %s\nwant substring %s", got, c.want)
			}
			if len(got) > 150_000 {
				t.Errorf("result has %d characters", len(got))
			}
			if !res.IsError {
				sc, _ := json.Marshal(res.StructuredContent)
				var a, b any
				_ = json.Unmarshal(sc, &a)
				_ = json.Unmarshal([]byte(got), &b)
				if fmt.Sprint(a) != fmt.Sprint(b) {
					t.Errorf("structuredContent differs from the text")
				}
				checkURLs(t, b)
			}
		})
	}
}

// checkURLs asserts every "url" value is an absolute http(s) URL.
func checkURLs(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "url" {
				s, _ := x.(string)
				if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
					t.Errorf("url %q is not absolute", s)
				}
			}
			checkURLs(t, x)
		}
	case []any:
		for _, x := range v {
			checkURLs(t, x)
		}
	}
}

// TestRoleLimits: permission is scopes ∩ role, decided by content.
func TestRoleLimits(t *testing.T) {
	e := newEnv(t)
	author, other := e.users[store.RoleAuthor], e.author2
	theirs := e.post(other, "Their draft", store.StatusDraft)
	mine := e.post(author, "My draft", store.StatusDraft)
	s := e.connect(e.token(author, allScopes()...)) // scopes beyond the role do not help

	res := call(t, s, "publish_post", fmt.Sprintf(`{"id":%d}`, theirs.ID))
	if !res.IsError {
		t.Fatalf("author published another author's post: %s", text(res))
	}
	res = call(t, s, "publish_post", fmt.Sprintf(`{"id":%d}`, mine.ID))
	if res.IsError {
		t.Errorf("author could not publish own post: %s", text(res))
	}
	res = call(t, s, "list_users", `{}`)
	if !res.IsError || !strings.Contains(text(res), "role") {
		t.Errorf("author listed users: %s", text(res))
	}
	res = call(t, s, "moderate_comment", `{"id":1,"action":"approve"}`)
	if !res.IsError {
		t.Errorf("author moderated: %s", text(res))
	}

	// A viewer with a write scope still cannot write.
	v := e.connect(e.token(e.users[store.RoleViewer], "content:read", "content:write"))
	res = call(t, v, "create_post", `{"title":"nope"}`)
	if !res.IsError || !strings.Contains(text(res), "Not allowed") {
		t.Errorf("viewer created a post: %s", text(res))
	}
	// create_post with publish:true but no content:publish fails clearly.
	w := e.connect(e.token(e.users[store.RoleEditor], "content:read", "content:write"))
	res = call(t, w, "create_post", `{"title":"x","publish":true}`)
	if !res.IsError || !strings.Contains(text(res), "content:publish") {
		t.Errorf("publish without scope: %s", text(res))
	}
}

func TestResourcesAndPrompts(t *testing.T) {
	e := newEnv(t)
	admin := e.users[store.RoleAdmin]
	p := e.post(admin, "Resource post", store.StatusPublished)
	s := e.connect(e.token(admin, allScopes()...))
	ctx := context.Background()
	r, err := s.ReadResource(ctx, &mcp.ReadResourceParams{URI: fmt.Sprintf("portico://posts/%d", p.ID)})
	if err != nil || !strings.Contains(r.Contents[0].Text, "Body of Resource post") {
		t.Fatalf("read post: %v %+v", err, r)
	}
	if _, err := s.ReadResource(ctx, &mcp.ReadResourceParams{URI: "portico://posts/999999"}); err == nil {
		t.Errorf("missing post read without error")
	}
	r, err = s.ReadResource(ctx, &mcp.ReadResourceParams{URI: "portico://site"})
	if err != nil || !strings.Contains(r.Contents[0].Text, `"url"`) {
		t.Fatalf("read site: %v", err)
	}
	tpls, err := s.ListResourceTemplates(ctx, nil)
	if err != nil || len(tpls.ResourceTemplates) != 2 {
		t.Fatalf("templates: %v %v", err, tpls)
	}
	ps, err := s.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps.Prompts {
		names = append(names, p.Name)
	}
	for _, n := range []string{"draft_post_from_notes", "summarise_recent_activity", "moderate_pending_comments"} {
		if !slices.Contains(names, n) {
			t.Errorf("prompt %s missing from %v", n, names)
		}
	}
	g, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: "draft_post_from_notes", Arguments: map[string]string{"notes": "tomatoes need sun"}})
	if err != nil || !strings.Contains(g.Messages[0].Content.(*mcp.TextContent).Text, "tomatoes need sun") {
		t.Errorf("prompt: %v", err)
	}
}
