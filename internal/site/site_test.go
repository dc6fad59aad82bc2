package site_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/site"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

const base = "https://blog.example.com"

// t0 is the fixed "now" of every fixture.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixture is the public site over a real SQLite store.
type fixture struct {
	t     *testing.T
	db    *sqlite.Store
	svc   *content.Service
	h     *site.Handler
	mux   *http.ServeMux
	admin content.Actor
	logs  *syncBuffer
}

type option func(*site.Handler)

func perPage(n int) option { return func(h *site.Handler) { h.PerPage = n } }

// newFixture opens a fresh database, optionally seeds the demo site (with a
// title and tagline), and mounts the handler on a mux.
func newFixture(t *testing.T, seed bool, opts ...option) *fixture {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	now := func() time.Time { return t0 }
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	f := &fixture{t: t, db: db, logs: logs}
	f.svc = &content.Service{Store: db, Now: now, Logger: slog.New(slog.DiscardHandler), BaseURL: base}
	u, err := db.CreateUser(ctx, store.User{Email: "ada@example.com", Name: "Ada Baker", Role: store.RoleAdmin})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	f.admin = content.WebActor(u)
	if seed {
		if err := f.svc.SeedDemo(ctx, u.ID); err != nil {
			t.Fatalf("SeedDemo: %v", err)
		}
		title, tagline := "Ember & Oat", "Bread, pastry <and> coffee from Harbour Lane"
		if _, err := f.svc.UpdateSettings(ctx, f.admin, content.SettingsUpdate{Title: &title, Tagline: &tagline}); err != nil {
			t.Fatalf("UpdateSettings: %v", err)
		}
	}
	f.h = &site.Handler{Content: f.svc, PublicURL: base, Logger: logger, Now: now}
	for _, o := range opts {
		o(f.h)
	}
	f.mux = http.NewServeMux()
	f.h.Mount(f.mux)
	return f
}

// response is a finished request.
type response struct {
	Code   int
	Header http.Header
	Body   string
}

// text is the body with HTML entities decoded, for looking for titles.
func (r response) text() string { return html.UnescapeString(r.Body) }

