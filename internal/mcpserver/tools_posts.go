package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// maxBodyChars bounds the Markdown body one get_post answer carries; longer
// bodies are paginated with body_offset.
const maxBodyChars = 100_000

// postOut is a post or page as tools return it.
type postOut struct {
	ID             int64    `json:"id"`
	Type           string   `json:"type"`
	Slug           string   `json:"slug"`
	Title          string   `json:"title"`
	Status         string   `json:"status"`
	URL            string   `json:"url,omitempty"`
	Summary        string   `json:"summary"`
	AuthorID       int64    `json:"author_id"`
	Categories     []string `json:"categories"`
	Tags           []string `json:"tags"`
	Featured       bool     `json:"featured"`
	ParentID       int64    `json:"parent_id,omitempty"`
	CreatedAt      string   `json:"created_at"`
	ModifiedAt     string   `json:"modified_at"`
	PublishedAt    string   `json:"published_at,omitempty"`
	Version        int64    `json:"version"`
	Body           *string  `json:"body,omitempty"`
	BodyOffset     int      `json:"body_offset,omitempty"`
	BodyNextOffset int      `json:"body_next_offset,omitempty"`
	BodyTruncated  bool     `json:"body_truncated,omitempty"`
	Note           string   `json:"note,omitempty"`
}

func timeOut(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// viewPost converts p; with body it carries the Markdown body from
// character offset off, at most maxBodyChars of it.
func viewPost(p content.Post, body bool, off int) postOut {
	o := postOut{
		ID: p.ID, Type: string(p.Type), Slug: p.Slug, Title: p.Title, Status: string(p.Status),
		URL: p.URL, Summary: p.Summary, AuthorID: p.AuthorID,
		Categories: nonNil(p.Categories), Tags: nonNil(p.Tags), Featured: p.Featured, ParentID: p.ParentID,
		CreatedAt: timeOut(p.CreatedAt), ModifiedAt: timeOut(p.ModifiedAt), Version: p.Version,
	}
	if p.Status == store.StatusPublished || p.Status == store.StatusScheduled {
		o.PublishedAt = timeOut(p.PublishedAt)
	}
	if body {
		b, next := sliceChars(p.Body, off, maxBodyChars)
		o.Body = &b
		o.BodyOffset = off
		if next > 0 {
			o.BodyNextOffset = next
			o.BodyTruncated = true
			o.Note = fmt.Sprintf("The body is longer than %d characters; call get_post again with body_offset %d for the rest.", maxBodyChars, next)
		}
	}
	return o
}

// sliceChars returns at most n characters of s starting at character off,
// and the offset of the next character (0 when s ends within the slice).
func sliceChars(s string, off, n int) (string, int) {
	if off <= 0 && len(s) <= n {
		return s, 0
	}
	i, count := 0, 0
	for i < len(s) && count < off {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	start := i
	taken := 0
	for i < len(s) && taken < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		taken++
	}
	if i < len(s) {
		return s[start:i], off + taken
	}
	return s[start:i], 0
}

func postType(field, s string) (store.PostType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "post", "posts":
		return store.TypePost, nil
	case "page", "pages":
		return store.TypePage, nil
	}
	return "", badArg(field, "must be \"post\" or \"page\", not %q", s)
}

// postTypeOrAny is postType where "" means both posts and pages.
func postTypeOrAny(field, s string) (store.PostType, error) {
	if strings.TrimSpace(s) == "" || strings.EqualFold(s, "any") {
		return "", nil
	}
	return postType(field, s)
}

func postStatuses(field string, in []string) ([]store.PostStatus, error) {
	var out []store.PostStatus
	for _, s := range in {
		st := store.PostStatus(strings.ToLower(strings.TrimSpace(s)))
		switch st {
		case store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusPublished, store.StatusTrash:
			out = append(out, st)
		case "any", "all":
			out = append(out, store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusPublished)
		default:
			return nil, badArg(field, "%q is not a status; use draft, pending, scheduled, published or trash", s)
		}
	}
	return out, nil
}

// statusList accepts a status as one string or an array of strings.
type statusList []string

// UnmarshalJSON accepts "draft", ["draft","pending"] or "draft,pending".
func (s *statusList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		for p := range strings.SplitSeq(one, ",") {
			if p = strings.TrimSpace(p); p != "" {
				*s = append(*s, p)
			}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: stringSliceType}
	}
	*s = many
	return nil
}

func pageArgs(offset, limit flexInt) (int, int, error) {
	if offset < 0 {
		return 0, 0, badArg("offset", "must not be negative")
	}
	if limit < 0 || limit > content.MaxLimit {
		return 0, 0, badArg("limit", "must be between 1 and %d", content.MaxLimit)
	}
	return int(offset), int(limit), nil
}

// listOut is one page of posts.
type listOut struct {
	Posts      []postOut `json:"posts"`
	Total      int64     `json:"total"`
	Offset     int       `json:"offset"`
	Limit      int       `json:"limit"`
	NextOffset int       `json:"next_offset,omitempty"`
}

