package content

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Store is the part of storage the content service uses. *sqlite.Store and
// the other backends implement it (it is a subset of store.Store).
type Store interface {
	store.Users
	store.Posts
	store.Comments
	store.Terms
	store.Settings
}

// Service applies Portico's content rules on top of a Store. Every method
// takes the Actor on whose behalf it runs and checks the actor's role and
// scopes before touching anything. Fill the fields and use it; it is safe for
// concurrent use and holds no state besides its dependencies.
type Service struct {
	// Store is where content lives. Required.
	Store Store
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives notes about background work (PublishDue); nil
	// discards them.
	Logger *slog.Logger
	// BaseURL is the public origin of the site, e.g.
	// "https://blog.example.com", used to build canonical URLs.
	BaseURL string
}

// Limits on input.
const (
	MaxTitleLen    = 300     // characters
	MaxBodyBytes   = 1 << 20 // 1 MiB of Markdown
	MaxExcerptLen  = 1000    // characters
	MaxCommentLen  = 10000   // characters
	MaxTermNameLen = 100     // characters
	MaxCategories  = 10      // per post
	MaxTags        = 30      // per post
	DefaultLimit   = 20      // list page size when none is asked for
	MaxLimit       = 100     // largest list page
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Post is a post or page as the service hands it out: the stored record plus
// what callers usually derive from it.
type Post struct {
	store.Post
	// URL is the canonical public address. It is set only when the post is
	// published, so every URL handed out resolves; use CanonicalURL for the
	// address a draft will have.
	URL string
	// Summary is Excerpt, or the first ExcerptWords words of the body as
	// plain text when Excerpt is empty.
	Summary string
}

// HTML renders the body to sanitised HTML (see RenderMarkdown).
func (p Post) HTML() template.HTML { return RenderMarkdown(p.Body) }

// CanonicalURL is where a post or page with this slug is (or will be) served:
// BaseURL + "/posts/{slug}" for posts, BaseURL + "/pages/{slug}" for pages.
func (s *Service) CanonicalURL(typ store.PostType, slug string) string {
	dir := "/posts/"
	if typ == store.TypePage {
		dir = "/pages/"
	}
	return strings.TrimRight(s.BaseURL, "/") + dir + url.PathEscape(slug)
}

func (s *Service) view(p store.Post) Post {
	v := Post{Post: p, Summary: p.Excerpt}
	if v.Summary == "" {
		v.Summary = summaries.summary(p.Body)
	}
	if p.Status == store.StatusPublished {
		v.URL = s.CanonicalURL(p.Type, p.Slug)
	}
	return v
}

func noun(t store.PostType) string {
	if t == store.TypePage {
		return "page"
	}
	return "post"
}

// loadPost reads a post, turning ErrNotFound into a KindNotFound *Error.
func (s *Service) loadPost(ctx context.Context, id int64) (store.Post, error) {
	p, err := s.Store.GetPost(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Post{}, &Error{Kind: KindNotFound, Field: "id", Message: fmt.Sprintf("no post or page has id %d", id), Err: err}
	}
	if err != nil {
		return store.Post{}, fmt.Errorf("content: load post %d: %w", id, err)
	}
	return p, nil
}

// canRead returns nil when a may read p. When a's role may not see p it
// answers KindNotFound, so other people's drafts do not reveal that they
// exist; when only the scope is missing it answers KindForbidden with
// NeedScope.
func canRead(a Actor, p store.Post) error {
	c := CapRead
	if p.Status != store.StatusPublished {
		c = CapReadPrivate
	}
	err := Check(a, c, p.AuthorID)
	if err == nil {
		return nil
	}
	if ce := AsError(err); ce != nil && ce.NeedScope != "" {
		return err
	}
	if c == CapRead {
		return err
	}
	return &Error{Kind: KindNotFound, Field: "id", Message: fmt.Sprintf("no %s you may see has id %d", noun(p.Type), p.ID)}
}

func editCap(t store.PostType) Capability {
	if t == store.TypePage {
		return CapEditPages
	}
	return CapEditPosts
}

func publishCap(t store.PostType) Capability {
	if t == store.TypePage {
		return CapPublishPages
	}
	return CapPublishPosts
}

func deleteCap(t store.PostType) Capability {
	if t == store.TypePage {
		return CapDeletePages
	}
	return CapDeletePosts
}
