package content

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/store"
)

// CommentQuery narrows ListComments. Zero fields match everything a may see:
// for moderators (editors) every status, for everyone else approved comments.
type CommentQuery struct {
	PostID   int64
	Statuses []store.CommentStatus
	Offset   int
	Limit    int // 0 means DefaultLimit; capped at MaxLimit
}

// CommentList is one page of ListComments, oldest first.
type CommentList struct {
	Comments []store.Comment
	// Total counts matching comments ignoring Offset and Limit. When a
	// non-moderator lists comments across all posts, comments on posts they
	// may not see are left out of Comments but may still be counted.
	Total  int64
	Offset int
	Limit  int
}

// NewComment is the input of CreateComment.
type NewComment struct {
	PostID   int64
	ParentID int64 // the comment replied to; 0 for a top-level comment
	Body     string
}

// Moderation is what ModerateComment does to a comment.
type Moderation string

// Moderation actions and the status each leads to.
const (
	Approve   Moderation = "approve"   // → approved
	Unapprove Moderation = "unapprove" // → pending
	MarkSpam  Moderation = "spam"      // → spam
	TrashIt   Moderation = "trash"     // → trash
)

func (m Moderation) status() (store.CommentStatus, bool) {
	switch m {
	case Approve:
		return store.CommentApproved, true
	case Unapprove:
		return store.CommentPending, true
	case MarkSpam:
		return store.CommentSpam, true
	case TrashIt:
		return store.CommentTrash, true
	}
	return "", false
}

func validCommentStatus(st store.CommentStatus) bool {
	switch st {
	case store.CommentPending, store.CommentApproved, store.CommentSpam, store.CommentTrash:
		return true
	}
	return false
}

// redact hides what only moderators may see: commenters' email addresses.
func redact(a Actor, c store.Comment) store.Comment {
	if !Can(a, CapModerateComments, 0) && c.UserID != a.UserID || a.Anonymous() {
		c.AuthorEmail = ""
	}
	return c
}

// ListComments returns comments a may see. Non-moderators see approved
// comments on content they may read, without commenters' email addresses.
func (s *Service) ListComments(ctx context.Context, a Actor, q CommentQuery) (CommentList, error) {
	if err := Check(a, CapRead, 0); err != nil {
		return CommentList{}, err
	}
	if q.Offset < 0 {
		return CommentList{}, invalidf("offset", "offset must not be negative")
	}
	f := store.CommentFilter{PostID: q.PostID, Offset: q.Offset, Limit: q.Limit}
	switch {
	case q.Limit < 0:
		return CommentList{}, invalidf("limit", "limit must not be negative")
	case q.Limit == 0:
		f.Limit = DefaultLimit
	case q.Limit > MaxLimit:
		f.Limit = MaxLimit
	}
	if q.PostID != 0 {
		p, err := s.loadPost(ctx, q.PostID)
		if err != nil {
			return CommentList{}, withField(err, "post_id")
		}
		if err := canRead(a, p); err != nil {
			return CommentList{}, withField(err, "post_id")
		}
	}
	moderator := Can(a, CapReadPrivate, 0)
	for _, st := range q.Statuses {
		if !validCommentStatus(st) {
			return CommentList{}, invalidf("status", "comment status %q is not valid; use pending, approved, spam or trash", st)
		}
		if !slices.Contains(f.Statuses, st) {
			f.Statuses = append(f.Statuses, st)
		}
	}
	if !moderator {
		switch {
		case len(f.Statuses) == 0 || slices.Contains(f.Statuses, store.CommentApproved):
			f.Statuses = []store.CommentStatus{store.CommentApproved}
		default:
			return CommentList{}, Check(a, CapReadPrivate, 0)
		}
	}
	cs, total, err := s.Store.ListComments(ctx, f)
	if err != nil {
		return CommentList{}, fmt.Errorf("content: list comments: %w", err)
	}
	out := CommentList{Comments: make([]store.Comment, 0, len(cs)), Total: total, Offset: f.Offset, Limit: f.Limit}
	readable := map[int64]bool{}
	for _, c := range cs {
		if !moderator && q.PostID == 0 {
			ok, seen := readable[c.PostID]
			if !seen {
				p, err := s.Store.GetPost(ctx, c.PostID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return CommentList{}, fmt.Errorf("content: list comments: load post %d: %w", c.PostID, err)
				}
				ok = err == nil && canRead(a, p) == nil
				readable[c.PostID] = ok
			}
			if !ok {
				continue
			}
		}
		out.Comments = append(out.Comments, redact(a, c))
	}
	return out, nil
}

// withField sets Field on a content error that has none.
func withField(err error, field string) error {
	if ce := AsError(err); ce != nil && ce.Field != field {
		c := *ce
		c.Field = field
		return &c
	}
	return err
}

