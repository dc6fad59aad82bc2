package content

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// ViaScheduler is the ModifiedVia recorded (with ModifiedBy 0) when
// PublishDue publishes a scheduled post.
const ViaScheduler = "portico:scheduler"

// transitions is the life cycle of a post or page: which status may follow
// which. Trash is left only by Restore (back to TrashedFrom) or
// DeletePost (gone), so it has no entries here.
//
//	from \ to   draft  pending  scheduled  published  trash
//	draft         -      yes       yes        yes      yes
//	pending      yes      -        yes        yes      yes
//	scheduled    yes      -        yes        yes      yes
//	published    yes      -         -          -       yes
//	trash       (Restore to the status it had; DeletePost)
var transitions = map[store.PostStatus][]store.PostStatus{
	store.StatusDraft:     {store.StatusPending, store.StatusScheduled, store.StatusPublished, store.StatusTrash},
	store.StatusPending:   {store.StatusDraft, store.StatusScheduled, store.StatusPublished, store.StatusTrash},
	store.StatusScheduled: {store.StatusDraft, store.StatusScheduled, store.StatusPublished, store.StatusTrash},
	store.StatusPublished: {store.StatusDraft, store.StatusTrash},
	store.StatusTrash:     {},
}

// CanTransition reports whether a post in status from may move to status to
// through Publish, Schedule, Unpublish, SubmitForReview or Trash. (Leaving
// the trash is Restore's job.)
func CanTransition(from, to store.PostStatus) bool {
	return slices.Contains(transitions[from], to)
}

// transitionCap is the capability a move from → to needs.
func transitionCap(t store.PostType, from, to store.PostStatus) Capability {
	switch {
	case to == store.StatusTrash:
		return deleteCap(t)
	case to == store.StatusPublished || to == store.StatusScheduled:
		return publishCap(t)
	case from == store.StatusPublished || from == store.StatusScheduled:
		return publishCap(t) // unpublishing changes the public site
	}
	return editCap(t)
}

var verbs = map[store.PostStatus]string{
	store.StatusDraft:     "unpublish (back to draft)",
	store.StatusPending:   "submit for review",
	store.StatusScheduled: "schedule",
	store.StatusPublished: "publish",
	store.StatusTrash:     "trash",
}

// move is the skeleton of every status change: load, check the actor may
// read and change the post, let change compute the new record, save with
// compare-and-swap, and retry once on a concurrent change.
func (s *Service) move(ctx context.Context, a Actor, id int64, change func(cur store.Post, now time.Time) (store.Post, error)) (Post, error) {
	for attempt := 0; ; attempt++ {
		cur, err := s.loadPost(ctx, id)
		if err != nil {
			return Post{}, err
		}
		if err := canRead(a, cur); err != nil {
			return Post{}, err
		}
		now := s.now()
		next, err := change(cur, now)
		if err != nil {
			return Post{}, err
		}
		next.ModifiedAt, next.ModifiedBy, next.ModifiedVia = now, a.UserID, a.Via
		saved, err := s.Store.UpdatePost(ctx, next)
		if errors.Is(err, store.ErrConflict) {
			if attempt == 0 {
				continue
			}
			return Post{}, conflictf("version", err, "%s %d keeps changing under us; read it again and retry", noun(cur.Type), id)
		}
		if err != nil {
			return Post{}, fmt.Errorf("content: change status of %s %d: %w", noun(cur.Type), id, err)
		}
		return s.view(saved), nil
	}
}

// to checks that a may move cur to status to and that the life cycle
// allows it, and returns cur with the new status.
func to(a Actor, cur store.Post, status store.PostStatus) (store.Post, error) {
	if err := Check(a, transitionCap(cur.Type, cur.Status, status), cur.AuthorID); err != nil {
		return cur, err
	}
	if !CanTransition(cur.Status, status) {
		hint := ""
		switch {
		case cur.Status == store.StatusTrash:
			hint = "; restore it first"
		case cur.Status == status:
			hint = "; nothing to do"
		}
		return cur, invalidf("status", "cannot %s %s %d: it cannot move from %s to %s%s",
			verbs[status], noun(cur.Type), cur.ID, cur.Status, status, hint)
	}
	cur.Status = status
	return cur, nil
}

// Publish makes a post or page public now (from draft, pending or scheduled).
// It needs the publish capability: authors on their own posts, editors on
// anyone's, and the content:publish scope.
func (s *Service) Publish(ctx context.Context, a Actor, id int64) (Post, error) {
	return s.move(ctx, a, id, func(cur store.Post, now time.Time) (store.Post, error) {
		next, err := to(a, cur, store.StatusPublished)
		next.PublishedAt = now
		return next, err
	})
}

// Schedule plans publication at a future time; PublishDue publishes it when
// the time comes. A time that is not in the future is KindInvalid.
func (s *Service) Schedule(ctx context.Context, a Actor, id int64, at time.Time) (Post, error) {
	return s.move(ctx, a, id, func(cur store.Post, now time.Time) (store.Post, error) {
		next, err := to(a, cur, store.StatusScheduled)
		if err != nil {
			return next, err
		}
		if err := checkSchedule(at, now); err != nil {
			return next, err
		}
		next.PublishedAt = at.UTC()
		return next, nil
	})
}

