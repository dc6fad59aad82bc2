package content

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/store"
)

// NewPost is the input of CreatePost. The zero Type means a post; the zero
// Status means a draft.
type NewPost struct {
	Type    store.PostType
	Title   string
	Body    string // Markdown
	Excerpt string // optional; a summary is generated from Body when empty
	// Slug is optional; when empty one is made from Title and made unique by
	// appending -2, -3, ... An explicit slug that is taken is a conflict.
	Slug string
	// Categories and Tags are names or slugs (posts only). Unknown tags are
	// created; unknown categories are created only for actors who may manage
	// terms (editors), otherwise they are an error.
	Categories []string
	Tags       []string
	ParentID   int64 // pages only: the parent page
	Featured   bool  // posts only; needs CapFeaturePosts
	// Status is draft (default), pending (submit for review), published or
	// scheduled (with PublishAt in the future). Publishing needs the publish
	// capability; without it the call fails rather than quietly saving a draft.
	Status    store.PostStatus
	PublishAt time.Time
}

// PostUpdate is a partial update for UpdatePost: nil fields are left alone.
// Status is changed with the transition methods (Publish, Trash, ...).
type PostUpdate struct {
	ID int64
	// Version, when not 0, pins the version the caller read: if the post
	// changed since, UpdatePost fails with KindConflict instead of
	// overwriting. With 0 the update applies to the newest version.
	Version    int64
	Title      *string
	Body       *string
	Excerpt    *string
	Slug       *string
	Categories *[]string
	Tags       *[]string
	ParentID   *int64
	Featured   *bool
}

// PostQuery narrows ListPosts and SearchPosts. Zero fields match everything
// the actor may see; with no Statuses that is published content, plus (for
// editors, or authors filtering on themselves) every status but trash.
type PostQuery struct {
	Type     store.PostType // "" for posts and pages
	Statuses []store.PostStatus
	Category string // name or slug
	Tag      string // name or slug
	AuthorID int64
	Featured *bool
	After    time.Time // published (or created) at or after
	Before   time.Time // before
	Offset   int
	Limit    int // 0 means DefaultLimit; capped at MaxLimit
}

// PostList is one page of ListPosts.
type PostList struct {
	Posts  []Post
	Total  int64 // matching posts ignoring Offset and Limit
	Offset int
	Limit  int
}

// SearchHit is one SearchPosts result.
type SearchHit struct {
	Post    Post
	Rank    float64 // higher is better
	Snippet string  // a short plain-text extract around the match (escape it for HTML)
}

func validType(t store.PostType) (store.PostType, error) {
	switch t {
	case "":
		return store.TypePost, nil
	case store.TypePost, store.TypePage:
		return t, nil
	}
	return "", invalidf("type", "type %q is not valid; use post or page", t)
}

func validStatus(st store.PostStatus) bool {
	switch st {
	case store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusPublished, store.StatusTrash:
		return true
	}
	return false
}

