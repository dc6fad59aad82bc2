// Command limit is the yardstick: a bare net/http handler answering every
// POST with a fixed JSON-RPC tools/call result of the same size as the
// others' get_post answer.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/portico-mcp/portico/bench/internal/fixture"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:9101", "address")
	flag.Parse()
	post := fixture.JSON(fixture.Posts[1])
	text, _ := json.Marshal(string(post))
	resp := []byte(`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":` + string(text) +
		`}],"structuredContent":` + string(post) + `}}`)
	mux := http.NewServeMux()
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(resp)
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	log.Fatal(http.ListenAndServe(*addr, mux))
}
