package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func postKey(p store.Post) string { return string(p.Type) + ":" + p.Slug }

// newPost creates p (type post and status draft unless set) and returns it as
// it should read back.
func newPost(t *testing.T, s store.Store, p store.Post) store.Post {
	t.Helper()
	if p.Type == "" {
		p.Type = store.TypePost
	}
	if p.Status == "" {
		p.Status = store.StatusDraft
	}
	if p.Title == "" {
		p.Title = "Title of " + p.Slug
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = at(0)
	}
	if p.ModifiedAt.IsZero() {
		p.ModifiedAt = p.CreatedAt
	}
	got, err := s.CreatePost(t.Context(), p)
	mustOK(t, "CreatePost "+p.Slug, err)
	p.ID = got.ID
	p.Version = 1
	return p
}

// newTerms creates the categories and tags the post tests use.
func newTerms(t *testing.T, s store.Store) {
	t.Helper()
	for _, tm := range []store.Term{
		{Taxonomy: store.TaxCategory, Slug: "news", Name: "News"},
		{Taxonomy: store.TaxCategory, Slug: "tech", Name: "Tech"},
		{Taxonomy: store.TaxCategory, Slug: "empty", Name: "Empty"},
		{Taxonomy: store.TaxTag, Slug: "go", Name: "Go"},
		{Taxonomy: store.TaxTag, Slug: "sql", Name: "SQL"},
	} {
		_, err := s.CreateTerm(t.Context(), tm)
		mustOK(t, "CreateTerm "+tm.Slug, err)
	}
}

func postCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			author := newUser(t, s, "author@example.com")
			editor := newUser(t, s, "editor@example.com")
			newTerms(t, s)
			parent := newPost(t, s, store.Post{Type: store.TypePage, Slug: "about", Status: store.StatusPublished,
				AuthorID: author.ID, PublishedAt: at(time.Minute)})

			for _, want := range []store.Post{
				{
					Type: store.TypePost, Slug: "hello-world", Title: hostileText,
					Body:        "# Héllo\n\nSome *Markdown* with `code`, a [link](https://example.com?a=1&b='2').\n\n```go\nfmt.Println(\"hi\")\n```\n",
					Excerpt:     "Ünïcödé excerpt — with \"quotes\"",
					Status:      store.StatusTrash,
					TrashedFrom: store.StatusPublished,
					AuthorID:    author.ID,
					Featured:    true,
					Categories:  []string{"tech", "news"},
					Tags:        []string{"sql", "go"},
					CreatedAt:   at(0),
					ModifiedAt:  at(time.Hour + time.Nanosecond),
					PublishedAt: at(30*time.Minute + 7*time.Nanosecond),
					Version:     9, // ignored: a new post starts at 1
					ModifiedBy:  editor.ID,
					ModifiedVia: "client-that-need-not-exist",
				},
				{
					Type: store.TypePage, Slug: "team", Title: "Team", Body: "We are **few**.",
					Status: store.StatusDraft, AuthorID: editor.ID, ParentID: parent.ID,
					CreatedAt: at(2 * time.Minute), ModifiedAt: at(3 * time.Minute),
				},
			} {
				got, err := s.CreatePost(ctx, want)
				mustOK(t, "CreatePost", err)
				if got.ID <= 0 {
					t.Fatalf("CreatePost: got ID %d, want > 0", got.ID)
				}
				want.ID = got.ID
				want.Version = 1
				checkEqual(t, "CreatePost returned", got, want)
				got, err = s.GetPost(ctx, want.ID)
				mustOK(t, "GetPost", err)
				checkEqual(t, "GetPost", got, want)
				got, err = s.GetPostBySlug(ctx, want.Type, want.Slug)
				mustOK(t, "GetPostBySlug", err)
				checkEqual(t, "GetPostBySlug", got, want)
			}
		}},

		{"unknown post is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			p := newPost(t, s, store.Post{Slug: "known", AuthorID: u.ID})
			_, err := s.GetPost(ctx, p.ID+1000)
			wantErr(t, "GetPost(unknown)", err, store.ErrNotFound)
			_, err = s.GetPostBySlug(ctx, store.TypePost, "unknown")
			wantErr(t, "GetPostBySlug(unknown)", err, store.ErrNotFound)
			_, err = s.GetPostBySlug(ctx, store.TypePage, "known")
			wantErr(t, "GetPostBySlug(slug of a post, as a page)", err, store.ErrNotFound)
			ghost := p
			ghost.ID = p.ID + 1000
			ghost.Slug = "ghost"
			_, err = s.UpdatePost(ctx, ghost)
			wantErr(t, "UpdatePost(unknown)", err, store.ErrNotFound)
			wantErr(t, "DeletePost(unknown)", s.DeletePost(ctx, p.ID+1000), store.ErrNotFound)
		}},

		{"slug is unique per type", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			post := newPost(t, s, store.Post{Type: store.TypePost, Slug: "hello", AuthorID: u.ID})
			page := newPost(t, s, store.Post{Type: store.TypePage, Slug: "hello", AuthorID: u.ID})
			for _, typ := range []store.PostType{store.TypePost, store.TypePage} {
				_, err := s.CreatePost(ctx, store.Post{Type: typ, Slug: "hello", Title: "again", Status: store.StatusDraft,
					AuthorID: u.ID, CreatedAt: at(0), ModifiedAt: at(0)})
				wantErr(t, "CreatePost(taken "+string(typ)+" slug)", err, store.ErrConflict)
			}
			other := newPost(t, s, store.Post{Type: store.TypePost, Slug: "other", AuthorID: u.ID})
			in := other
			in.Slug = "hello"
			_, err := s.UpdatePost(ctx, in)
			wantErr(t, "UpdatePost(to a taken slug)", err, store.ErrConflict)
			for _, want := range []store.Post{post, page, other} {
				got, err := s.GetPost(ctx, want.ID)
				mustOK(t, "GetPost", err)
				checkEqual(t, "GetPost after rejected slug clashes", got, want)
			}
			// A page may take the post's other slug.
			in = page
			in.Slug = "other"
			_, err = s.UpdatePost(ctx, in)
			mustOK(t, "UpdatePost(page to a slug only a post has)", err)
		}},

		{"update is a compare-and-swap on Version", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			author := newUser(t, s, "author@example.com")
			editor := newUser(t, s, "editor@example.com")
			newTerms(t, s)
			parent := newPost(t, s, store.Post{Type: store.TypePage, Slug: "parent", AuthorID: author.ID})
			orig := newPost(t, s, store.Post{Type: store.TypePage, Slug: "draft", Title: "Draft", Body: "old body",
				Excerpt: "old", AuthorID: author.ID, ParentID: parent.ID, Featured: true,
				Categories: []string{"news"}, Tags: []string{"go", "sql"}, ModifiedVia: "client-1"})

			in := orig
			in.Slug = "published"
			in.Title = "Published " + hostileText
			in.Body = "new body"
			in.Excerpt = ""
			in.Status = store.StatusPublished
			in.AuthorID = editor.ID
			in.ParentID = 0
			in.Featured = false
			in.Categories = []string{"tech", "empty"}
			in.Tags = nil
			in.ModifiedAt = at(2*time.Hour + time.Nanosecond)
			in.PublishedAt = at(2 * time.Hour)
			in.ModifiedBy = editor.ID
			in.ModifiedVia = ""
			got, err := s.UpdatePost(ctx, in)
			mustOK(t, "UpdatePost", err)
			want := in
			want.Version = 2
			checkEqual(t, "UpdatePost returned", got, want)
			got, err = s.GetPost(ctx, orig.ID)
			mustOK(t, "GetPost", err)
			checkEqual(t, "GetPost after update", got, want)
			got, err = s.GetPostBySlug(ctx, store.TypePage, "published")
			mustOK(t, "GetPostBySlug(new slug)", err)
			checkEqual(t, "GetPostBySlug(new slug)", got, want)
			_, err = s.GetPostBySlug(ctx, store.TypePage, "draft")
			wantErr(t, "GetPostBySlug(old slug)", err, store.ErrNotFound)

			for _, v := range []int64{1, 3, 0} {
				stale := want
				stale.Version = v
				stale.Title = fmt.Sprintf("written with version %d", v)
				_, err = s.UpdatePost(ctx, stale)
				wantErr(t, fmt.Sprintf("UpdatePost(Version %d, stored 2)", v), err, store.ErrConflict)
			}
			got, err = s.GetPost(ctx, orig.ID)
			mustOK(t, "GetPost", err)
			checkEqual(t, "GetPost after rejected updates", got, want)

			next := want
			next.Title = "third"
			got, err = s.UpdatePost(ctx, next)
			mustOK(t, "UpdatePost(Version 2)", err)
			if got.Version != 3 {
				t.Errorf("UpdatePost(Version 2): got Version %d, want 3", got.Version)
			}
		}},

		{"concurrent updates have exactly one winner", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			orig := newPost(t, s, store.Post{Slug: "contended", AuthorID: u.ID})
			ins := make([]store.Post, concurrency)
			for i := range ins {
				ins[i] = orig
				ins[i].Title = fmt.Sprintf("title %d", i)
				ins[i].ModifiedAt = at(time.Duration(i) * time.Second)
			}
			errs := race(concurrency, func(i int) error {
				_, err := s.UpdatePost(ctx, ins[i])
				return err
			})
			w := oneWinner(t, "UpdatePost", errs)
			if w < 0 {
				return
			}
			want := ins[w]
			want.Version = 2
			got, err := s.GetPost(ctx, orig.ID)
			mustOK(t, "GetPost", err)
			checkEqual(t, "GetPost after the race", got, want)
		}},

		{"concurrent creates of one slug have exactly one winner", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			errs := race(concurrency, func(i int) error {
				_, err := s.CreatePost(ctx, store.Post{Type: store.TypePost, Slug: "same", Title: fmt.Sprint("racer ", i),
					Status: store.StatusDraft, AuthorID: u.ID, CreatedAt: at(0), ModifiedAt: at(0)})
				return err
			})
			oneWinner(t, "CreatePost", errs)
			_, total, err := s.ListPosts(ctx, store.PostFilter{})
			mustOK(t, "ListPosts", err)
			if total != 1 {
				t.Errorf("ListPosts after the race: got total %d, want 1", total)
			}
		}},

		{"delete removes the post and its comments", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			newTerms(t, s)
			p := newPost(t, s, store.Post{Slug: "doomed", Status: store.StatusPublished, AuthorID: u.ID,
				Categories: []string{"news"}, Tags: []string{"go"}, PublishedAt: at(time.Hour)})
			kept := newPost(t, s, store.Post{Slug: "kept", AuthorID: u.ID})
			c := newComment(t, s, store.Comment{PostID: p.ID})
			reply := newComment(t, s, store.Comment{PostID: p.ID, ParentID: c.ID})
			keptComment := newComment(t, s, store.Comment{PostID: kept.ID})

			mustOK(t, "DeletePost", s.DeletePost(ctx, p.ID))
			_, err := s.GetPost(ctx, p.ID)
			wantErr(t, "GetPost after delete", err, store.ErrNotFound)
			_, err = s.GetPostBySlug(ctx, store.TypePost, "doomed")
			wantErr(t, "GetPostBySlug after delete", err, store.ErrNotFound)
			for _, id := range []int64{c.ID, reply.ID} {
				_, err = s.GetComment(ctx, id)
				wantErr(t, "GetComment of a deleted post's comment", err, store.ErrNotFound)
			}
			got, err := s.GetComment(ctx, keptComment.ID)
			mustOK(t, "GetComment(other post)", err)
			checkEqual(t, "GetComment of another post's comment", got, keptComment)
			wantErr(t, "DeletePost(already deleted)", s.DeletePost(ctx, p.ID), store.ErrNotFound)

			list, total, err := s.ListPosts(ctx, store.PostFilter{})
			mustOK(t, "ListPosts", err)
			checkList(t, "ListPosts after delete", list, []store.Post{kept}, postKey)
			if total != 1 {
				t.Errorf("ListPosts after delete: got total %d, want 1", total)
			}
			// The slug is free again.
			newPost(t, s, store.Post{Slug: "doomed", AuthorID: u.ID})
		}},

		{"list filters, newest first", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u1 := newUser(t, s, "one@example.com")
			u2 := newUser(t, s, "two@example.com")
			newTerms(t, s)
			yes := true
			no := false
			// Newest first sorts on PublishedAt when set, else CreatedAt:
			// p4 (5h) p5 (4h) p2 (3h) p7 (2.5h) p3 (2h) p1 (1h) p6 (30m).
			p1 := newPost(t, s, store.Post{Slug: "p1", Status: store.StatusPublished, AuthorID: u1.ID, Featured: true,
				Categories: []string{"news"}, Tags: []string{"go"}, CreatedAt: at(0), PublishedAt: at(time.Hour)})
			p2 := newPost(t, s, store.Post{Slug: "p2", Status: store.StatusPublished, AuthorID: u2.ID,
				Categories: []string{"tech"}, Tags: []string{"go", "sql"}, CreatedAt: at(10 * time.Minute), PublishedAt: at(3 * time.Hour)})
			p3 := newPost(t, s, store.Post{Slug: "p3", Status: store.StatusDraft, AuthorID: u1.ID,
				Categories: []string{"news"}, CreatedAt: at(2 * time.Hour)})
			p4 := newPost(t, s, store.Post{Slug: "p4", Status: store.StatusScheduled, AuthorID: u1.ID, Featured: true,
				Tags: []string{"sql"}, CreatedAt: at(20 * time.Minute), PublishedAt: at(5 * time.Hour)})
			p5 := newPost(t, s, store.Post{Type: store.TypePage, Slug: "p5", Status: store.StatusPublished, AuthorID: u2.ID,
				CreatedAt: at(30 * time.Minute), PublishedAt: at(4 * time.Hour)})
			p6 := newPost(t, s, store.Post{Slug: "p6", Status: store.StatusTrash, TrashedFrom: store.StatusPublished, AuthorID: u2.ID,
				Categories: []string{"news"}, CreatedAt: at(5 * time.Minute), PublishedAt: at(30 * time.Minute)})
			p7 := newPost(t, s, store.Post{Slug: "p7", Status: store.StatusPending, AuthorID: u2.ID,
				Tags: []string{"go"}, CreatedAt: at(150 * time.Minute)})

			all := []store.Post{p4, p5, p2, p7, p3, p1, p6}
			for _, tc := range []struct {
				name  string
				f     store.PostFilter
				want  []store.Post
				total int64
			}{
				{"no filter", store.PostFilter{}, all, 7},
				{"posts", store.PostFilter{Type: store.TypePost}, []store.Post{p4, p2, p7, p3, p1, p6}, 6},
				{"pages", store.PostFilter{Type: store.TypePage}, []store.Post{p5}, 1},
				{"published", store.PostFilter{Statuses: []store.PostStatus{store.StatusPublished}}, []store.Post{p5, p2, p1}, 3},
				{"published posts", store.PostFilter{Type: store.TypePost, Statuses: []store.PostStatus{store.StatusPublished}}, []store.Post{p2, p1}, 2},
				{"draft or pending", store.PostFilter{Statuses: []store.PostStatus{store.StatusDraft, store.StatusPending}}, []store.Post{p7, p3}, 2},
				{"trash", store.PostFilter{Statuses: []store.PostStatus{store.StatusTrash}}, []store.Post{p6}, 1},
				{"category", store.PostFilter{Category: "news"}, []store.Post{p3, p1, p6}, 3},
				{"unused category", store.PostFilter{Category: "empty"}, nil, 0},
				{"tag", store.PostFilter{Tag: "go"}, []store.Post{p2, p7, p1}, 3},
				{"other tag", store.PostFilter{Tag: "sql"}, []store.Post{p4, p2}, 2},
				{"category and tag", store.PostFilter{Category: "tech", Tag: "go"}, []store.Post{p2}, 1},
				{"author", store.PostFilter{AuthorID: u2.ID}, []store.Post{p5, p2, p7, p6}, 4},
				{"featured", store.PostFilter{Featured: &yes}, []store.Post{p4, p1}, 2},
				{"not featured", store.PostFilter{Featured: &no}, []store.Post{p5, p2, p7, p3, p6}, 5},
				{"after is inclusive", store.PostFilter{After: at(2 * time.Hour)}, []store.Post{p4, p5, p2, p7, p3}, 5},
				{"before is exclusive", store.PostFilter{Before: at(2 * time.Hour)}, []store.Post{p1, p6}, 2},
				{"after and before", store.PostFilter{After: at(time.Hour), Before: at(3 * time.Hour)}, []store.Post{p7, p3, p1}, 3},
				{"limit", store.PostFilter{Limit: 2}, []store.Post{p4, p5}, 7},
				{"offset and limit", store.PostFilter{Offset: 2, Limit: 2}, []store.Post{p2, p7}, 7},
				{"last page", store.PostFilter{Offset: 6, Limit: 5}, []store.Post{p6}, 7},
				{"offset past the end", store.PostFilter{Offset: 10}, nil, 7},
				{"empty statuses match everything", store.PostFilter{Statuses: []store.PostStatus{}}, all, 7},
				{"negative offset and limit act as zero", store.PostFilter{Offset: -3, Limit: -1}, all, 7},
				{"published, limit 1", store.PostFilter{Statuses: []store.PostStatus{store.StatusPublished}, Limit: 1}, []store.Post{p5}, 3},
				{"everything at once", store.PostFilter{Type: store.TypePost, Statuses: []store.PostStatus{store.StatusPublished, store.StatusScheduled},
					Tag: "sql", AuthorID: u1.ID, Featured: &yes, After: at(4 * time.Hour), Before: at(6 * time.Hour)}, []store.Post{p4}, 1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, total, err := s.ListPosts(ctx, tc.f)
					mustOK(t, "ListPosts "+tc.name, err)
					checkList(t, "ListPosts "+tc.name, got, tc.want, postKey)
					if total != tc.total {
						t.Errorf("ListPosts %s: got total %d, want %d", tc.name, total, tc.total)
					}
				})
			}
		}},

		{"list breaks ties on creation time", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "author@example.com")
			a := newPost(t, s, store.Post{Slug: "a", Status: store.StatusPublished, AuthorID: u.ID, CreatedAt: at(0), PublishedAt: at(time.Hour)})
			draft := newPost(t, s, store.Post{Slug: "draft", AuthorID: u.ID, CreatedAt: at(time.Hour)})
			b := newPost(t, s, store.Post{Slug: "b", Status: store.StatusPublished, AuthorID: u.ID, CreatedAt: at(10 * time.Minute), PublishedAt: at(time.Hour)})
			got, _, err := s.ListPosts(t.Context(), store.PostFilter{})
			mustOK(t, "ListPosts", err)
			checkList(t, "ListPosts with equal dates", got, []store.Post{draft, b, a}, postKey)
		}},

		{"list limit defaults to 20 and is capped at 100", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			var newest []store.Post // newest first
			for i := range 105 {
				p := newPost(t, s, store.Post{Slug: fmt.Sprintf("post-%03d", i), AuthorID: u.ID, CreatedAt: at(time.Duration(i) * time.Minute)})
				newest = append([]store.Post{p}, newest...)
			}
			for _, tc := range []struct {
				name string
				f    store.PostFilter
				want []store.Post
			}{
				{"zero limit", store.PostFilter{}, newest[:20]},
				{"limit 100", store.PostFilter{Limit: 100}, newest[:100]},
				{"limit 1000", store.PostFilter{Limit: 1000}, newest[:100]},
				{"offset 100", store.PostFilter{Offset: 100, Limit: 100}, newest[100:]},
				{"offset 20, zero limit", store.PostFilter{Offset: 20}, newest[20:40]},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, total, err := s.ListPosts(ctx, tc.f)
					mustOK(t, "ListPosts "+tc.name, err)
					checkList(t, "ListPosts "+tc.name, got, tc.want, postKey)
					if total != 105 {
						t.Errorf("ListPosts %s: got total %d, want 105", tc.name, total)
					}
				})
			}
		}},

		{"count by status", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			empty, err := s.CountPosts(ctx, store.TypePost)
			mustOK(t, "CountPosts(empty)", err)
			checkCounts(t, "CountPosts on an empty store", empty, map[store.PostStatus]int64{})
			for i, p := range []store.Post{
				{Status: store.StatusPublished}, {Status: store.StatusPublished}, {Status: store.StatusDraft},
				{Status: store.StatusTrash, TrashedFrom: store.StatusDraft}, {Status: store.StatusScheduled},
				{Type: store.TypePage, Status: store.StatusPublished}, {Type: store.TypePage, Status: store.StatusPending},
			} {
				p.Slug, p.AuthorID = fmt.Sprintf("p%d", i), u.ID
				newPost(t, s, p)
			}
			for _, tc := range []struct {
				typ  store.PostType
				want map[store.PostStatus]int64
			}{
				{store.TypePost, map[store.PostStatus]int64{store.StatusPublished: 2, store.StatusDraft: 1, store.StatusTrash: 1, store.StatusScheduled: 1}},
				{store.TypePage, map[store.PostStatus]int64{store.StatusPublished: 1, store.StatusPending: 1}},
			} {
				got, err := s.CountPosts(ctx, tc.typ)
				mustOK(t, "CountPosts", err)
				checkCounts(t, "CountPosts("+string(tc.typ)+")", got, tc.want)
			}
		}},

		{"due scheduled posts", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			now := at(time.Hour)
			earlier := newPost(t, s, store.Post{Slug: "earlier", Status: store.StatusScheduled, AuthorID: u.ID, PublishedAt: at(30 * time.Minute)})
			exactly := newPost(t, s, store.Post{Slug: "exactly", Status: store.StatusScheduled, AuthorID: u.ID, PublishedAt: now})
			page := newPost(t, s, store.Post{Type: store.TypePage, Slug: "page", Status: store.StatusScheduled, AuthorID: u.ID, PublishedAt: at(10 * time.Minute)})
			newPost(t, s, store.Post{Slug: "later", Status: store.StatusScheduled, AuthorID: u.ID, PublishedAt: now.Add(time.Nanosecond)})
			newPost(t, s, store.Post{Slug: "published", Status: store.StatusPublished, AuthorID: u.ID, PublishedAt: at(0)})
			newPost(t, s, store.Post{Slug: "draft", Status: store.StatusDraft, AuthorID: u.ID})
			newPost(t, s, store.Post{Slug: "trashed", Status: store.StatusTrash, TrashedFrom: store.StatusScheduled, AuthorID: u.ID, PublishedAt: at(0)})
			got, err := s.DuePosts(ctx, now)
			mustOK(t, "DuePosts", err)
			checkSet(t, "DuePosts", got, []store.Post{earlier, exactly, page}, postKey)
			got, err = s.DuePosts(ctx, at(0))
			mustOK(t, "DuePosts", err)
			checkSet(t, "DuePosts before any is due", got, nil, postKey)
		}},
	}
}

// checkCounts compares per-status counts; a missing status counts as zero.
func checkCounts[K comparable](t *testing.T, what string, got, want map[K]int64) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s[%v]: got %d, want %d", what, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != 0 {
			t.Errorf("%s[%v]: got %d, want 0", what, k, g)
		}
	}
}
