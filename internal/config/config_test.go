package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(Config) string // returns "" when fine
	}{
		{"defaults", nil, nil, func(c Config) string {
			if c.Listen != "127.0.0.1:8080" || c.PublicURL != "http://localhost:8080" || !c.PublicURLDerived() {
				return "listen/public url " + c.Listen + " " + c.PublicURL
			}
			if c.DB != "sqlite:"+filepath.Join("portico-data", "portico.db") {
				return "db " + c.DB
			}
			if c.AccessTokenTTL != 24*time.Hour || c.RefreshGrace != 60*time.Second {
				return "ttl"
			}
			return ""
		}},
		{"env", nil, map[string]string{"PORTICO_LISTEN": "127.0.0.1:9999", "PORTICO_DATA_DIR": dir, "PORTICO_ACCESS_TOKEN_TTL": "2h"}, func(c Config) string {
			if c.PublicURL != "http://localhost:9999" || c.DB != "sqlite:"+filepath.Join(dir, "portico.db") || c.AccessTokenTTL != 2*time.Hour {
				return c.PublicURL + " " + c.DB
			}
			return ""
		}},
		{"flag beats env", []string{"--listen", "127.0.0.1:7000"}, map[string]string{"PORTICO_LISTEN": "127.0.0.1:9999"}, func(c Config) string {
			if c.Listen != "127.0.0.1:7000" {
				return c.Listen
			}
			return ""
		}},
		{"public url trimmed", []string{"--public-url", "https://mcp.example.com/", "--listen", "0.0.0.0:443"}, nil, func(c Config) string {
			if c.PublicURL != "https://mcp.example.com" || c.PublicURLDerived() {
				return c.PublicURL
			}
			return ""
		}},
		{"trusted proxies", []string{"--trusted-proxies", "10.0.0.0/8, 127.0.0.1"}, nil, func(c Config) string {
			if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "127.0.0.1/32" {
				return "proxies"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("serve", tt.args, env(tt.env), true)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if msg := tt.want(c); msg != "" {
				t.Errorf("got %s", msg)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load("serve", []string{"--nope"}, env(nil), true)
	if err == nil || !strings.Contains(err.Error(), "unknown flag -nope") {
		t.Errorf("unknown flag: got %v", err)
	}
	_, err = Load("serve", []string{"-h"}, env(nil), true)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("help: got %v", err)
	}
	_, err = Load("serve", nil, env(map[string]string{"PORTICO_ACCESS_TOKEN_TTL": "forever"}), true)
	if err == nil || !strings.Contains(err.Error(), "PORTICO_ACCESS_TOKEN_TTL") {
		t.Errorf("bad env: got %v", err)
	}
	_, err = Load("serve", []string{"extra"}, env(nil), true)
	if err == nil {
		t.Error("positional argument accepted")
	}
	// Admin subcommands only know storage flags.
	if _, err := Load("migrate", []string{"--listen", ":1"}, env(nil), false); err == nil {
		t.Error("migrate accepted --listen")
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	roWritable := os.Getuid() == 0 // root ignores permissions
	tests := []struct {
		name   string
		args   []string
		fields []string // the problems expected, by flag
	}{
		{"ok loopback", []string{"--data-dir", dir}, nil},
		{"ok https public", []string{"--data-dir", dir, "--listen", "0.0.0.0:8443", "--public-url", "https://mcp.example.com"}, nil},
		{"ok insecure behind proxy", []string{"--data-dir", dir, "--listen", "0.0.0.0:8080", "--public-url", "http://mcp.example.com", "--insecure-http"}, nil},
		{"ok postgres", []string{"--data-dir", dir, "--db", "postgres://u:p@db:5432/portico"}, nil},
		{"public listener needs url", []string{"--data-dir", dir, "--listen", "0.0.0.0:8080"}, []string{"--public-url"}},
		{"http public url refused", []string{"--data-dir", dir, "--listen", "0.0.0.0:8080", "--public-url", "http://mcp.example.com"}, []string{"--public-url"}},
		{"issuer with path refused", []string{"--data-dir", dir, "--public-url", "https://x.example.com/mcp"}, []string{"--public-url"}},
		{"bad listen", []string{"--data-dir", dir, "--listen", "nonsense"}, []string{"--listen", "--public-url"}},
		{"bad db", []string{"--data-dir", dir, "--db", "mysql://x"}, []string{"--db"}},
		{"everything at once", []string{"--data-dir", dir, "--log-level", "loud", "--log-format", "xml", "--refresh-grace", "1h", "--access-token-ttl", "1s"},
			[]string{"--log-level", "--log-format", "--access-token-ttl", "--refresh-grace"}},
		{"bad origin", []string{"--data-dir", dir, "--allowed-origins", "localhost"}, []string{"--allowed-origins"}},
		{"ok oidc", []string{"--data-dir", dir, "--oidc-issuer", "https://accounts.example.com", "--oidc-client-id", "id", "--oidc-client-secret", "s"}, nil},
		{"oidc half configured", []string{"--data-dir", dir, "--oidc-issuer", "https://accounts.example.com"}, []string{"--oidc-issuer"}},
		{"oidc issuer not https", []string{"--data-dir", dir, "--oidc-issuer", "http://idp", "--oidc-client-id", "id", "--oidc-client-secret", "s"}, []string{"--oidc-issuer"}},
		{"github half configured", []string{"--data-dir", dir, "--github-client-id", "id"}, []string{"--github-client-id"}},
	}
	if !roWritable {
		tests = append(tests, struct {
			name   string
			args   []string
			fields []string
		}{"unwritable data dir", []string{"--data-dir", ro}, []string{"--data-dir"}})
	}
	tests = append(tests, struct {
		name   string
		args   []string
		fields []string
	}{"data dir is a file", []string{"--data-dir", filepath.Join(dir, "file", "sub")}, []string{"--data-dir"}})
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("serve", tt.args, env(nil), true)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			err = c.Validate()
			var got []string
			var ps Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					got = append(got, p.Field)
					if p.Fix == "" || p.Issue == "" {
						t.Errorf("problem without issue or fix: %+v", p)
					}
				}
			} else if err != nil {
				t.Fatalf("Validate returned %T, want Problems", err)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("problems: got %v, want %v\n%v", got, tt.fields, err)
			}
			if err != nil && strings.Count(err.Error(), "\n")+1 != len(tt.fields) {
				t.Errorf("want one line per problem, got:\n%s", err)
			}
		})
	}
}

func TestRedacted(t *testing.T) {
	c := Defaults()
	c.DB = "postgres://user:s3cret@db:5432/p"
	c.OIDCClientSecret, c.GitHubClientSecret = "oidc-s3cret", "gh-s3cret"
	if r := c.Redacted(); strings.Contains(fmt.Sprintf("%+v", r), "s3cret") {
		t.Errorf("Redacted leaks a secret: %+v", r)
	}
	if r := c.Redacted(); strings.Contains(r.DB, "s3cret") || !strings.Contains(r.DB, "user") {
		t.Errorf("Redacted DB = %q", r.DB)
	}
	if c.DB != "postgres://user:s3cret@db:5432/p" {
		t.Error("Redacted changed the original")
	}
}
