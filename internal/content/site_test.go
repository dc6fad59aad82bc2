package content_test

import (
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

func TestTerms(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		a         content.Actor
		in        content.NewTerm
		wantSlug  string
		wantKind  content.Kind
		wantField string
		wantScope string
	}{
		{"editor creates category", web(e.editor), content.NewTerm{Taxonomy: store.TaxCategory, Name: "Coffee & Tea"}, "coffee-and-tea", "", "", ""},
		{"same name again", web(e.editor), content.NewTerm{Taxonomy: store.TaxCategory, Name: "coffee & tea"}, "", content.KindConflict, "name", ""},
		{"different name, same slug", web(e.editor), content.NewTerm{Taxonomy: store.TaxCategory, Name: "Coffee and Tea"}, "coffee-and-tea-2", "", "", ""},
		{"same slug in the other taxonomy", web(e.editor), content.NewTerm{Taxonomy: store.TaxTag, Name: "Coffee & Tea"}, "coffee-and-tea", "", "", ""},
		{"explicit slug", web(e.admin), content.NewTerm{Taxonomy: store.TaxTag, Name: "Brewing", Slug: "brew"}, "brew", "", "", ""},
		{"explicit slug taken", web(e.admin), content.NewTerm{Taxonomy: store.TaxTag, Name: "Brewing 2", Slug: "brew"}, "", content.KindConflict, "slug", ""},
		{"author cannot", web(e.author), content.NewTerm{Taxonomy: store.TaxTag, Name: "x"}, "", content.KindForbidden, "", ""},
		{"editor needs content:write", tok(e.editor, content.ScopeRead), content.NewTerm{Taxonomy: store.TaxTag, Name: "x"}, "", content.KindForbidden, "", content.ScopeWrite},
		{"empty name", web(e.editor), content.NewTerm{Taxonomy: store.TaxTag, Name: " "}, "", content.KindInvalid, "name", ""},
		{"bad taxonomy", web(e.editor), content.NewTerm{Taxonomy: "format", Name: "x"}, "", content.KindInvalid, "taxonomy", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.CreateTerm(e.ctx, tt.a, tt.in)
			checkErr(t, err, tt.wantKind, tt.wantField, tt.wantScope)
			if err == nil && got.Slug != tt.wantSlug {
				t.Errorf("slug = %q, want %q", got.Slug, tt.wantSlug)
			}
		})
	}
	if _, err := e.svc.CreatePost(e.ctx, web(e.editor), content.NewPost{Title: "p", Categories: []string{"coffee-and-tea"}, Status: store.StatusPublished}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreatePost(e.ctx, web(e.editor), content.NewPost{Title: "d", Categories: []string{"coffee-and-tea"}}); err != nil {
		t.Fatal(err)
	}
	terms, err := e.svc.ListTerms(e.ctx, content.Actor{}, store.TaxCategory)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, term := range terms {
		counts[term.Slug] = term.Count
	}
	if counts["coffee-and-tea"] != 1 || counts["coffee-and-tea-2"] != 0 || len(counts) != 2 {
		t.Errorf("counts = %v, want coffee-and-tea 1 (published only), coffee-and-tea-2 0", counts)
	}
}

