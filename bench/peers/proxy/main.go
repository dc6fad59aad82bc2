// Command proxy is a round-robin reverse proxy in front of several
// replicas, standing in for a load balancer.
package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:9110", "address")
	backends := flag.String("backends", "", "comma-separated base URLs")
	flag.Parse()
	var proxies []*httputil.ReverseProxy
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 512}
	for _, b := range strings.Split(*backends, ",") {
		u, err := url.Parse(b)
		if err != nil {
			log.Fatal(err)
		}
		p := httputil.NewSingleHostReverseProxy(u)
		p.Transport = tr
		p.FlushInterval = -1
		// Read each backend answer whole before relaying it: a client that
		// sends its next request as soon as it has the last byte must not
		// race the proxy's own read of the end of the backend body (that
		// race cancelled the backend read and cut answers short).
		p.ModifyResponse = func(resp *http.Response) error {
			if resp.Header.Get("Content-Type") == "text/event-stream" {
				return nil
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.ContentLength = int64(len(b))
			resp.TransferEncoding = nil
			resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
			return nil
		}
		proxies = append(proxies, p)
	}
	var n atomic.Uint64
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[n.Add(1)%uint64(len(proxies))].ServeHTTP(w, r)
	})))
}