func (f *fixture) do(method, target string, hdr ...string) response {
	f.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{Code: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (f *fixture) get(target string) response {
	f.t.Helper()
	return f.do(http.MethodGet, target)
}

// mustGet fetches target and fails unless the status is want.
func (f *fixture) mustGet(target string, want int) response {
	f.t.Helper()
	r := f.get(target)
	if r.Code != want {
		f.t.Fatalf("GET %s = %d, want %d\n%.600s", target, r.Code, want, r.Body)
	}
	return r
}

// path turns an absolute public URL into a request target.
func (f *fixture) path(u string) string {
	f.t.Helper()
	if !strings.HasPrefix(u, base+"/") {
		f.t.Fatalf("URL %q is not absolute under %s", u, base)
	}
	return strings.TrimPrefix(u, base)
}

// published lists every published post and page, as an anonymous visitor.
func (f *fixture) published(typ store.PostType) []content.Post {
	f.t.Helper()
	l, err := f.svc.ListPosts(f.t.Context(), content.Actor{}, content.PostQuery{Type: typ, Limit: content.MaxLimit})
	if err != nil {
		f.t.Fatalf("ListPosts: %v", err)
	}
	return l.Posts
}

// unpublished lists every draft, pending, scheduled and trashed post and
// page, as the admin.
func (f *fixture) unpublished() []content.Post {
	f.t.Helper()
	l, err := f.svc.ListPosts(f.t.Context(), f.admin, content.PostQuery{
		Statuses: []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusTrash},
		Limit:    content.MaxLimit,
	})
	if err != nil {
		f.t.Fatalf("ListPosts: %v", err)
	}
	if len(l.Posts) == 0 {
		f.t.Fatal("the demo site has no unpublished content to test with")
	}
	return l.Posts
}

func (f *fixture) byTitle(title string) content.Post {
	f.t.Helper()
	for _, p := range append(f.published(""), f.unpublished()...) {
		if p.Title == title {
			return p
		}
	}
	f.t.Fatalf("no post titled %q", title)
	return content.Post{}
}

// create publishes a post as the admin.
func (f *fixture) create(in content.NewPost) content.Post {
	f.t.Helper()
	in.Status = store.StatusPublished
	p, err := f.svc.CreatePost(f.t.Context(), f.admin, in)
	if err != nil {
		f.t.Fatalf("CreatePost(%q): %v", in.Title, err)
	}
	return p
}

func TestHomeListsLatestPublishedPosts(t *testing.T) {
	f := newFixture(t, true)
	r := f.mustGet("/", http.StatusOK)
	body := r.text()
	for _, want := range []string{"Ember & Oat", "Bread, pastry <and> coffee from Harbour Lane", "by Ada Baker", "Latest posts"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	posts := f.published(store.TypePost)
	for i, p := range posts {
		in := strings.Contains(body, p.Title)
		if want := i < site.DefaultPerPage; in != want {
			t.Errorf("post %d %q on the first page: %v, want %v", i, p.Title, in, want)
		}
	}
	// Newest first: the first two posts appear in order.
	if i, j := strings.Index(body, posts[0].Title), strings.Index(body, posts[1].Title); i < 0 || j < 0 || i > j {
		t.Errorf("posts not newest first: %q at %d, %q at %d", posts[0].Title, i, posts[1].Title, j)
	}
	for _, p := range f.unpublished() {
		if strings.Contains(body, p.Title) {
			t.Errorf("home page shows %s %q", p.Status, p.Title)
		}
	}
	// Links to the published top-level pages, never the draft one.
	for _, want := range []string{`href="/pages/about"`, `href="/pages/contact"`, `href="/pages/wholesale"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("home page lacks page link %s", want)
		}
	}
	if strings.Contains(r.Body, "/pages/careers") {
		t.Error("home page links the draft page /pages/careers")
	}
	// The first post's categories are linked.
	for _, c := range posts[0].Categories {
		if !strings.Contains(r.Body, `href="/category/`+c+`"`) {
			t.Errorf("home page lacks a link to category %q of the first post", c)
		}
	}
	if !strings.Contains(r.Body, `<link rel="canonical" href="`+base+`/">`) {
		t.Error("home page lacks its canonical link")
	}
}

func TestEveryPublishedURLResolves(t *testing.T) {
	f := newFixture(t, true)
	all := f.published("")
	if len(all) < 30 {
		t.Fatalf("only %d published posts and pages", len(all))
	}
	for _, p := range all {
		t.Run(p.Slug, func(t *testing.T) {
			if p.URL == "" {
				t.Fatal("content.Service gave a published post no URL")
			}
			r := f.mustGet(f.path(p.URL), http.StatusOK)
			if !strings.Contains(r.text(), "<h1>"+p.Title+"</h1>") {
				t.Errorf("page does not show the title %q as its heading", p.Title)
			}
			if want := `<link rel="canonical" href="` + p.URL + `">`; !strings.Contains(r.Body, want) {
				t.Errorf("page lacks %s", want)
			}
			if !strings.Contains(r.text(), `<meta property="og:title" content="`+p.Title+`">`) {
				t.Errorf("page lacks og:title for %q", p.Title)
			}
			if !strings.Contains(r.Body, `<meta property="og:description" content="`) {
				t.Error("page lacks og:description")
			}
			if p.Type == store.TypePost && !strings.Contains(r.Body, "by Ada Baker") {
				t.Error("post lacks its byline")
			}
		})
	}
}

func TestUnpublishedContentIsNotFound(t *testing.T) {
	f := newFixture(t, true)
	seen := map[store.PostStatus]bool{}
	for _, p := range f.unpublished() {
		seen[p.Status] = true
		path := "/posts/" + p.Slug
		if p.Type == store.TypePage {
			path = "/pages/" + p.Slug
		}
		r := f.mustGet(path, http.StatusNotFound)
		if strings.Contains(r.text(), p.Title) {
			t.Errorf("404 for %s %q shows its title", p.Status, p.Title)
		}
		if !strings.Contains(r.Body, "Page not found") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("404 for %s is not the rendered HTML page: %s %.200s", path, r.Header.Get("Content-Type"), r.Body)
		}
	}
	for _, st := range []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusTrash} {
		if !seen[st] {
			t.Errorf("demo site has no %s content; the test does not cover it", st)
		}
	}
	post := f.published(store.TypePost)[0]
	for _, path := range []string{
		"/posts/about",              // a page, asked for as a post
		"/pages/" + post.Slug,       // a post, asked for as a page
		"/posts/no-such-post",       // nothing
		"/posts/Not%20A%20Slug",     // not a slug at all
		"/posts/" + post.Slug + "x", // near miss
		"/category/no-such-category",
		"/tag/no-such-tag",
		"/category/Coffee", // slugs are lower case
		"/site-assets/other.css",
	} {
		r := f.get(path)
		if r.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, r.Code)
		}
	}
}

