package content_test

import (
	"strings"
	"testing"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

func TestSeedDemo(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.SeedDemo(e.ctx, e.author.ID); err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	posts, err := e.db.CountPosts(e.ctx, store.TypePost)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := e.db.CountPosts(e.ctx, store.TypePage)
	if err != nil {
		t.Fatal(err)
	}
	comments, err := e.db.CountComments(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The counts SeedDemo's documentation claims.
	wantPosts := map[store.PostStatus]int64{store.StatusPublished: 31, store.StatusDraft: 2, store.StatusPending: 2, store.StatusScheduled: 2, store.StatusTrash: 2}
	for st, n := range wantPosts {
		if posts[st] != n {
			t.Errorf("%s posts = %d, want %d", st, posts[st], n)
		}
	}
	if pages[store.StatusPublished] != 4 || pages[store.StatusDraft] != 1 {
		t.Errorf("pages = %v, want 4 published and 1 draft", pages)
	}
	for _, st := range []store.CommentStatus{store.CommentApproved, store.CommentPending, store.CommentSpam, store.CommentTrash} {
		if comments[st] == 0 {
			t.Errorf("no %s comments: %v", st, comments)
		}
	}

	cats, err := e.svc.ListTerms(e.ctx, content.Actor{}, store.TaxCategory)
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, c := range cats {
		if c.Count > 0 {
			used++
		}
		if c.Name == c.Slug {
			t.Errorf("category %q has no proper name", c.Slug)
		}
	}
	if used < 5 {
		t.Errorf("%d categories with published posts, want ≥ 5", used)
	}
	tags, err := e.svc.ListTerms(e.ctx, content.Actor{}, store.TaxTag)
	if err != nil || len(tags) < 10 {
		t.Errorf("%d tags, %v; want ≥ 10", len(tags), err)
	}

	// Every published post reads like a post: several paragraphs, a URL, a
	// summary, and the public can see it. Slugs are unique and valid.
	list, err := e.svc.ListPosts(e.ctx, content.Actor{}, content.PostQuery{Type: store.TypePost, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 31 {
		t.Errorf("public sees %d posts, want 31", list.Total)
	}
	seen := map[string]bool{}
	for _, p := range list.Posts {
		if n := strings.Count(strings.TrimSpace(p.Body), "\n\n") + 1; n < 3 {
			t.Errorf("post %q has %d paragraphs", p.Title, n)
		}
		if p.URL == "" || len(strings.Fields(p.Summary)) < 20 || len(p.Categories) == 0 || p.PublishedAt.After(t0) {
			t.Errorf("post %q: url %q, summary %q, categories %v, published %v", p.Title, p.URL, p.Summary, p.Categories, p.PublishedAt)
		}
		if seen[p.Slug] || !content.ValidSlug(p.Slug) {
			t.Errorf("slug %q duplicated or invalid", p.Slug)
		}
		seen[p.Slug] = true
	}
	if _, err := e.svc.GetPostBySlug(e.ctx, content.Actor{}, store.TypePage, "about"); err != nil {
		t.Errorf("about page: %v", err)
	}
	child, err := e.svc.GetPostBySlug(e.ctx, content.Actor{}, store.TypePage, "opening-hours")
	if err != nil || child.ParentID == 0 {
		t.Errorf("opening-hours page: parent %d, %v", child.ParentID, err)
	}

	// Threaded replies exist, by the site's user, and every parent is on the same post.
	all, err := e.svc.ListComments(e.ctx, web(e.editor), content.CommentQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	replies, staff := 0, 0
	byID := map[int64]store.Comment{}
	for _, c := range all.Comments {
		byID[c.ID] = c
	}
	for _, c := range all.Comments {
		if c.ParentID != 0 {
			replies++
			if byID[c.ParentID].PostID != c.PostID {
				t.Errorf("comment %d replies to %d on another post", c.ID, c.ParentID)
			}
		}
		if c.UserID == e.author.ID {
			staff++
		}
	}
	if replies < 5 || staff < 5 {
		t.Errorf("%d replies, %d by staff; want several of each", replies, staff)
	}
	depth := 0
	var walk func(ns []content.CommentNode)
	walk = func(ns []content.CommentNode) {
		for _, n := range ns {
			depth = max(depth, n.Depth)
			walk(n.Replies)
		}
	}
	walk(content.Thread(all.Comments))
	if depth < 2 {
		t.Errorf("deepest reply at depth %d, want ≥ 2", depth)
	}

	// Search finds seeded text.
	hits, err := e.svc.SearchPosts(e.ctx, content.Actor{}, "sourdough", content.PostQuery{})
	if err != nil || len(hits) == 0 {
		t.Errorf("search sourdough: %d hits, %v", len(hits), err)
	}

	// Scheduled posts are in the future and PublishDue publishes them when due.
	sched, err := e.svc.ListPosts(e.ctx, web(e.editor), content.PostQuery{Statuses: []store.PostStatus{store.StatusScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sched.Posts {
		if !p.PublishedAt.After(t0) {
			t.Errorf("scheduled post %q is due at %v, before now", p.Title, p.PublishedAt)
		}
	}

	// Idempotent: a second run adds nothing.
	if err := e.svc.SeedDemo(e.ctx, e.author.ID); err != nil {
		t.Fatal(err)
	}
	again, err := e.db.CountPosts(e.ctx, store.TypePost)
	if err != nil {
		t.Fatal(err)
	}
	for st, n := range posts {
		if again[st] != n {
			t.Errorf("after a second SeedDemo, %s posts = %d, want %d", st, again[st], n)
		}
	}
}

func TestSeedDemoSkipsNonEmptySite(t *testing.T) {
	e := newEnv(t)
	e.post(e.editor, "Existing", store.StatusTrash)
	if err := e.svc.SeedDemo(e.ctx, e.author.ID); err != nil {
		t.Fatal(err)
	}
	l, err := e.svc.ListPosts(e.ctx, web(e.editor), content.PostQuery{Statuses: []store.PostStatus{store.StatusPublished, store.StatusTrash, store.StatusDraft}})
	if err != nil || l.Total != 1 {
		t.Errorf("site has %d posts, %v; want only the existing one", l.Total, err)
	}
	e2 := newEnv(t)
	checkErr(t, e2.svc.SeedDemo(e2.ctx, 999), content.KindInvalid, "author_id", "")
}
