package admin

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// postRow is a post in the content list.
type postRow struct {
	content.Post
	Author string
	Via    string // the OAuth client's name when an assistant made the last change
}

type contentListData struct {
	Posts  []postRow
	Pager  pager
	Status string
	Type   string
}

// statusSets are the list filters of the content page.
func statusSet(name string) []store.PostStatus {
	switch name {
	case "draft", "pending", "scheduled", "published", "trash":
		return []store.PostStatus{store.PostStatus(name)}
	case "all":
		return []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusPublished}
	}
	return []store.PostStatus{store.StatusPending, store.StatusDraft}
}

func (h *Handler) needWriter(s *session) error {
	if !s.CanWrite() {
		return forbidden("Your role (viewer) can read the site but not write or review content. Ask an administrator for the author role.")
	}
	return nil
}

func (h *Handler) contentList(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.needWriter(s); err != nil {
		return err
	}
	ctx := r.Context()
	page, search := pageParams(r.URL.Query())
	status := r.URL.Query().Get("status")
	typ := store.PostType(r.URL.Query().Get("type"))
	if typ != store.TypePost && typ != store.TypePage {
		typ = ""
	}
	q := content.PostQuery{Type: typ, Statuses: statusSet(status)}
	if !s.IsEditor() {
		q.AuthorID = s.User.ID
	}
	d := contentListData{Status: status, Type: string(typ)}
	var posts []content.Post
	if search != "" {
		q.Limit = content.MaxLimit
		hits, err := h.Content.SearchPosts(ctx, s.Actor, search, q)
		if err != nil {
			return err
		}
		for _, hit := range hits {
			posts = append(posts, hit.Post)
		}
		posts, d.Pager = paginate(posts, page, r.URL)
	} else {
		q.Offset, q.Limit = (page-1)*pageSize, pageSize
		l, err := h.Content.ListPosts(ctx, s.Actor, q)
		if err != nil {
			return err
		}
		posts, d.Pager = l.Posts, offsetPager(l.Total, page, r.URL)
	}
	rows, err := h.postRows(ctx, posts)
	if err != nil {
		return err
	}
	d.Posts = rows
	return h.render(w, r, http.StatusOK, "content", s, "Content", d)
}

func (h *Handler) postRows(ctx context.Context, posts []content.Post) ([]postRow, error) {
	users, err := h.userNames(ctx)
	if err != nil {
		return nil, err
	}
	clients := map[string]string{}
	out := make([]postRow, 0, len(posts))
	for _, p := range posts {
		row := postRow{Post: p, Author: users[p.AuthorID].Name}
		if row.Author == "" {
			row.Author = users[p.AuthorID].Email
		}
		row.Via = h.viaName(ctx, clients, p.ModifiedVia)
		out = append(out, row)
	}
	return out, nil
}

// viaName names the client behind ModifiedVia ("" for the web UI).
func (h *Handler) viaName(ctx context.Context, cache map[string]string, via string) string {
	if via == "" {
		return ""
	}
	if n, ok := cache[via]; ok {
		return n
	}
	n := via
	if via == content.ViaScheduler {
		n = "the scheduler"
	} else if c, err := h.Store.GetClient(ctx, via); err == nil {
		n = displayName(c)
	}
	cache[via] = n
	return n
}

type contentViewData struct {
	Post    postRow
	HTML    template.HTML
	Actions []statusAction
	MayEdit bool
	Public  bool
}

type statusAction struct {
	Action, Label string
	Danger        bool
}

