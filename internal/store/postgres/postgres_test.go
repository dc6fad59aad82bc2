package postgres

import (
	"errors"
	"github.com/portico-mcp/portico/internal/store/pgtest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/storetest"
)

// envURL names the variable that turns the PostgreSQL tests on.
const envURL = "PORTICO_TEST_POSTGRES"

// testURL returns the server URL from the environment, or skips the test.
func testURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them", envURL)
	}
	return u
}

// newSchema creates an empty schema portico_test_<random>, dropped at
// cleanup, and returns a URL whose search_path selects it. An unreachable
// server fails the test: with the variable set, the tests are required.
func newSchema(t *testing.T) string {
	t.Helper()
	return withParams(t, pgtest.Schema(t, testURL(t), "portico_test"), "pool_max_conns", "8")
}

// withParams adds query parameters to a URL or key=value connection string.
func withParams(t *testing.T, base string, kv ...string) string {
	t.Helper()
	if u, err := url.Parse(base); err == nil && u.Scheme != "" {
		q := u.Query()
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for i := 0; i < len(kv); i += 2 {
		base += " " + kv[i] + "=" + kv[i+1]
	}
	return base
}

// openAt opens a store on connURL and closes it at cleanup (before the
// schema is dropped).
func openAt(t *testing.T, connURL string) *Store {
	t.Helper()
	s, err := Open(t.Context(), connURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	newSchema(t) // fails once, clearly, if the server is unreachable
	// The suite runs its cases in parallel, as many as -parallel allows (the
	// number of CPUs by default). Bound the stores open at once so that a
	// big machine stays under the server's max_connections (100 by
	// default): at most 6 stores of 8 connections.
	slots := make(chan struct{}, 6)
	storetest.Run(t, func(t *testing.T) store.Store {
		slots <- struct{}{}
		t.Cleanup(func() { <-slots })
		return openAt(t, newSchema(t))
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := t.Context()
	u := newSchema(t)
	s := openAt(t, u)
	if v, err := s.MigrationVersion(ctx); err != nil || v != latestMigration(t, s) {
		t.Errorf("MigrationVersion: got %d, %v; want %d, nil", v, err, latestMigration(t, s))
	}
	if n, err := s.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Migrate on a migrated schema: got %d, %v; want 0, nil", n, err)
	}
	s2 := openAt(t, u)
	if n, err := s2.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Migrate after a second Open: got %d, %v; want 0, nil", n, err)
	}
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	u := newSchema(t)
	var wg sync.WaitGroup
	stores := make([]*Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), u) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		if v, err := stores[i].MigrationVersion(t.Context()); err != nil || v != latestMigration(t, stores[i]) {
			t.Errorf("Open %d: MigrationVersion: got %d, %v; want %d, nil", i, v, err, latestMigration(t, stores[i]))
		}
		stores[i].Close()
	}
}