// hrefRE finds links in the pages the site renders (html/template and
// goldmark always quote attributes with ").
var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// TestCrawl follows every internal link from the home page: each must answer
// 200, and no unpublished title may appear on any page or in the feed.
func TestCrawl(t *testing.T) {
	f := newFixture(t, true)
	hidden := f.unpublished()
	queue, seen := []string{"/"}, map[string]bool{"/": true}
	for len(queue) > 0 {
		target := queue[0]
		queue = queue[1:]
		r := f.get(target)
		if r.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", target, r.Code)
			continue
		}
		for _, p := range hidden {
			if strings.Contains(r.text(), p.Title) {
				t.Errorf("%s shows %s %q", target, p.Status, p.Title)
			}
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, m := range hrefRE.FindAllStringSubmatch(r.Body, -1) {
			href := html.UnescapeString(m[1])
			href = strings.TrimPrefix(href, base)
			if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
				continue // external, fragment or data: link
			}
			href, _, _ = strings.Cut(href, "#")
			if !seen[href] && len(seen) < 500 {
				seen[href] = true
				queue = append(queue, href)
			}
		}
	}
	for _, want := range []string{"/feed.xml", "/pages/opening-hours", "/category/coffee", "/tag/espresso", "/?page=4"} {
		if !seen[want] {
			t.Errorf("crawl never reached %s", want)
		}
	}
	if len(seen) < 50 {
		t.Errorf("crawl visited only %d URLs", len(seen))
	}
}

func TestPagination(t *testing.T) {
	f := newFixture(t, true)
	total := len(f.published(store.TypePost))
	pages := (total + site.DefaultPerPage - 1) / site.DefaultPerPage
	if pages < 3 {
		t.Fatalf("only %d pages of posts", pages)
	}
	last := fmt.Sprintf("/?page=%d", pages)
	tests := []struct {
		target string
		want   int
	}{
		{"/", 200},
		{"/?page=1", 200},
		{"/?page=2", 200},
		{last, 200},
		{fmt.Sprintf("/?page=%d", pages+1), 404},
		{"/?page=0", 404},
		{"/?page=-1", 404},
		{"/?page=+2", 404},
		{"/?page=01", 404},
		{"/?page=", 404},
		{"/?page=abc", 404},
		{"/?page=2.0", 404},
		{"/?page=99999999999999999999999", 404},
		{"/?other=1", 200},
	}
	for _, tt := range tests {
		if got := f.get(tt.target).Code; got != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.target, got, tt.want)
		}
	}

	posts := f.published(store.TypePost)
	r := f.mustGet("/?page=2", http.StatusOK)
	for i, p := range posts {
		in := strings.Contains(r.text(), "<h2><a href=\"/posts/"+p.Slug+"\">"+p.Title+"</a></h2>")
		if want := i >= site.DefaultPerPage && i < 2*site.DefaultPerPage; in != want {
			t.Errorf("page 2 lists post %d %q: %v, want %v", i, p.Title, in, want)
		}
	}
	for _, want := range []string{`<link rel="prev" href="/">`, `<link rel="next" href="/?page=3">`, `<link rel="canonical" href="` + base + `/?page=2">`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page 2 lacks %s", want)
		}
	}
	r = f.mustGet(last, http.StatusOK)
	if !strings.Contains(r.text(), posts[len(posts)-1].Title) {
		t.Errorf("last page lacks the oldest post %q", posts[len(posts)-1].Title)
	}
	if strings.Contains(r.Body, `rel="next"`) {
		t.Error("last page links a next page")
	}
}

