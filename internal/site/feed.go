package site

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// The Atom 1.0 document (RFC 4287). Only what the feed uses is modelled.
type atomFeed struct {
	XMLName   xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string        `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Base      string        `xml:"http://www.w3.org/XML/1998/namespace base,attr,omitempty"`
	Title     atomText      `xml:"title"`
	Subtitle  *atomText     `xml:"subtitle,omitempty"`
	ID        string        `xml:"id"`
	Updated   string        `xml:"updated"`
	Links     []atomLink    `xml:"link"`
	Author    atomPerson    `xml:"author"`
	Generator atomGenerator `xml:"generator"`
	Entries   []atomEntry   `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomGenerator struct {
	URI     string `xml:"uri,attr,omitempty"`
	Version string `xml:"version,attr,omitempty"`
	Name    string `xml:",chardata"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	Title      atomText       `xml:"title"`
	Links      []atomLink     `xml:"link"`
	ID         string         `xml:"id"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Author     atomPerson     `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

// atomTime formats t as RFC 4287 §3.3 wants: "an RFC 3339 date-time".
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tagURI is a permanent entry ID (RFC 4151 tag URI) that survives slug and
// domain-path changes: RFC 4287 §4.2.6 says "its content MUST NOT change"
// when the entry is relocated. The date is the post's creation day, which
// never changes.
func tagURI(base string, p content.Post) string {
	host := "localhost"
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "tag:" + host + "," + p.CreatedAt.UTC().Format("2006-01-02") + ":post-" + strconv.FormatInt(p.ID, 10)
}

// feed is GET /feed.xml: an Atom 1.0 feed of the FeedEntries latest posts
// with absolute links and full HTML content.
func (h *Handler) feed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	info, err := h.Content.SiteInfo(ctx)
	if err != nil {
		return wrapf(err, "feed: site info")
	}
	base := h.base(info)
	list, err := h.Content.ListPosts(ctx, anon(), content.PostQuery{Type: store.TypePost, Limit: FeedEntries})
	if err != nil {
		return wrapf(err, "feed: list posts")
	}
	cats, err := h.termMap(ctx, store.TaxCategory)
	if err != nil {
		return err
	}
	f := atomFeed{
		Lang:  info.Language,
		Base:  base + "/",
		Title: atomText{Type: "text", Body: info.Title},
		ID:    base + "/",
		Links: []atomLink{
			// RFC 4287 §4.1.1: "atom:feed elements SHOULD contain one
			// atom:link element with a rel attribute value of 'self'."
			{Rel: "self", Type: "application/atom+xml", Href: base + "/feed.xml"},
			{Rel: "alternate", Type: "text/html", Href: base + "/"},
		},
		// RFC 4287 §4.1.1: a feed "MUST contain one or more atom:author
		// elements, unless all of [its] atom:entry elements contain at
		// least one"; the site is the author of an empty feed.
		Author:    atomPerson{Name: info.Title},
		Generator: atomGenerator{URI: "https://github.com/portico-mcp/portico", Name: "Portico"},
	}
	if info.Tagline != "" {
		f.Subtitle = &atomText{Type: "text", Body: info.Tagline}
	}
	var updated time.Time
	au := h.authors()
	for _, p := range list.Posts {
		if p.Status != store.StatusPublished {
			continue // the service already ensures it; never leak regardless
		}
		name, err := au.name(ctx, p.AuthorID)
		if err != nil {
			return err
		}
		up := later(p.ModifiedAt, p.PublishedAt)
		if up.After(updated) {
			updated = up
		}
		e := atomEntry{
			Title:     atomText{Type: "text", Body: p.Title},
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: base + postPath(p.Type, p.Slug)}},
			ID:        tagURI(base, p),
			Published: atomTime(p.PublishedAt),
			Updated:   atomTime(up),
			Author:    atomPerson{Name: name},
			Content:   atomText{Type: "html", Body: string(p.HTML())},
		}
		if p.Summary != "" {
			e.Summary = &atomText{Type: "text", Body: p.Summary}
		}
		for _, slug := range p.Categories {
			label := slug
			if t, ok := cats[slug]; ok && t.Name != "" {
				label = t.Name
			}
			e.Categories = append(e.Categories, atomCategory{Term: slug, Scheme: base + "/category/", Label: label})
		}
		f.Entries = append(f.Entries, e)
	}
	if updated.IsZero() {
		updated = h.now()
	}
	f.Updated = atomTime(updated)

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("site: encode feed: %w", err)
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", CacheControl)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// The feed is built from posts alone (plus the site's title), so the
	// newest change among them is a truthful Last-Modified; with no posts
	// there is nothing to date it by.
	var modified time.Time
	if len(f.Entries) > 0 {
		modified = updated
	}
	serveBytes(w, r, buf.Bytes(), modified)
	return nil
}

// robotsTxt keeps crawlers off the sign-in, consent and admin pages.
const robotsTxt = `User-agent: *
Disallow: /admin
Disallow: /authorize
Disallow: /consent
Disallow: /login
Allow: /
`

// robots is GET /robots.txt.
func (h *Handler) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	serveBytes(w, r, []byte(robotsTxt), time.Time{})
}

// stylesheet is GET /site-assets/site.css. Pages link it with ?v= of its
// hash, so caches may keep it for a long time.
func (h *Handler) stylesheet(w http.ResponseWriter, r *http.Request) {
	cc := "public, max-age=3600"
	if v := r.URL.Query().Get("v"); v != "" && v == h.tmpl.cssTag[1:13] {
		cc = "public, max-age=31536000, immutable"
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", cc)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	serveBytes(w, r, siteCSS, time.Time{})
}