type listPostsArgs struct {
	Type     string     `json:"type"`
	Status   statusList `json:"status"`
	Category string     `json:"category"`
	Tag      string     `json:"tag"`
	AuthorID flexInt    `json:"author_id"`
	Featured *bool      `json:"featured"`
	After    string     `json:"after"`
	Before   string     `json:"before"`
	Offset   flexInt    `json:"offset"`
	Limit    flexInt    `json:"limit"`
}

func (h *Handler) listPosts(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in listPostsArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	typ, err := postTypeOrAny("type", in.Type)
	if err != nil {
		return nil, err
	}
	sts, err := postStatuses("status", in.Status)
	if err != nil {
		return nil, err
	}
	after, err := parseTime("after", in.After)
	if err != nil {
		return nil, err
	}
	before, err := parseTime("before", in.Before)
	if err != nil {
		return nil, err
	}
	off, lim, err := pageArgs(in.Offset, in.Limit)
	if err != nil {
		return nil, err
	}
	l, err := h.Content.ListPosts(ctx, a, content.PostQuery{
		Type: typ, Statuses: sts, Category: in.Category, Tag: in.Tag, AuthorID: int64(in.AuthorID),
		Featured: in.Featured, After: after, Before: before, Offset: off, Limit: lim,
	})
	if err != nil {
		return nil, err
	}
	out := listOut{Posts: make([]postOut, 0, len(l.Posts)), Total: l.Total, Offset: l.Offset, Limit: l.Limit}
	for _, p := range l.Posts {
		out.Posts = append(out.Posts, viewPost(p, false, 0))
	}
	if next := l.Offset + len(l.Posts); int64(next) < l.Total && len(l.Posts) > 0 {
		out.NextOffset = next
	}
	return out, nil
}

type searchPostsArgs struct {
	Query  string     `json:"query"`
	Type   string     `json:"type"`
	Status statusList `json:"status"`
	Offset flexInt    `json:"offset"`
	Limit  flexInt    `json:"limit"`
}

type hitOut struct {
	postOut
	Snippet string  `json:"snippet"`
	Rank    float64 `json:"rank"`
}

type searchOut struct {
	Query string   `json:"query"`
	Hits  []hitOut `json:"hits"`
}

func (h *Handler) searchPosts(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in searchPostsArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Query) == "" {
		return nil, badArg("query", "is required: the words to look for")
	}
	typ, err := postTypeOrAny("type", in.Type)
	if err != nil {
		return nil, err
	}
	sts, err := postStatuses("status", in.Status)
	if err != nil {
		return nil, err
	}
	off, lim, err := pageArgs(in.Offset, in.Limit)
	if err != nil {
		return nil, err
	}
	hits, err := h.Content.SearchPosts(ctx, a, in.Query, content.PostQuery{Type: typ, Statuses: sts, Offset: off, Limit: lim})
	if err != nil {
		return nil, err
	}
	out := searchOut{Query: in.Query, Hits: make([]hitOut, 0, len(hits))}
	for _, hit := range hits {
		out.Hits = append(out.Hits, hitOut{postOut: viewPost(hit.Post, false, 0), Snippet: hit.Snippet, Rank: hit.Rank})
	}
	return out, nil
}

type getPostArgs struct {
	ID         flexInt `json:"id"`
	Slug       string  `json:"slug"`
	Type       string  `json:"type"`
	BodyOffset flexInt `json:"body_offset"`
}

func (h *Handler) getPost(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in getPostArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if in.BodyOffset < 0 {
		return nil, badArg("body_offset", "must not be negative")
	}
	var p content.Post
	var err error
	switch {
	case in.ID > 0:
		p, err = h.Content.GetPost(ctx, a, int64(in.ID))
	case strings.TrimSpace(in.Slug) != "":
		typ, terr := postType("type", in.Type)
		if terr != nil {
			return nil, terr
		}
		p, err = h.Content.GetPostBySlug(ctx, a, typ, strings.TrimSpace(in.Slug))
	case in.ID < 0:
		return nil, badArg("id", "must be a positive integer")
	default:
		return nil, badArg("id", "is required (or give slug instead)")
	}
	if err != nil {
		return nil, err
	}
	return viewPost(p, true, int(in.BodyOffset)), nil
}

