package archtest

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const mod = "github.com/portico-mcp/portico"

// rule forbids the packages in from (a package and the packages below it;
// "" is every package) from depending on anything in deny (a package and
// below it), unless the dependency is in allow or the package in except.
type rule struct {
	from   []string
	exact  bool // from names only those packages, not the ones below
	direct bool // check direct imports only, not transitive dependencies
	deny   []string
	allow  []string
	except []string
	reason string
}

var (
	ours     = mod + "/internal"
	backends = []string{ours + "/store/sqlite", ours + "/store/postgres", ours + "/store/sqlstore"}
	surfaces = []string{ours + "/authserver", ours + "/mcpserver", ours + "/admin", ours + "/site", ours + "/gateway"}
)

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var rules = []rule{
	{
		from: []string{"internal/store"}, exact: true,
		deny:   []string{ours, "net/http", "database/sql"},
		allow:  []string{ours + "/store"},
		reason: "store holds records and interfaces only: stdlib, no HTTP, no SQL",
	},
	{
		from:   []string{"internal/store/sqlite", "internal/store/postgres", "internal/store/sqlstore"},
		deny:   []string{ours},
		allow:  []string{ours + "/store"},
		reason: "backends implement store and depend on nothing else of ours",
	},
	{
		from: []string{"internal/content", "internal/oauth", "internal/identity"},
		deny: join([]string{
			"net/http/httptest", "database/sql", "modernc.org/sqlite", "github.com/jackc/pgx",
			"github.com/modelcontextprotocol/go-sdk", ours + "/web", ours + "/server", ours + "/cli",
		}, surfaces, backends),
		allow:  []string{"database/sql/driver"}, // interfaces only, via github.com/google/uuid
		reason: "domain logic never depends on pages, SQL drivers or the MCP SDK",
	},
	{
		from:   []string{"internal/authserver", "internal/mcpserver", "internal/admin", "internal/site", "internal/gateway"},
		deny:   join([]string{ours + "/server", ours + "/cli", "database/sql"}, surfaces, backends),
		allow:  []string{"database/sql/driver"}, // interfaces only, via github.com/google/uuid
		reason: "HTTP surfaces never import each other or a storage backend; server assembles them",
	},
	{
		from:   []string{"internal/doctor"},
		deny:   []string{ours},
		reason: "doctor diagnoses any MCP server and shares nothing with Portico's internals",
	},
	{
		from: []string{""}, direct: true,
		deny:   []string{"github.com/modelcontextprotocol/go-sdk"},
		except: []string{"internal/mcpserver", "internal/doctor", "internal/gateway", "internal/oauthtest"},
		reason: "every use of the MCP SDK stays in mcpserver (and doctor/gateway, which speak MCP to others)",
	},
	{
		from:   []string{""},
		deny:   []string{"testing", "net/http/httptest", ours + "/oauthtest", ours + "/store/storetest", ours + "/store/pgtest"},
		except: []string{"internal/store/storetest", "internal/store/pgtest", "internal/oauthtest", "internal/archtest"},
		reason: "production code never depends on test code",
	},
	{
		from: []string{""}, direct: true,
		deny:   []string{"flag"},
		except: []string{"internal/cli", "internal/config", "cmd/portico"},
		reason: "only cli and config parse flags",
	},
}

type pkg struct {
	path    string // below the module, e.g. internal/store
	imports []string
	deps    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}|{{join .Deps \",\"}}", mod+"/...")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errb.String())
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	var pkgs []pkg
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 {
			t.Fatalf("unexpected go list line %q", line)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(parts[0], mod), "/")
		pkgs = append(pkgs, pkg{path: rel, imports: split(parts[1]), deps: split(parts[2])})
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages; the test is not looking at the module", len(pkgs))
	}
	return pkgs
}

// under reports whether p is prefix or a package below it.
func under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func (r rule) applies(p string) bool {
	for _, e := range r.except {
		if under(p, e) {
			return false
		}
	}
	for _, f := range r.from {
		if f == "" || p == f || (!r.exact && under(p, f)) {
			return true
		}
	}
	return false
}

func (r rule) violation(self, d string) bool {
	if d == self {
		return false
	}
	for _, a := range r.allow {
		if under(d, a) {
			return false
		}
	}
	for _, deny := range r.deny {
		if under(d, deny) {
			return true
		}
	}
	return false
}

func TestDeps(t *testing.T) {
	pkgs := listPackages(t)
	checked := 0
	for _, r := range rules {
		for _, p := range pkgs {
			if !r.applies(p.path) {
				continue
			}
			checked++
			deps := p.deps
			if r.direct {
				deps = p.imports
			}
			for _, d := range deps {
				if r.violation(mod+"/"+p.path, d) {
					t.Errorf("%s depends on %s: %s", p.path, d, r.reason)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no rule applied to any package")
	}
}

// TestRulesCatchViolations proves the matcher is not vacuous.
func TestRulesCatchViolations(t *testing.T) {
	cases := []struct {
		rule      int
		from, dep string
		want      bool
	}{
		{0, "internal/store", "net/http", true},
		{0, "internal/store", "database/sql", true},
		{0, "internal/store/sqlite", "database/sql", false}, // rule 0 is exact
		{1, "internal/store/sqlite", ours + "/store", false},
		{1, "internal/store/sqlite", ours + "/oauth", true},
		{3, "internal/authserver", ours + "/mcpserver", true},
		{4, "internal/doctor", ours + "/store", true},
		{5, "internal/content", "github.com/modelcontextprotocol/go-sdk/mcp", true},
		{5, "internal/mcpserver", "github.com/modelcontextprotocol/go-sdk/mcp", false},
		{6, "internal/oauth", "testing", true},
	}
	for _, c := range cases {
		r := rules[c.rule]
		got := r.applies(c.from) && r.violation(mod+"/"+c.from, c.dep)
		if got != c.want {
			t.Errorf("rule %d: %s -> %s: got violation=%v, want %v", c.rule, c.from, c.dep, got, c.want)
		}
	}
}

// TestOnlyConfigReadsEnvironment checks that no package but cli and config
// reads flags or the environment.
func TestOnlyConfigReadsEnvironment(t *testing.T) {
	files, err := filepath.Glob("../../internal/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../internal/*/*/*.go")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("found only %d files", len(files))
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		dir := filepath.ToSlash(filepath.Dir(f))
		if strings.HasSuffix(dir, "internal/cli") || strings.HasSuffix(dir, "internal/config") ||
			strings.HasSuffix(dir, "internal/store/pgtest") { // test support: reads PORTICO_TEST_POSTGRES
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "os" {
				switch sel.Sel.Name {
				case "Getenv", "LookupEnv", "Environ", "Args":
					t.Errorf("%s uses os.%s: only cli and config read the environment", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
