package site

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// chrome is what every page shows around its content: the site's name,
// navigation and categories. It also carries what handlers need to build
// links and dates.
type chrome struct {
	Site       content.SiteInfo
	Lang       string
	FeedURL    string
	CSSURL     string
	Nav        []link // top-level published pages
	Categories []link // categories with published posts
	Year       int

	base  string
	loc   *time.Location
	pages []content.Post        // published pages, oldest first
	cats  map[string]store.Term // categories by slug
}

// link is a named link in navigation or metadata.
type link struct {
	Name    string
	URL     string
	Count   int64
	Current bool
}

// stamp is a time as a page shows it: machine-readable and in words.
type stamp struct {
	ISO  string // RFC 3339, for <time datetime>
	Text string // "2 March 2026", in the site's time zone
}

// view is the data every template receives. Exactly one of List, Entry and
// Error is set.
type view struct {
	*chrome
	DocTitle    string // <title>
	OGTitle     string
	Description string // plain text
	Canonical   string // absolute when the public URL is known
	OGType      string
	Published   string // RFC 3339, posts only
	PrevURL     string
	NextURL     string
	NoIndex     bool
	IsHome      bool

	List  *listing
	Entry *entry
	Error *errorView
}

// listing is a page of post summaries.
type listing struct {
	Heading     string
	Description string
	Empty       string // shown when there are no posts
	Items       []summary
	Page, Pages int
	PrevURL     string // newer posts
	NextURL     string // older posts
}

// summary is one post in a listing.
type summary struct {
	Title      string
	URL        string
	Date       stamp
	Author     string
	Excerpt    string
	Featured   bool
	Categories []link
}

// entry is a single post or page.
type entry struct {
	IsPage     bool
	Title      string
	Date       stamp
	Updated    stamp
	Author     string
	Body       template.HTML
	Categories []link
	Tags       []link
	Parent     *link
	Children   []link
	Comments   []commentView
	NComments  int
	Truncated  bool // more approved comments exist than are shown
}

// commentView is an approved comment with its approved replies.
type commentView struct {
	ID        int64
	Author    string
	AuthorURL string // http(s) only; empty otherwise
	Badge     string // "Author" or "Staff" for comments by site users
	Date      stamp
	Body      template.HTML
	Replies   []commentView
}

// errorView is the 404 or 500 message.
type errorView struct {
	Heading string
	Message string
}

func (h *Handler) newChrome(info content.SiteInfo) *chrome {
	c := &chrome{Site: info, Lang: info.Language, base: h.base(info), loc: info.Location(), cats: map[string]store.Term{}}
	if c.Lang == "" {
		c.Lang = content.DefaultLanguage
	}
	c.FeedURL = c.base + "/feed.xml"
	c.CSSURL = h.tmpl.cssURL
	c.Year = h.now().In(c.loc).Year()
	return c
}

// chrome loads the settings, the published pages and the categories, and
// marks the navigation link for path as current.
func (h *Handler) chrome(ctx context.Context, path string) (*chrome, error) {
	info, err := h.Content.SiteInfo(ctx)
	if err != nil {
		return nil, wrapf(err, "site info")
	}
	c := h.newChrome(info)
	pages, err := h.Content.ListPosts(ctx, anon(), content.PostQuery{Type: store.TypePage, Limit: content.MaxLimit})
	if err != nil {
		return nil, wrapf(err, "list pages")
	}
	for _, p := range pages.Posts {
		if p.Status == store.StatusPublished { // the service already ensures it
			c.pages = append(c.pages, p)
		}
	}
	slices.Reverse(c.pages) // oldest first: the order they were added in
	published := map[int64]bool{}
	for _, p := range c.pages {
		published[p.ID] = true
	}
	for _, p := range c.pages {
		if p.ParentID == 0 || !published[p.ParentID] {
			u := postPath(store.TypePage, p.Slug)
			c.Nav = append(c.Nav, link{Name: p.Title, URL: u, Current: u == path})
		}
	}
	cats, err := h.Content.ListTerms(ctx, anon(), store.TaxCategory)
	if err != nil {
		return nil, wrapf(err, "list categories")
	}
	for _, t := range cats {
		c.cats[t.Slug] = t
		if t.Count > 0 {
			u := termPath(store.TaxCategory, t.Slug)
			c.Categories = append(c.Categories, link{Name: t.Name, URL: u, Count: t.Count, Current: u == path})
		}
	}
	return c, nil
}

func (c *chrome) stamp(t time.Time) stamp {
	if t.IsZero() {
		return stamp{}
	}
	return stamp{ISO: t.UTC().Format(time.RFC3339), Text: t.In(c.loc).Format("2 January 2006")}
}