// Unpublish takes a published, scheduled or pending post back to draft.
func (s *Service) Unpublish(ctx context.Context, a Actor, id int64) (Post, error) {
	return s.move(ctx, a, id, func(cur store.Post, _ time.Time) (store.Post, error) {
		next, err := to(a, cur, store.StatusDraft)
		next.PublishedAt = time.Time{}
		return next, err
	})
}

// SubmitForReview moves a draft to pending, for an editor to publish.
func (s *Service) SubmitForReview(ctx context.Context, a Actor, id int64) (Post, error) {
	return s.move(ctx, a, id, func(cur store.Post, _ time.Time) (store.Post, error) {
		return to(a, cur, store.StatusPending)
	})
}

// Trash moves a post or page to the trash, remembering its status for
// Restore. It needs the delete capability and content:publish.
func (s *Service) Trash(ctx context.Context, a Actor, id int64) (Post, error) {
	return s.move(ctx, a, id, func(cur store.Post, _ time.Time) (store.Post, error) {
		from := cur.Status
		next, err := to(a, cur, store.StatusTrash)
		next.TrashedFrom = from
		return next, err
	})
}

// Restore takes a post or page out of the trash, back to the status it had.
// A scheduled post whose time has passed comes back as a draft rather than
// being published behind the restorer's back.
func (s *Service) Restore(ctx context.Context, a Actor, id int64) (Post, error) {
	return s.move(ctx, a, id, func(cur store.Post, now time.Time) (store.Post, error) {
		if err := Check(a, deleteCap(cur.Type), cur.AuthorID); err != nil {
			return cur, err
		}
		if cur.Status != store.StatusTrash {
			return cur, invalidf("status", "cannot restore %s %d: it is %s, not in the trash", noun(cur.Type), cur.ID, cur.Status)
		}
		back := cur.TrashedFrom
		if !validStatus(back) || back == store.StatusTrash ||
			back == store.StatusScheduled && !cur.PublishedAt.After(now) {
			back = store.StatusDraft
		}
		if back == store.StatusPublished || back == store.StatusScheduled {
			if err := Check(a, publishCap(cur.Type), cur.AuthorID); err != nil {
				return cur, err
			}
		}
		if back == store.StatusDraft || back == store.StatusPending {
			cur.PublishedAt = time.Time{}
		}
		cur.Status, cur.TrashedFrom = back, ""
		return cur, nil
	})
}

// DeletePost deletes a trashed post or page for good, with its comments. It
// refuses anything not in the trash.
func (s *Service) DeletePost(ctx context.Context, a Actor, id int64) error {
	cur, err := s.loadPost(ctx, id)
	if err != nil {
		return err
	}
	if err := canRead(a, cur); err != nil {
		return err
	}
	if err := Check(a, deleteCap(cur.Type), cur.AuthorID); err != nil {
		return err
	}
	if cur.Status != store.StatusTrash {
		return invalidf("status", "cannot delete %s %d: it is %s; move it to the trash first", noun(cur.Type), id, cur.Status)
	}
	if err := s.Store.DeletePost(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFoundf("no post or page has id %d", id)
		}
		return fmt.Errorf("content: delete %s %d: %w", noun(cur.Type), id, err)
	}
	return nil
}

// PublishDue publishes every scheduled post whose time is at or before now
// and returns how many it published. The server calls it periodically. A
// post edited concurrently is re-read and retried once; failures on one
// post do not stop the others and are returned joined.
func (s *Service) PublishDue(ctx context.Context, now time.Time) (int, error) {
	due, err := s.Store.DuePosts(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("content: list due posts: %w", err)
	}
	var errs []error
	n := 0
	for _, p := range due {
		for attempt := 0; ; attempt++ {
			if p.Status != store.StatusScheduled || p.PublishedAt.After(now) {
				break // unscheduled or moved meanwhile
			}
			next := p
			next.Status = store.StatusPublished
			next.ModifiedAt, next.ModifiedBy, next.ModifiedVia = now.UTC(), 0, ViaScheduler
			_, err := s.Store.UpdatePost(ctx, next)
			if err == nil {
				n++
				s.logger().Info("published scheduled post", "post_id", p.ID, "slug", p.Slug, "planned", p.PublishedAt)
				break
			}
			if errors.Is(err, store.ErrConflict) && attempt == 0 {
				fresh, gerr := s.Store.GetPost(ctx, p.ID)
				if gerr == nil {
					p = fresh
					continue
				}
				if errors.Is(gerr, store.ErrNotFound) {
					break // deleted meanwhile
				}
				err = gerr
			}
			errs = append(errs, fmt.Errorf("content: publish scheduled post %d: %w", p.ID, err))
			break
		}
	}
	return n, errors.Join(errs...)
}