func TestTwoOpensOnOneSchema(t *testing.T) {
	ctx := t.Context()
	u := newSchema(t)
	a := openAt(t, u)
	b := openAt(t, u)
	user, err := a.CreateUser(ctx, store.User{Email: "a@example.com", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.GetUserByEmail(ctx, "a@example.com")
	if err != nil || got.ID != user.ID {
		t.Fatalf("second store: GetUserByEmail: got %+v, %v; want user %d", got, err, user.ID)
	}
	if err := b.PutSettings(ctx, map[string]string{"title": "from b"}); err != nil {
		t.Fatal(err)
	}
	kv, err := a.GetSettings(ctx)
	if err != nil || kv["title"] != "from b" {
		t.Fatalf("first store: GetSettings: got %v, %v; want title from b", kv, err)
	}

	// A code consumed through either store is consumed once.
	code := store.AuthCode{Hash: []byte("code"), ClientID: "c", UserID: user.ID, ExpiresAt: time.Now().Add(time.Minute)}
	if err := a.CreateAuthCode(ctx, code); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() { _, errs[i] = s.ConsumeAuthCode(ctx, code.Hash, time.Now()) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("ConsumeAuthCode: got %v, want nil or ErrConflict", err)
		}
	}
	if wins != 1 {
		t.Errorf("ConsumeAuthCode through two stores: %d winners, want 1", wins)
	}
}

func TestSchemasAreIsolated(t *testing.T) {
	ctx := t.Context()
	a := openAt(t, newSchema(t))
	b := openAt(t, newSchema(t))
	if _, err := a.CreateUser(ctx, store.User{Email: "a@example.com", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.CountUsers(ctx); err != nil || n != 0 {
		t.Errorf("CountUsers in another schema: got %d, %v; want 0", n, err)
	}
}

func TestOpenWithoutSchemaFailsClearly(t *testing.T) {
	u := withParams(t, testURL(t), "search_path", "portico_no_such_schema")
	s, err := Open(t.Context(), u)
	if err == nil {
		s.Close()
		t.Fatal("Open with a search_path naming no schema: got nil error")
	}
	if !strings.Contains(err.Error(), "no schema") {
		t.Errorf("Open with a search_path naming no schema: got %q, want it to say so", err)
	}
}

func TestSearch(t *testing.T) {
	ctx := t.Context()
	s := openAt(t, newSchema(t))
	filler := strings.Repeat("Roads carry traffic between towns every day. ", 20)
	for _, p := range []store.Post{
		{Slug: "body", Title: "Road markings", Body: filler + "A zebra crossing is painted. " + filler},
		{Slug: "title", Title: "Zebra crossings", Body: filler},
		{Slug: "excerpt", Title: "Notes", Excerpt: "On the zebra.", Body: filler},
		{Slug: "phrase", Title: "Fables", Body: "The quick brown fox jumps."},
		{Slug: "apart", Title: "Fables again", Body: "Brown dogs are quick."},
	} {
		p.Type, p.Status = store.TypePost, store.StatusPublished
		if _, err := s.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q       string
		want    string
		ordered bool
	}{
		{"zebra", "title excerpt body", true},
		{`"quick brown"`, "phrase", true},
		{"quick -dogs", "phrase", true},
		{"quick brown", "apart phrase", false},
		{"fox or dogs", "apart phrase", false},
		{`foo AND (`, "", true},
		{"\x00", "", true},
	} {
		hits, err := s.SearchPosts(ctx, tc.q, store.PostFilter{})
		if err != nil {
			t.Fatalf("SearchPosts(%q): %v", tc.q, err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Post.Slug)
		}
		if !tc.ordered {
			slices.Sort(got)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("SearchPosts(%q): got %q, want %q", tc.q, g, tc.want)
		}
	}
	hits, err := s.SearchPosts(ctx, "zebra", store.PostFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if sn := hits[2].Snippet; !strings.Contains(sn, "zebra") || len(sn) > 300 {
		t.Errorf("snippet of the body match: got %q", sn)
	}
}

func TestOpenUnreachableFailsClearly(t *testing.T) {
	// Nothing listens on port 1; the error must say where and why, and
	// never show the password.
	const u = "postgres://portico:s3cret@127.0.0.1:1/portico?sslmode=disable&connect_timeout=2"
	s, err := Open(t.Context(), u)
	if err == nil {
		s.Close()
		t.Fatal("Open on a closed port: got nil error")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "postgres: open postgres://portico:xxxxx@127.0.0.1:1/portico") {
		t.Errorf("Open: got error %q, want it to name the redacted URL", msg)
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("Open: error %q shows the password", msg)
	}
}

func TestPoolSize(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		n       int
		bad     bool
	}{
		{"postgres://h/db", "postgres://h/db", defaultMaxConns, false},
		{"postgres://h/db?pool_max_conns=5&sslmode=disable", "postgres://h/db?sslmode=disable", 5, false},
		{"host=h pool_max_conns=3 dbname=db", "host=h dbname=db", 3, false},
		{"postgres://h/db?pool_max_conns=0", "", 0, true},
		{"postgres://h/db?pool_max_conns=x", "", 0, true},
	} {
		out, n, err := poolSize(tc.in)
		if (err != nil) != tc.bad || out != tc.out || n != tc.n {
			t.Errorf("poolSize(%q): got %q, %d, %v; want %q, %d, error %v", tc.in, out, n, err, tc.out, tc.n, tc.bad)
		}
	}
}

// latestMigration is the newest built-in migration, checked to be more than
// the first so a broken embed cannot make the comparison vacuous.
func latestMigration(t testing.TB, s *Store) int64 {
	t.Helper()
	v := s.LatestMigration()
	if v < 2 {
		t.Fatalf("LatestMigration = %d: the migrations are not embedded", v)
	}
	return v
}
