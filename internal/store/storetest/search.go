package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func hitSlugs(hits []store.PostHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Post.Slug
	}
	return out
}

// search runs SearchPosts and stops the test if it fails.
func search(t *testing.T, s store.Store, q string, f store.PostFilter) []store.PostHit {
	t.Helper()
	hits, err := s.SearchPosts(t.Context(), q, f)
	mustOK(t, fmt.Sprintf("SearchPosts(%q)", q), err)
	return hits
}

func checkHits(t *testing.T, what string, hits []store.PostHit, want ...string) {
	t.Helper()
	got := hitSlugs(hits)
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("%s: got hits %q, want %q", what, got, w)
	}
}

// filler is body text that matches none of the searched words.
var filler = strings.Repeat("Roads carry traffic between towns and villages every single day. ", 12)

func searchCases() []testCase {
	return []testCase{
		{"title matches rank above body matches", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "author@example.com")
			body := newPost(t, s, store.Post{Slug: "body", Title: "Road markings", Status: store.StatusPublished, AuthorID: u.ID,
				Body: filler + "Some crossings are painted like a zebra for pedestrians. " + filler, PublishedAt: at(2 * time.Hour)})
			title := newPost(t, s, store.Post{Slug: "title", Title: "Zebra crossings explained", Status: store.StatusPublished, AuthorID: u.ID,
				Body: filler, PublishedAt: at(time.Hour)})
			newPost(t, s, store.Post{Slug: "neither", Title: "Traffic lights", Status: store.StatusPublished, AuthorID: u.ID,
				Body: filler, PublishedAt: at(3 * time.Hour)})

			hits := search(t, s, "zebra", store.PostFilter{})
			if got, want := hitSlugs(hits), []string{"title", "body"}; !slices.Equal(got, want) {
				t.Fatalf("SearchPosts(zebra): got hits %q in that order, want %q", got, want)
			}
			if hits[0].Rank <= hits[1].Rank {
				t.Errorf("SearchPosts(zebra): got ranks title %v, body %v; want the title match higher", hits[0].Rank, hits[1].Rank)
			}
			checkEqual(t, "SearchPosts hit for the title match", hits[0].Post, title)
			checkEqual(t, "SearchPosts hit for the body match", hits[1].Post, body)
			sn := hits[1].Snippet
			if !strings.Contains(strings.ToLower(sn), "zebra") {
				t.Errorf("SearchPosts(zebra): got snippet %q for the body match, want it to contain the word", sn)
			}
			if len(sn) >= len(body.Body)/2 {
				t.Errorf("SearchPosts(zebra): got a snippet of %d bytes for a body of %d, want a short one", len(sn), len(body.Body))
			}

			checkHits(t, "SearchPosts(ZEBRA) is case-insensitive", search(t, s, "ZEBRA", store.PostFilter{}), "title", "body")
			checkHits(t, "SearchPosts(no match)", search(t, s, "giraffe", store.PostFilter{}))
		}},

		{"hits are sorted by rank", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "author@example.com")
			for i, p := range []store.Post{
				{Title: "Okapi", Body: filler},
				{Title: "Notes", Body: "okapi " + filler},
				{Title: "Okapi and okapi", Excerpt: "all about the okapi", Body: "okapi okapi " + filler},
				{Title: "More notes", Body: filler + " okapi"},
			} {
				p.Slug, p.Status, p.AuthorID, p.PublishedAt = fmt.Sprintf("p%d", i), store.StatusPublished, u.ID, at(time.Duration(i)*time.Hour)
				newPost(t, s, p)
			}
			hits := search(t, s, "okapi", store.PostFilter{})
			checkHits(t, "SearchPosts(okapi)", hits, "p0", "p1", "p2", "p3")
			for i := 1; i < len(hits); i++ {
				if hits[i].Rank > hits[i-1].Rank {
					t.Errorf("SearchPosts(okapi): hit %d (%s) has rank %v above hit %d (%s) with %v; want ranks non-increasing",
						i, hits[i].Post.Slug, hits[i].Rank, i-1, hits[i-1].Post.Slug, hits[i-1].Rank)
				}
			}
		}},

		{"words, phrases and fields", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "author@example.com")
			for _, p := range []store.Post{
				{Slug: "adjacent", Title: "Fables", Body: "A quick brown fox jumps over lazy dogs."},
				{Slug: "apart", Title: "More fables", Body: "Brown dogs are quick to chase a fox."},
				{Slug: "excerpt", Title: "Animals", Excerpt: "A note on the okapi.", Body: filler},
				{Slug: "unicode", Title: "Danish food", Body: "Smørrebrød på Ærø is famous."},
			} {
				p.Status, p.AuthorID, p.PublishedAt = store.StatusPublished, u.ID, at(time.Hour)
				newPost(t, s, p)
			}
			for _, tc := range []struct {
				q    string
				want []string
			}{
				{"quick", []string{"adjacent", "apart"}},
				{"quick fox", []string{"adjacent", "apart"}},
				{"quick elephant", nil},
				{`"quick brown"`, []string{"adjacent"}},
				{`"brown quick"`, nil},
				{`"quick brown" fox`, []string{"adjacent"}},
				{`"brown dogs"`, []string{"apart"}},
				{"okapi", []string{"excerpt"}},
				{"smørrebrød", []string{"unicode"}},
				{"Smørrebrød", []string{"unicode"}},
			} {
				t.Run(tc.q, func(t *testing.T) {
					checkHits(t, fmt.Sprintf("SearchPosts(%s)", tc.q), search(t, s, tc.q, store.PostFilter{}), tc.want...)
				})
			}
		}},

		{"filters apply", func(t *testing.T, s store.Store) {
			u1 := newUser(t, s, "one@example.com")
			u2 := newUser(t, s, "two@example.com")
			newTerms(t, s)
			for _, p := range []store.Post{
				{Slug: "published", Status: store.StatusPublished, AuthorID: u1.ID, Categories: []string{"news"}, PublishedAt: at(time.Hour)},
				{Slug: "draft", Status: store.StatusDraft, AuthorID: u1.ID, Categories: []string{"news"}},
				{Slug: "trash", Status: store.StatusTrash, TrashedFrom: store.StatusPublished, AuthorID: u2.ID, PublishedAt: at(time.Hour)},
				{Type: store.TypePage, Slug: "page", Status: store.StatusPublished, AuthorID: u2.ID, PublishedAt: at(2 * time.Hour)},
				{Slug: "tagged", Status: store.StatusPublished, AuthorID: u2.ID, Tags: []string{"go"}, Featured: true, PublishedAt: at(3 * time.Hour)},
			} {
				p.Title, p.Body = "About the zebra", filler
				newPost(t, s, p)
			}
			yes := true
			published := []store.PostStatus{store.StatusPublished}
			for _, tc := range []struct {
				name string
				f    store.PostFilter
				want []string
			}{
				{"no filter", store.PostFilter{}, []string{"published", "draft", "trash", "page", "tagged"}},
				{"published only", store.PostFilter{Statuses: published}, []string{"published", "page", "tagged"}},
				{"published posts", store.PostFilter{Type: store.TypePost, Statuses: published}, []string{"published", "tagged"}},
				{"pages", store.PostFilter{Type: store.TypePage}, []string{"page"}},
				{"category", store.PostFilter{Category: "news"}, []string{"published", "draft"}},
				{"tag", store.PostFilter{Tag: "go"}, []string{"tagged"}},
				{"author", store.PostFilter{AuthorID: u2.ID, Statuses: published}, []string{"page", "tagged"}},
				{"featured", store.PostFilter{Featured: &yes}, []string{"tagged"}},
				{"after", store.PostFilter{After: at(2 * time.Hour), Statuses: published}, []string{"page", "tagged"}},
				{"negative offset and limit act as zero", store.PostFilter{Statuses: published, Offset: -1, Limit: -1}, []string{"published", "page", "tagged"}},
				{"empty statuses match everything", store.PostFilter{Statuses: []store.PostStatus{}}, []string{"published", "draft", "trash", "page", "tagged"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					checkHits(t, "SearchPosts "+tc.name, search(t, s, "zebra", tc.f), tc.want...)
				})
			}
			if hits := search(t, s, "zebra", store.PostFilter{Statuses: published, Limit: 1}); len(hits) != 1 {
				t.Errorf("SearchPosts with Limit 1: got %d hits, want 1", len(hits))
			}
		}},

		{"limit defaults to 20 and offset pages", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "author@example.com")
			for i := range 25 {
				newPost(t, s, store.Post{Slug: fmt.Sprintf("p%02d", i), Title: "Zebra " + fmt.Sprint(i), Body: filler,
					Status: store.StatusPublished, AuthorID: u.ID, PublishedAt: at(time.Duration(i) * time.Hour)})
			}
			if got := len(search(t, s, "zebra", store.PostFilter{})); got != 20 {
				t.Errorf("SearchPosts with zero Limit: got %d hits, want 20", got)
			}
			first := search(t, s, "zebra", store.PostFilter{Limit: 15})
			rest := search(t, s, "zebra", store.PostFilter{Offset: 15, Limit: 15})
			if len(first) != 15 || len(rest) != 10 {
				t.Fatalf("SearchPosts pages: got %d and %d hits, want 15 and 10", len(first), len(rest))
			}
			checkHits(t, "SearchPosts pages joined", append(first, rest...),
				func() []string {
					var all []string
					for i := range 25 {
						all = append(all, fmt.Sprintf("p%02d", i))
					}
					return all
				}()...)
		}},

		{"hostile queries do not fail", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			p := newPost(t, s, store.Post{Slug: "target", Title: "Foo bar", Body: "foo AND bar (near) * - \" ' ünïcödé 日本語のテキスト",
				Status: store.StatusPublished, AuthorID: u.ID, PublishedAt: at(time.Hour)})
			for _, q := range []string{
				"", " ", "\t\n", `foo AND (`, `"`, `""`, `"foo`, `*`, `foo*`, `*foo`, `NEAR(`, `NEAR(foo bar)`, `NEAR/2`,
				`-`, `-foo`, `--`, `+`, `foo -`, `AND`, `OR`, `NOT`, `foo OR`, `NOT foo`, `(`, `)`, `)(`, `()`,
				`^`, `^foo`, `:`, `foo:`, `title:foo`, `nosuchcolumn:foo`, `{foo bar}`, `[`, `]`,
				`&`, `|`, `!`, `!!`, `<->`, `foo <-> bar`, `foo & !bar`, `foo:*`, `:*`, `'`, `''`, `foo'`, `\`, `\\`,
				`%`, `_`, `%foo%`, `;DROP TABLE posts;--`, `' OR '1'='1`, `$1`, `?`,
				"ünïcödé", "日本語", "🚀", "\u200b", "\uFEFFfoo", "foo\x00bar", "\x00",
				strings.Repeat("foo ", 200), strings.Repeat("(", 100), strings.Repeat(`"`, 101),
			} {
				f := store.PostFilter{}
				if len(q)%2 == 0 { // half of them with filters, to exercise the combined SQL
					f = store.PostFilter{Statuses: []store.PostStatus{store.StatusPublished}, Limit: 5}
				}
				if _, err := s.SearchPosts(ctx, q, f); err != nil {
					t.Errorf("SearchPosts(%q): got error %v, want none", q, err)
				}
			}
			got, err := s.GetPost(ctx, p.ID)
			mustOK(t, "GetPost after hostile queries", err)
			checkEqual(t, "GetPost after hostile queries", got, p)
			checkHits(t, "SearchPosts(foo) after hostile queries", search(t, s, "foo", store.PostFilter{}), "target")
		}},

		{"search follows updates and deletes", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			a := newPost(t, s, store.Post{Slug: "a", Title: "Zebra crossings", Body: filler, Status: store.StatusPublished, AuthorID: u.ID, PublishedAt: at(time.Hour)})
			b := newPost(t, s, store.Post{Slug: "b", Title: "Zebra stripes", Body: filler, Status: store.StatusPublished, AuthorID: u.ID, PublishedAt: at(2 * time.Hour)})
			c := newPost(t, s, store.Post{Slug: "c", Title: "Plain", Body: filler + " zebra", Status: store.StatusPublished, AuthorID: u.ID, PublishedAt: at(3 * time.Hour)})
			checkHits(t, "SearchPosts(zebra) before changes", search(t, s, "zebra", store.PostFilter{}), "a", "b", "c")

			a.Title = "Giraffe crossings"
			a, err := s.UpdatePost(ctx, a)
			mustOK(t, "UpdatePost(title)", err)
			c.Body = filler + " okapi"
			_, err = s.UpdatePost(ctx, c)
			mustOK(t, "UpdatePost(body)", err)
			mustOK(t, "DeletePost", s.DeletePost(ctx, b.ID))

			checkHits(t, "SearchPosts(zebra) after changes", search(t, s, "zebra", store.PostFilter{}))
			hits := search(t, s, "giraffe", store.PostFilter{})
			checkHits(t, "SearchPosts(giraffe) after a title update", hits, "a")
			if len(hits) == 1 {
				checkEqual(t, "SearchPosts(giraffe) hit", hits[0].Post, a)
			}
			checkHits(t, "SearchPosts(okapi) after a body update", search(t, s, "okapi", store.PostFilter{}), "c")

			// A status change shows through the filters.
			a.Status = store.StatusDraft
			_, err = s.UpdatePost(ctx, a)
			mustOK(t, "UpdatePost(status)", err)
			checkHits(t, "SearchPosts(giraffe) published only, after unpublishing",
				search(t, s, "giraffe", store.PostFilter{Statuses: []store.PostStatus{store.StatusPublished}}))
		}},
	}
}
