package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything `portico serve` (and the admin subcommands) need. Build
// it with Load, then call Validate; the zero value is not usable.
type Config struct {
	Listen       string // host:port to listen on
	PublicURL    string // origin clients use, no path; derived for loopback listeners
	DataDir      string // where the SQLite file and keys live
	DB           string // sqlite:PATH or postgres://...
	LogLevel     string // debug, info, warn, error
	LogFormat    string // text or json
	InsecureHTTP bool   // allow an http public URL on a non-loopback listener

	TrustedProxies []netip.Prefix // peers whose X-Forwarded-For is believed
	AllowedOrigins []string       // browser origins allowed to call /mcp

	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	RefreshGrace    time.Duration
	ClientTTL       time.Duration // unused dynamic registrations expire after this

	// Upstream sign-in (optional): any OIDC issuer, and GitHub.
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCName string
	GitHubClientID, GitHubClientSecret                   string

	ShutdownTimeout time.Duration
	GCInterval      time.Duration
	Demo            bool // fill an empty site with demo content

	// derived is set when PublicURL was not given and was computed.
	derived bool
}

// Env var prefix for every flag: --public-url ⇔ PORTICO_PUBLIC_URL.
const envPrefix = "PORTICO_"

// EnvName returns the environment variable bound to a flag name.
func EnvName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Defaults returns a Config with every default filled in.
func Defaults() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DataDir:         "portico-data",
		LogLevel:        "info",
		LogFormat:       "text",
		AllowedOrigins:  []string{"http://localhost:6274", "http://127.0.0.1:6274"},
		AccessTokenTTL:  24 * time.Hour,
		RefreshTokenTTL: 90 * 24 * time.Hour,
		RefreshGrace:    60 * time.Second,
		ClientTTL:       7 * 24 * time.Hour,
		ShutdownTimeout: 15 * time.Second,
		GCInterval:      10 * time.Minute,
	}
}

// FlagSet registers the configuration flags on fs, writing into c. Set
// serveOnly to false for admin subcommands, which need only storage flags.
func (c *Config) FlagSet(fs *flag.FlagSet, serveOnly bool) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite database and keys")
	fs.StringVar(&c.DB, "db", c.DB, "database: sqlite:PATH (default <data-dir>/portico.db) or postgres://...")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	if !serveOnly {
		return
	}
	fs.StringVar(&c.Listen, "listen", c.Listen, "address to listen on (host:port)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public origin clients use, e.g. https://mcp.example.com (default http://localhost:PORT on loopback)")
	fs.BoolVar(&c.InsecureHTTP, "insecure-http", c.InsecureHTTP, "allow a plain-http public URL on a non-loopback listener (TLS terminated elsewhere)")
	fs.Func("trusted-proxies", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted", func(s string) error {
		ps, err := parsePrefixes(s)
		c.TrustedProxies = ps
		return err
	})
	fs.Func("allowed-origins", "comma-separated browser origins allowed to call /mcp (default: MCP Inspector on localhost:6274)", func(s string) error {
		c.AllowedOrigins = splitList(s)
		return nil
	})
	fs.DurationVar(&c.AccessTokenTTL, "access-token-ttl", c.AccessTokenTTL, "access token lifetime")
	fs.DurationVar(&c.RefreshTokenTTL, "refresh-token-ttl", c.RefreshTokenTTL, "refresh token lifetime (sliding)")
	fs.DurationVar(&c.RefreshGrace, "refresh-grace", c.RefreshGrace, "window in which a just-rotated refresh token still answers with the same new pair")
	fs.DurationVar(&c.ClientTTL, "client-ttl", c.ClientTTL, "how long a dynamically registered client that never obtained a token is kept")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may run after SIGINT/SIGTERM")
	fs.DurationVar(&c.GCInterval, "gc-interval", c.GCInterval, "how often expired rows are deleted")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "fill an empty site with demo content")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", c.OIDCIssuer, "upstream OpenID Connect issuer for sign-in (Google, GitLab, Keycloak...); register <public-url>/login/oidc/callback with it")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", c.OIDCClientID, "client ID at the upstream OIDC issuer")
	fs.StringVar(&c.OIDCClientSecret, "oidc-client-secret", c.OIDCClientSecret, "client secret at the upstream OIDC issuer (prefer the PORTICO_OIDC_CLIENT_SECRET variable)")
	fs.StringVar(&c.OIDCName, "oidc-name", c.OIDCName, "button label for the upstream OIDC issuer (default: its host)")
	fs.StringVar(&c.GitHubClientID, "github-client-id", c.GitHubClientID, "GitHub OAuth app client ID for sign-in with GitHub")
	fs.StringVar(&c.GitHubClientSecret, "github-client-secret", c.GitHubClientSecret, "GitHub OAuth app client secret (prefer the PORTICO_GITHUB_CLIENT_SECRET variable)")
}