func TestTermListings(t *testing.T) {
	f := newFixture(t, true, perPage(3))
	ctx := t.Context()
	for _, tt := range []struct {
		path string
		q    content.PostQuery
	}{
		{"/category/coffee", content.PostQuery{Category: "coffee"}},
		{"/tag/espresso", content.PostQuery{Tag: "espresso"}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			tt.q.Type, tt.q.Limit = store.TypePost, content.MaxLimit
			want, err := f.svc.ListPosts(ctx, content.Actor{}, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Posts) < 4 {
				t.Fatalf("only %d posts in %s", len(want.Posts), tt.path)
			}
			pages := (len(want.Posts) + 2) / 3
			var body strings.Builder
			for n := 1; n <= pages; n++ {
				r := f.mustGet(fmt.Sprintf("%s?page=%d", tt.path, n), http.StatusOK)
				body.WriteString(r.text())
			}
			f.mustGet(fmt.Sprintf("%s?page=%d", tt.path, pages+1), http.StatusNotFound)
			f.mustGet(tt.path+"?page=0", http.StatusNotFound)
			for _, p := range want.Posts {
				if !strings.Contains(body.String(), p.Title) {
					t.Errorf("%s never lists %q", tt.path, p.Title)
				}
			}
			for _, p := range f.unpublished() {
				if strings.Contains(body.String(), p.Title) {
					t.Errorf("%s lists %s %q", tt.path, p.Status, p.Title)
				}
			}
		})
	}
	r := f.mustGet("/category/coffee", http.StatusOK)
	if !strings.Contains(r.text(), "Category: Coffee") || !strings.Contains(r.text(), "Roasting, brewing and everything") {
		t.Error("category page lacks its name or description")
	}
	// Other categories' posts are not listed.
	if strings.Contains(r.text(), "Bread Donations: A Year in Numbers") {
		t.Error("coffee category lists a community post")
	}
	// A term with no published posts is a real, empty listing.
	if _, err := f.svc.CreateTerm(ctx, f.admin, content.NewTerm{Taxonomy: store.TaxTag, Name: "Brand new"}); err != nil {
		t.Fatal(err)
	}
	r = f.mustGet("/tag/brand-new", http.StatusOK)
	if !strings.Contains(r.text(), "Posts tagged “Brand new”") || !strings.Contains(r.text(), "No published posts have this tag yet.") {
		t.Errorf("empty tag page:\n%.800s", r.Body)
	}
	f.mustGet("/tag/brand-new?page=2", http.StatusNotFound)
}

func TestPages(t *testing.T) {
	f := newFixture(t, true)
	about := f.mustGet("/pages/about", http.StatusOK)
	if !strings.Contains(about.text(), "About Ember & Oat") || !strings.Contains(about.Body, `aria-current="page">About Ember &amp; Oat`) {
		t.Error("about page lacks its title or does not mark itself current in the navigation")
	}
	contact := f.mustGet("/pages/contact", http.StatusOK)
	if !strings.Contains(contact.Body, `<a href="/pages/opening-hours">Opening Hours</a>`) {
		t.Error("contact page does not link its child page")
	}
	hours := f.mustGet("/pages/opening-hours", http.StatusOK)
	if !strings.Contains(hours.Body, `<p class="breadcrumb"><a href="/pages/contact">Contact</a>`) {
		t.Error("opening hours page does not link its parent")
	}
	if !strings.Contains(hours.Body, "<table>") {
		t.Error("the Markdown table of opening hours was not rendered")
	}
	f.mustGet("/pages/careers", http.StatusNotFound)
}

// atom is the test's own reading of an Atom document.
type atom struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Author struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []struct {
		Title string `xml:"title"`
		Link  struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		ID        string `xml:"id"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Author    struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Categories []struct {
			Term  string `xml:"term,attr"`
			Label string `xml:"label,attr"`
		} `xml:"category"`
		Summary string `xml:"summary"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

func parseFeed(t *testing.T, body string) atom {
	t.Helper()
	var a atom
	if err := xml.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("feed does not parse as Atom: %v\n%.500s", err, body)
	}
	return a
}

