package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/storetest"
)

// openTemp opens a fresh store in t.TempDir and closes it at cleanup.
func openTemp(t *testing.T) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "portico.db"))
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestOpenCreatesParentDirAndMigrates(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "a", "b", "portico.db")
	s := openAt(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	v, err := s.MigrationVersion(ctx)
	if err != nil || v != latestMigration(t, s) {
		t.Errorf("MigrationVersion: got %d, %v; want %d, nil", v, err, latestMigration(t, s))
	}
	n, err := s.Migrate(ctx)
	if err != nil || n != 0 {
		t.Errorf("Migrate on a migrated database: got %d, %v; want 0, nil", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Reopening applies nothing and keeps the data.
	s2 := openAt(t, path)
	if v, err := s2.MigrationVersion(ctx); err != nil || v != latestMigration(t, s) {
		t.Errorf("MigrationVersion after reopen: got %d, %v; want %d, nil", v, err, latestMigration(t, s))
	}
	if n, err := s2.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Migrate after reopen: got %d, %v; want 0, nil", n, err)
	}
}

func TestOpenFailsClearly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "not-a-db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(file, "portico.db"), // parent is a file
		dir,                               // a directory
		notDB,                             // garbage
	} {
		s, err := Open(t.Context(), path)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s): got nil error", path)
			continue
		}
		t.Logf("Open(%s): %v", path, err)
		if want := "sqlite: open " + path + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Open(%s): got error %q, want it to start with %q", path, err, want)
		}
	}
}

func TestOpenUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: directory permissions do not apply")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "portico.db")
	s, err := Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s) in a read-only directory: got nil error", path)
	}
	t.Logf("Open in a read-only directory: %v", err)
	if want := "sqlite: open " + path + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Open: got error %q, want it to start with %q", err, want)
	}
}

func TestPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "we?ird#name%20.db")
	s := openAt(t, path)
	if _, err := s.CreateUser(t.Context(), store.User{Email: "a@example.com", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not at the given path: %v", err)
	}
}

