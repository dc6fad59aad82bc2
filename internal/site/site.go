package site

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// Content is the part of the content service the public site reads.
// *content.Service implements it. The site always asks as the anonymous zero
// content.Actor, so the service itself decides that only published posts and
// pages, and only approved comments, are ever shown.
type Content interface {
	SiteInfo(ctx context.Context) (content.SiteInfo, error)
	GetPostBySlug(ctx context.Context, a content.Actor, typ store.PostType, slug string) (content.Post, error)
	ListPosts(ctx context.Context, a content.Actor, q content.PostQuery) (content.PostList, error)
	ListTerms(ctx context.Context, a content.Actor, tax store.Taxonomy) ([]store.Term, error)
	ListComments(ctx context.Context, a content.Actor, q content.CommentQuery) (content.CommentList, error)
	AuthorName(ctx context.Context, id int64) (string, error)
}

// DefaultPerPage is how many posts a listing shows when Handler.PerPage is 0.
const DefaultPerPage = 10

// FeedEntries is how many of the latest posts the Atom feed carries.
const FeedEntries = 20

// maxPage bounds ?page=N before any arithmetic, so a huge N is a plain 404.
const maxPage = 1_000_000

// maxComments bounds how many approved comments one post page shows.
const maxComments = 1000

// Handler serves the public site. Fill the fields, then call Mount once to
// register its routes on a mux; it is safe for concurrent use afterwards.
type Handler struct {
	// Content is where posts, pages, comments, terms and settings come
	// from. Required.
	Content Content
	// PublicURL is the site's origin, e.g. "https://blog.example.com", used
	// for canonical links, Open Graph and the feed. Empty means the
	// SiteInfo URL (content.Service.BaseURL); if that is empty too, those
	// links are relative. Never derived from the request's Host header.
	PublicURL string
	// Logger receives the causes of 500 responses; nil discards them.
	Logger *slog.Logger
	// Now returns the current time (footer year, empty-feed timestamp);
	// nil means time.Now.
	Now func() time.Time
	// PerPage is how many posts a listing page shows; 0 means
	// DefaultPerPage.
	PerPage int

	tmpl *templates
}

// Mount registers the site's routes on mux (Go 1.22 patterns, GET and so
// HEAD): /{$}, /posts/{slug}, /pages/{slug}, /category/{slug}, /tag/{slug},
// /feed.xml, /robots.txt and /site-assets/site.css. It does not claim "/",
// so the paths other surfaces mount never collide with it. The page templates
// are parsed when the first page is rendered; if they do not parse, which
// only a broken build can cause, pages answer 500.
func (h *Handler) Mount(mux *http.ServeMux) {
	h.tmpl = newTemplates()
	mux.Handle("GET /{$}", h.handle(h.home))
	mux.Handle("GET /posts/{slug}", h.handle(h.single(store.TypePost)))
	mux.Handle("GET /pages/{slug}", h.handle(h.single(store.TypePage)))
	mux.Handle("GET /category/{slug}", h.handle(h.term(store.TaxCategory)))
	mux.Handle("GET /tag/{slug}", h.handle(h.term(store.TaxTag)))
	mux.Handle("GET /feed.xml", h.handle(h.feed))
	mux.HandleFunc("GET /robots.txt", h.robots)
	mux.HandleFunc("GET "+cssPath, h.stylesheet)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) perPage() int {
	if h.PerPage > 0 {
		return min(h.PerPage, content.MaxLimit)
	}
	return DefaultPerPage
}

// errNotFound makes a handler answer with the rendered 404 page.
var errNotFound = errors.New("site: not found")

// handle adapts a handler that may fail: content that does not exist (or
// that an anonymous visitor may not know exists) becomes the 404 page, any
// other failure a logged 500 page that shows nothing internal.
func (h *Handler) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		if errors.Is(err, errNotFound) || content.KindOf(err) == content.KindNotFound {
			h.notFound(w, r)
			return
		}
		level := slog.LevelError
		if r.Context().Err() != nil {
			level = slog.LevelInfo // the visitor went away; nothing is broken
		}
		h.logger().LogAttrs(r.Context(), level, "public page failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		h.serverError(w, r)
	})
}

// base is the absolute origin links are built on, without a trailing slash.
func (h *Handler) base(info content.SiteInfo) string {
	if h.PublicURL != "" {
		return strings.TrimRight(h.PublicURL, "/")
	}
	return strings.TrimRight(info.URL, "/")
}

// postPath is the site path of a post or page.
func postPath(typ store.PostType, slug string) string {
	if typ == store.TypePage {
		return "/pages/" + url.PathEscape(slug)
	}
	return "/posts/" + url.PathEscape(slug)
}

// termPath is the site path of a category or tag listing.
func termPath(tax store.Taxonomy, slug string) string {
	if tax == store.TaxTag {
		return "/tag/" + url.PathEscape(slug)
	}
	return "/category/" + url.PathEscape(slug)
}

// pageURL is path for page n of a listing: path itself for the first page.
func pageURL(path string, n int) string {
	if n <= 1 {
		return path
	}
	return path + "?page=" + strconv.Itoa(n)
}

// pageNumber reads ?page=N: absent is 1; otherwise it must be a positive
// decimal integer without sign or leading zeros.
func pageNumber(r *http.Request) (int, bool) {
	q := r.URL.Query()
	if !q.Has("page") {
		return 1, true
	}
	s := q.Get("page")
	if s == "" || len(s) > len(strconv.Itoa(maxPage)) || s[0] == '0' {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 0, false
	}
	return n, true
}

// anon is the anonymous visitor every public request reads as.
func anon() content.Actor { return content.Actor{} }

// wrapf wraps err with what the site was doing.
func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf("site: "+format+": %w", append(args, err)...)
}
