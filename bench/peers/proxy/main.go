// Command proxy is a round-robin reverse proxy in front of several
// replicas, standing in for a load balancer.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
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
		proxies = append(proxies, p)
	}
	var n atomic.Uint64
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[n.Add(1)%uint64(len(proxies))].ServeHTTP(w, r)
	})))
}