func TestFeed(t *testing.T) {
	f := newFixture(t, true)
	r := f.mustGet("/feed.xml", http.StatusOK)
	if got, want := r.Header.Get("Content-Type"), "application/atom+xml; charset=utf-8"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if r.Header.Get("Last-Modified") == "" || r.Header.Get("ETag") == "" {
		t.Error("feed lacks Last-Modified or ETag")
	}
	a := parseFeed(t, r.Body)
	if a.Title != "Ember & Oat" || a.Lang != "en" || a.ID == "" || a.Author.Name == "" {
		t.Errorf("feed head: title %q lang %q id %q author %q", a.Title, a.Lang, a.ID, a.Author.Name)
	}
	if !slices.ContainsFunc(a.Links, func(l struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	}) bool {
		return l.Rel == "self" && l.Href == base+"/feed.xml"
	}) {
		t.Errorf("feed lacks rel=self %s/feed.xml: %+v", base, a.Links)
	}
	feedUpdated, err := time.Parse(time.RFC3339, a.Updated)
	if err != nil {
		t.Errorf("feed updated %q: %v", a.Updated, err)
	}
	posts := f.published(store.TypePost)
	if got, want := len(a.Entries), min(site.FeedEntries, len(posts)); got != want {
		t.Fatalf("feed has %d entries, want %d", got, want)
	}
	ids := map[string]bool{}
	for i, e := range a.Entries {
		p := posts[i]
		if e.Title != p.Title {
			t.Errorf("entry %d title %q, want %q (newest first)", i, e.Title, p.Title)
		}
		if e.Link.Href != p.URL || e.Link.Rel != "alternate" {
			t.Errorf("entry %d link %s %q, want alternate %q", i, e.Link.Rel, e.Link.Href, p.URL)
		}
		u, err := url.Parse(e.Link.Href)
		if err != nil || !u.IsAbs() {
			t.Errorf("entry %d link %q is not absolute", i, e.Link.Href)
			continue
		}
		page := f.mustGet(f.path(e.Link.Href), http.StatusOK)
		if !strings.Contains(page.text(), e.Title) {
			t.Errorf("entry %d link does not lead to %q", i, e.Title)
		}
		up, err := time.Parse(time.RFC3339, e.Updated)
		if err != nil {
			t.Errorf("entry %d updated %q: %v", i, e.Updated, err)
		} else if up.After(feedUpdated) {
			t.Errorf("entry %d updated %s after the feed's %s", i, up, feedUpdated)
		}
		if _, err := time.Parse(time.RFC3339, e.Published); err != nil {
			t.Errorf("entry %d published %q: %v", i, e.Published, err)
		}
		if !strings.HasPrefix(e.ID, "tag:blog.example.com,") || ids[e.ID] {
			t.Errorf("entry %d id %q is not a unique tag URI", i, e.ID)
		}
		ids[e.ID] = true
		if e.Author.Name != "Ada Baker" || e.Summary == "" {
			t.Errorf("entry %d author %q summary %q", i, e.Author.Name, e.Summary)
		}
		if e.Content.Type != "html" || !strings.Contains(e.Content.Body, "<p>") {
			t.Errorf("entry %d content type %q body %.80q", i, e.Content.Type, e.Content.Body)
		}
		if len(e.Categories) == 0 || e.Categories[0].Label == "" {
			t.Errorf("entry %d categories %+v", i, e.Categories)
		}
	}
	for _, p := range f.unpublished() {
		if strings.Contains(html.UnescapeString(r.Body), p.Title) {
			t.Errorf("feed shows %s %q", p.Status, p.Title)
		}
	}
	// Every page advertises the feed.
	home := f.mustGet("/", http.StatusOK)
	if want := `<link rel="alternate" type="application/atom+xml" title="Ember &amp; Oat" href="` + base + `/feed.xml">`; !strings.Contains(home.Body, want) {
		t.Errorf("home page lacks %s", want)
	}
}

func TestEmptySite(t *testing.T) {
	f := newFixture(t, false)
	r := f.mustGet("/", http.StatusOK)
	if !strings.Contains(r.Body, "Nothing has been published yet.") || !strings.Contains(r.Body, content.DefaultTitle) {
		t.Errorf("empty home page:\n%.800s", r.Body)
	}
	f.mustGet("/?page=2", http.StatusNotFound)
	a := parseFeed(t, f.mustGet("/feed.xml", http.StatusOK).Body)
	if len(a.Entries) != 0 || a.Author.Name == "" || a.Updated != t0.Format(time.RFC3339) {
		t.Errorf("empty feed: %d entries, author %q, updated %q", len(a.Entries), a.Author.Name, a.Updated)
	}
}

