package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/portico-mcp/portico/internal/config"
)

// Env is what a subcommand may touch of the outside world.
type Env struct {
	Args    []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Version string // empty: taken from the build info
}

// Exit codes.
const (
	exitOK     = 0
	exitFail   = 1 // runtime failure (database unreachable, port taken)
	exitUsage  = 2 // bad flags or configuration
	exitFailed = 3 // a check failed (doctor)
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "run the server", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"user", "manage accounts: user add, user list", runUser},
		{"client", "manage OAuth clients: client add (pre-register), client list, client revoke", runClient},
		{"token", "create a personal access token: token create", runToken},
		{"doctor", "diagnose any remote MCP server's OAuth and MCP the way each client connects", runDoctor},
		{"version", "print the version", runVersion},
	}
}

// Main runs the subcommand named by env.Args[0] and returns the exit code.
func Main(ctx context.Context, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(env.Args) == 0 {
		usage(env.Stderr)
		return exitUsage
	}
	name, args := env.Args[0], env.Args[1:]
	switch name {
	case "help", "-h", "--help":
		usage(env.Stdout)
		return exitOK
	case "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, env, args)
		}
	}
	fmt.Fprintf(env.Stderr, "portico: unknown command %q (run `portico help`)\n", name)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Portico: a self-hosted remote MCP server with a built-in OAuth 2.1 authorization server.")
	fmt.Fprintln(w, "\nUsage: portico <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `portico <command> --help` for the flags of a command.")
}

func versionString(v string) string {
	if v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(_ context.Context, env Env, _ []string) int {
	fmt.Fprintf(env.Stdout, "portico %s\n", versionString(env.Version))
	return exitOK
}

// loadConfig parses and validates flags for a subcommand, printing one line
// per problem. ok is false when the caller should exit with code.
func loadConfig(env Env, name string, args []string, serveOnly bool) (cfg config.Config, code int, ok bool) {
	return loadConfigWith(env, name, args, serveOnly, nil)
}

// loadConfigWith is loadConfig with extra subcommand flags.
func loadConfigWith(env Env, name string, args []string, serveOnly bool, extra func(*flag.FlagSet)) (cfg config.Config, code int, ok bool) {
	cfg, err := config.LoadWith("portico "+name, args, env.Getenv, serveOnly, extra)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(env.Stdout, "portico "+name, serveOnly, extra)
		return cfg, exitOK, false
	}
	if err != nil {
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintf(env.Stderr, "portico %s: %s\n", name, line)
		}
		return cfg, exitUsage, false
	}
	if err := cfg.Validate(); err != nil {
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintf(env.Stderr, "portico %s: %s\n", name, line)
		}
		return cfg, exitUsage, false
	}
	return cfg, exitOK, true
}

// oneLine flattens a multi-line error (drivers list every address they
// tried) so each problem stays on one line.
func oneLine(err error) string {
	var b strings.Builder
	for i, part := range strings.FieldsFunc(err.Error(), func(r rune) bool { return r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(part)
	}
	return b.String()
}

func newLogger(w io.Writer, cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
