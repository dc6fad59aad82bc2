// Command mcpgo is github.com/mark3labs/mcp-go's Streamable HTTP server,
// stateless, no auth, with the same get_post read tool.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/portico-mcp/portico/bench/internal/fixture"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:9103", "address")
	flag.Parse()
	s := server.NewMCPServer("mcpgo-bare", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewToolWithRawSchema("get_post", "Read a post", json.RawMessage(fixture.InputSchema)),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			id, err := req.RequireInt("id")
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			p, ok := fixture.Posts[int64(id)]
			if !ok {
				return mcp.NewToolResultError(fmt.Sprintf("no post %d", id)), nil
			}
			b := fixture.JSON(p)
			return mcp.NewToolResultStructured(json.RawMessage(b), string(b)), nil
		})
	h := server.NewStreamableHTTPServer(s, server.WithStateLess(true))
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	log.Fatal(http.ListenAndServe(*addr, mux))
}