func TestEscapingAndSanitising(t *testing.T) {
	f := newFixture(t, true)
	ctx := t.Context()
	const title = `<script>alert("title")</script> Fish & Chips`
	p := f.create(content.NewPost{
		Title: title,
		Body: "Hello <script>alert('body')</script> world.\n\n" +
			`<img src="x.png" onerror="alert(1)" alt="x">` + "\n\n" +
			"[click](javascript:alert(2)) and **bold**\n\n" +
			`<a href="/pages/about" onclick="alert(3)">about</a>`,
		Categories: []string{"coffee"},
	})
	c, err := f.svc.CreateComment(ctx, f.admin, content.NewComment{PostID: p.ID, Body: "Nice <script>alert('comment')</script> <b onmouseover=alert(4)>post</b>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.CreateComment(ctx, store.Comment{
		PostID: p.ID, AuthorName: `<i>Eve</i>`, AuthorURL: "javascript:alert(5)", Body: "hi",
		Status: store.CommentApproved, CreatedAt: t0, ModifiedAt: t0,
	}); err != nil {
		t.Fatal(err)
	}

	check := func(where, body string) {
		t.Helper()
		low := strings.ToLower(body)
		for _, bad := range []string{"<script", "onerror", "onclick", "onmouseover", "javascript:", "<i>eve</i>"} {
			if strings.Contains(low, bad) {
				t.Errorf("%s contains %q", where, bad)
			}
		}
	}
	r := f.mustGet(f.path(p.URL), http.StatusOK)
	check("post page", r.Body)
	for _, want := range []string{
		"<h1>&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Fish &amp; Chips</h1>",
		"<strong>bold</strong>",
		`<img src="x.png" alt="x">`,
		"&lt;i&gt;Eve&lt;/i&gt;",
		fmt.Sprintf(`id="comment-%d"`, c.ID),
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("post page lacks %s", want)
		}
	}
	check("home page", f.mustGet("/", http.StatusOK).Body)
	check("category page", f.mustGet("/category/coffee", http.StatusOK).Body)

	feed := f.mustGet("/feed.xml", http.StatusOK).Body
	if strings.Contains(strings.ToLower(feed), "<script") {
		t.Error("raw feed contains <script")
	}
	a := parseFeed(t, feed)
	if a.Entries[0].Title != title {
		t.Errorf("feed entry title %q, want %q", a.Entries[0].Title, title)
	}
	check("feed entry content", a.Entries[0].Content.Body)
}

