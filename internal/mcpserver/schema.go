package mcpserver

import (
	"encoding/json"
	"strings"
)

// JSON Schema fragments for tool inputs and outputs. Schemas are plain JSON
// (no "format" keywords, which some client validators reject), every object
// schema has "type":"object", and "required" is either a non-empty array or
// absent, never null (CONNECTORS.md 11.31).

// objectSchema builds {"type":"object","properties":{...},"required":[...]}
// from "name": schema pairs.
func objectSchema(required []string, props ...string) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := 0; i+1 < len(props); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(props[i])
		b.Write(k)
		b.WriteByte(':')
		b.WriteString(props[i+1])
	}
	b.WriteByte('}')
	if len(required) > 0 {
		r, _ := json.Marshal(required)
		b.WriteString(`,"required":`)
		b.Write(r)
	}
	b.WriteByte('}')
	return json.RawMessage(b.String())
}

func desc(typ, d string) string {
	t, _ := json.Marshal(typ)
	s, _ := json.Marshal(d)
	return `{"type":` + string(t) + `,"description":` + string(s) + `}`
}

func enumDesc(d string, values ...string) string {
	v, _ := json.Marshal(values)
	s, _ := json.Marshal(d)
	return `{"type":"string","enum":` + string(v) + `,"description":` + string(s) + `}`
}

func arrayOf(item, d string) string {
	s, _ := json.Marshal(d)
	return `{"type":"array","items":` + item + `,"description":` + string(s) + `}`
}

const (
	strT  = `{"type":"string"}`
	intT  = `{"type":"integer"}`
	boolT = `{"type":"boolean"}`
	numT  = `{"type":"number"}`
)

// postProps are the properties of a post or page in tool output.
func postProps() []string {
	return []string{
		"id", intT,
		"type", enumDesc("post or page", "post", "page"),
		"slug", strT,
		"title", strT,
		"status", enumDesc("life-cycle state", "draft", "pending", "scheduled", "published", "trash"),
		"url", desc("string", "absolute public address; present only once published"),
		"summary", strT,
		"author_id", intT,
		"categories", arrayOf(strT, "category slugs"),
		"tags", arrayOf(strT, "tag slugs"),
		"featured", boolT,
		"parent_id", intT,
		"created_at", desc("string", "RFC 3339"),
		"modified_at", desc("string", "RFC 3339"),
		"published_at", desc("string", "RFC 3339; the planned time when scheduled"),
		"version", desc("integer", "pass to update_post to refuse overwriting someone else's change"),
		"body", desc("string", "Markdown (get_post only)"),
		"body_offset", intT,
		"body_next_offset", desc("integer", "set when the body continues: call get_post with this body_offset"),
		"body_truncated", boolT,
		"note", desc("string", "what happened, in a sentence"),
	}
}

var postRequired = []string{"id", "type", "slug", "title", "status", "version"}

func postSchema() string { return string(objectSchema(postRequired, postProps()...)) }

func withProps(base []string, extra ...string) []string {
	return append(append([]string{}, base...), extra...)
}