// Usage writes the flags of a subcommand and their environment variables.
func Usage(w io.Writer, name string, serveOnly bool, extra func(*flag.FlagSet)) {
	c := Defaults()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.FlagSet(fs, serveOnly)
	if extra != nil {
		extra(fs)
	}
	fmt.Fprintf(w, "Usage: %s [flags]\n\nFlags (each also read from PORTICO_<NAME>, e.g. --public-url from PORTICO_PUBLIC_URL):\n", name)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// Load parses args (flags only, no subcommand) with environment fallbacks
// from getenv: a flag given on the command line wins over PORTICO_<FLAG>,
// which wins over the default. It does not validate; call Validate.
//
// -h and --help return flag.ErrHelp; print Usage then. Unknown flags return
// an error naming the flag.
func Load(name string, args []string, getenv func(string) string, serveOnly bool) (Config, error) {
	return LoadWith(name, args, getenv, serveOnly, nil)
}

// LoadWith is Load with extra subcommand flags registered by extra (which may
// be nil). Extra flags are not bound to the environment.
func LoadWith(name string, args []string, getenv func(string) string, serveOnly bool, extra func(*flag.FlagSet)) (Config, error) {
	c := Defaults()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.FlagSet(fs, serveOnly)
	bound := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { bound[f.Name] = true })
	if extra != nil {
		extra(fs)
	}
	// Environment first, so command-line flags parsed afterwards override.
	var envErrs []error
	fs.VisitAll(func(f *flag.Flag) {
		if !bound[f.Name] {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: %v", EnvName(f.Name), v, err))
			}
		}
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		if f, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
			return c, fmt.Errorf("unknown flag %s (run with --help to list flags)", f)
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	if len(envErrs) > 0 {
		return c, errors.Join(envErrs...)
	}
	c.normalise()
	return c, nil
}

func (c *Config) normalise() {
	c.PublicURL = strings.TrimRight(strings.TrimSpace(c.PublicURL), "/")
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.DataDir, "portico.db")
	}
	if c.PublicURL == "" {
		if host, port, err := net.SplitHostPort(c.Listen); err == nil && isLoopbackHost(host) {
			c.PublicURL = "http://localhost:" + port
			c.derived = true
		}
	}
}

// Problem is one thing wrong with a configuration, with how to fix it.
type Problem struct {
	Field string
	Issue string
	Fix   string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s; %s", p.Field, p.Issue, p.Fix)
}

