package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/portico-mcp/portico/internal/content"
)

// serverInstructions tell the assistant how to use the tools well.
const serverInstructions = `Portico is a website's content: posts, pages, comments, categories and tags.
Use search_posts or list_posts to find content, get_post to read one (by id or slug).
New posts are drafts; publish_post makes them public. Always show the user the url of what you published.
Every tool answers with structured JSON; errors name the argument to fix.`

// serverForRequest picks the MCP server whose tools match the scopes of the
// token the middleware verified: tools/list then shows only what the token
// may call (CONNECTORS.md §2.10, "Grant the full scope set at first
// consent"; a tool the token cannot use is better not offered).
func (h *Handler) serverForRequest(r *http.Request) *mcp.Server {
	var m scopeMask
	if p := principalFrom(r.Context()); p != nil {
		m = p.mask
	}
	return h.server(m)
}

// server returns the (lazily built, then shared) server for mask m.
func (h *Handler) server(m scopeMask) *mcp.Server {
	h.serverOnce[m].Do(func() { h.servers[m] = h.newServer(m) })
	return h.servers[m]
}

func (h *Handler) newServer(m scopeMask) *mcp.Server {
	version := h.Version
	if version == "" {
		version = "dev"
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "portico", Title: "Portico", Version: version}, &mcp.ServerOptions{
		Instructions: serverInstructions,
		Logger:       h.log,
		PageSize:     200, // every tool in one tools/list page
		Capabilities: &mcp.ServerCapabilities{
			Tools:     &mcp.ToolCapabilities{},
			Resources: &mcp.ResourceCapabilities{},
			Prompts:   &mcp.PromptCapabilities{},
		},
	})
	for _, t := range h.tools {
		if m.has(t.scope) {
			s.AddTool(t.sdkTool(), h.toolHandler(t))
		}
	}
	if m.has(maskRead) {
		h.addResources(s)
		h.addPrompts(s, m)
	}
	return s
}

// toolDef is one tool: its MCP description and the function behind it.
type toolDef struct {
	name        string
	title       string
	description string
	scope       scopeMask // needed to list and call it
	readOnly    bool
	destructive bool
	idempotent  bool
	input       json.RawMessage // JSON Schema, type object
	output      json.RawMessage // JSON Schema, type object
	run         func(ctx context.Context, a content.Actor, args json.RawMessage) (any, error)
}

func (t *toolDef) sdkTool() *mcp.Tool {
	f := false
	d := t.destructive
	return &mcp.Tool{
		Name:         t.name,
		Title:        t.title,
		Description:  t.description,
		InputSchema:  t.input,
		OutputSchema: t.output,
		Annotations: &mcp.ToolAnnotations{
			Title:           t.title,
			ReadOnlyHint:    t.readOnly,
			DestructiveHint: &d,
			IdempotentHint:  t.idempotent,
			OpenWorldHint:   &f,
		},
	}
}

// MaxResultChars bounds the text of one tool result (CONNECTORS.md 11.33:
// "Every tool result is ≤ 150,000 characters of text").
const MaxResultChars = 150_000

// toolOutcome is a finished tool call, independent of the engine: either
// the JSON of the structured result (also sent as the text content), or an
// error text for an isError result.
type toolOutcome struct {
	body    []byte // structured result JSON; nil when isError
	errText string
}

// invoke finds the actor, runs t, and turns the answer into structured JSON,
// or a failure into an error text naming the argument to fix.
func (h *Handler) invoke(ctx context.Context, t *toolDef, args json.RawMessage) toolOutcome {
	a, err := h.actorFor(ctx)
	if err != nil {
		return toolOutcome{errText: h.toolError(ctx, t, err)}
	}
	out, err := t.run(ctx, a, args)
	if err != nil {
		return toolOutcome{errText: h.toolError(ctx, t, err)}
	}
	body, err := marshalJSON(out)
	if err != nil {
		return toolOutcome{errText: h.toolError(ctx, t, fmt.Errorf("encode %s result: %w", t.name, err))}
	}
	if len(body) > MaxResultChars {
		h.count(t.name, "error")
		return toolOutcome{errText: fmt.Sprintf("The %s result is too large (%d characters; the limit is %d). Ask for fewer items with \"limit\" or a narrower query.", t.name, len(body), MaxResultChars)}
	}
	h.count(t.name, "ok")
	return toolOutcome{body: body}
}

// toolHandler adapts t to the engine.
func (h *Handler) toolHandler(t *toolDef) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args json.RawMessage
		if req.Params != nil {
			args = req.Params.Arguments
		}
		o := h.invoke(ctx, t, args)
		if o.body == nil {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: o.errText}}}, nil
		}
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: string(o.body)}},
			StructuredContent: json.RawMessage(o.body),
		}, nil
	}
}

func (h *Handler) count(tool, outcome string) {
	if h.Metrics != nil {
		h.Metrics.ToolCall(tool, outcome)
	}
}

// toolError renders err as the text of an isError result. Content errors carry a
// sentence fit to show; anything else is an internal failure, logged and
// shown as a generic message.
func (h *Handler) toolError(ctx context.Context, t *toolDef, err error) string {
	var ae *argError
	if errors.As(err, &ae) {
		h.count(t.name, "error")
		return fmt.Sprintf("Invalid argument %q: %s", ae.field, ae.msg)
	}
	if ce := content.AsError(err); ce != nil {
		outcome := "error"
		if ce.Kind == content.KindForbidden {
			outcome = "denied"
		}
		h.count(t.name, outcome)
		msg := ce.Message
		if ce.Field != "" && !strings.Contains(msg, ce.Field) {
			msg = fmt.Sprintf("%s (argument %q)", msg, ce.Field)
		}
		switch ce.Kind {
		case content.KindInvalid:
			if ce.Field != "" {
				msg = fmt.Sprintf("Invalid argument %q: %s", ce.Field, ce.Message)
			}
		case content.KindForbidden:
			msg = "Not allowed: " + msg
		case content.KindNotFound:
			msg = "Not found: " + msg
		case content.KindConflict:
			msg = "Conflict: " + msg
		}
		return msg
	}
	h.count(t.name, "error")
	h.log.ErrorContext(ctx, "mcp tool failed", "tool", t.name, "error", err)
	return fmt.Sprintf("The %s tool failed because of an internal error; try again later.", t.name)
}

// marshalJSON encodes v without HTML escaping, so URLs and Markdown stay
// readable, and without the trailing newline json.Encoder adds.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
