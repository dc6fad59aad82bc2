package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/doctor"
)

func runDoctor(ctx context.Context, env Env, args []string) int {
	fs := flag.NewFlagSet("portico doctor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		clients       = fs.String("client", "all", "whose behaviour to emulate: "+strings.Join(doctor.KnownClients(), ", ")+" or all (comma-separated)")
		token         = fs.String("token", "", "an access token for the MCP URL, to run the authenticated checks (prefer --token-stdin: arguments are visible to other users)")
		tokenStdin    = fs.Bool("token-stdin", false, "read the access token from the first line of standard input")
		interactive   = fs.Bool("interactive", false, "complete a real authorization: print the authorize URL and wait for the browser on a loopback callback")
		timeout       = fs.Duration("timeout", 10*time.Second, "timeout for each request")
		asJSON        = fs.Bool("json", false, "write the report as JSON")
		noRegister    = fs.Bool("no-register", false, "skip checks that register clients on the server")
		allowLoopback = fs.Bool("allow-loopback", false, "the target is knowingly local: do not warn about loopback, http or the port")
	)
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: portico doctor [flags] URL\n\nDiagnoses the OAuth and MCP path of any remote MCP server the way each client connects.\nExit code 0 when nothing FAILs, 3 when something does.\n\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	// Flags may come before or after the URL.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage(env.Stdout)
				return exitOK
			}
			msg := err.Error()
			if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				msg = "unknown flag " + f + " (run with --help to list flags)"
			}
			fmt.Fprintf(env.Stderr, "portico doctor: %s\n", msg)
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fmt.Fprintln(env.Stderr, "portico doctor: give exactly one MCP URL, e.g. portico doctor https://mcp.example.com/mcp")
		return exitUsage
	}
	o := doctor.Options{
		URL: rest[0], Token: *token, Timeout: *timeout, NoRegister: *noRegister,
		AllowLoopback: *allowLoopback, Out: env.Stderr,
	}
	if *tokenStdin {
		t, err := readLine(env.Stdin)
		if err != nil {
			fmt.Fprintf(env.Stderr, "portico doctor: reading the token from standard input: %v\n", err)
			return exitUsage
		}
		o.Token = strings.TrimSpace(t)
	}
	if *clients != "" && *clients != "all" {
		known := map[string]bool{}
		for _, c := range doctor.KnownClients() {
			known[c] = true
		}
		for c := range strings.SplitSeq(*clients, ",") {
			c = strings.TrimSpace(c)
			if !known[c] {
				fmt.Fprintf(env.Stderr, "portico doctor: unknown client %q (known: %s)\n", c, strings.Join(doctor.KnownClients(), ", "))
				return exitUsage
			}
			o.Clients = append(o.Clients, c)
		}
	}
	if *interactive {
		o.Interactive = &doctor.Interactive{}
	}
	report, err := doctor.Run(ctx, o)
	if err != nil && len(report.Findings) == 0 {
		fmt.Fprintf(env.Stderr, "portico doctor: %s\n", oneLine(err))
		return exitUsage
	}
	if *asJSON {
		err = report.WriteJSON(env.Stdout)
	} else {
		err = report.WriteText(env.Stdout, useColor(env))
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico doctor: writing the report: %v\n", err)
		return exitFail
	}
	if report.Failed() {
		return exitFailed
	}
	return exitOK
}

// useColor reports whether stdout is a terminal and NO_COLOR is unset.
func useColor(env Env) bool {
	if env.Getenv("NO_COLOR") != "" || env.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := env.Stdout.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