// termLinks turns term slugs into links, using the names in terms.
func termLinks(tax store.Taxonomy, slugs []string, terms map[string]store.Term) []link {
	out := make([]link, 0, len(slugs))
	for _, s := range slugs {
		name := s
		if t, ok := terms[s]; ok && t.Name != "" {
			name = t.Name
		}
		out = append(out, link{Name: name, URL: termPath(tax, s)})
	}
	return out
}

// authors looks up bylines once per request.
type authors struct {
	h     *Handler
	names map[int64]string
}

func (h *Handler) authors() *authors { return &authors{h: h, names: map[int64]string{}} }

func (a *authors) name(ctx context.Context, id int64) (string, error) {
	if n, ok := a.names[id]; ok {
		return n, nil
	}
	n, err := a.h.Content.AuthorName(ctx, id)
	if err != nil {
		return "", wrapf(err, "author of post")
	}
	a.names[id] = n
	return n, nil
}

// describe shortens plain text for a meta description.
func describe(s string) string {
	const limit = 300
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)[:limit]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > limit/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " .,;:—-") + "…"
}

// home is GET /{$}: the latest posts, paginated.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	n, ok := pageNumber(r)
	if !ok {
		return errNotFound
	}
	c, err := h.chrome(r.Context(), r.URL.Path)
	if err != nil {
		return err
	}
	v := &view{chrome: c, IsHome: true, OGType: "website", OGTitle: c.Site.Title, Description: c.Site.Tagline}
	v.DocTitle = c.Site.Title
	if c.Site.Tagline != "" {
		v.DocTitle += " — " + c.Site.Tagline
	}
	l := &listing{Heading: "Latest posts", Empty: "Nothing has been published yet."}
	return h.listPage(w, r, v, l, n, "/", content.PostQuery{Type: store.TypePost})
}

// term is GET /category/{slug} and GET /tag/{slug}.
func (h *Handler) term(tax store.Taxonomy) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, ok := pageNumber(r)
		if !ok {
			return errNotFound
		}
		slug := r.PathValue("slug")
		if !content.ValidSlug(slug) {
			return errNotFound
		}
		c, err := h.chrome(r.Context(), r.URL.Path)
		if err != nil {
			return err
		}
		terms := c.cats
		if tax == store.TaxTag {
			if terms, err = h.termMap(r.Context(), store.TaxTag); err != nil {
				return err
			}
		}
		t, ok := terms[slug]
		if !ok {
			return errNotFound
		}
		q := content.PostQuery{Type: store.TypePost}
		l := &listing{Description: t.Description}
		if tax == store.TaxTag {
			q.Tag = t.Slug
			l.Heading = "Posts tagged “" + t.Name + "”"
			l.Empty = "No published posts have this tag yet."
		} else {
			q.Category = t.Slug
			l.Heading = "Category: " + t.Name
			l.Empty = "No posts have been published in this category yet."
		}
		v := &view{chrome: c, OGType: "website", OGTitle: l.Heading, Description: t.Description}
		v.DocTitle = l.Heading + " — " + c.Site.Title
		if v.Description == "" {
			v.Description = l.Heading + " on " + c.Site.Title
		}
		return h.listPage(w, r, v, l, n, termPath(tax, t.Slug), q)
	}
}

func (h *Handler) termMap(ctx context.Context, tax store.Taxonomy) (map[string]store.Term, error) {
	ts, err := h.Content.ListTerms(ctx, anon(), tax)
	if err != nil {
		return nil, wrapf(err, "list %s terms", tax)
	}
	m := make(map[string]store.Term, len(ts))
	for _, t := range ts {
		m[t.Slug] = t
	}
	return m, nil
}

// listPage fills l with page n of the posts matching q and renders v. Pages
// past the last are 404; an empty first page is a 200 saying so.
func (h *Handler) listPage(w http.ResponseWriter, r *http.Request, v *view, l *listing, n int, path string, q content.PostQuery) error {
	ctx := r.Context()
	per := h.perPage()
	q.Offset, q.Limit = (n-1)*per, per
	list, err := h.Content.ListPosts(ctx, anon(), q)
	if err != nil {
		return wrapf(err, "list posts for %s", path)
	}
	pages := max(1, int((list.Total+int64(per)-1)/int64(per)))
	if n > pages {
		return errNotFound
	}
	au := h.authors()
	for _, p := range list.Posts {
		if p.Status != store.StatusPublished {
			continue // the service already ensures it; never leak regardless
		}
		name, err := au.name(ctx, p.AuthorID)
		if err != nil {
			return err
		}
		l.Items = append(l.Items, summary{
			Title: p.Title, URL: postPath(p.Type, p.Slug), Date: v.stamp(p.PublishedAt),
			Author: name, Excerpt: p.Summary, Featured: p.Featured,
			Categories: termLinks(store.TaxCategory, p.Categories, v.cats),
		})
	}
	l.Page, l.Pages = n, pages
	if n > 1 {
		l.PrevURL = pageURL(path, n-1)
		v.PrevURL = l.PrevURL
		v.DocTitle = l.Heading + ", page " + strconv.Itoa(n) + " — " + v.Site.Title
	}
	if n < pages {
		l.NextURL = pageURL(path, n+1)
		v.NextURL = l.NextURL
	}
	v.List = l
	v.Canonical = v.base + pageURL(path, n)
	return h.ok(w, r, "list", v)
}

