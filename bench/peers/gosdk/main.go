// Command gosdk is the official go-sdk Streamable HTTP server, stateless,
// JSON responses, no auth, with the same get_post read tool.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/portico-mcp/portico/bench/internal/fixture"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:9102", "address")
	flag.Parse()
	s := mcp.NewServer(&mcp.Implementation{Name: "gosdk-bare", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "get_post", Description: "Read a post", InputSchema: json.RawMessage(fixture.InputSchema)},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var a struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal(req.Params.Arguments, &a); err != nil {
				return nil, err
			}
			p, ok := fixture.Posts[a.ID]
			if !ok {
				return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("no post %d", a.ID)}}}, nil
			}
			b := fixture.JSON(p)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}, StructuredContent: json.RawMessage(b)}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, DisableLocalhostProtection: true})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	log.Fatal(http.ListenAndServe(*addr, mux))
}
