package content_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// clock is a settable time source for Service.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a service on a real SQLite database with one user of each role
// (two authors) and helpers to act as them.
type env struct {
	t     *testing.T
	ctx   context.Context
	svc   *content.Service
	db    *sqlite.Store
	clock *clock

	// One user per role, and a second author.
	admin, editor, author, author2, viewer store.User
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, ctx: ctx, db: db, clock: &clock{t: t0}}
	e.svc = &content.Service{
		Store:   db,
		Now:     e.clock.Now,
		Logger:  slog.New(slog.DiscardHandler),
		BaseURL: "https://blog.example.com/",
	}
	mk := func(email, name string, role store.Role) store.User {
		u, err := db.CreateUser(ctx, store.User{Email: email, Name: name, Role: role})
		if err != nil {
			t.Fatalf("CreateUser %s: %v", email, err)
		}
		return u
	}
	e.admin = mk("admin@example.com", "Ada Admin", store.RoleAdmin)
	e.editor = mk("editor@example.com", "Eddie Editor", store.RoleEditor)
	e.author = mk("author@example.com", "Aurora Author", store.RoleAuthor)
	e.author2 = mk("author2@example.com", "Arne Author", store.RoleAuthor)
	e.viewer = mk("viewer@example.com", "Vera Viewer", store.RoleViewer)
	return e
}

// web acts as u in the web UI (all scopes).
func web(u store.User) content.Actor { return content.WebActor(u) }

// tok acts as u through an OAuth client holding scopes.
func tok(u store.User, scopes ...string) content.Actor {
	return content.TokenActor(u, "client-1", scopes)
}

// post creates a post as a (editor web actor by default) and moves it to
// status st, failing the test on error.
func (e *env) post(owner store.User, title string, st store.PostStatus) content.Post {
	e.t.Helper()
	a := web(owner)
	p, err := e.svc.CreatePost(e.ctx, a, content.NewPost{Title: title, Body: "Some *body* text."})
	if err != nil {
		e.t.Fatalf("CreatePost(%q): %v", title, err)
	}
	ed := web(e.editor)
	switch st {
	case store.StatusDraft:
	case store.StatusPending:
		p, err = e.svc.SubmitForReview(e.ctx, ed, p.ID)
	case store.StatusPublished:
		p, err = e.svc.Publish(e.ctx, ed, p.ID)
	case store.StatusScheduled:
		p, err = e.svc.Schedule(e.ctx, ed, p.ID, e.clock.Now().Add(48*time.Hour))
	case store.StatusTrash:
		p, err = e.svc.Trash(e.ctx, ed, p.ID)
	}
	if err != nil {
		e.t.Fatalf("moving %q to %s: %v", title, st, err)
	}
	return p
}

// checkErr asserts that err is a *content.Error of kind with field and
// needScope ("" to skip the field check use "*").
func checkErr(t *testing.T, err error, kind content.Kind, field, needScope string) {
	t.Helper()
	if kind == "" {
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		return
	}
	var ce *content.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want *content.Error of kind %s", err, err, kind)
	}
	if ce.Kind != kind {
		t.Fatalf("kind = %s (%q), want %s", ce.Kind, ce.Message, kind)
	}
	if field != "*" && ce.Field != field {
		t.Errorf("field = %q (%q), want %q", ce.Field, ce.Message, field)
	}
	if ce.NeedScope != needScope {
		t.Errorf("NeedScope = %q (%q), want %q", ce.NeedScope, ce.Message, needScope)
	}
	if ce.Message == "" {
		t.Errorf("empty message")
	}
}