func hasControl(s string, allowNewlines bool) bool {
	for _, r := range s {
		if allowNewlines && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

func checkTitle(title string) (string, error) {
	t := strings.TrimSpace(title)
	switch {
	case t == "":
		return "", invalidf("title", "title must not be empty")
	case !utf8.ValidString(t):
		return "", invalidf("title", "title is not valid UTF-8")
	case utf8.RuneCountInString(t) > MaxTitleLen:
		return "", invalidf("title", "title is %d characters long; the limit is %d", utf8.RuneCountInString(t), MaxTitleLen)
	case hasControl(t, false):
		return "", invalidf("title", "title must be one line without control characters")
	}
	return t, nil
}

func checkBody(body string) error {
	switch {
	case len(body) > MaxBodyBytes:
		return invalidf("body", "body is %d bytes; the limit is %d bytes (1 MiB)", len(body), MaxBodyBytes)
	case !utf8.ValidString(body):
		return invalidf("body", "body is not valid UTF-8")
	}
	return nil
}

func checkExcerpt(ex string) (string, error) {
	e := strings.TrimSpace(ex)
	switch {
	case !utf8.ValidString(e):
		return "", invalidf("excerpt", "excerpt is not valid UTF-8")
	case utf8.RuneCountInString(e) > MaxExcerptLen:
		return "", invalidf("excerpt", "excerpt is %d characters long; the limit is %d", utf8.RuneCountInString(e), MaxExcerptLen)
	}
	return e, nil
}

func checkSlug(slug string) error {
	if !ValidSlug(slug) {
		return invalidf("slug", "slug %q is not valid: use lower-case letters, digits and single hyphens (like %q), at most %d characters",
			slug, orDefault(Slugify(slug), "my-first-post"), MaxSlugLen)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CreatePost creates a post or page owned by a. It is a draft unless
// in.Status asks for more and a may do it.
func (s *Service) CreatePost(ctx context.Context, a Actor, in NewPost) (Post, error) {
	typ, err := validType(in.Type)
	if err != nil {
		return Post{}, err
	}
	if err := Check(a, editCap(typ), a.UserID); err != nil {
		return Post{}, err
	}
	now := s.now()
	p := store.Post{
		Type: typ, Status: store.StatusDraft, AuthorID: a.UserID,
		CreatedAt: now, ModifiedAt: now, ModifiedBy: a.UserID, ModifiedVia: a.Via,
	}
	switch in.Status {
	case "", store.StatusDraft, store.StatusPending:
		p.Status = orDefaultStatus(in.Status)
		if !in.PublishAt.IsZero() {
			return Post{}, invalidf("publish_at", "publish_at is only used with status scheduled")
		}
	case store.StatusPublished, store.StatusScheduled:
		if err := Check(a, publishCap(typ), a.UserID); err != nil {
			return Post{}, err
		}
		p.Status, p.PublishedAt = in.Status, now
		if in.Status == store.StatusScheduled {
			if err := checkSchedule(in.PublishAt, now); err != nil {
				return Post{}, err
			}
			p.PublishedAt = in.PublishAt.UTC()
		}
	default:
		return Post{}, invalidf("status", "a new %s can be draft, pending, published or scheduled, not %q", noun(typ), in.Status)
	}
	if in.Featured {
		if typ != store.TypePost {
			return Post{}, invalidf("featured", "only posts can be featured")
		}
		if err := Check(a, CapFeaturePosts, a.UserID); err != nil {
			return Post{}, err
		}
		p.Featured = true
	}
	if p.Title, err = checkTitle(in.Title); err != nil {
		return Post{}, err
	}
	if err := checkBody(in.Body); err != nil {
		return Post{}, err
	}
	p.Body = in.Body
	if p.Excerpt, err = checkExcerpt(in.Excerpt); err != nil {
		return Post{}, err
	}
	if in.ParentID != 0 {
		if err := s.checkParent(ctx, a, typ, 0, in.ParentID); err != nil {
			return Post{}, err
		}
		p.ParentID = in.ParentID
	}
	if typ == store.TypePage && (len(in.Categories) > 0 || len(in.Tags) > 0) {
		return Post{}, invalidf("categories", "pages have no categories or tags")
	}
	if in.Slug != "" {
		if err := checkSlug(in.Slug); err != nil {
			return Post{}, err
		}
	}
	cats, tags, err := s.checkTermNames(in.Categories, in.Tags)
	if err != nil {
		return Post{}, err
	}
	if p.Categories, err = s.resolveTerms(ctx, a, store.TaxCategory, cats); err != nil {
		return Post{}, err
	}
	if p.Tags, err = s.resolveTerms(ctx, a, store.TaxTag, tags); err != nil {
		return Post{}, err
	}

	if in.Slug != "" {
		p.Slug = in.Slug
		created, err := s.Store.CreatePost(ctx, p)
		if errors.Is(err, store.ErrConflict) {
			return Post{}, conflictf("slug", err, "slug %q is already used by another %s; choose another or leave it empty to have one made", in.Slug, noun(typ))
		}
		if err != nil {
			return Post{}, fmt.Errorf("content: create %s: %w", noun(typ), err)
		}
		return s.view(created), nil
	}
	base := Slugify(p.Title)
	if base == "" {
		base = noun(typ)
	}
	// Try base, base-2, base-3, ... skipping slugs known to be taken; the
	// store has the final word (a concurrent create makes CreatePost fail
	// with ErrConflict and we move on to the next number).
	n := 1
	for tries := 0; tries < 5; tries++ {
		slug, next, err := s.freeSlug(ctx, typ, base, n)
		if err != nil {
			return Post{}, err
		}
		p.Slug = slug
		created, err := s.Store.CreatePost(ctx, p)
		if errors.Is(err, store.ErrConflict) {
			n = next + 1
			continue
		}
		if err != nil {
			return Post{}, fmt.Errorf("content: create %s: %w", noun(typ), err)
		}
		return s.view(created), nil
	}
	return Post{}, conflictf("slug", store.ErrConflict, "could not find a free slug for %q; give one explicitly", p.Title)
}

func orDefaultStatus(st store.PostStatus) store.PostStatus {
	if st == "" {
		return store.StatusDraft
	}
	return st
}

func checkSchedule(at, now time.Time) error {
	if at.IsZero() {
		return invalidf("publish_at", "publish_at is required to schedule; give a future time such as %s", now.Add(24*time.Hour).Format(time.RFC3339))
	}
	if !at.After(now) {
		return invalidf("publish_at", "publish_at %s is not in the future (now is %s); publish now instead, or pick a later time",
			at.UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	}
	return nil
}

// freeSlug returns the first of base-n, base-(n+1), ... (base alone for 1)
// that no post of typ uses, and the number it used.
func (s *Service) freeSlug(ctx context.Context, typ store.PostType, base string, n int) (string, int, error) {
	for ; n < 1000; n++ {
		slug := base
		if n > 1 {
			slug = fmt.Sprintf("%s-%d", base, n)
		}
		_, err := s.Store.GetPostBySlug(ctx, typ, slug)
		if errors.Is(err, store.ErrNotFound) {
			return slug, n, nil
		}
		if err != nil {
			return "", 0, fmt.Errorf("content: check slug %q: %w", slug, err)
		}
	}
	return "", 0, conflictf("slug", store.ErrConflict, "every slug from %q to %q-999 is taken; give one explicitly", base, base)
}

// checkParent validates a page's parent: an existing page a may see that is
// not the page itself nor one of its descendants.
func (s *Service) checkParent(ctx context.Context, a Actor, typ store.PostType, self, parentID int64) error {
	if typ != store.TypePage {
		return invalidf("parent_id", "only pages can have a parent")
	}
	if parentID < 0 || parentID == self && self != 0 {
		return invalidf("parent_id", "parent_id %d is not a valid parent for page %d", parentID, self)
	}
	id := parentID
	for depth := 0; id != 0; depth++ {
		if depth > 20 {
			return invalidf("parent_id", "pages may nest at most 20 levels deep")
		}
		p, err := s.Store.GetPost(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && canRead(a, p) != nil {
			return invalidf("parent_id", "parent_id %d is not a page you may see", parentID)
		}
		if err != nil {
			return fmt.Errorf("content: load parent page %d: %w", id, err)
		}
		if p.Type != store.TypePage {
			return invalidf("parent_id", "parent_id %d is a post; a parent must be a page", parentID)
		}
		if self != 0 && p.ParentID == self {
			return invalidf("parent_id", "page %d is below page %d; making it the parent would form a loop", parentID, self)
		}
		id = p.ParentID
	}
	return nil
}

func (s *Service) checkTermNames(cats, tags []string) ([]string, []string, error) {
	if len(cats) > MaxCategories {
		return nil, nil, invalidf("categories", "a post may have at most %d categories, not %d", MaxCategories, len(cats))
	}
	if len(tags) > MaxTags {
		return nil, nil, invalidf("tags", "a post may have at most %d tags, not %d", MaxTags, len(tags))
	}
	clean := func(field string, names []string) ([]string, error) {
		var out []string
		for _, n := range names {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if utf8.RuneCountInString(n) > MaxTermNameLen || hasControl(n, false) {
				return nil, invalidf(field, "%s name %.40q… is too long or has control characters (limit %d characters)", field, n, MaxTermNameLen)
			}
			if termSlug(n) == "" {
				return nil, invalidf(field, "%s %q has no letters or digits to make a slug from", field, n)
			}
			out = append(out, n)
		}
		return out, nil
	}
	c, err := clean("categories", cats)
	if err != nil {
		return nil, nil, err
	}
	t, err := clean("tags", tags)
	if err != nil {
		return nil, nil, err
	}
	return c, t, nil
}

// termSlug is the slug a term name or slug refers to.
func termSlug(name string) string {
	if ValidSlug(name) {
		return name
	}
	return Slugify(name)
}

// resolveTerms maps names or slugs to the slugs of existing terms, creating
// missing tags (any author may, as in WordPress's post editor) and missing
// categories when a may manage terms.
func (s *Service) resolveTerms(ctx context.Context, a Actor, tax store.Taxonomy, names []string) ([]string, error) {
	field := "tags"
	if tax == store.TaxCategory {
		field = "categories"
	}
	out := []string{}
	for _, name := range names {
		slug := termSlug(name)
		if slices.Contains(out, slug) {
			continue
		}
		_, err := s.Store.GetTerm(ctx, tax, slug)
		if errors.Is(err, store.ErrNotFound) {
			if tax == store.TaxCategory && !Can(a, CapManageTerms, 0) {
				return nil, invalidf(field, "category %q does not exist; use an existing category or ask an editor to create it", name)
			}
			_, err = s.Store.CreateTerm(ctx, store.Term{Taxonomy: tax, Slug: slug, Name: name})
			if errors.Is(err, store.ErrConflict) { // created concurrently: fine
				err = nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("content: resolve %s %q: %w", tax, name, err)
		}
		out = append(out, slug)
	}
	return out, nil
}

// GetPost returns the post or page with id if a may read it. Other people's
// unpublished posts are KindNotFound for actors who may not see them.
func (s *Service) GetPost(ctx context.Context, a Actor, id int64) (Post, error) {
	p, err := s.loadPost(ctx, id)
	if err != nil {
		return Post{}, err
	}
	if err := canRead(a, p); err != nil {
		return Post{}, err
	}
	return s.view(p), nil
}

// GetPostBySlug returns the post (typ post or "") or page (typ page) with
// slug if a may read it.
func (s *Service) GetPostBySlug(ctx context.Context, a Actor, typ store.PostType, slug string) (Post, error) {
	typ, err := validType(typ)
	if err != nil {
		return Post{}, err
	}
	if !ValidSlug(slug) {
		return Post{}, &Error{Kind: KindNotFound, Field: "slug", Message: fmt.Sprintf("no %s has slug %q", noun(typ), slug)}
	}
	p, err := s.Store.GetPostBySlug(ctx, typ, slug)
	if errors.Is(err, store.ErrNotFound) {
		return Post{}, &Error{Kind: KindNotFound, Field: "slug", Message: fmt.Sprintf("no %s has slug %q", noun(typ), slug), Err: err}
	}
	if err != nil {
		return Post{}, fmt.Errorf("content: get %s %q: %w", noun(typ), slug, err)
	}
	if err := canRead(a, p); err != nil {
		if KindOf(err) == KindNotFound {
			return Post{}, &Error{Kind: KindNotFound, Field: "slug", Message: fmt.Sprintf("no %s you may see has slug %q", noun(typ), slug)}
		}
		return Post{}, err
	}
	return s.view(p), nil
}

// filter turns q into a store filter limited to what a may see.
func (s *Service) filter(a Actor, q PostQuery) (store.PostFilter, error) {
	if err := Check(a, CapRead, 0); err != nil {
		return store.PostFilter{}, err
	}
	f := store.PostFilter{
		Type: q.Type, AuthorID: q.AuthorID, Featured: q.Featured,
		After: q.After, Before: q.Before, Offset: q.Offset, Limit: q.Limit,
	}
	if q.Type != "" {
		if _, err := validType(q.Type); err != nil {
			return f, err
		}
	}
	if q.Offset < 0 {
		return f, invalidf("offset", "offset must not be negative")
	}
	switch {
	case q.Limit < 0:
		return f, invalidf("limit", "limit must not be negative")
	case q.Limit == 0:
		f.Limit = DefaultLimit
	case q.Limit > MaxLimit:
		f.Limit = MaxLimit
	}
	if !q.After.IsZero() && !q.Before.IsZero() && !q.Before.After(q.After) {
		return f, invalidf("before", "before (%s) must be later than after (%s)", q.Before.Format(time.RFC3339), q.After.Format(time.RFC3339))
	}
	if q.Category != "" {
		f.Category = termSlug(strings.TrimSpace(q.Category))
	}
	if q.Tag != "" {
		f.Tag = termSlug(strings.TrimSpace(q.Tag))
	}

	privOthers := Can(a, CapReadPrivate, 0)
	privOwn := Can(a, CapReadPrivate, a.UserID)
	var pub, priv []store.PostStatus
	for _, st := range q.Statuses {
		switch {
		case !validStatus(st):
			return f, invalidf("status", "status %q is not valid; use draft, pending, scheduled, published or trash", st)
		case slices.Contains(pub, st) || slices.Contains(priv, st):
		case st == store.StatusPublished:
			pub = append(pub, st)
		default:
			priv = append(priv, st)
		}
	}
	if len(q.Statuses) == 0 {
		pub = []store.PostStatus{store.StatusPublished}
		if privOthers || privOwn && q.AuthorID == a.UserID {
			priv = []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled}
		}
	}
	if len(priv) > 0 && !privOthers {
		switch {
		case privOwn && q.AuthorID == a.UserID:
		case privOwn && q.AuthorID == 0 && len(pub) == 0:
			f.AuthorID = a.UserID // the only unpublished posts they may see
		case privOwn && q.AuthorID == 0:
			return f, invalidf("status", "you may list your own unpublished posts or everyone's published ones, but not both at once: set author to yourself (%d), or ask for published posts only", a.UserID)
		case len(pub) > 0:
			priv = nil // quietly show only what they may see
		default:
			if err := Check(a, CapReadPrivate, q.AuthorID); err != nil {
				return f, err
			}
			return f, &Error{Kind: KindForbidden, Message: "you may not list unpublished posts"}
		}
	}
	f.Statuses = append(pub, priv...)
	return f, nil
}

// ListPosts returns one page of the posts and pages a may see that match q,
// newest first, with the total count.
func (s *Service) ListPosts(ctx context.Context, a Actor, q PostQuery) (PostList, error) {
	f, err := s.filter(a, q)
	if err != nil {
		return PostList{}, err
	}
	ps, total, err := s.Store.ListPosts(ctx, f)
	if err != nil {
		return PostList{}, fmt.Errorf("content: list posts: %w", err)
	}
	out := PostList{Posts: make([]Post, 0, len(ps)), Total: total, Offset: f.Offset, Limit: f.Limit}
	for _, p := range ps {
		out.Posts = append(out.Posts, s.view(p))
	}
	return out, nil
}

// MaxQueryLen bounds a search query.
const MaxQueryLen = 500

// SearchPosts runs a full-text search (words and "quoted phrases" over
// title, excerpt and body) limited to what a may see, best match first.
func (s *Service) SearchPosts(ctx context.Context, a Actor, query string, q PostQuery) ([]SearchHit, error) {
	query = strings.TrimSpace(query)
	switch {
	case query == "":
		return nil, invalidf("query", "query must not be empty")
	case utf8.RuneCountInString(query) > MaxQueryLen:
		return nil, invalidf("query", "query is longer than %d characters", MaxQueryLen)
	}
	f, err := s.filter(a, q)
	if err != nil {
		return nil, err
	}
	hits, err := s.Store.SearchPosts(ctx, query, f)
	if err != nil {
		return nil, fmt.Errorf("content: search %q: %w", query, err)
	}
	out := make([]SearchHit, 0, len(hits))
	for _, h := range hits {
		out = append(out, SearchHit{Post: s.view(h.Post), Rank: h.Rank, Snippet: PlainText(h.Snippet)})
	}
	return out, nil
}

// UpdatePost applies u to a post or page a may edit. Unpublished content
// needs the edit capability (content:write); live or scheduled content needs
// the publish capability (content:publish), because the change is public.
// Trashed content must be restored first.
//
// Concurrency: with u.Version set, a post that moved on is a KindConflict;
// without it, a concurrent change makes UpdatePost re-read and retry once.
func (s *Service) UpdatePost(ctx context.Context, a Actor, u PostUpdate) (Post, error) {
	if u.Title == nil && u.Body == nil && u.Excerpt == nil && u.Slug == nil && u.Categories == nil &&
		u.Tags == nil && u.ParentID == nil && u.Featured == nil {
		return Post{}, invalidf("", "nothing to update: give at least one of title, body, excerpt, slug, categories, tags, parent_id, featured")
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.loadPost(ctx, u.ID)
		if err != nil {
			return Post{}, err
		}
		next, err := s.applyUpdate(ctx, a, cur, u)
		if err != nil {
			return Post{}, err
		}
		saved, err := s.Store.UpdatePost(ctx, next)
		if errors.Is(err, store.ErrConflict) {
			if u.Version == 0 && attempt == 0 {
				continue
			}
			return Post{}, conflictf("version", err, "%s %d was changed by someone else while you were editing it; read it again and reapply your change", noun(cur.Type), cur.ID)
		}
		if err != nil {
			return Post{}, fmt.Errorf("content: update %s %d: %w", noun(cur.Type), cur.ID, err)
		}
		return s.view(saved), nil
	}
}

func (s *Service) applyUpdate(ctx context.Context, a Actor, cur store.Post, u PostUpdate) (store.Post, error) {
	if err := canRead(a, cur); err != nil {
		return cur, err
	}
	if cur.Status == store.StatusTrash {
		return cur, invalidf("status", "%s %d is in the trash; restore it before editing", noun(cur.Type), cur.ID)
	}
	c := editCap(cur.Type)
	if cur.Status == store.StatusPublished || cur.Status == store.StatusScheduled {
		c = publishCap(cur.Type)
	}
	if err := Check(a, c, cur.AuthorID); err != nil {
		return cur, err
	}
	if u.Version != 0 && u.Version != cur.Version {
		return cur, conflictf("version", store.ErrConflict, "%s %d is at version %d, not %d: someone changed it since you read it; read it again and reapply your change",
			noun(cur.Type), cur.ID, cur.Version, u.Version)
	}
	next := cur
	var err error
	if u.Title != nil {
		if next.Title, err = checkTitle(*u.Title); err != nil {
			return cur, err
		}
	}
	if u.Body != nil {
		if err := checkBody(*u.Body); err != nil {
			return cur, err
		}
		next.Body = *u.Body
	}
	if u.Excerpt != nil {
		if next.Excerpt, err = checkExcerpt(*u.Excerpt); err != nil {
			return cur, err
		}
	}
	if u.Featured != nil && *u.Featured != cur.Featured {
		if cur.Type != store.TypePost {
			return cur, invalidf("featured", "only posts can be featured")
		}
		if err := Check(a, CapFeaturePosts, cur.AuthorID); err != nil {
			return cur, err
		}
		next.Featured = *u.Featured
	}
	if u.ParentID != nil && *u.ParentID != cur.ParentID {
		if *u.ParentID != 0 {
			if err := s.checkParent(ctx, a, cur.Type, cur.ID, *u.ParentID); err != nil {
				return cur, err
			}
		}
		next.ParentID = *u.ParentID
	}
	if cur.Type == store.TypePage && (u.Categories != nil && len(*u.Categories) > 0 || u.Tags != nil && len(*u.Tags) > 0) {
		return cur, invalidf("categories", "pages have no categories or tags")
	}
	if u.Categories != nil || u.Tags != nil {
		var cats, tags []string
		if u.Categories != nil {
			cats = *u.Categories
		}
		if u.Tags != nil {
			tags = *u.Tags
		}
		cats, tags, err := s.checkTermNames(cats, tags)
		if err != nil {
			return cur, err
		}
		if u.Categories != nil {
			if next.Categories, err = s.resolveTerms(ctx, a, store.TaxCategory, cats); err != nil {
				return cur, err
			}
		}
		if u.Tags != nil {
			if next.Tags, err = s.resolveTerms(ctx, a, store.TaxTag, tags); err != nil {
				return cur, err
			}
		}
	}
	if u.Slug != nil && *u.Slug != cur.Slug {
		if err := checkSlug(*u.Slug); err != nil {
			return cur, err
		}
		other, err := s.Store.GetPostBySlug(ctx, cur.Type, *u.Slug)
		switch {
		case err == nil && other.ID != cur.ID:
			return cur, conflictf("slug", store.ErrConflict, "slug %q is already used by %s %d; choose another", *u.Slug, noun(cur.Type), other.ID)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return cur, fmt.Errorf("content: check slug %q: %w", *u.Slug, err)
		}
		next.Slug = *u.Slug
	}
	next.ModifiedAt = s.now()
	next.ModifiedBy = a.UserID
	next.ModifiedVia = a.Via
	return next, nil
}
