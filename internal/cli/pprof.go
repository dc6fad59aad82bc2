//go:build pprof

package cli

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on the default mux
)

// Built only with -tags pprof (profiling the server under load, see
// bench/README.md): serves net/http/pprof on 127.0.0.1:6060.
func init() {
	go func() {
		if err := http.ListenAndServe("127.0.0.1:6060", nil); err != nil {
			slog.Error("pprof listener", "err", err)
		}
	}()
}
