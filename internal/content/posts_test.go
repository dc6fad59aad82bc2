package content_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

func TestCreatePost(t *testing.T) {
	e := newEnv(t)
	in := func(mod func(*content.NewPost)) content.NewPost {
		p := content.NewPost{Title: "Hello", Body: "Body"}
		if mod != nil {
			mod(&p)
		}
		return p
	}
	if _, err := e.svc.CreateTerm(e.ctx, web(e.editor), content.NewTerm{Taxonomy: store.TaxCategory, Name: "Coffee"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		a          content.Actor
		in         content.NewPost
		wantKind   content.Kind
		wantField  string
		wantScope  string
		wantStatus store.PostStatus
	}{
		{"author draft", web(e.author), in(nil), "", "", "", store.StatusDraft},
		{"author draft via token", tok(e.author, content.ScopeWrite), in(nil), "", "", "", store.StatusDraft},
		{"author submits for review", tok(e.author, content.ScopeWrite), in(func(p *content.NewPost) { p.Status = store.StatusPending }), "", "", "", store.StatusPending},
		{"author publishes own", tok(e.author, content.ScopeWrite, content.ScopePublish), in(func(p *content.NewPost) { p.Status = store.StatusPublished }), "", "", "", store.StatusPublished},
		{"author publish without scope", tok(e.author, content.ScopeWrite), in(func(p *content.NewPost) { p.Status = store.StatusPublished }), content.KindForbidden, "", content.ScopePublish, ""},
		{"author schedules", web(e.author), in(func(p *content.NewPost) { p.Status = store.StatusScheduled; p.PublishAt = t0.Add(time.Hour) }), "", "", "", store.StatusScheduled},
		{"schedule in the past", web(e.author), in(func(p *content.NewPost) { p.Status = store.StatusScheduled; p.PublishAt = t0.Add(-time.Hour) }), content.KindInvalid, "publish_at", "", ""},
		{"schedule without time", web(e.author), in(func(p *content.NewPost) { p.Status = store.StatusScheduled }), content.KindInvalid, "publish_at", "", ""},
		{"create in trash", web(e.author), in(func(p *content.NewPost) { p.Status = store.StatusTrash }), content.KindInvalid, "status", "", ""},
		{"viewer cannot write", web(e.viewer), in(nil), content.KindForbidden, "", "", ""},
		{"read-only token", tok(e.author, content.ScopeRead), in(nil), content.KindForbidden, "", content.ScopeWrite, ""},
		{"anonymous", content.Actor{}, in(nil), content.KindForbidden, "", "", ""},
		{"author cannot create pages", web(e.author), in(func(p *content.NewPost) { p.Type = store.TypePage }), content.KindForbidden, "", "", ""},
		{"editor creates page", web(e.editor), in(func(p *content.NewPost) { p.Type = store.TypePage }), "", "", "", store.StatusDraft},
		{"bad type", web(e.editor), in(func(p *content.NewPost) { p.Type = "note" }), content.KindInvalid, "type", "", ""},
		{"empty title", web(e.author), in(func(p *content.NewPost) { p.Title = "  " }), content.KindInvalid, "title", "", ""},
		{"long title", web(e.author), in(func(p *content.NewPost) { p.Title = strings.Repeat("é", 301) }), content.KindInvalid, "title", "", ""},
		{"title of 300", web(e.author), in(func(p *content.NewPost) { p.Title = strings.Repeat("é", 300) }), "", "", "", store.StatusDraft},
		{"multi-line title", web(e.author), in(func(p *content.NewPost) { p.Title = "a\nb" }), content.KindInvalid, "title", "", ""},
		{"body over 1 MiB", web(e.author), in(func(p *content.NewPost) { p.Body = strings.Repeat("x", 1<<20+1) }), content.KindInvalid, "body", "", ""},
		{"body not UTF-8", web(e.author), in(func(p *content.NewPost) { p.Body = "\xff" }), content.KindInvalid, "body", "", ""},
		{"bad slug", web(e.author), in(func(p *content.NewPost) { p.Slug = "Hello World" }), content.KindInvalid, "slug", "", ""},
		{"long excerpt", web(e.author), in(func(p *content.NewPost) { p.Excerpt = strings.Repeat("x", 1001) }), content.KindInvalid, "excerpt", "", ""},
		{"existing category by name", web(e.author), in(func(p *content.NewPost) { p.Categories = []string{"coffee"} }), "", "", "", store.StatusDraft},
		{"unknown category by author", web(e.author), in(func(p *content.NewPost) { p.Categories = []string{"Tea"} }), content.KindInvalid, "categories", "", ""},
		{"unknown category by editor", web(e.editor), in(func(p *content.NewPost) { p.Categories = []string{"Tea"} }), "", "", "", store.StatusDraft},
		{"new tag by author", web(e.author), in(func(p *content.NewPost) { p.Tags = []string{"Pour Over"} }), "", "", "", store.StatusDraft},
		{"tag without letters", web(e.author), in(func(p *content.NewPost) { p.Tags = []string{"!!!"} }), content.KindInvalid, "tags", "", ""},
		{"too many tags", web(e.author), in(func(p *content.NewPost) { p.Tags = make([]string, 31) }), content.KindInvalid, "tags", "", ""},
		{"page with category", web(e.editor), in(func(p *content.NewPost) { p.Type = store.TypePage; p.Categories = []string{"coffee"} }), content.KindInvalid, "categories", "", ""},
		{"author cannot feature", web(e.author), in(func(p *content.NewPost) { p.Featured = true }), content.KindForbidden, "", "", ""},
		{"editor features", web(e.editor), in(func(p *content.NewPost) { p.Featured = true }), "", "", "", store.StatusDraft},
		{"parent on a post", web(e.editor), in(func(p *content.NewPost) { p.ParentID = 1 }), content.KindInvalid, "parent_id", "", ""},
		{"missing parent page", web(e.editor), in(func(p *content.NewPost) { p.Type = store.TypePage; p.ParentID = 999 }), content.KindInvalid, "parent_id", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.CreatePost(e.ctx, tt.a, tt.in)
			checkErr(t, err, tt.wantKind, tt.wantField, tt.wantScope)
			if err != nil {
				return
			}
			if got.Status != tt.wantStatus {
				t.Errorf("status = %s, want %s", got.Status, tt.wantStatus)
			}
			if got.AuthorID != tt.a.UserID || got.ModifiedBy != tt.a.UserID || got.ModifiedVia != tt.a.Via {
				t.Errorf("author/modified = %d/%d/%q, want %d/%d/%q", got.AuthorID, got.ModifiedBy, got.ModifiedVia, tt.a.UserID, tt.a.UserID, tt.a.Via)
			}
			if !content.ValidSlug(got.Slug) {
				t.Errorf("slug %q is not valid", got.Slug)
			}
			wantURL := ""
			if got.Status == store.StatusPublished {
				wantURL = "https://blog.example.com/" + map[store.PostType]string{store.TypePost: "posts/", store.TypePage: "pages/"}[got.Type] + got.Slug
			}
			if got.URL != wantURL {
				t.Errorf("URL = %q, want %q", got.URL, wantURL)
			}
		})
	}

	t.Run("terms are resolved to slugs with names", func(t *testing.T) {
		p, err := e.svc.CreatePost(e.ctx, web(e.editor), content.NewPost{Title: "Terms", Categories: []string{"Coffee", "Crème Brûlée"}, Tags: []string{"Pour Over", "pour-over"}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(p.Categories, ","), "coffee,creme-brulee"; got != want {
			t.Errorf("categories = %s, want %s", got, want)
		}
		if got, want := strings.Join(p.Tags, ","), "pour-over"; got != want {
			t.Errorf("tags = %s, want %s", got, want)
		}
		term, err := e.db.GetTerm(e.ctx, store.TaxCategory, "creme-brulee")
		if err != nil || term.Name != "Crème Brûlée" {
			t.Errorf("term = %+v, %v; want name Crème Brûlée", term, err)
		}
	})
}

func TestSlugs(t *testing.T) {
	e := newEnv(t)
	a := web(e.editor)
	var got []string
	for range 3 {
		p, err := e.svc.CreatePost(e.ctx, a, content.NewPost{Title: "Crème Brûlée & Coffee!"})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Slug)
	}
	want := []string{"creme-brulee-and-coffee", "creme-brulee-and-coffee-2", "creme-brulee-and-coffee-3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("slugs = %v, want %v", got, want)
	}
	page, err := e.svc.CreatePost(e.ctx, a, content.NewPost{Type: store.TypePage, Title: "Crème brûlée and coffee"})
	if err != nil || page.Slug != want[0] {
		t.Errorf("page slug = %q, %v; want %q (slugs are unique per type)", page.Slug, err, want[0])
	}
	_, err = e.svc.CreatePost(e.ctx, a, content.NewPost{Title: "Other", Slug: want[1]})
	checkErr(t, err, content.KindConflict, "slug", "")

	p, err := e.svc.CreatePost(e.ctx, a, content.NewPost{Title: "日本語"})
	if err != nil || p.Slug != "post" {
		t.Errorf("non-Latin title slug = %q, %v; want post", p.Slug, err)
	}

	slugTests := map[string]string{
		"Hello, World":                "hello-world",
		"  --Baker's   dozen--  ":     "bakers-dozen",
		"Smørrebrød in Århus":         "smorrebrod-in-arhus",
		"Straße":                      "strasse",
		"100% Arabica (2026 harvest)": "100-arabica-2026-harvest",
		strings.Repeat("word ", 40):   strings.TrimSuffix(strings.Repeat("word-", 16), "-"),
	}
	for in, want := range slugTests {
		if got := content.Slugify(in); got != want || !content.ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	for s, want := range map[string]bool{"a": true, "a-b-1": true, "": false, "-a": false, "a--b": false, "A": false, "a_b": false, strings.Repeat("a", 201): false} {
		if got := content.ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestReadVisibility(t *testing.T) {
	e := newEnv(t)
	pub := e.post(e.author, "Published by author", store.StatusPublished)
	mine := e.post(e.author, "Draft by author", store.StatusDraft)
	theirs := e.post(e.author2, "Draft by author2", store.StatusDraft)
	pending := e.post(e.author2, "Pending by author2", store.StatusPending)
	trashed := e.post(e.author, "Trashed by author", store.StatusTrash)

	tests := []struct {
		name      string
		a         content.Actor
		p         content.Post
		wantKind  content.Kind
		wantScope string
	}{
		{"anonymous reads published", content.Actor{}, pub, "", ""},
		{"anonymous cannot see drafts", content.Actor{}, mine, content.KindNotFound, ""},
		{"viewer reads published", tok(e.viewer, content.ScopeRead), pub, "", ""},
		{"viewer sees no drafts", tok(e.viewer, content.ScopeRead), mine, content.KindNotFound, ""},
		{"viewer sees no pending", web(e.viewer), pending, content.KindNotFound, ""},
		{"author sees own draft", tok(e.author, content.ScopeRead), mine, "", ""},
		{"author sees own trash", web(e.author), trashed, "", ""},
		{"author does not see others' drafts", web(e.author), theirs, content.KindNotFound, ""},
		{"editor sees others' drafts", web(e.editor), theirs, "", ""},
		{"editor sees pending", tok(e.editor, content.ScopeRead), pending, "", ""},
		{"token without content:read", tok(e.editor, content.ScopeWrite), pub, content.KindForbidden, content.ScopeRead},
		{"own draft without content:read", tok(e.author, content.ScopeWrite), mine, content.KindForbidden, content.ScopeRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.GetPost(e.ctx, tt.a, tt.p.ID)
			checkErr(t, err, tt.wantKind, "*", tt.wantScope)
			if err == nil && got.ID != tt.p.ID {
				t.Errorf("got post %d, want %d", got.ID, tt.p.ID)
			}
			got, err = e.svc.GetPostBySlug(e.ctx, tt.a, tt.p.Type, tt.p.Slug)
			checkErr(t, err, tt.wantKind, "*", tt.wantScope)
			if err == nil && got.ID != tt.p.ID {
				t.Errorf("by slug: got post %d, want %d", got.ID, tt.p.ID)
			}
		})
	}
	_, err := e.svc.GetPost(e.ctx, web(e.admin), 12345)
	checkErr(t, err, content.KindNotFound, "id", "")
	_, err = e.svc.GetPostBySlug(e.ctx, content.Actor{}, store.TypePost, "../etc/passwd")
	checkErr(t, err, content.KindNotFound, "slug", "")
}

func TestListPosts(t *testing.T) {
	e := newEnv(t)
	ids := map[string]int64{}
	for _, p := range []struct {
		owner func() store.User
		title string
		st    store.PostStatus
	}{
		{func() store.User { return e.author }, "a-pub", store.StatusPublished},
		{func() store.User { return e.author }, "a-draft", store.StatusDraft},
		{func() store.User { return e.author }, "a-trash", store.StatusTrash},
		{func() store.User { return e.author2 }, "b-pub", store.StatusPublished},
		{func() store.User { return e.author2 }, "b-draft", store.StatusDraft},
		{func() store.User { return e.author2 }, "b-pending", store.StatusPending},
		{func() store.User { return e.author2 }, "b-scheduled", store.StatusScheduled},
	} {
		ids[p.title] = e.post(p.owner(), p.title, p.st).ID
		e.clock.Add(time.Minute)
	}
	titles := func(l content.PostList) string {
		var out []string
		for _, p := range l.Posts {
			out = append(out, p.Title)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name      string
		a         content.Actor
		q         content.PostQuery
		want      string // titles newest first (published, else created)
		wantKind  content.Kind
		wantField string
	}{
		{"anonymous: published", content.Actor{}, content.PostQuery{}, "b-pub,a-pub", "", ""},
		{"viewer: published", tok(e.viewer, content.ScopeRead), content.PostQuery{}, "b-pub,a-pub", "", ""},
		{"viewer asking drafts: forbidden", tok(e.viewer, content.ScopeRead), content.PostQuery{Statuses: []store.PostStatus{store.StatusDraft}}, "", content.KindForbidden, ""},
		{"viewer asking all: published only", web(e.viewer), content.PostQuery{Statuses: []store.PostStatus{store.StatusDraft, store.StatusPublished}}, "b-pub,a-pub", "", ""},
		{"author: published by default", web(e.author), content.PostQuery{}, "b-pub,a-pub", "", ""},
		{"author: own, every status but trash", web(e.author), content.PostQuery{AuthorID: e.author.ID}, "a-draft,a-pub", "", ""},
		{"author: drafts means own drafts", web(e.author), content.PostQuery{Statuses: []store.PostStatus{store.StatusDraft}}, "a-draft", "", ""},
		{"author: own trash", web(e.author), content.PostQuery{Statuses: []store.PostStatus{store.StatusTrash}}, "a-trash", "", ""},
		{"author: others' drafts forbidden", web(e.author), content.PostQuery{AuthorID: e.author2.ID, Statuses: []store.PostStatus{store.StatusDraft}}, "", content.KindForbidden, ""},
		{"author: mixed without author", web(e.author), content.PostQuery{Statuses: []store.PostStatus{store.StatusDraft, store.StatusPublished}}, "", content.KindInvalid, "status"},
		{"editor: everything but trash", web(e.editor), content.PostQuery{}, "b-scheduled,b-pending,b-draft,b-pub,a-draft,a-pub", "", ""},
		{"editor: pending", tok(e.editor, content.ScopeRead), content.PostQuery{Statuses: []store.PostStatus{store.StatusPending}}, "b-pending", "", ""},
		{"editor: by author", web(e.editor), content.PostQuery{AuthorID: e.author2.ID, Statuses: []store.PostStatus{store.StatusDraft}}, "b-draft", "", ""},
		{"pagination", web(e.editor), content.PostQuery{Offset: 1, Limit: 2}, "b-pending,b-draft", "", ""},
		{"date range", web(e.editor), content.PostQuery{Statuses: []store.PostStatus{store.StatusDraft}, After: t0.Add(4 * time.Minute)}, "b-draft", "", ""},
		{"bad status", web(e.editor), content.PostQuery{Statuses: []store.PostStatus{"live"}}, "", content.KindInvalid, "status"},
		{"bad range", web(e.editor), content.PostQuery{After: t0, Before: t0}, "", content.KindInvalid, "before"},
		{"negative offset", web(e.editor), content.PostQuery{Offset: -1}, "", content.KindInvalid, "offset"},
		{"without content:read", tok(e.editor, content.ScopeWrite), content.PostQuery{}, "", content.KindForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.ListPosts(e.ctx, tt.a, tt.q)
			wantScope := ""
			if tt.name == "without content:read" {
				wantScope = content.ScopeRead
			}
			checkErr(t, err, tt.wantKind, tt.wantField, wantScope)
			if err != nil {
				return
			}
			if titles(got) != tt.want {
				t.Errorf("titles = %s, want %s", titles(got), tt.want)
			}
			if tt.name == "pagination" && (got.Total != 6 || got.Limit != 2 || got.Offset != 1) {
				t.Errorf("total/offset/limit = %d/%d/%d, want 6/1/2", got.Total, got.Offset, got.Limit)
			}
		})
	}
	l, err := e.svc.ListPosts(e.ctx, web(e.editor), content.PostQuery{Limit: 1000})
	if err != nil || l.Limit != content.MaxLimit {
		t.Errorf("limit 1000 → %d, %v; want clamped to %d", l.Limit, err, content.MaxLimit)
	}
}

func TestSearchPosts(t *testing.T) {
	e := newEnv(t)
	ed := web(e.editor)
	pub, err := e.svc.CreatePost(e.ctx, ed, content.NewPost{Title: "Espresso ratios", Body: "How we pull espresso shots.", Status: store.StatusPublished})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreatePost(e.ctx, ed, content.NewPost{Title: "Secret espresso draft", Body: "Not yet."}); err != nil {
		t.Fatal(err)
	}
	hits, err := e.svc.SearchPosts(e.ctx, content.Actor{}, "espresso", content.PostQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Post.ID != pub.ID || hits[0].Post.URL == "" {
		t.Errorf("anonymous hits = %+v, want only the published post", hits)
	}
	hits, err = e.svc.SearchPosts(e.ctx, ed, "espresso", content.PostQuery{})
	if err != nil || len(hits) != 2 {
		t.Errorf("editor hits = %d, %v; want 2", len(hits), err)
	}
	_, err = e.svc.SearchPosts(e.ctx, ed, "  ", content.PostQuery{})
	checkErr(t, err, content.KindInvalid, "query", "")
}

func TestUpdatePost(t *testing.T) {
	e := newEnv(t)
	str := func(s string) *string { return &s }
	mine := e.post(e.author, "Mine", store.StatusDraft)
	minePub := e.post(e.author, "Mine published", store.StatusPublished)
	theirs := e.post(e.author2, "Theirs", store.StatusDraft)
	theirsPub := e.post(e.author2, "Theirs published", store.StatusPublished)
	trashed := e.post(e.author, "Trashed", store.StatusTrash)
	page := e.post(e.editor, "Page-ish", store.StatusDraft)

	tests := []struct {
		name      string
		a         content.Actor
		u         content.PostUpdate
		wantKind  content.Kind
		wantField string
		wantScope string
	}{
		{"author edits own draft", tok(e.author, content.ScopeRead, content.ScopeWrite), content.PostUpdate{ID: mine.ID, Title: str("Mine, edited")}, "", "", ""},
		{"author edits own live post needs publish", tok(e.author, content.ScopeRead, content.ScopeWrite), content.PostUpdate{ID: minePub.ID, Body: str("typo fix")}, content.KindForbidden, "", content.ScopePublish},
		{"author edits own live post with publish", tok(e.author, content.ScopeRead, content.ScopeWrite, content.ScopePublish), content.PostUpdate{ID: minePub.ID, Body: str("typo fix")}, "", "", ""},
		{"author cannot see others' draft", web(e.author), content.PostUpdate{ID: theirs.ID, Title: str("x")}, content.KindNotFound, "id", ""},
		{"author cannot edit others' live post", web(e.author), content.PostUpdate{ID: theirsPub.ID, Title: str("x")}, content.KindForbidden, "", ""},
		{"editor edits anyone's", web(e.editor), content.PostUpdate{ID: theirsPub.ID, Title: str("Edited by editor")}, "", "", ""},
		{"viewer cannot edit", web(e.viewer), content.PostUpdate{ID: minePub.ID, Title: str("x")}, content.KindForbidden, "", ""},
		{"trash must be restored first", web(e.author), content.PostUpdate{ID: trashed.ID, Title: str("x")}, content.KindInvalid, "status", ""},
		{"nothing to update", web(e.author), content.PostUpdate{ID: mine.ID}, content.KindInvalid, "", ""},
		{"empty title", web(e.author), content.PostUpdate{ID: mine.ID, Title: str("")}, content.KindInvalid, "title", ""},
		{"big body", web(e.author), content.PostUpdate{ID: mine.ID, Body: str(strings.Repeat("b", 1<<20+1))}, content.KindInvalid, "body", ""},
		{"bad slug", web(e.author), content.PostUpdate{ID: mine.ID, Slug: str("Bad Slug")}, content.KindInvalid, "slug", ""},
		{"slug taken", web(e.author), content.PostUpdate{ID: mine.ID, Slug: str(minePub.Slug)}, content.KindConflict, "slug", ""},
		{"new slug", web(e.author), content.PostUpdate{ID: mine.ID, Slug: str("brand-new")}, "", "", ""},
		{"stale version", web(e.author), content.PostUpdate{ID: mine.ID, Version: 1, Title: str("x")}, content.KindConflict, "version", ""},
		{"author cannot feature", web(e.author), content.PostUpdate{ID: mine.ID, Featured: new(bool(true))}, content.KindForbidden, "", ""},
		{"parent on post", web(e.editor), content.PostUpdate{ID: page.ID, ParentID: new(int64(mine.ID))}, content.KindInvalid, "parent_id", ""},
		{"missing", web(e.editor), content.PostUpdate{ID: 9999, Title: str("x")}, content.KindNotFound, "id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := e.db.GetPost(e.ctx, tt.u.ID)
			got, err := e.svc.UpdatePost(e.ctx, tt.a, tt.u)
			checkErr(t, err, tt.wantKind, tt.wantField, tt.wantScope)
			if err != nil {
				after, _ := e.db.GetPost(e.ctx, tt.u.ID)
				if after.Version != before.Version {
					t.Errorf("failed update changed the post: version %d → %d", before.Version, after.Version)
				}
				return
			}
			if got.Version != before.Version+1 || got.ModifiedBy != tt.a.UserID || got.ModifiedVia != tt.a.Via || !got.ModifiedAt.Equal(t0) {
				t.Errorf("version/by/via/at = %d/%d/%q/%v, want %d/%d/%q/%v", got.Version, got.ModifiedBy, got.ModifiedVia, got.ModifiedAt,
					before.Version+1, tt.a.UserID, tt.a.Via, t0)
			}
		})
	}

	t.Run("partial update keeps other fields", func(t *testing.T) {
		p, err := e.svc.CreatePost(e.ctx, web(e.editor), content.NewPost{Title: "Keep", Body: "body", Excerpt: "ex", Tags: []string{"one", "two"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.UpdatePost(e.ctx, web(e.editor), content.PostUpdate{ID: p.ID, Version: p.Version, Title: str("Kept")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Body != "body" || got.Excerpt != "ex" || strings.Join(got.Tags, ",") != "one,two" || got.Slug != p.Slug {
			t.Errorf("got %+v, want body, excerpt, tags and slug unchanged", got.Post)
		}
		got, err = e.svc.UpdatePost(e.ctx, web(e.editor), content.PostUpdate{ID: p.ID, Tags: &[]string{}})
		if err != nil || len(got.Tags) != 0 {
			t.Errorf("clearing tags: %v, %v", got.Tags, err)
		}
	})
}

// racing is the real store with a hook that runs before the first
// UpdatePost, to interleave a concurrent writer deterministically.
type racing struct {
	content.Store
	once   sync.Once
	before func()
}

func (r *racing) UpdatePost(ctx context.Context, p store.Post) (store.Post, error) {
	r.once.Do(r.before)
	return r.Store.UpdatePost(ctx, p)
}

func TestUpdatePostConcurrent(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, pinned := range []bool{false, true} {
		t.Run(map[bool]string{false: "unpinned retries", true: "pinned conflicts"}[pinned], func(t *testing.T) {
			e := newEnv(t)
			p := e.post(e.author, "Race", store.StatusDraft)
			r := &racing{Store: e.db}
			r.before = func() {
				cur, err := e.db.GetPost(e.ctx, p.ID)
				if err != nil {
					t.Error(err)
					return
				}
				cur.Body = "changed meanwhile"
				if _, err := e.db.UpdatePost(e.ctx, cur); err != nil {
					t.Error(err)
				}
			}
			svc := *e.svc
			svc.Store = r
			u := content.PostUpdate{ID: p.ID, Title: str("Race won")}
			if pinned {
				u.Version = p.Version
			}
			got, err := svc.UpdatePost(e.ctx, web(e.author), u)
			if pinned {
				checkErr(t, err, content.KindConflict, "version", "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != "Race won" || got.Body != "changed meanwhile" || got.Version != p.Version+2 {
				t.Errorf("got title %q body %q version %d; want both changes and version %d", got.Title, got.Body, got.Version, p.Version+2)
			}
		})
	}
}