func TestComments(t *testing.T) {
	f := newFixture(t, true)
	ctx := t.Context()

	roast := f.byTitle("Why We Roast on Tuesdays")
	r := f.mustGet(f.path(roast.URL), http.StatusOK)
	// A chain of four approved replies is four nested lists.
	if got := strings.Count(r.Body, `<ol class="comment-list">`); got != 4 {
		t.Errorf("threaded chain has %d comment lists, want 4", got)
	}
	if !strings.Contains(r.text(), "4 comments") || !strings.Contains(r.Body, `<span class="badge">Author</span>`) {
		t.Error("comment count or staff badge missing")
	}

	guide := f.byTitle("A Beginner's Guide to Pour-Over at Home")
	r = f.mustGet(f.path(guide.URL), http.StatusOK)
	body := r.text()
	for _, want := range []string{"What grinder would you recommend on a budget?", "A hand grinder with steel burrs", "3 comments",
		`<a href="https://lucia.example.com" rel="nofollow ugc noopener noreferrer">Lucía Ferrer</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("pour-over post lacks %q", want)
		}
	}
	for _, bad := range []string{"Cheap Watches Online", "replica watches", "lucia@example.com", "marcus@example.org"} {
		if strings.Contains(body, bad) {
			t.Errorf("pour-over post shows %q", bad)
		}
	}

	starter := f.byTitle("Our Sourdough Starter Turns Ten")
	const pending = "Is the starter fed with rye or wheat flour?"
	r = f.mustGet(f.path(starter.URL), http.StatusOK)
	if strings.Contains(r.text(), pending) {
		t.Fatal("a pending comment is shown")
	}
	trip := f.byTitle("Visiting the Washing Stations of Yirgacheffe")
	if r := f.mustGet(f.path(trip.URL), http.StatusOK); strings.Contains(r.text(), "Nobody cares about your holiday.") {
		t.Error("a trashed comment is shown")
	}

	// Once approved, the pending comment appears.
	cs, err := f.svc.ListComments(ctx, f.admin, content.CommentQuery{PostID: starter.ID, Statuses: []store.CommentStatus{store.CommentPending}})
	if err != nil || len(cs.Comments) != 1 {
		t.Fatalf("pending comments: %v %+v", err, cs)
	}
	if _, err := f.svc.ModerateComment(ctx, f.admin, cs.Comments[0].ID, content.Approve); err != nil {
		t.Fatal(err)
	}
	if r := f.mustGet(f.path(starter.URL), http.StatusOK); !strings.Contains(r.text(), pending) {
		t.Error("an approved comment is not shown")
	}
	// A post without comments has no comments section.
	if r := f.mustGet(f.path(f.byTitle("Harvest Season in Huila").URL), http.StatusOK); strings.Contains(r.Body, `class="comments"`) {
		t.Error("a post without comments shows a comments section")
	}
}

func TestHeadersAndConditionalRequests(t *testing.T) {
	f := newFixture(t, true)
	post := f.published(store.TypePost)[0]
	for _, path := range []string{"/", "/?page=2", f.path(post.URL), "/pages/about", "/category/coffee", "/tag/espresso"} {
		t.Run(path, func(t *testing.T) {
			r := f.mustGet(path, http.StatusOK)
			want := map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Content-Security-Policy": site.CSP,
				"Cache-Control":           "public, max-age=60",
				"X-Content-Type-Options":  "nosniff",
			}
			for k, v := range want {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, want := range []string{`<html lang="en">`, `<main id="main"`, `<header class="site-header">`, `<footer class="site-footer">`, `<nav class="site-nav" aria-label="Pages">`, `<meta name="viewport"`, `href="#main"`} {
				if !strings.Contains(r.Body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			etag := r.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			nm := f.do(http.MethodGet, path, "If-None-Match", etag)
			if nm.Code != http.StatusNotModified || nm.Body != "" {
				t.Errorf("If-None-Match: %d with %d bytes, want 304 and nothing", nm.Code, len(nm.Body))
			}
			head := f.do(http.MethodHead, path)
			if head.Code != http.StatusOK || head.Body != "" || head.Header.Get("ETag") != etag ||
				head.Header.Get("Content-Length") != fmt.Sprint(len(r.Body)) {
				t.Errorf("HEAD: %d, %d bytes, ETag %q, length %q; GET had ETag %q and %d bytes",
					head.Code, len(head.Body), head.Header.Get("ETag"), head.Header.Get("Content-Length"), etag, len(r.Body))
			}
		})
	}
	nf := f.mustGet("/posts/nope", http.StatusNotFound)
	if nf.Header.Get("Content-Security-Policy") != site.CSP || !strings.Contains(nf.Body, `<meta name="robots" content="noindex">`) ||
		!strings.Contains(nf.Body, `<html lang="en">`) || nf.Header.Get("Cache-Control") == site.CacheControl {
		t.Errorf("404 page headers %v body %.300s", nf.Header, nf.Body)
	}
	if head := f.do(http.MethodHead, "/posts/nope"); head.Code != http.StatusNotFound {
		t.Errorf("HEAD of a missing post = %d", head.Code)
	}
	if r := f.do(http.MethodPost, "/"); r.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", r.Code)
	}
}

func TestRobotsAndStylesheet(t *testing.T) {
	f := newFixture(t, true)
	r := f.mustGet("/robots.txt", http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("robots.txt Content-Type %q", r.Header.Get("Content-Type"))
	}
	for _, want := range []string{"User-agent: *", "Disallow: /admin\n", "Disallow: /authorize\n", "Disallow: /consent\n", "Disallow: /login\n"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("robots.txt lacks %q", want)
		}
	}
	home := f.mustGet("/", http.StatusOK)
	m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(home.Body)
	if m == nil {
		t.Fatal("home page links no stylesheet")
	}
	css := f.mustGet(html.UnescapeString(m[1]), http.StatusOK)
	if css.Header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css.Header.Get("Cache-Control"), "immutable") ||
		!strings.Contains(css.Body, "prefers-color-scheme") {
		t.Errorf("stylesheet %s: %v", m[1], css.Header)
	}
}

func TestServerErrorHidesCause(t *testing.T) {
	f := newFixture(t, true)
	post := f.published(store.TypePost)[0]
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", f.path(post.URL), "/category/coffee", "/feed.xml"} {
		r := f.get(path)
		if r.Code != http.StatusInternalServerError {
			t.Errorf("GET %s with the database closed = %d, want 500", path, r.Code)
			continue
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(r.Body, "Something went wrong") ||
			r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: 500 is not the rendered page: %v %.300s", path, r.Header, r.Body)
		}
		for _, leak := range []string{"sql", "closed", "sqlite", "site:"} {
			if strings.Contains(strings.ToLower(r.Body), leak) {
				t.Errorf("GET %s: 500 page reveals %q", path, leak)
			}
		}
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "public page failed") || !strings.Contains(logs, "closed") || !strings.Contains(logs, "level=ERROR") {
		t.Errorf("500 cause not logged:\n%s", logs)
	}
}

func TestMountBesideOtherSurfaces(t *testing.T) {
	f := newFixture(t, true)
	mux := http.NewServeMux()
	other := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "other") })
	patterns := []string{
		"/mcp", "/mcp/", "GET /sse", "POST /messages", "GET /.well-known/", "/mcp/.well-known/",
		"GET /authorize", "POST /authorize", "POST /token", "POST /register", "POST /revoke", "POST /introspect",
		"GET /login", "POST /login", "POST /logout", "GET /setup", "POST /setup", "GET /consent", "POST /consent",
		"/admin/", "GET /healthz", "GET /readyz", "GET /metrics", "GET /static/",
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("mounting beside the other surfaces panics: %v", p)
			}
		}()
		for _, p := range patterns[:10] {
			mux.Handle(p, other)
		}
		f.h.Mount(mux)
		for _, p := range patterns[10:] {
			mux.Handle(p, other)
		}
	}()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for path, want := range map[string]string{
		"/admin/clients": "other", "/static/portico.css": "other", "/.well-known/oauth-protected-resource": "other",
		"/healthz": "other", "/": "Latest posts", "/feed.xml": "<feed",
	} {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %.100q, want it to contain %q", path, b, want)
		}
	}
}

// TestConcurrentRequests runs GETs and HEADs in parallel over a real
// connection, for the race detector.
func TestConcurrentRequests(t *testing.T) {
	f := newFixture(t, true)
	srv := httptest.NewServer(f.mux)
	t.Cleanup(srv.Close)
	paths := []string{"/", "/?page=2", "/feed.xml", "/category/coffee", "/tag/espresso", "/pages/contact", f.path(f.published(store.TypePost)[0].URL), "/posts/missing"}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(paths))
	for i := range 4 {
		for _, p := range paths {
			wg.Go(func() {
				method := http.MethodGet
				if i%2 == 1 {
					method = http.MethodHead
				}
				req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+p, nil)
				if err != nil {
					errs <- err
					return
				}
				res, err := srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				want := http.StatusOK
				if p == "/posts/missing" {
					want = http.StatusNotFound
				}
				if res.StatusCode != want {
					errs <- fmt.Errorf("%s %s = %d, want %d", method, p, res.StatusCode, want)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDatesInSiteTimeZone(t *testing.T) {
	f := newFixture(t, true)
	tz := "Pacific/Auckland" // UTC+13 in February
	if _, err := f.svc.UpdateSettings(t.Context(), f.admin, content.SettingsUpdate{Timezone: &tz}); err != nil {
		t.Fatal(err)
	}
	p := f.create(content.NewPost{Title: "Late Night Baking", Body: "Dough."})
	// Republish it at 23:00 UTC on 2 March, which is already noon on 3 March
	// in Auckland: the page must show the site's day, not UTC's.
	late := t0.Add(13 * time.Hour)
	f.svc.Now = func() time.Time { return late }
	if _, err := f.svc.Unpublish(t.Context(), f.admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Publish(t.Context(), f.admin, p.ID); err != nil {
		t.Fatal(err)
	}
	r := f.mustGet(f.path(p.URL), http.StatusOK)
	if want := `<time datetime="2026-03-02T23:00:00Z">3 March 2026</time>`; !strings.Contains(r.Body, want) {
		t.Errorf("post page lacks %s", want)
	}
}

func TestPublicURLFallsBackToSiteURL(t *testing.T) {
	f := newFixture(t, true)
	h := &site.Handler{Content: f.svc, Now: func() time.Time { return t0 }}
	mux := http.NewServeMux()
	h.Mount(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pages/about", nil))
	if want := `<link rel="canonical" href="` + base + `/pages/about">`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("without PublicURL the canonical link is not built from the site URL; want %s", want)
	}
	if rec.Code != http.StatusOK {
		t.Errorf("GET /pages/about = %d", rec.Code)
	}
}
