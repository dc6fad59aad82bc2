//go:build pprof

package cli

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on the default mux
	"os"
)

// Built only with -tags pprof (profiling the server under load, see
// bench/README.md): serves net/http/pprof on 127.0.0.1:6060, or on
// PORTICO_PPROF_LISTEN.
func init() {
	addr := os.Getenv("PORTICO_PPROF_LISTEN")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener", "err", err)
		}
	}()
}