func TestPragmas(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL: an acknowledged commit survives power loss
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
	} {
		var got string
		if err := s.Writer().QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("writer PRAGMA %s: got %s, want %s", tc.pragma, got, tc.want)
		}
	}
	if _, err := s.Reader().ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('x', 'y')`); err == nil {
		t.Errorf("write through the reader pool: got nil error, want query_only to refuse it")
	}
	if got := s.Writer().Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool: got MaxOpenConnections %d, want 1", got)
	}
}

func TestTwoStoresOnOneFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "shared.db")
	a := openAt(t, path)
	b := openAt(t, path)

	u, err := a.CreateUser(ctx, store.User{Email: "a@example.com", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.GetUserByEmail(ctx, "a@example.com")
	if err != nil || got.ID != u.ID {
		t.Fatalf("other store: GetUserByEmail: got %+v, %v; want user %d", got, err, u.ID)
	}
	if err := b.PutSettings(ctx, map[string]string{"title": "from b"}); err != nil {
		t.Fatal(err)
	}
	kv, err := a.GetSettings(ctx)
	if err != nil || kv["title"] != "from b" {
		t.Fatalf("first store: GetSettings: got %v, %v; want title from b", kv, err)
	}

	// Both write at once: the busy timeout serialises them, nobody fails.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		for j, s := range []*Store{a, b} {
			wg.Go(func() {
				_, err := s.AddEvent(ctx, store.Event{Kind: fmt.Sprintf("k%d-%d", j, i), Outcome: "ok"})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent AddEvent from two stores: %v", err)
		}
	}
	evs, err := a.ListEvents(ctx, store.EventFilter{})
	if err != nil || len(evs) != 40 {
		t.Errorf("ListEvents: got %d events, %v; want 40", len(evs), err)
	}
}

func TestTimesRoundTripExactly(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	zone := time.FixedZone("odd", 5*3600+45*60)
	for i, tm := range []time.Time{
		time.Date(2026, 3, 14, 15, 9, 26, 535897932, zone),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC), // near the end of int64 nanoseconds
		time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC),  // before the epoch
		{},
	} {
		e, err := s.AddEvent(ctx, store.Event{Kind: "t", Outcome: "ok", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		_ = e
		inv := store.Invite{Hash: []byte{byte(i)}, Role: store.RoleViewer, CreatedAt: time.Unix(1, 0), ExpiresAt: tm}
		if err := s.CreateInvite(ctx, inv); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetInvite(ctx, inv.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if !got.ExpiresAt.Equal(tm) || got.ExpiresAt.IsZero() != tm.IsZero() {
			t.Errorf("time %d: got %v, want %v", i, got.ExpiresAt, tm)
		}
		if !got.ExpiresAt.IsZero() && got.ExpiresAt.Location() != time.UTC {
			t.Errorf("time %d: got location %v, want UTC", i, got.ExpiresAt.Location())
		}
	}
}

func TestSearch(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
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
	slugs := func(q string) []string {
		t.Helper()
		hits, err := s.SearchPosts(ctx, q, store.PostFilter{})
		if err != nil {
			t.Fatalf("SearchPosts(%q): %v", q, err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Post.Slug)
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"zebra", "title excerpt body"}, // ranked: title, excerpt, body
		{`"quick brown"`, "phrase"},
		{"quick brown", "phrase apart"},
		{"quick -dogs", "phrase"},
		{`fox or dogs`, "phrase apart"},
		{`foo AND (`, ""},
		{`"`, ""},
	} {
		got := strings.Join(slugs(tc.q), " ")
		if tc.q == "quick brown" || tc.q == "fox or dogs" { // equal ranks: order open
			if len(got) != len(tc.want) {
				t.Errorf("SearchPosts(%q): got %q, want %q in any order", tc.q, got, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("SearchPosts(%q): got %q, want %q", tc.q, got, tc.want)
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

func TestFTSQuery(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"", "", false},
		{"  \t", "", false},
		{"foo", `(("foo"))`, true},
		{"foo bar", `(("foo" AND "bar"))`, true},
		{`"foo bar" baz`, `(("foo bar" AND "baz"))`, true},
		{`foo -bar`, `(("foo") NOT "bar")`, true},
		{`foo -"bar baz"`, `(("foo") NOT "bar baz")`, true},
		{`-foo`, "", false},
		{`foo or bar`, `(("foo")) OR (("bar"))`, true},
		{`foo OR`, `(("foo"))`, true},
		{`"or"`, `(("or"))`, true},
		{`foo AND (`, `(("foo" AND "AND"))`, true},
		{`NEAR(foo bar)`, `(("NEAR(foo" AND "bar)"))`, true},
		{`title:foo`, `(("title:foo"))`, true},
		{`"unterminated`, `(("unterminated"))`, true},
		{`a"b`, `(("a" AND "b"))`, true},
		{"foo\x00bar", `(("foo" AND "bar"))`, true},
		{"*", "", false},
		{"-", "", false},
		{`""`, "", false},
		{"日本語", `(("日本語"))`, true},
	} {
		got, ok := ftsQuery(tc.in)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("ftsQuery(%q): got %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestCloseReleasesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err == nil {
		t.Errorf("Ping after Close: got nil error")
	}
}

func TestTokensNeedALiveGrant(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	if _, err := s.CreateGrant(ctx, store.Grant{ID: "live", UserID: 1, ClientID: "c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGrant(ctx, store.Grant{ID: "revoked", UserID: 1, ClientID: "c", RevokedAt: time.Unix(5, 0)}); err != nil {
		t.Fatal(err)
	}
	tok := func(name, grant string, revoked bool) store.Token {
		tk := store.Token{Hash: []byte(name), Kind: store.TokenAccess, GrantID: grant}
		if revoked {
			tk.RevokedAt = time.Unix(6, 0)
		}
		return tk
	}
	for _, tc := range []struct {
		name string
		tok  store.Token
		want error
	}{
		{"live grant", tok("a", "live", false), nil},
		{"missing grant", tok("b", "missing", false), store.ErrNotFound},
		{"revoked grant", tok("c", "revoked", false), store.ErrConflict},
		{"revoked token of a revoked grant", tok("d", "revoked", true), nil},
		{"revoked token of a missing grant", tok("e", "missing", true), nil},
	} {
		err := s.CreateTokens(ctx, tc.tok)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("CreateTokens(%s): got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestDeleteClientTakesItsGrantsAndTokens(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	for _, id := range []string{"gone", "kept"} {
		if _, err := s.CreateClient(ctx, store.Client{ID: id, Type: store.ClientStatic}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGrant(ctx, store.Grant{ID: "grant-" + id, UserID: 1, ClientID: id}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTokens(ctx, store.Token{Hash: []byte("tok-" + id), Kind: store.TokenAccess, GrantID: "grant-" + id, ClientID: id}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAuthCode(ctx, store.AuthCode{Hash: []byte("code-" + id), ClientID: id, GrantID: "grant-" + id}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutConsent(ctx, store.Consent{UserID: 1, ClientID: id, RedirectHost: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteClient(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gone", "kept"} {
		want := error(nil)
		if id == "gone" {
			want = store.ErrNotFound
		}
		_, err1 := s.GetGrant(ctx, "grant-"+id)
		_, err2 := s.GetToken(ctx, []byte("tok-"+id))
		_, err3 := s.GetAuthCode(ctx, []byte("code-"+id))
		_, err4 := s.GetConsent(ctx, 1, id, "h")
		for i, err := range []error{err1, err2, err3, err4} {
			if !errors.Is(err, want) || (want == nil && err != nil) {
				t.Errorf("client %s, record %d after DeleteClient(gone): got %v, want %v", id, i, err, want)
			}
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
