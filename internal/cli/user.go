package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/store"
)

func runUser(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "portico user: say `add` or `list` (e.g. portico user add --email you@example.com --role admin --password-stdin)")
		return exitUsage
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, env, args[1:])
	case "list":
		return runUserList(ctx, env, args[1:])
	}
	fmt.Fprintf(env.Stderr, "portico user: unknown subcommand %q (add, list)\n", args[0])
	return exitUsage
}

func runUserAdd(ctx context.Context, env Env, args []string) int {
	var email, name, role string
	var pwStdin bool
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the person's email address (their login)")
		fs.StringVar(&name, "name", "", "display name (default: the part of the email before @)")
		fs.StringVar(&role, "role", "admin", "admin, editor, author or viewer")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	}
	cfg, code, ok := loadConfigWith(env, "user add", args, false, extra)
	if !ok {
		return code
	}
	var problems []string
	if email == "" {
		problems = append(problems, "--email is required")
	}
	if !store.Role(role).Valid() {
		problems = append(problems, fmt.Sprintf("--role %q is not admin, editor, author or viewer", role))
	}
	if !pwStdin {
		problems = append(problems, "--password-stdin is required: pass the password on standard input, never as an argument")
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(env.Stderr, "portico user add: %s\n", p)
		}
		return exitUsage
	}
	password, err := readLine(env.Stdin)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico user add: reading the password from standard input: %v\n", err)
		return exitUsage
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico user add: %s\n", oneLine(err))
		return exitFail
	}
	defer st.Close()
	id, err := identity.New(identity.Config{Store: st, Issuer: "http://localhost"})
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico user add: %v\n", err)
		return exitFail
	}
	u, err := id.CreateUser(ctx, email, name, store.Role(role), password)
	switch {
	case errors.Is(err, identity.ErrEmailTaken):
		fmt.Fprintf(env.Stderr, "portico user add: %s already has an account\n", email)
		return exitFail
	case errors.Is(err, identity.ErrInvalidEmail), errors.Is(err, identity.ErrWeakPassword), errors.Is(err, identity.ErrInvalidRole):
		fmt.Fprintf(env.Stderr, "portico user add: %v\n", err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(env.Stderr, "portico user add: %s\n", oneLine(err))
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "created %s (%s), id %d\n", u.Email, u.Role, u.ID)
	return exitOK
}

func runUserList(ctx context.Context, env Env, args []string) int {
	cfg, code, ok := loadConfig(env, "user list", args, false)
	if !ok {
		return code
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico user list: %s\n", oneLine(err))
		return exitFail
	}
	defer st.Close()
	users, err := st.ListUsers(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico user list: %s\n", oneLine(err))
		return exitFail
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, status)
	}
	_ = tw.Flush()
	return exitOK
}

// readLine reads one line (without its newline) from r.
func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty password")
	}
	return line, nil
}