// actionsFor lists the status changes a may try on p (the content service
// checks them again).
func actionsFor(a content.Actor, p store.Post) []statusAction {
	var out []statusAction
	pub := content.CapPublishPosts
	del := content.CapDeletePosts
	edit := content.CapEditPosts
	if p.Type == store.TypePage {
		pub, del, edit = content.CapPublishPages, content.CapDeletePages, content.CapEditPages
	}
	can := func(c content.Capability) bool { return content.Can(a, c, p.AuthorID) }
	switch p.Status {
	case store.StatusDraft:
		if can(pub) {
			out = append(out, statusAction{"publish", "Publish now", false})
		}
		if can(edit) {
			out = append(out, statusAction{"pending", "Submit for review", false})
		}
	case store.StatusPending:
		if can(pub) {
			out = append(out, statusAction{"publish", "Approve and publish", false})
			out = append(out, statusAction{"draft", "Reject: back to draft", false})
		}
	case store.StatusScheduled:
		if can(pub) {
			out = append(out, statusAction{"publish", "Publish now", false})
			out = append(out, statusAction{"draft", "Unschedule: back to draft", false})
		}
	case store.StatusPublished:
		if can(pub) {
			out = append(out, statusAction{"draft", "Unpublish: back to draft", false})
		}
	case store.StatusTrash:
		if can(del) {
			out = append(out, statusAction{"restore", "Restore", false})
		}
		return out
	}
	if can(del) {
		out = append(out, statusAction{"trash", "Move to trash", true})
	}
	return out
}

func (h *Handler) loadPost(ctx context.Context, s *session, r *http.Request) (content.Post, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return content.Post{}, notFound("There is no such post or page.")
	}
	return h.Content.GetPost(ctx, s.Actor, id)
}

func (h *Handler) contentView(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.needWriter(s); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := h.loadPost(ctx, s, r)
	if err != nil {
		return err
	}
	rows, err := h.postRows(ctx, []content.Post{p})
	if err != nil {
		return err
	}
	mayEdit := p.Status != store.StatusTrash && content.Can(s.Actor, editCapOf(p.Post), p.AuthorID)
	d := contentViewData{Post: rows[0], HTML: p.HTML(), Actions: actionsFor(s.Actor, p.Post), MayEdit: mayEdit,
		Public: p.Status == store.StatusPublished}
	return h.render(w, r, http.StatusOK, "post", s, p.Title, d)
}

func editCapOf(p store.Post) content.Capability {
	if p.Type == store.TypePage {
		return content.CapEditPages
	}
	return content.CapEditPosts
}

func (h *Handler) contentStatus(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.needWriter(s); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such post or page.")
	}
	var done string
	switch action := r.PostForm.Get("action"); action {
	case "publish":
		_, err = h.Content.Publish(ctx, s.Actor, id)
		done = "published"
	case "draft":
		_, err = h.Content.Unpublish(ctx, s.Actor, id)
		done = "draft"
	case "pending":
		_, err = h.Content.SubmitForReview(ctx, s.Actor, id)
		done = "pending"
	case "trash":
		_, err = h.Content.Trash(ctx, s.Actor, id)
		done = "trash"
	case "restore":
		_, err = h.Content.Restore(ctx, s.Actor, id)
		done = "restored"
	default:
		return &pageError{Status: http.StatusBadRequest, Title: "Bad request", Message: "Unknown action."}
	}
	if err != nil {
		return err
	}
	h.log().InfoContext(ctx, "content status changed", "post_id", id, "to", done, "by", s.User.ID)
	return redirect(w, r, "/admin/content/"+strconv.FormatInt(id, 10), done)
}

// --- editor

type editorData struct {
	New     bool
	Post    content.Post
	Form    *form
	Preview template.HTML
	Diff    []diffLine
	Changed bool
	Error   string
}

func (h *Handler) contentNewPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.needWriter(s); err != nil {
		return err
	}
	f := newForm(url.Values{"type": {string(store.TypePost)}})
	return h.render(w, r, http.StatusOK, "editor", s, "New post", editorData{New: true, Form: f})
}

// termList splits "a, b,c" into names.
func termList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if t := strings.TrimSpace(part); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// applyContentError puts a content error next to its field, or on top.
func applyContentError(f *form, d *editorData, err error) bool {
	ce := content.AsError(err)
	if ce == nil || ce.Kind == content.KindForbidden || ce.Kind == content.KindNotFound {
		return false
	}
	switch ce.Field {
	case "title", "body", "excerpt", "slug", "categories", "tags", "type":
		f.Fail(ce.Field, ce.Message)
	default:
		d.Error = ce.Message
	}
	return true
}

