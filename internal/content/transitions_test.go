package content_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

var allStatuses = []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusPublished, store.StatusTrash}

func TestTransitionTable(t *testing.T) {
	allowed := map[[2]store.PostStatus]bool{}
	for _, pair := range [][2]store.PostStatus{
		{store.StatusDraft, store.StatusPending}, {store.StatusDraft, store.StatusScheduled}, {store.StatusDraft, store.StatusPublished}, {store.StatusDraft, store.StatusTrash},
		{store.StatusPending, store.StatusDraft}, {store.StatusPending, store.StatusScheduled}, {store.StatusPending, store.StatusPublished}, {store.StatusPending, store.StatusTrash},
		{store.StatusScheduled, store.StatusDraft}, {store.StatusScheduled, store.StatusScheduled}, {store.StatusScheduled, store.StatusPublished}, {store.StatusScheduled, store.StatusTrash},
		{store.StatusPublished, store.StatusDraft}, {store.StatusPublished, store.StatusTrash},
	} {
		allowed[pair] = true
	}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			if got := content.CanTransition(from, to); got != allowed[[2]store.PostStatus{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v", from, to, got)
			}
		}
	}
}

// TestTransitions runs every operation from every status through the
// service and checks the resulting status or the KindInvalid error.
func TestTransitions(t *testing.T) {
	e := newEnv(t)
	ed := web(e.editor)
	ops := []struct {
		name string
		do   func(ctx context.Context, id int64) (content.Post, error)
		// want maps the starting status to the result; absent = invalid.
		want map[store.PostStatus]store.PostStatus
	}{
		{"publish", func(ctx context.Context, id int64) (content.Post, error) { return e.svc.Publish(ctx, ed, id) },
			map[store.PostStatus]store.PostStatus{store.StatusDraft: store.StatusPublished, store.StatusPending: store.StatusPublished, store.StatusScheduled: store.StatusPublished}},
		{"schedule", func(ctx context.Context, id int64) (content.Post, error) {
			return e.svc.Schedule(ctx, ed, id, e.clock.Now().Add(time.Hour))
		},
			map[store.PostStatus]store.PostStatus{store.StatusDraft: store.StatusScheduled, store.StatusPending: store.StatusScheduled, store.StatusScheduled: store.StatusScheduled}},
		{"unpublish", func(ctx context.Context, id int64) (content.Post, error) { return e.svc.Unpublish(ctx, ed, id) },
			map[store.PostStatus]store.PostStatus{store.StatusPending: store.StatusDraft, store.StatusScheduled: store.StatusDraft, store.StatusPublished: store.StatusDraft}},
		{"submit", func(ctx context.Context, id int64) (content.Post, error) { return e.svc.SubmitForReview(ctx, ed, id) },
			map[store.PostStatus]store.PostStatus{store.StatusDraft: store.StatusPending}},
		{"trash", func(ctx context.Context, id int64) (content.Post, error) { return e.svc.Trash(ctx, ed, id) },
			map[store.PostStatus]store.PostStatus{store.StatusDraft: store.StatusTrash, store.StatusPending: store.StatusTrash, store.StatusScheduled: store.StatusTrash, store.StatusPublished: store.StatusTrash}},
		{"restore", func(ctx context.Context, id int64) (content.Post, error) { return e.svc.Restore(ctx, ed, id) },
			map[store.PostStatus]store.PostStatus{store.StatusTrash: store.StatusDraft}}, // e.post trashes drafts
	}
	for _, op := range ops {
		for _, from := range allStatuses {
			t.Run(fmt.Sprintf("%s from %s", op.name, from), func(t *testing.T) {
				p := e.post(e.author, op.name+" "+string(from), from)
				got, err := op.do(e.ctx, p.ID)
				want, ok := op.want[from]
				if !ok {
					checkErr(t, err, content.KindInvalid, "status", "")
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != want {
					t.Errorf("status = %s, want %s", got.Status, want)
				}
				if got.ModifiedBy != e.editor.ID || got.Version != p.Version+1 {
					t.Errorf("modified by %d version %d, want %d and %d", got.ModifiedBy, got.Version, e.editor.ID, p.Version+1)
				}
				switch want {
				case store.StatusPublished:
					if !got.PublishedAt.Equal(e.clock.Now()) || got.URL == "" {
						t.Errorf("published at %v url %q, want now and a URL", got.PublishedAt, got.URL)
					}
				case store.StatusDraft, store.StatusPending:
					if !got.PublishedAt.IsZero() || got.URL != "" {
						t.Errorf("published at %v url %q, want zero and none", got.PublishedAt, got.URL)
					}
				case store.StatusTrash:
					if got.TrashedFrom != from {
						t.Errorf("TrashedFrom = %s, want %s", got.TrashedFrom, from)
					}
				}
			})
		}
	}
}

func TestTrashRestoreDelete(t *testing.T) {
	e := newEnv(t)
	ed := web(e.editor)
	for _, from := range []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusPublished} {
		p := e.post(e.author, "restore "+string(from), from)
		if _, err := e.svc.Trash(e.ctx, ed, p.ID); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Restore(e.ctx, ed, p.ID)
		if err != nil || got.Status != from || got.TrashedFrom != "" {
			t.Errorf("restore of a %s post: %s (trashed from %q), %v", from, got.Status, got.TrashedFrom, err)
		}
	}

	// A scheduled post whose time passed while in the trash comes back as a draft.
	p := e.post(e.author, "late", store.StatusScheduled)
	if _, err := e.svc.Trash(e.ctx, ed, p.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(72 * time.Hour)
	got, err := e.svc.Restore(e.ctx, ed, p.ID)
	if err != nil || got.Status != store.StatusDraft {
		t.Errorf("restore of an overdue scheduled post: %s, %v; want draft", got.Status, err)
	}
	_, err = e.svc.Restore(e.ctx, ed, p.ID)
	checkErr(t, err, content.KindInvalid, "status", "")

	// Delete only from the trash, and only with the delete capability.
	p = e.post(e.author, "doomed", store.StatusPublished)
	c, err := e.svc.CreateComment(e.ctx, web(e.author), content.NewComment{PostID: p.ID, Body: "first"})
	if err != nil {
		t.Fatal(err)
	}
	checkErr(t, e.svc.DeletePost(e.ctx, ed, p.ID), content.KindInvalid, "status", "")
	if _, err := e.svc.Trash(e.ctx, ed, p.ID); err != nil {
		t.Fatal(err)
	}
	// Trash is private: another author may not even see it.
	checkErr(t, e.svc.DeletePost(e.ctx, web(e.author2), p.ID), content.KindNotFound, "id", "")
	checkErr(t, e.svc.DeletePost(e.ctx, tok(e.author, content.ScopeRead, content.ScopeWrite), p.ID), content.KindForbidden, "", content.ScopePublish)
	checkErr(t, e.svc.DeletePost(e.ctx, tok(e.author, content.ScopeRead, content.ScopePublish), p.ID), "", "", "")
	_, err = e.svc.GetPost(e.ctx, ed, p.ID)
	checkErr(t, err, content.KindNotFound, "id", "")
	if _, err := e.db.GetComment(e.ctx, c.ID); err == nil {
		t.Errorf("comment of a deleted post survived")
	}
}

// TestTransitionPermissions: who may move whose post.
func TestTransitionPermissions(t *testing.T) {
	e := newEnv(t)
	all := content.Scopes()
	noPublish := []string{content.ScopeRead, content.ScopeWrite}
	tests := []struct {
		name      string
		a         content.Actor
		owner     func() store.User
		from      store.PostStatus
		op        string
		wantKind  content.Kind
		wantScope string
	}{
		{"author publishes own", tok(e.author, all...), func() store.User { return e.author }, store.StatusDraft, "publish", "", ""},
		{"author without content:publish", tok(e.author, noPublish...), func() store.User { return e.author }, store.StatusDraft, "publish", content.KindForbidden, content.ScopePublish},
		{"author cannot publish another author's draft", tok(e.author, all...), func() store.User { return e.author2 }, store.StatusDraft, "publish", content.KindNotFound, ""},
		{"author cannot publish another author's pending post", tok(e.author, all...), func() store.User { return e.author2 }, store.StatusPending, "publish", content.KindNotFound, ""},
		{"author cannot unpublish another author's post", tok(e.author, all...), func() store.User { return e.author2 }, store.StatusPublished, "unpublish", content.KindForbidden, ""},
		{"author cannot trash another author's post", web(e.author), func() store.User { return e.author2 }, store.StatusPublished, "trash", content.KindForbidden, ""},
		{"author trashes own", tok(e.author, content.ScopeRead, content.ScopePublish), func() store.User { return e.author }, store.StatusPublished, "trash", "", ""},
		{"author trash needs content:publish", tok(e.author, noPublish...), func() store.User { return e.author }, store.StatusDraft, "trash", content.KindForbidden, content.ScopePublish},
		{"author submits own with content:write", tok(e.author, noPublish...), func() store.User { return e.author }, store.StatusDraft, "submit", "", ""},
		{"author unpublish own live post needs content:publish", tok(e.author, noPublish...), func() store.User { return e.author }, store.StatusPublished, "unpublish", content.KindForbidden, content.ScopePublish},
		{"author takes own pending back to draft with content:write", tok(e.author, noPublish...), func() store.User { return e.author }, store.StatusPending, "unpublish", "", ""},
		{"editor publishes anyone's", tok(e.editor, all...), func() store.User { return e.author2 }, store.StatusPending, "publish", "", ""},
		{"editor without content:publish", tok(e.editor, noPublish...), func() store.User { return e.author2 }, store.StatusPending, "publish", content.KindForbidden, content.ScopePublish},
		{"editor schedules anyone's", web(e.editor), func() store.User { return e.author2 }, store.StatusDraft, "schedule", "", ""},
		{"viewer cannot unpublish", web(e.viewer), func() store.User { return e.author }, store.StatusPublished, "unpublish", content.KindForbidden, ""},
		{"anonymous cannot trash", content.Actor{}, func() store.User { return e.author }, store.StatusPublished, "trash", content.KindForbidden, ""},
		{"admin restores anyone's", web(e.admin), func() store.User { return e.author }, store.StatusTrash, "restore", "", ""},
		{"author cannot restore another's", web(e.author), func() store.User { return e.author2 }, store.StatusTrash, "restore", content.KindNotFound, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.post(tt.owner(), fmt.Sprintf("perm %d", i), tt.from)
			var err error
			switch tt.op {
			case "publish":
				_, err = e.svc.Publish(e.ctx, tt.a, p.ID)
			case "schedule":
				_, err = e.svc.Schedule(e.ctx, tt.a, p.ID, e.clock.Now().Add(time.Hour))
			case "unpublish":
				_, err = e.svc.Unpublish(e.ctx, tt.a, p.ID)
			case "submit":
				_, err = e.svc.SubmitForReview(e.ctx, tt.a, p.ID)
			case "trash":
				_, err = e.svc.Trash(e.ctx, tt.a, p.ID)
			case "restore":
				_, err = e.svc.Restore(e.ctx, tt.a, p.ID)
			}
			checkErr(t, err, tt.wantKind, "*", tt.wantScope)
			after, _ := e.db.GetPost(e.ctx, p.ID)
			if (err != nil) != (after.Version == p.Version) {
				t.Errorf("version %d → %d with err %v", p.Version, after.Version, err)
			}
		})
	}
	t.Run("schedule in the past", func(t *testing.T) {
		p := e.post(e.author, "past", store.StatusDraft)
		_, err := e.svc.Schedule(e.ctx, web(e.author), p.ID, e.clock.Now().Add(-time.Minute))
		checkErr(t, err, content.KindInvalid, "publish_at", "")
	})
	t.Run("pages are editors' business", func(t *testing.T) {
		pg, err := e.svc.CreatePost(e.ctx, web(e.editor), content.NewPost{Type: store.TypePage, Title: "About", Status: store.StatusPublished})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Unpublish(e.ctx, web(e.author), pg.ID)
		checkErr(t, err, content.KindForbidden, "", "")
		if got, err := e.svc.Unpublish(e.ctx, web(e.editor), pg.ID); err != nil || got.Status != store.StatusDraft {
			t.Errorf("editor unpublish page: %s, %v", got.Status, err)
		}
	})
}

