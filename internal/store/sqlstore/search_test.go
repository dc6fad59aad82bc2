package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
	"github.com/portico-mcp/portico/internal/store/sqlstore"
)

// TestSearchCandidatesMatchFullQuery is the differential test of the
// index-ranked search (searchRanked: rank in FTS5 alone, sort by score,
// join posts in that order, snippets from one index scan): over posts with
// many matches, many rank ties and a mix of statuses, types, authors,
// dates and terms, every page (posts, ranks and snippets) must equal the
// page of the full query (the same store through a dialect without
// Candidates, which ranks and filters every match joined to posts).
func TestSearchCandidatesMatchFullQuery(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var authors []store.User
	for i := range 2 {
		u, err := st.CreateUser(ctx, store.User{Email: fmt.Sprintf("a%d@example.com", i), Name: "A", Role: store.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		authors = append(authors, u)
	}
	words := strings.Fields("coffee garden autumn bread river maple otter lantern harbor kettle")
	statuses := []store.PostStatus{store.StatusPublished, store.StatusPublished, store.StatusPublished, store.StatusDraft, store.StatusPending, store.StatusTrash}
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1500 {
		var title, body []string
		for range 1 + r.IntN(3) {
			title = append(title, words[r.IntN(len(words))])
		}
		for range 3 + r.IntN(30) {
			body = append(body, words[r.IntN(len(words))])
		}
		if i%5 == 0 { // identical texts: rank ties
			title, body = []string{"maple"}, []string{"maple", "river"}
		}
		typ := store.TypePost
		if i%9 == 0 {
			typ = store.TypePage
		}
		var cats, tags []string
		if i%4 == 1 {
			cats = []string{"news"}
		}
		if i%7 == 2 {
			tags = []string{"t1", "t2"}
		}
		at := base.Add(time.Duration(i%300) * time.Hour) // equal dates too
		if _, err := st.CreatePost(ctx, store.Post{Type: typ, Slug: fmt.Sprintf("p-%d", i), Title: strings.Join(title, " "),
			Body: strings.Join(body, " "), Status: statuses[r.IntN(len(statuses))], AuthorID: authors[i%2].ID,
			Featured: i%11 == 0, Categories: cats, Tags: tags, CreatedAt: at, ModifiedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	d := sqlite.Dialect()
	d.Search.Candidates = ""
	full := sqlstore.New(st.Writer(), st.Reader(), d)

	queries := []string{"maple", "river", "coffee garden", `"maple river"`, "otter or kettle", "maple -river", "lantern",
		"nothingmatches", "bread", `"garden autumn" or lantern -coffee`}
	yes := true
	filters := []store.PostFilter{
		{},
		{Statuses: []store.PostStatus{store.StatusPublished}},
		{Statuses: []store.PostStatus{store.StatusTrash}},
		{Statuses: []store.PostStatus{store.StatusPublished}, Type: store.TypePage},
		{Statuses: []store.PostStatus{store.StatusDraft, store.StatusPending}, Limit: 7},
		{AuthorID: authors[1].ID, Limit: 5},
		{Category: "news", Limit: 10}, {Tag: "t2", Offset: 3, Limit: 4}, {Featured: &yes},
		{After: base.Add(100 * time.Hour), Before: base.Add(120 * time.Hour), Limit: 50},
		{Limit: 1}, {Limit: 100}, {Offset: 7, Limit: 10}, {Offset: 50}, {Offset: 300, Limit: 100}, {Offset: 5000},
		{Offset: 1499, Limit: 3}, {Type: store.TypePage, Offset: 40, Limit: 2},
	}
	nonEmpty := 0
	for _, q := range queries {
		for i, f := range filters {
			got, err := st.SearchPosts(ctx, q, f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := full.SearchPosts(ctx, q, f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q filter %d: %d hits, full query %d; first ids %v vs %v", q, i, len(got), len(want), ids(got), ids(want))
			}
			if len(want) > 0 {
				nonEmpty++
			}
		}
	}
	if need := len(queries) * len(filters) / 2; nonEmpty < need {
		t.Errorf("only %d of %d pages had hits: the test data no longer exercises the search", nonEmpty, len(queries)*len(filters))
	}
}

func ids(hs []store.PostHit) []int64 {
	var out []int64
	for i, h := range hs {
		if i == 8 {
			break
		}
		out = append(out, h.Post.ID)
	}
	return out
}
