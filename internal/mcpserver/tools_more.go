package mcpserver

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// commentOut is a comment as tools return it.
type commentOut struct {
	ID          int64  `json:"id"`
	PostID      int64  `json:"post_id"`
	ParentID    int64  `json:"parent_id,omitempty"`
	AuthorName  string `json:"author_name"`
	AuthorEmail string `json:"author_email,omitempty"`
	AuthorURL   string `json:"author_url,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
	Body        string `json:"body"`
	Status      string `json:"status"`
	CreatedAt   string `json:"created_at"`
}

func viewComment(c store.Comment) commentOut {
	return commentOut{ID: c.ID, PostID: c.PostID, ParentID: c.ParentID, AuthorName: c.AuthorName,
		AuthorEmail: c.AuthorEmail, AuthorURL: c.AuthorURL, UserID: c.UserID, Body: c.Body,
		Status: string(c.Status), CreatedAt: timeOut(c.CreatedAt)}
}

type listCommentsArgs struct {
	PostID flexInt    `json:"post_id"`
	Status statusList `json:"status"`
	Offset flexInt    `json:"offset"`
	Limit  flexInt    `json:"limit"`
}

type commentsOut struct {
	Comments   []commentOut `json:"comments"`
	Total      int64        `json:"total"`
	Offset     int          `json:"offset"`
	Limit      int          `json:"limit"`
	NextOffset int          `json:"next_offset,omitempty"`
}

func (h *Handler) listComments(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in listCommentsArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	off, lim, err := pageArgs(in.Offset, in.Limit)
	if err != nil {
		return nil, err
	}
	var sts []store.CommentStatus
	for _, s := range in.Status {
		st := store.CommentStatus(strings.ToLower(strings.TrimSpace(s)))
		switch st {
		case store.CommentPending, store.CommentApproved, store.CommentSpam, store.CommentTrash:
			sts = append(sts, st)
		default:
			return nil, badArg("status", "%q is not a comment status; use pending, approved, spam or trash", s)
		}
	}
	l, err := h.Content.ListComments(ctx, a, content.CommentQuery{PostID: int64(in.PostID), Statuses: sts, Offset: off, Limit: lim})
	if err != nil {
		return nil, err
	}
	out := commentsOut{Comments: make([]commentOut, 0, len(l.Comments)), Total: l.Total, Offset: l.Offset, Limit: l.Limit}
	for _, c := range l.Comments {
		out.Comments = append(out.Comments, viewComment(c))
	}
	if next := l.Offset + len(l.Comments); int64(next) < l.Total && len(l.Comments) > 0 {
		out.NextOffset = next
	}
	return out, nil
}

type moderateArgs struct {
	ID     flexInt `json:"id"`
	Action string  `json:"action"`
}

func (h *Handler) moderateComment(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in moderateArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if in.ID <= 0 {
		return nil, badArg("id", "is required: the comment id")
	}
	act := content.Moderation(strings.ToLower(strings.TrimSpace(in.Action)))
	switch act {
	case content.Approve, content.Unapprove, content.MarkSpam, content.TrashIt:
	case "":
		return nil, badArg("action", "is required: approve, unapprove, spam or trash")
	default:
		return nil, badArg("action", "must be approve, unapprove, spam or trash, not %q", in.Action)
	}
	c, err := h.Content.ModerateComment(ctx, a, int64(in.ID), act)
	if err != nil {
		return nil, err
	}
	return viewComment(c), nil
}

type replyArgs struct {
	PostID    flexInt `json:"post_id"`
	CommentID flexInt `json:"comment_id"`
	Body      string  `json:"body"`
}

func (h *Handler) replyToComment(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in replyArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if in.CommentID <= 0 && in.PostID <= 0 {
		return nil, badArg("comment_id", "is required: the comment to reply to (or post_id for a top-level comment)")
	}
	if strings.TrimSpace(in.Body) == "" {
		return nil, badArg("body", "is required: the text of the reply")
	}
	postID := int64(in.PostID)
	if in.CommentID > 0 && postID == 0 {
		// Find the post of the comment being answered.
		l, err := h.Content.ListComments(ctx, a, content.CommentQuery{Limit: content.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, c := range l.Comments {
			if c.ID == int64(in.CommentID) {
				postID = c.PostID
			}
		}
		if postID == 0 {
			return nil, badArg("post_id", "could not find comment %d among recent comments; give post_id as well", in.CommentID)
		}
	}
	c, err := h.Content.CreateComment(ctx, a, content.NewComment{PostID: postID, ParentID: int64(in.CommentID), Body: in.Body})
	if err != nil {
		return nil, err
	}
	return viewComment(c), nil
}

type termOut struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Count       int64  `json:"count"`
}

type termsOut struct {
	Terms []termOut `json:"terms"`
}

func (h *Handler) listTerms(tax store.Taxonomy) func(context.Context, content.Actor, json.RawMessage) (any, error) {
	return func(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
		ts, err := h.Content.ListTerms(ctx, a, tax)
		if err != nil {
			return nil, err
		}
		out := termsOut{Terms: make([]termOut, 0, len(ts))}
		for _, t := range ts {
			out.Terms = append(out.Terms, termOut{Slug: t.Slug, Name: t.Name, Description: t.Description, Count: t.Count})
		}
		return out, nil
	}
}

type createTermArgs struct {
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Description string `json:"description"`
}

func (h *Handler) createTerm(tax store.Taxonomy) func(context.Context, content.Actor, json.RawMessage) (any, error) {
	return func(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
		var in createTermArgs
		if err := decodeArgs(raw, &in); err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.Name) == "" {
			return nil, badArg("name", "is required")
		}
		t, err := h.Content.CreateTerm(ctx, a, content.NewTerm{Taxonomy: tax, Name: in.Name, Slug: in.Slug, Description: in.Description})
		if err != nil {
			return nil, err
		}
		return termOut{Slug: t.Slug, Name: t.Name, Description: t.Description, Count: t.Count}, nil
	}
}

type siteOut struct {
	Title    string `json:"title"`
	Tagline  string `json:"tagline"`
	URL      string `json:"url"`
	Timezone string `json:"timezone"`
	Language string `json:"language"`
}

func viewSite(i content.SiteInfo) siteOut {
	return siteOut{Title: i.Title, Tagline: i.Tagline, URL: i.URL, Timezone: i.Timezone, Language: i.Language}
}

func (h *Handler) getSiteInfo(ctx context.Context, _ content.Actor, raw json.RawMessage) (any, error) {
	i, err := h.Content.SiteInfo(ctx)
	if err != nil {
		return nil, err
	}
	return viewSite(i), nil
}

type settingsArgs struct {
	Title    *string `json:"title"`
	Tagline  *string `json:"tagline"`
	Timezone *string `json:"timezone"`
	Language *string `json:"language"`
}

func (h *Handler) updateSiteSettings(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in settingsArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if in.Title == nil && in.Tagline == nil && in.Timezone == nil && in.Language == nil {
		return nil, badArg("title", "nothing to change: give at least one of title, tagline, timezone or language")
	}
	i, err := h.Content.UpdateSettings(ctx, a, content.SettingsUpdate{Title: in.Title, Tagline: in.Tagline, Timezone: in.Timezone, Language: in.Language})
	if err != nil {
		return nil, err
	}
	return viewSite(i), nil
}

type statsArgs struct {
	Recent flexInt `json:"recent"`
}

type statsOut struct {
	Posts          map[string]int64 `json:"posts"`
	Pages          map[string]int64 `json:"pages"`
	Comments       map[string]int64 `json:"comments"`
	RecentPosts    []postOut        `json:"recent_posts"`
	RecentComments []commentOut     `json:"recent_comments"`
}

func countMap[K ~string](m map[K]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func (h *Handler) getSiteStats(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in statsArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if in.Recent < 0 || in.Recent > 50 {
		return nil, badArg("recent", "must be between 0 and 50")
	}
	st, err := h.Content.Stats(ctx, a, int(in.Recent))
	if err != nil {
		return nil, err
	}
	out := statsOut{Posts: countMap(st.Posts), Pages: countMap(st.Pages), Comments: countMap(st.Comments),
		RecentPosts: make([]postOut, 0, len(st.RecentPosts)), RecentComments: make([]commentOut, 0, len(st.RecentComments))}
	for _, p := range st.RecentPosts {
		out.RecentPosts = append(out.RecentPosts, viewPost(p, false, 0))
	}
	for _, c := range st.RecentComments {
		out.RecentComments = append(out.RecentComments, viewComment(c))
	}
	return out, nil
}

type userOut struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Disabled  bool   `json:"disabled"`
	CreatedAt string `json:"created_at"`
}

type usersOut struct {
	Users []userOut `json:"users"`
}

func (h *Handler) listUsers(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	us, err := h.Content.ListUsers(ctx, a)
	if err != nil {
		return nil, err
	}
	out := usersOut{Users: make([]userOut, 0, len(us))}
	for _, u := range us {
		out.Users = append(out.Users, userOut{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Disabled: u.Disabled, CreatedAt: timeOut(u.CreatedAt)})
	}
	return out, nil
}

// ChatGPT deep research and company knowledge (CONNECTORS.md §4.3, 11.32):
// search(query) → {"results":[{id,title,url}]}, fetch(id) →
// {id,title,text,url,metadata}. Only published content is searched, so every
// url is a real public page.

type chatSearchArgs struct {
	Query string `json:"query"`
}

type chatResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

type chatSearchOut struct {
	Results []chatResult `json:"results"`
}

func (h *Handler) chatSearch(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in chatSearchArgs
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Query) == "" {
		return nil, badArg("query", "is required: the words to look for")
	}
	hits, err := h.Content.SearchPosts(ctx, a, in.Query, content.PostQuery{Statuses: []store.PostStatus{store.StatusPublished}, Limit: 20})
	if err != nil {
		return nil, err
	}
	out := chatSearchOut{Results: make([]chatResult, 0, len(hits))}
	for _, hit := range hits {
		u := hit.Post.URL
		if u == "" {
			u = h.Content.CanonicalURL(hit.Post.Type, hit.Post.Slug)
		}
		out.Results = append(out.Results, chatResult{ID: strconv.FormatInt(hit.Post.ID, 10), Title: hit.Post.Title, URL: u})
	}
	return out, nil
}

type chatFetchOut struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Text     string         `json:"text"`
	URL      string         `json:"url"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

func (h *Handler) chatFetch(ctx context.Context, a content.Actor, raw json.RawMessage) (any, error) {
	var in struct {
		ID json.RawMessage `json:"id"`
	}
	if err := decodeArgs(raw, &in); err != nil {
		return nil, err
	}
	id := strings.Trim(strings.TrimSpace(string(in.ID)), `"`)
	if id == "" || id == "null" {
		return nil, badArg("id", "is required: an id from search")
	}
	var p content.Post
	var err error
	if n, perr := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(id, "post-"), "page-"), 10, 64); perr == nil && n > 0 {
		p, err = h.Content.GetPost(ctx, a, n)
	} else {
		p, err = h.Content.GetPostBySlug(ctx, a, store.TypePost, id)
		if content.KindOf(err) == content.KindNotFound {
			p, err = h.Content.GetPostBySlug(ctx, a, store.TypePage, id)
		}
	}
	if err != nil {
		return nil, err
	}
	text, next := sliceChars(p.Body, 0, maxBodyChars)
	u := p.URL
	if u == "" {
		u = h.Content.CanonicalURL(p.Type, p.Slug)
	}
	meta := map[string]any{"type": string(p.Type), "status": string(p.Status), "slug": p.Slug,
		"author_id": p.AuthorID, "categories": nonNil(p.Categories), "tags": nonNil(p.Tags)}
	if t := timeOut(p.PublishedAt); t != "" && p.Status == store.StatusPublished {
		meta["published_at"] = t
	}
	if next > 0 {
		meta["truncated"] = true
		meta["note"] = "The text was cut at 100000 characters; use get_post with body_offset for the rest."
	}
	return chatFetchOut{ID: strconv.FormatInt(p.ID, 10), Title: p.Title, Text: text, URL: u, Metadata: meta}, nil
}