// single is GET /posts/{slug} and GET /pages/{slug}.
func (h *Handler) single(typ store.PostType) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		slug := r.PathValue("slug")
		p, err := h.Content.GetPostBySlug(ctx, anon(), typ, slug)
		if err != nil {
			return wrapf(err, "get %s %q", typ, slug)
		}
		if p.Status != store.StatusPublished || p.Type != typ {
			return errNotFound // the service already ensures it; never leak regardless
		}
		c, err := h.chrome(ctx, r.URL.Path)
		if err != nil {
			return err
		}
		author, err := h.authors().name(ctx, p.AuthorID)
		if err != nil {
			return err
		}
		e := &entry{
			IsPage: typ == store.TypePage, Title: p.Title, Author: author, Body: p.HTML(),
			Date: c.stamp(p.PublishedAt), Updated: c.stamp(later(p.ModifiedAt, p.PublishedAt)),
		}
		if typ == store.TypePost {
			e.Categories = termLinks(store.TaxCategory, p.Categories, c.cats)
			if len(p.Tags) > 0 {
				tags, err := h.termMap(ctx, store.TaxTag)
				if err != nil {
					return err
				}
				e.Tags = termLinks(store.TaxTag, p.Tags, tags)
			}
		} else {
			for _, q := range c.pages {
				switch {
				case q.ID == p.ParentID:
					e.Parent = &link{Name: q.Title, URL: postPath(store.TypePage, q.Slug)}
				case q.ParentID == p.ID:
					e.Children = append(e.Children, link{Name: q.Title, URL: postPath(store.TypePage, q.Slug)})
				}
			}
		}
		if err := h.comments(ctx, c, p, e); err != nil {
			return err
		}
		v := &view{
			chrome: c, Entry: e, DocTitle: p.Title + " — " + c.Site.Title, OGTitle: p.Title,
			Description: describe(p.Summary), Canonical: c.base + postPath(typ, p.Slug), OGType: "article",
		}
		if typ == store.TypePage {
			v.OGType = "website"
		} else {
			v.Published = e.Date.ISO
		}
		return h.ok(w, r, "entry", v)
	}
}

// comments loads the approved comments of p (up to maxComments) into e as
// threads.
func (h *Handler) comments(ctx context.Context, c *chrome, p content.Post, e *entry) error {
	var cs []store.Comment
	for offset := 0; ; {
		page, err := h.Content.ListComments(ctx, anon(), content.CommentQuery{PostID: p.ID, Offset: offset, Limit: content.MaxLimit})
		if err != nil {
			return wrapf(err, "list comments of post %d", p.ID)
		}
		for _, cm := range page.Comments {
			if cm.Status == store.CommentApproved { // the service already ensures it
				cs = append(cs, cm)
			}
		}
		offset += len(page.Comments)
		if len(page.Comments) == 0 || int64(offset) >= page.Total {
			break
		}
		if offset >= maxComments {
			e.Truncated = true
			break
		}
	}
	e.NComments = len(cs)
	var conv func(ns []content.CommentNode) []commentView
	conv = func(ns []content.CommentNode) []commentView {
		out := make([]commentView, 0, len(ns))
		for _, n := range ns {
			cm := n.Comment
			cv := commentView{
				ID: cm.ID, Author: strings.TrimSpace(cm.AuthorName), AuthorURL: safeURL(cm.AuthorURL),
				Date: c.stamp(cm.CreatedAt), Body: content.RenderComment(cm.Body), Replies: conv(n.Replies),
			}
			if cv.Author == "" {
				cv.Author = "Anonymous"
			}
			switch {
			case cm.UserID != 0 && cm.UserID == p.AuthorID:
				cv.Badge = "Author"
			case cm.UserID != 0:
				cv.Badge = "Staff"
			}
			out = append(out, cv)
		}
		return out
	}
	e.Comments = conv(content.Thread(cs))
	return nil
}

// safeURL returns raw when it is an absolute http or https URL, "" otherwise.
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
