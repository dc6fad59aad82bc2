package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portico-mcp/portico/internal/config"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
)

// listFlag is a repeatable string flag that also splits on commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// adminOAuth opens the store and an oauth.Service for admin subcommands.
// The issuer does not matter for what the shell does (no tokens for a
// resource are minted), so a placeholder is used.
func adminOAuth(ctx context.Context, cfg config.Config) (backend, *oauth.Service, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	svc, err := oauth.New(oauth.Config{Store: st, Issuer: "http://localhost"})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, svc, nil
}

func runClient(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "portico client: say add, list or revoke (e.g. portico client add --name \"My app\" --redirect-uri https://app.example.com/callback)")
		return exitUsage
	}
	switch args[0] {
	case "add":
		return runClientAdd(ctx, env, args[1:])
	case "list":
		return runClientList(ctx, env, args[1:])
	case "revoke":
		return runClientRevoke(ctx, env, args[1:])
	}
	fmt.Fprintf(env.Stderr, "portico client: unknown subcommand %q (add, list, revoke)\n", args[0])
	return exitUsage
}

func runClientAdd(ctx context.Context, env Env, args []string) int {
	var (
		p      oauth.PreRegistration
		uris   listFlag
		scopes listFlag
	)
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&p.Name, "name", "", "the client's name, shown on the consent page")
		fs.StringVar(&p.ID, "id", "", "a fixed client ID (default: generated)")
		fs.Var(&uris, "redirect-uri", "a redirect URI (repeat, or separate with commas)")
		fs.StringVar(&p.AuthMethod, "auth-method", oauth.AuthMethodClientSecretPost, "none, client_secret_post or client_secret_basic")
		fs.Var(&scopes, "scope", "cap the client to these scopes (default: no cap): "+strings.Join(oauth.ContentScopes(), ", "))
	}
	cfg, code, ok := loadConfigWith(env, "client add", args, false, extra)
	if !ok {
		return code
	}
	p.RedirectURIs = uris
	if len(scopes) > 0 {
		p.Scopes = scopes
	}
	st, svc, err := adminOAuth(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico client add: %s\n", oneLine(err))
		return exitFail
	}
	defer st.Close()
	c, secret, err := svc.PreRegisterClient(ctx, p)
	var oe *oauth.Error
	if errors.As(err, &oe) {
		for part := range strings.SplitSeq(oe.Description, "; ") {
			fmt.Fprintf(env.Stderr, "portico client add: %s\n", part)
		}
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico client add: %s\n", oneLine(err))
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "client_id: %s\n", c.ID)
	if secret != "" {
		fmt.Fprintf(env.Stdout, "client_secret: %s\n", secret)
		fmt.Fprintln(env.Stderr, "The secret is shown once; only its hash is kept.")
	}
	return exitOK
}

func runClientList(ctx context.Context, env Env, args []string) int {
	cfg, code, ok := loadConfig(env, "client list", args, false)
	if !ok {
		return code
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico client list: %s\n", oneLine(err))
		return exitFail
	}
	defer st.Close()
	cs, err := st.ListClients(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico client list: %s\n", oneLine(err))
		return exitFail
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tCREATED\tLAST TOKEN\tSTATUS")
	for _, c := range cs {
		status := "active"
		if !c.DisabledAt.IsZero() {
			status = "revoked"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Type, c.CreatedAt.Format(time.DateTime), when(c.LastUsedAt), status)
	}
	_ = tw.Flush()
	return exitOK
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.DateTime)
}

func runClientRevoke(ctx context.Context, env Env, args []string) int {
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	cfg, code, ok := loadConfig(env, "client revoke", args, false)
	if !ok {
		return code
	}
	if id == "" {
		fmt.Fprintln(env.Stderr, "portico client revoke: give the client ID first: portico client revoke ID [flags]")
		return exitUsage
	}
	st, svc, err := adminOAuth(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico client revoke: %s\n", oneLine(err))
		return exitFail
	}
	defer st.Close()
	n, err := svc.RevokeClient(ctx, id, "revoked from the shell")
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(env.Stderr, "portico client revoke: no client has ID %q\n", id)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico client revoke: %s\n", oneLine(err))
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "revoked %s: %d active grant(s) and all their tokens\n", id, n)
	return exitOK
}

func runToken(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(env.Stderr, "portico token: say create (e.g. portico token create --email you@example.com --name \"Claude Desktop\" --scope content:read)")
		return exitUsage
	}
	var (
		email, name string
		scopes      listFlag
		expires     time.Duration
	)
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the account the token acts for")
		fs.StringVar(&name, "name", "", "what the token is for (shown in /admin/tokens)")
		fs.Var(&scopes, "scope", "scopes (default content:read; limited by the account's role): "+strings.Join(oauth.ContentScopes(), ", "))
		fs.DurationVar(&expires, "expires", 90*24*time.Hour, "lifetime; 0 never expires")
	}
	cfg, code, ok := loadConfigWith(env, "token create", args[1:], false, extra)
	if !ok {
		return code
	}
	var problems []string
	if email == "" {
		problems = append(problems, "--email is required")
	}
	if name == "" {
		problems = append(problems, "--name is required")
	}
	if expires < 0 {
		problems = append(problems, "--expires must not be negative")
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(env.Stderr, "portico token create: %s\n", p)
		}
		return exitUsage
	}
	st, svc, err := adminOAuth(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico token create: %s\n", oneLine(err))
		return exitFail
	}
	defer st.Close()
	u, err := st.GetUserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(env.Stderr, "portico token create: no account has email %s\n", email)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico token create: %s\n", oneLine(err))
		return exitFail
	}
	raw, pt, err := svc.MintPersonalToken(ctx, u.ID, name, scopes, expires)
	if err != nil {
		fmt.Fprintf(env.Stderr, "portico token create: %s\n", oneLine(err))
		return exitFail
	}
	fmt.Fprintln(env.Stdout, raw)
	fmt.Fprintf(env.Stderr, "Personal access token %q for %s, scopes %s, %s. Shown once; send it only in the Authorization: Bearer header.\n",
		pt.Name, u.Email, strings.Join(pt.Scopes, " "), expiryText(pt.ExpiresAt))
	return exitOK
}

func expiryText(t time.Time) string {
	if t.IsZero() {
		return "never expires"
	}
	return "expires " + t.Format(time.DateOnly)
}