type createPostArgs struct {
	Type       string   `json:"type"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Excerpt    string   `json:"excerpt"`
	Slug       string   `json:"slug"`
	Categories []string `json:"categories"`
	Tags       []string `json:"tags"`
	ParentID   flexInt  `json:"parent_id"`
	Featured   bool     `json:"featured"`
	Status     string   `json:"status"`
	Publish    bool     `json:"publish"`
	PublishAt  string   `json:"publish_at"`
}

func (h *Handler) createPost(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in createPostArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Title) == "" {
		return nil, badArg("title", "is required")
	}
	typ, err := postType("type", in.Type)
	if err != nil {
		return nil, err
	}
	at, err := parseTime("publish_at", in.PublishAt)
	if err != nil {
		return nil, err
	}
	status := store.PostStatus(strings.ToLower(strings.TrimSpace(in.Status)))
	switch status {
	case "":
		switch {
		case in.Publish && !at.IsZero():
			status = store.StatusScheduled
		case in.Publish:
			status = store.StatusPublished
		case !at.IsZero():
			return nil, badArg("publish_at", "needs publish: true (or status \"scheduled\")")
		default:
			status = store.StatusDraft
		}
	case store.StatusDraft, store.StatusPending, store.StatusPublished, store.StatusScheduled:
	default:
		return nil, badArg("status", "must be draft, pending, published or scheduled, not %q", in.Status)
	}
	p, err := h.Content.CreatePost(ctx, a, content.NewPost{
		Type: typ, Title: in.Title, Body: in.Body, Excerpt: in.Excerpt, Slug: in.Slug,
		Categories: in.Categories, Tags: in.Tags, ParentID: int64(in.ParentID), Featured: in.Featured,
		Status: status, PublishAt: at,
	})
	if err != nil {
		return nil, err
	}
	o := viewPost(p, false, 0)
	o.Note = h.statusNote(p)
	return o, nil
}

// statusNote tells the assistant what happened and where to look.
func (h *Handler) statusNote(p content.Post) string {
	n := "page"
	if p.Type == store.TypePost {
		n = "post"
	}
	switch p.Status {
	case store.StatusPublished:
		return fmt.Sprintf("The %s is live at %s.", n, p.URL)
	case store.StatusScheduled:
		return fmt.Sprintf("The %s will be published at %s, at %s.", n, timeOut(p.PublishedAt), h.Content.CanonicalURL(p.Type, p.Slug))
	case store.StatusTrash:
		return fmt.Sprintf("The %s is in the trash; restore_post brings it back.", n)
	case store.StatusPending:
		return fmt.Sprintf("The %s is waiting for an editor's review; it is not public.", n)
	}
	return fmt.Sprintf("The %s is a draft and not public; publish_post makes it public.", n)
}

type updatePostArgs struct {
	ID         flexInt   `json:"id"`
	Version    flexInt   `json:"version"`
	Title      *string   `json:"title"`
	Body       *string   `json:"body"`
	Excerpt    *string   `json:"excerpt"`
	Slug       *string   `json:"slug"`
	Categories *[]string `json:"categories"`
	Tags       *[]string `json:"tags"`
	ParentID   *flexInt  `json:"parent_id"`
	Featured   *bool     `json:"featured"`
}

func (h *Handler) updatePost(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in updatePostArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if in.ID <= 0 {
		return nil, badArg("id", "is required: the id of the post or page to change")
	}
	u := content.PostUpdate{
		ID: int64(in.ID), Version: int64(in.Version), Title: in.Title, Body: in.Body, Excerpt: in.Excerpt,
		Slug: in.Slug, Categories: in.Categories, Tags: in.Tags, Featured: in.Featured,
	}
	if in.ParentID != nil {
		v := int64(*in.ParentID)
		u.ParentID = &v
	}
	if u.Title == nil && u.Body == nil && u.Excerpt == nil && u.Slug == nil && u.Categories == nil &&
		u.Tags == nil && u.ParentID == nil && u.Featured == nil {
		return nil, badArg("title", "nothing to change: give at least one of title, body, excerpt, slug, categories, tags, parent_id or featured")
	}
	p, err := h.Content.UpdatePost(ctx, a, u)
	if err != nil {
		return nil, err
	}
	o := viewPost(p, false, 0)
	o.Note = h.statusNote(p)
	return o, nil
}

type idArgs struct {
	ID        flexInt `json:"id"`
	PublishAt string  `json:"publish_at"`
}

// transition builds the run function of a status-changing tool.
func (h *Handler) transition(do func(ctx context.Context, a content.Actor, id int64, at time.Time) (content.Post, error), needAt bool) func(context.Context, content.Actor, json.RawMessage) (any, error) {
	return func(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
		var in idArgs
		if err := decodeArgs(raw, &in); err != nil {
			return nil, err
		}
		if in.ID <= 0 {
			return nil, badArg("id", "is required: the id of the post or page")
		}
		var at time.Time
		if needAt {
			var err error
			if at, err = parseTime("publish_at", in.PublishAt); err != nil {
				return nil, err
			}
			if at.IsZero() {
				return nil, badArg("publish_at", "is required: when to publish, e.g. 2026-10-01T09:00:00Z")
			}
		}
		p, err := do(ctx, a, int64(in.ID), at)
		if err != nil {
			return nil, err
		}
		o := viewPost(p, false, 0)
		o.Note = h.statusNote(p)
		return o, nil
	}
}
