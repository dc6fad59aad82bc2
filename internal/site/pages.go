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
	FeedURL    string
	CSSURL     string
	Nav        []link // top-level published pages
	Categories []link // categories with published posts
	Year       int

	base  string
	loc   *time.Location
	pages []content.Post          // published pages, oldest first
	cats  map[string]store.Term   // categories by slug
	names map[int64]string        // author names, filled on demand
	ctx   context.Context         //nolint:containedctx // request-scoped helper
	h     *Handler                // for author lookups
	errs  func(err error) error   // unused placeholder for symmetry
	_     struct{}                // keep literal construction keyed
	_     [0]func()               // not comparable
	_     [0]*strings.Builder     // (no copies of request state)
	_     [0]template.HTML        // imports kept honest
	_     [0]url.URL              //
	_     [0]utf8.RuneError       //
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
	Canonical   string // absolute when PublicURL is known
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