func TestSiteSettings(t *testing.T) {
	e := newEnv(t)
	info, err := e.svc.SiteInfo(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := content.SiteInfo{Title: content.DefaultTitle, Tagline: content.DefaultTagline, URL: "https://blog.example.com", Timezone: "UTC", Language: "en"}
	if info != want {
		t.Errorf("defaults = %+v, want %+v", info, want)
	}
	str := func(s string) *string { return &s }
	tests := []struct {
		name      string
		a         content.Actor
		u         content.SettingsUpdate
		wantKind  content.Kind
		wantField string
		wantScope string
	}{
		{"admin updates", tok(e.admin, content.ScopeAdmin), content.SettingsUpdate{Title: str("Ember & Oat"), Timezone: str("Europe/Paris"), Language: str("fr-FR")}, "", "", ""},
		{"editor cannot", web(e.editor), content.SettingsUpdate{Title: str("x")}, content.KindForbidden, "", ""},
		{"admin needs site:admin", tok(e.admin, content.ScopeRead, content.ScopeWrite, content.ScopePublish), content.SettingsUpdate{Title: str("x")}, content.KindForbidden, "", content.ScopeAdmin},
		{"bad timezone", web(e.admin), content.SettingsUpdate{Timezone: str("Mars/Olympus_Mons")}, content.KindInvalid, "timezone", ""},
		{"Local is not a zone", web(e.admin), content.SettingsUpdate{Timezone: str("Local")}, content.KindInvalid, "timezone", ""},
		{"empty title", web(e.admin), content.SettingsUpdate{Title: str("")}, content.KindInvalid, "title", ""},
		{"long title", web(e.admin), content.SettingsUpdate{Title: str(strings.Repeat("t", 201))}, content.KindInvalid, "title", ""},
		{"bad language", web(e.admin), content.SettingsUpdate{Language: str("english please")}, content.KindInvalid, "language", ""},
		{"nothing", web(e.admin), content.SettingsUpdate{}, content.KindInvalid, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.UpdateSettings(e.ctx, tt.a, tt.u)
			checkErr(t, err, tt.wantKind, tt.wantField, tt.wantScope)
		})
	}
	info, err = e.svc.SiteInfo(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Title != "Ember & Oat" || info.Timezone != "Europe/Paris" || info.Language != "fr-FR" || info.Tagline != content.DefaultTagline {
		t.Errorf("after update: %+v", info)
	}
	if info.Location().String() != "Europe/Paris" {
		t.Errorf("Location = %v", info.Location())
	}
}

func TestUsersAndStats(t *testing.T) {
	e := newEnv(t)
	us, err := e.svc.ListUsers(e.ctx, tok(e.admin, content.ScopeAdmin))
	if err != nil || len(us) != 5 {
		t.Fatalf("ListUsers = %d users, %v; want 5", len(us), err)
	}
	_, err = e.svc.ListUsers(e.ctx, web(e.editor))
	checkErr(t, err, content.KindForbidden, "", "")
	_, err = e.svc.ListUsers(e.ctx, tok(e.admin, content.ScopeRead))
	checkErr(t, err, content.KindForbidden, "", content.ScopeAdmin)

	pub := e.post(e.author, "s-pub", store.StatusPublished)
	e.clock.Add(time.Second)
	e.post(e.author2, "s-draft-other", store.StatusDraft)
	e.clock.Add(time.Second)
	e.post(e.author, "s-draft-own", store.StatusDraft)
	if _, err := e.db.CreateComment(e.ctx, store.Comment{PostID: pub.ID, Body: "pending one", AuthorEmail: "x@example.org", Status: store.CommentPending, CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Second)
	if _, err := e.svc.CreateComment(e.ctx, web(e.author), content.NewComment{PostID: pub.ID, Body: "approved one"}); err != nil {
		t.Fatal(err)
	}
	st, err := e.svc.Stats(e.ctx, web(e.editor), 10)
	if err != nil {
		t.Fatal(err)
	}
	if st.Posts[store.StatusPublished] != 1 || st.Posts[store.StatusDraft] != 2 || st.Comments[store.CommentPending] != 1 || st.Comments[store.CommentApproved] != 1 {
		t.Errorf("counts = %v %v", st.Posts, st.Comments)
	}
	titles := func(ps []content.Post) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Title)
		}
		return strings.Join(out, ",")
	}
	if got := titles(st.RecentPosts); got != "s-draft-own,s-draft-other,s-pub" {
		t.Errorf("editor recent = %s", got)
	}
	if len(st.RecentComments) != 2 || st.RecentComments[0].Body != "approved one" {
		t.Errorf("editor recent comments = %+v", st.RecentComments)
	}
	st, err = e.svc.Stats(e.ctx, web(e.author2), 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(st.RecentPosts); got != "s-draft-other,s-pub" {
		t.Errorf("author2 recent = %s (must not include author's draft)", got)
	}
	if len(st.RecentComments) != 1 {
		t.Errorf("author2 recent comments = %d, want only the approved one", len(st.RecentComments))
	}
	_, err = e.svc.Stats(e.ctx, web(e.viewer), 5)
	checkErr(t, err, content.KindForbidden, "", "")

	if name, err := e.svc.AuthorName(e.ctx, e.author.ID); err != nil || name != "Aurora Author" {
		t.Errorf("AuthorName = %q, %v", name, err)
	}
}
