package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func termCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			for _, want := range []store.Term{
				{Taxonomy: store.TaxCategory, Slug: "news", Name: hostileText, Description: "Ünïcödé\ndescription"},
				{Taxonomy: store.TaxTag, Slug: "go", Name: "Go"},
			} {
				got, err := s.CreateTerm(ctx, want)
				mustOK(t, "CreateTerm", err)
				if got.ID <= 0 {
					t.Fatalf("CreateTerm: got ID %d, want > 0", got.ID)
				}
				want.ID = got.ID
				checkEqual(t, "CreateTerm returned", got, want)
				got, err = s.GetTerm(ctx, want.Taxonomy, want.Slug)
				mustOK(t, "GetTerm", err)
				got.Count = 0 // filled by ListTerms only
				checkEqual(t, "GetTerm", got, want)
			}
		}},

		{"slug is unique per taxonomy", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			cat, err := s.CreateTerm(ctx, store.Term{Taxonomy: store.TaxCategory, Slug: "go", Name: "Go (category)"})
			mustOK(t, "CreateTerm(category)", err)
			_, err = s.CreateTerm(ctx, store.Term{Taxonomy: store.TaxTag, Slug: "go", Name: "Go (tag)"})
			mustOK(t, "CreateTerm(tag with the slug of a category)", err)
			_, err = s.CreateTerm(ctx, store.Term{Taxonomy: store.TaxCategory, Slug: "go", Name: "Again"})
			wantErr(t, "CreateTerm(taken slug)", err, store.ErrConflict)
			got, err := s.GetTerm(ctx, store.TaxCategory, "go")
			mustOK(t, "GetTerm", err)
			got.Count = 0
			checkEqual(t, "GetTerm after a rejected duplicate", got, cat)
		}},

		{"concurrent creates of one slug have exactly one winner", func(t *testing.T, s store.Store) {
			errs := race(concurrency, func(i int) error {
				_, err := s.CreateTerm(t.Context(), store.Term{Taxonomy: store.TaxTag, Slug: "same", Name: fmt.Sprint("racer ", i)})
				return err
			})
			oneWinner(t, "CreateTerm", errs)
			list, err := s.ListTerms(t.Context(), store.TaxTag)
			mustOK(t, "ListTerms", err)
			if len(list) != 1 {
				t.Errorf("ListTerms after the race: got %d terms, want 1", len(list))
			}
		}},

		{"unknown term is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			_, err := s.CreateTerm(ctx, store.Term{Taxonomy: store.TaxCategory, Slug: "news", Name: "News"})
			mustOK(t, "CreateTerm", err)
			_, err = s.GetTerm(ctx, store.TaxCategory, "unknown")
			wantErr(t, "GetTerm(unknown)", err, store.ErrNotFound)
			_, err = s.GetTerm(ctx, store.TaxTag, "news")
			wantErr(t, "GetTerm(slug of a category, as a tag)", err, store.ErrNotFound)
		}},

		{"list counts published posts only", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			newTerms(t, s)
			for _, p := range []store.Post{
				{Slug: "pub-1", Status: store.StatusPublished, Categories: []string{"news"}, Tags: []string{"go"}},
				{Slug: "pub-2", Status: store.StatusPublished, Categories: []string{"news", "tech"}},
				{Slug: "draft", Status: store.StatusDraft, Categories: []string{"news", "tech"}, Tags: []string{"go", "sql"}},
				{Slug: "pending", Status: store.StatusPending, Categories: []string{"tech"}, Tags: []string{"sql"}},
				{Slug: "scheduled", Status: store.StatusScheduled, Categories: []string{"tech"}, Tags: []string{"go"}},
				{Slug: "trash", Status: store.StatusTrash, TrashedFrom: store.StatusPublished, Categories: []string{"news"}, Tags: []string{"sql"}},
			} {
				p.AuthorID, p.PublishedAt = u.ID, at(time.Hour)
				if p.Status == store.StatusDraft || p.Status == store.StatusPending {
					p.PublishedAt = time.Time{}
				}
				newPost(t, s, p)
			}
			for _, tc := range []struct {
				tax  store.Taxonomy
				want map[string]int64
			}{
				{store.TaxCategory, map[string]int64{"news": 2, "tech": 1, "empty": 0}},
				{store.TaxTag, map[string]int64{"go": 1, "sql": 0}},
			} {
				list, err := s.ListTerms(ctx, tc.tax)
				mustOK(t, "ListTerms", err)
				got := make(map[string]int64)
				for _, tm := range list {
					if tm.Taxonomy != tc.tax {
						t.Errorf("ListTerms(%s): got a term of taxonomy %q", tc.tax, tm.Taxonomy)
					}
					if _, dup := got[tm.Slug]; dup {
						t.Errorf("ListTerms(%s): got %q twice", tc.tax, tm.Slug)
					}
					got[tm.Slug] = tm.Count
				}
				if len(got) != len(tc.want) {
					t.Errorf("ListTerms(%s): got %d terms %v, want %d %v", tc.tax, len(got), got, len(tc.want), tc.want)
				}
				for slug, n := range tc.want {
					if c, ok := got[slug]; !ok || c != n {
						t.Errorf("ListTerms(%s): got %q count %d (listed: %v), want %d", tc.tax, slug, c, ok, n)
					}
				}
			}
		}},
	}
}