// Problems is every problem Validate found. Its Error lists one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Validate checks every field and returns all problems at once (as Problems),
// or nil. Checks that touch the file system (data directory writable) are
// included; the database itself is checked when it is opened.
func (c Config) Validate() error {
	var ps Problems
	add := func(field, issue, fix string) { ps = append(ps, Problem{field, issue, fix}) }

	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		add("--listen", fmt.Sprintf("%q is not host:port", c.Listen), "use e.g. 127.0.0.1:8080 or :8080")
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		add("--listen", fmt.Sprintf("port %q is not a number from 0 to 65535", port), "use e.g. 127.0.0.1:8080")
	}
	loopback := err == nil && isLoopbackHost(host)

	switch {
	case c.PublicURL == "" && !loopback:
		add("--public-url", fmt.Sprintf("required when listening on a non-loopback address (%s)", c.Listen),
			"set --public-url https://your.host (the URL MCP clients connect to); OAuth issuers and redirect targets are built from it, never from the Host header")
	case c.PublicURL != "":
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			add("--public-url", fmt.Sprintf("%q is not an absolute http(s) URL", c.PublicURL), "use e.g. https://mcp.example.com")
		case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			add("--public-url", fmt.Sprintf("%q has a path, query, fragment or user info", c.PublicURL),
				"use the bare origin, e.g. https://mcp.example.com: the OAuth issuer must have no path because hosted Claude and Cursor ignore issuer paths")
		case u.Scheme == "http" && !loopback && !c.InsecureHTTP && !isLoopbackHost(u.Hostname()):
			add("--public-url", fmt.Sprintf("%q is plain http on a non-loopback listener", c.PublicURL),
				"OAuth 2.1 requires https for every endpoint but loopback, and Claude.ai only connects over https on port 443: use an https URL, or pass --insecure-http if TLS is terminated by a proxy in front of Portico")
		}
	}

	switch {
	case strings.HasPrefix(c.DB, "sqlite:"):
		if strings.TrimPrefix(c.DB, "sqlite:") == "" {
			add("--db", "sqlite: needs a file path", "use sqlite:/var/lib/portico/portico.db or leave --db empty")
		}
	case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
		if u, err := url.Parse(c.DB); err != nil || u.Host == "" {
			add("--db", "the PostgreSQL URL cannot be parsed", "use postgres://user:password@host:5432/dbname?sslmode=require")
		}
	default:
		add("--db", fmt.Sprintf("unknown database %q", redactDSN(c.DB)), "use sqlite:PATH or postgres://user@host/db")
	}
	if strings.HasPrefix(c.DB, "sqlite:") {
		dir := filepath.Dir(strings.TrimPrefix(c.DB, "sqlite:"))
		if err := checkWritableDir(dir); err != nil {
			add("--data-dir", fmt.Sprintf("cannot write to %s: %v", dir, err), "create it, fix its permissions, or point --data-dir (or --db sqlite:PATH) elsewhere")
		}
	}

	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		add("--log-level", fmt.Sprintf("%q is not a level", c.LogLevel), "use debug, info, warn or error")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		add("--log-format", fmt.Sprintf("%q is not a format", c.LogFormat), "use text or json")
	}

	durations := []struct {
		name string
		v    time.Duration
		min  time.Duration
	}{
		{"--access-token-ttl", c.AccessTokenTTL, time.Minute},
		{"--refresh-token-ttl", c.RefreshTokenTTL, time.Hour},
		{"--refresh-grace", c.RefreshGrace, 0},
		{"--client-ttl", c.ClientTTL, time.Minute},
		{"--shutdown-timeout", c.ShutdownTimeout, 0},
		{"--gc-interval", c.GCInterval, time.Second},
	}
	for _, d := range durations {
		if d.v < d.min {
			add(d.name, fmt.Sprintf("%s is below the minimum %s", d.v, d.min), "use a Go duration such as 24h, 15m or 60s")
		}
	}
	if c.RefreshGrace > 10*time.Minute {
		add("--refresh-grace", fmt.Sprintf("%s is too long: a stolen refresh token could be replayed that long", c.RefreshGrace), "keep it at or below 60s (the default)")
	}
	if (c.OIDCIssuer != "") != (c.OIDCClientID != "") || (c.OIDCIssuer != "" && c.OIDCClientSecret == "") {
		add("--oidc-issuer", "upstream OIDC needs --oidc-issuer, --oidc-client-id and --oidc-client-secret together", "set all three, or none")
	} else if c.OIDCIssuer != "" {
		if u, err := url.Parse(c.OIDCIssuer); err != nil || u.Scheme != "https" || u.Host == "" {
			add("--oidc-issuer", fmt.Sprintf("%q is not an https URL", c.OIDCIssuer), "use the issuer URL from the provider's documentation, e.g. https://accounts.google.com")
		}
	}
	if (c.GitHubClientID != "") != (c.GitHubClientSecret != "") {
		add("--github-client-id", "sign-in with GitHub needs --github-client-id and --github-client-secret together", "set both, or neither")
	}
	for _, o := range c.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Host == "" || u.Path != "" {
			add("--allowed-origins", fmt.Sprintf("%q is not an origin", o), "use scheme://host[:port], e.g. http://localhost:6274")
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Redacted returns a printable copy with secrets (database password) removed.
func (c Config) Redacted() Config {
	r := c
	r.DB = redactDSN(c.DB)
	if r.OIDCClientSecret != "" {
		r.OIDCClientSecret = "xxxxx"
	}
	if r.GitHubClientSecret != "" {
		r.GitHubClientSecret = "xxxxx"
	}
	return r
}

// PublicURLDerived reports whether PublicURL was computed from a loopback
// listener rather than configured.
func (c Config) PublicURLDerived() bool { return c.derived }

// Secure reports whether the public URL is https.
func (c Config) Secure() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// SQLitePath returns the file path when DB is an sqlite: DSN.
func (c Config) SQLitePath() (string, bool) {
	if p, ok := strings.CutPrefix(c.DB, "sqlite:"); ok {
		return p, true
	}
	return "", false
}

func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range splitList(s) {
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", p)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR", p)
		}
		out = append(out, pr.Masked())
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkWritableDir creates dir if needed and proves a file can be created in
// it.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return pathCause(err)
	}
	f, err := os.CreateTemp(dir, ".portico-write-check-*")
	if err != nil {
		return pathCause(err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// pathCause strips the path from an *os.PathError (the caller names it).
func pathCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