func (h *Handler) contentNew(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.needWriter(s); err != nil {
		return err
	}
	ctx := r.Context()
	f := newForm(r.PostForm)
	d := editorData{New: true, Form: f}
	typ := store.PostType(f.Get("type"))
	if typ != store.TypePost && typ != store.TypePage {
		f.Fail("type", "Choose post or page.")
	}
	if f.Get("action") == "preview" || !f.OK() {
		d.Preview = content.RenderMarkdown(f.Get("body"))
		status := http.StatusOK
		if !f.OK() {
			status = http.StatusBadRequest
		}
		return h.render(w, r, status, "editor", s, "New post", d)
	}
	in := content.NewPost{Type: typ, Title: f.Get("title"), Body: f.Get("body"), Excerpt: f.Get("excerpt"),
		Slug: strings.TrimSpace(f.Get("slug"))}
	if typ == store.TypePost {
		in.Categories, in.Tags = termList(f.Get("categories")), termList(f.Get("tags"))
	}
	if f.Get("action") == "pending" {
		in.Status = store.StatusPending
	}
	p, err := h.Content.CreatePost(ctx, s.Actor, in)
	if err != nil {
		if applyContentError(f, &d, err) {
			return h.render(w, r, http.StatusBadRequest, "editor", s, "New post", d)
		}
		return err
	}
	return redirect(w, r, "/admin/content/"+strconv.FormatInt(p.ID, 10), "saved")
}

func (h *Handler) contentEditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.needWriter(s); err != nil {
		return err
	}
	p, err := h.loadPost(r.Context(), s, r)
	if err != nil {
		return err
	}
	f := newForm(url.Values{"title": {p.Title}, "body": {p.Body}, "excerpt": {p.Excerpt}, "slug": {p.Slug},
		"categories": {strings.Join(p.Categories, ", ")}, "tags": {strings.Join(p.Tags, ", ")},
		"version": {strconv.FormatInt(p.Version, 10)}, "type": {string(p.Type)}})
	return h.render(w, r, http.StatusOK, "editor", s, "Edit “"+p.Title+"”", editorData{Post: p, Form: f})
}

func (h *Handler) contentEdit(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := h.needWriter(s); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := h.loadPost(ctx, s, r)
	if err != nil {
		return err
	}
	f := newForm(r.PostForm)
	f.Values.Set("type", string(p.Type))
	d := editorData{Post: p, Form: f}
	title := "Edit “" + p.Title + "”"
	if f.Get("action") == "preview" {
		// The store keeps no revisions, so the diff is between the saved
		// version and what is in the editor.
		d.Preview = content.RenderMarkdown(f.Get("body"))
		d.Diff = lineDiff(p.Body, f.Get("body"))
		d.Changed = p.Body != f.Get("body") || p.Title != strings.TrimSpace(f.Get("title"))
		return h.render(w, r, http.StatusOK, "editor", s, title, d)
	}
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	title2, body, excerpt, slug := f.Get("title"), f.Get("body"), f.Get("excerpt"), strings.TrimSpace(f.Get("slug"))
	u := content.PostUpdate{ID: p.ID, Version: version, Title: &title2, Body: &body, Excerpt: &excerpt}
	if slug != "" && slug != p.Slug {
		u.Slug = &slug
	}
	if p.Type == store.TypePost {
		cats, tags := termList(f.Get("categories")), termList(f.Get("tags"))
		u.Categories, u.Tags = &cats, &tags
	}
	if _, err := h.Content.UpdatePost(ctx, s.Actor, u); err != nil {
		if content.KindOf(err) == content.KindConflict && content.AsError(err).Field == "version" {
			d.Error = "Someone changed this post while you were editing it. Your text is kept below; compare it with the saved version (Preview shows the difference), then save again."
			if cur, gerr := h.Content.GetPost(ctx, s.Actor, p.ID); gerr == nil {
				f.Values.Set("version", strconv.FormatInt(cur.Version, 10))
				d.Post = cur
				d.Diff = lineDiff(cur.Body, body)
			}
			return h.render(w, r, http.StatusConflict, "editor", s, title, d)
		}
		if applyContentError(f, &d, err) {
			return h.render(w, r, http.StatusBadRequest, "editor", s, title, d)
		}
		return err
	}
	return redirect(w, r, "/admin/content/"+strconv.FormatInt(p.ID, 10), "saved")
}