func TestPublishDue(t *testing.T) {
	e := newEnv(t)
	soon := e.post(e.author, "Soon", store.StatusDraft)
	later := e.post(e.author, "Later", store.StatusDraft)
	var err error
	if soon, err = e.svc.Schedule(e.ctx, web(e.author), soon.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err = e.svc.Schedule(e.ctx, web(e.author), later.ID, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Not yet due.
	if n, err := e.svc.PublishDue(e.ctx, t0.Add(59*time.Minute)); n != 0 || err != nil {
		t.Fatalf("PublishDue before time = %d, %v", n, err)
	}
	n, err := e.svc.PublishDue(e.ctx, t0.Add(2*time.Hour))
	if n != 1 || err != nil {
		t.Fatalf("PublishDue = %d, %v; want 1", n, err)
	}
	got, err := e.svc.GetPost(e.ctx, content.Actor{}, soon.ID)
	if err != nil {
		t.Fatalf("published post not public: %v", err)
	}
	if got.Status != store.StatusPublished || !got.PublishedAt.Equal(t0.Add(time.Hour)) || got.ModifiedVia != content.ViaScheduler || got.ModifiedBy != 0 {
		t.Errorf("got %s at %v via %q by %d; want published at the planned time via the scheduler", got.Status, got.PublishedAt, got.ModifiedVia, got.ModifiedBy)
	}
	if n, err := e.svc.PublishDue(e.ctx, t0.Add(2*time.Hour)); n != 0 || err != nil {
		t.Errorf("second PublishDue = %d, %v; want 0", n, err)
	}
	if n, err := e.svc.PublishDue(e.ctx, t0.Add(3*time.Hour)); n != 1 || err != nil {
		t.Errorf("PublishDue at the later time = %d, %v; want 1", n, err)
	}
}
