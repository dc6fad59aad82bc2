// Command portico is a self-hosted remote MCP server with a built-in OAuth 2.1
// authorization server. See `portico help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/portico-mcp/portico/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Env{
		Args:    os.Args[1:],
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Getenv:  os.Getenv,
		Version: version,
	})
	stop()
	os.Exit(code)
}