// CreateComment adds a comment by a's user to a published post, approved at
// once; with ParentID it is a reply to that (approved) comment. It needs
// CapReplyComments (authors and up, content:write).
func (s *Service) CreateComment(ctx context.Context, a Actor, in NewComment) (store.Comment, error) {
	if err := Check(a, CapReplyComments, 0); err != nil {
		return store.Comment{}, err
	}
	body := strings.TrimSpace(in.Body)
	switch {
	case body == "":
		return store.Comment{}, invalidf("body", "body must not be empty")
	case !utf8.ValidString(body):
		return store.Comment{}, invalidf("body", "body is not valid UTF-8")
	case utf8.RuneCountInString(body) > MaxCommentLen:
		return store.Comment{}, invalidf("body", "body is %d characters long; a comment may have at most %d", utf8.RuneCountInString(body), MaxCommentLen)
	}
	p, err := s.loadPost(ctx, in.PostID)
	if err != nil {
		return store.Comment{}, withField(err, "post_id")
	}
	if err := canRead(a, p); err != nil {
		return store.Comment{}, withField(err, "post_id")
	}
	if p.Status != store.StatusPublished {
		return store.Comment{}, invalidf("post_id", "%s %d is %s; comments are open only on published content", noun(p.Type), p.ID, p.Status)
	}
	if in.ParentID != 0 {
		parent, err := s.Store.GetComment(ctx, in.ParentID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return store.Comment{}, &Error{Kind: KindNotFound, Field: "parent_id", Message: fmt.Sprintf("no comment has id %d", in.ParentID), Err: err}
		case err != nil:
			return store.Comment{}, fmt.Errorf("content: load comment %d: %w", in.ParentID, err)
		case parent.PostID != p.ID:
			return store.Comment{}, invalidf("parent_id", "comment %d belongs to post %d, not %d", parent.ID, parent.PostID, p.ID)
		case parent.Status != store.CommentApproved:
			return store.Comment{}, invalidf("parent_id", "comment %d is %s; approve it before replying", parent.ID, parent.Status)
		}
	}
	u, err := s.Store.GetUser(ctx, a.UserID)
	if err != nil {
		return store.Comment{}, fmt.Errorf("content: load user %d: %w", a.UserID, err)
	}
	now := s.now()
	c, err := s.Store.CreateComment(ctx, store.Comment{
		PostID: p.ID, ParentID: in.ParentID, UserID: u.ID,
		AuthorName: orDefault(u.Name, u.Email), AuthorEmail: u.Email,
		Body: body, Status: store.CommentApproved, CreatedAt: now, ModifiedAt: now,
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Comment{}, notFoundf("post %d or comment %d was deleted meanwhile", p.ID, in.ParentID)
	}
	if err != nil {
		return store.Comment{}, fmt.Errorf("content: create comment on post %d: %w", p.ID, err)
	}
	return c, nil
}

// ModerateComment approves, unapproves, marks as spam or trashes a comment.
// It needs CapModerateComments (editors, content:publish). Asking for the
// status the comment already has is not an error.
func (s *Service) ModerateComment(ctx context.Context, a Actor, id int64, m Moderation) (store.Comment, error) {
	if err := Check(a, CapModerateComments, 0); err != nil {
		return store.Comment{}, err
	}
	target, ok := m.status()
	if !ok {
		return store.Comment{}, invalidf("action", "action %q is not valid; use approve, unapprove, spam or trash", m)
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.Store.GetComment(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.Comment{}, &Error{Kind: KindNotFound, Field: "id", Message: fmt.Sprintf("no comment has id %d", id), Err: err}
		}
		if err != nil {
			return store.Comment{}, fmt.Errorf("content: load comment %d: %w", id, err)
		}
		if cur.Status == target {
			return cur, nil
		}
		c, err := s.Store.SetCommentStatus(ctx, id, cur.Status, target, s.now())
		if errors.Is(err, store.ErrConflict) && attempt == 0 {
			continue
		}
		if errors.Is(err, store.ErrConflict) {
			return store.Comment{}, conflictf("id", err, "comment %d is being moderated by someone else; read it again", id)
		}
		if err != nil {
			return store.Comment{}, fmt.Errorf("content: set comment %d %s: %w", id, target, err)
		}
		return c, nil
	}
}

// CommentNode is a comment with its replies, for threaded display.
type CommentNode struct {
	Comment store.Comment
	Depth   int // 0 for top-level comments
	Replies []CommentNode
}

// Thread arranges comments (as ListComments returns them, oldest first) into
// trees. A reply whose parent is not in cs becomes a top-level node, so a
// page of comments or a filtered list still shows every comment once.
func Thread(cs []store.Comment) []CommentNode {
	present := make(map[int64]bool, len(cs))
	for _, c := range cs {
		present[c.ID] = true
	}
	children := map[int64][]store.Comment{}
	var roots []store.Comment
	for _, c := range cs {
		if c.ParentID == 0 || c.ParentID == c.ID || !present[c.ParentID] {
			roots = append(roots, c)
			continue
		}
		children[c.ParentID] = append(children[c.ParentID], c)
	}
	done := map[int64]bool{}
	var build func(c store.Comment, depth int) CommentNode
	build = func(c store.Comment, depth int) CommentNode {
		done[c.ID] = true
		n := CommentNode{Comment: c, Depth: depth}
		for _, r := range children[c.ID] {
			if !done[r.ID] {
				n.Replies = append(n.Replies, build(r, depth+1))
			}
		}
		return n
	}
	out := make([]CommentNode, 0, len(roots))
	for _, r := range roots {
		out = append(out, build(r, 0))
	}
	// Comments caught in a parent loop (corrupt data) are shown at the top.
	for _, c := range cs {
		if !done[c.ID] {
			out = append(out, build(c, 0))
		}
	}
	return out
}