// --- comments

type commentRow struct {
	store.Comment
	PostTitle string
	HTML      template.HTML
}

type commentListData struct {
	Comments []commentRow
	Pager    pager
	Status   string
}

func (h *Handler) commentList(w http.ResponseWriter, r *http.Request, s *session) error {
	if !s.IsEditor() {
		return forbidden("Only editors and administrators moderate comments.")
	}
	ctx := r.Context()
	page, search := pageParams(r.URL.Query())
	status := store.CommentStatus(r.URL.Query().Get("status"))
	switch status {
	case store.CommentApproved, store.CommentSpam, store.CommentTrash:
	default:
		status = store.CommentPending
	}
	d := commentListData{Status: string(status)}
	var cs []store.Comment
	if search != "" {
		// Search reads up to the newest 500 comments of the status.
		for off := 0; off < 500; off += content.MaxLimit {
			l, err := h.Content.ListComments(ctx, s.Actor, content.CommentQuery{Statuses: []store.CommentStatus{status}, Offset: off, Limit: content.MaxLimit})
			if err != nil {
				return err
			}
			for _, c := range l.Comments {
				if matches(search, c.AuthorName, c.AuthorEmail, c.Body) {
					cs = append(cs, c)
				}
			}
			if len(l.Comments) < content.MaxLimit {
				break
			}
		}
		cs, d.Pager = paginate(cs, page, r.URL)
	} else {
		l, err := h.Content.ListComments(ctx, s.Actor, content.CommentQuery{Statuses: []store.CommentStatus{status}, Offset: (page - 1) * pageSize, Limit: pageSize})
		if err != nil {
			return err
		}
		cs, d.Pager = l.Comments, offsetPager(l.Total, page, r.URL)
	}
	titles := map[int64]string{}
	for _, c := range cs {
		t, ok := titles[c.PostID]
		if !ok {
			if p, err := h.Store.GetPost(ctx, c.PostID); err == nil {
				t = p.Title
			}
			titles[c.PostID] = t
		}
		d.Comments = append(d.Comments, commentRow{Comment: c, PostTitle: t, HTML: content.RenderComment(c.Body)})
	}
	return h.render(w, r, http.StatusOK, "comments", s, "Comments", d)
}

func (h *Handler) commentModerate(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such comment.")
	}
	m := content.Moderation(r.PostForm.Get("action"))
	switch m {
	case content.Approve, content.Unapprove, content.MarkSpam, content.TrashIt:
	default:
		return &pageError{Status: http.StatusBadRequest, Title: "Bad request", Message: "Unknown moderation action."}
	}
	if _, err := h.Content.ModerateComment(ctx, s.Actor, id, m); err != nil {
		return err
	}
	back := "/admin/comments"
	if st := r.PostForm.Get("from"); st != "" {
		back += "?status=" + url.QueryEscape(st)
	}
	return redirect(w, r, back, "moderated")
}

// --- settings

type settingsData struct {
	Form *form
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	info, err := h.Content.SiteInfo(r.Context())
	if err != nil {
		return fmt.Errorf("admin: settings: %w", err)
	}
	f := newForm(url.Values{"title": {info.Title}, "tagline": {info.Tagline}, "timezone": {info.Timezone}, "language": {info.Language}})
	return h.render(w, r, http.StatusOK, "settings", s, "Site settings", settingsData{Form: f})
}

func (h *Handler) settingsSave(w http.ResponseWriter, r *http.Request, s *session) error {
	f := newForm(r.PostForm)
	title, tagline, tz, lang := f.Get("title"), f.Get("tagline"), f.Get("timezone"), f.Get("language")
	_, err := h.Content.UpdateSettings(r.Context(), s.Actor, content.SettingsUpdate{Title: &title, Tagline: &tagline, Timezone: &tz, Language: &lang})
	if ce := content.AsError(err); ce != nil && ce.Kind == content.KindInvalid {
		field := ce.Field
		if field == "" {
			field = "title"
		}
		f.Fail(field, ce.Message)
		return h.render(w, r, http.StatusBadRequest, "settings", s, "Site settings", settingsData{Form: f})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/settings", "settings")
}
