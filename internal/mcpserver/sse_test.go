package mcpserver_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/portico-mcp/portico/internal/store"
)

// TestLegacySSE: an old HTTP+SSE client (2024-11-05) lists and calls tools
// through /sse with a bearer token.
func TestLegacySSE(t *testing.T) {
	e := newEnv(t)
	admin := e.users[store.RoleAdmin]
	p := e.post(admin, "Over SSE", store.StatusPublished)
	tok := e.token(admin, allScopes()...)
	c := mcp.NewClient(&mcp.Implementation{Name: "old", Version: "1"}, nil)
	s, err := c.Connect(context.Background(), &mcp.SSEClientTransport{
		Endpoint:   e.srv.URL + "/sse",
		HTTPClient: &http.Client{Transport: bearerTransport{tok, http.DefaultTransport}},
	}, nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer s.Close()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_post", Arguments: map[string]any{"id": p.ID}})
	if err != nil || res.IsError {
		t.Fatalf("CallTool: %v %s", err, text(res))
	}
	if r := e.do("GET", "/sse", ""); r.status != 401 {
		t.Errorf("GET /sse without token: %d", r.status)
	}
}
