package content

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// SeedDemo fills an empty site with a small, realistic blog — Ember & Oat, a
// bakery and coffee roaster — so a new installation has something to search,
// read and edit: 39 posts over 6 categories with tags (31 published, 2
// drafts, 2 pending, 2 scheduled, 2 in the trash), 5 pages (one a child, one
// a draft) and comments in every status, some threaded, all written by
// authorID or by invented readers. The content is the same on every run.
//
// It does nothing and returns nil when any post or page exists, so calling
// it twice is safe. It is an operator action (the CLI's first run or a demo
// flag), not subject to an Actor's permissions.
func (s *Service) SeedDemo(ctx context.Context, authorID int64) error {
	for _, typ := range []store.PostType{store.TypePost, store.TypePage} {
		counts, err := s.Store.CountPosts(ctx, typ)
		if err != nil {
			return fmt.Errorf("content: seed demo: count %ss: %w", typ, err)
		}
		for _, n := range counts {
			if n > 0 {
				s.logger().Info("demo content not seeded: the site already has content")
				return nil
			}
		}
	}
	author, err := s.Store.GetUser(ctx, authorID)
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Kind: KindInvalid, Field: "author_id", Message: fmt.Sprintf("no user has id %d to author the demo content", authorID), Err: err}
	}
	if err != nil {
		return fmt.Errorf("content: seed demo: load author %d: %w", authorID, err)
	}
	now := s.now()

	for _, set := range []struct {
		tax   store.Taxonomy
		terms []demoTerm
	}{{store.TaxCategory, demoCategories}, {store.TaxTag, demoTags}} {
		for _, t := range set.terms {
			_, err := s.Store.CreateTerm(ctx, store.Term{Taxonomy: set.tax, Slug: t.slug, Name: t.name, Description: t.desc})
			if err != nil && !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("content: seed demo: create %s %q: %w", set.tax, t.slug, err)
			}
		}
	}

	posts := make([]store.Post, len(demoPosts))
	for i, d := range demoPosts {
		p := demoPostRecord(i, d, author.ID, now)
		created, err := s.Store.CreatePost(ctx, p)
		if err != nil {
			return fmt.Errorf("content: seed demo: create post %q: %w", d.title, err)
		}
		posts[i] = created
	}

	pageIDs := map[string]int64{}
	for i, d := range demoPages {
		created := now.Add(-time.Duration(420-i) * 24 * time.Hour)
		p := store.Post{
			Type: store.TypePage, Slug: d.slug, Title: d.title, Body: d.body,
			Status: store.PostStatus(d.status), AuthorID: author.ID, ParentID: pageIDs[d.parent],
			CreatedAt: created, ModifiedAt: created.Add(2 * time.Hour), ModifiedBy: author.ID,
		}
		if d.status == string(store.StatusPublished) {
			p.PublishedAt = created.Add(2 * time.Hour)
		} else {
			p.CreatedAt = now.Add(-6 * 24 * time.Hour)
			p.ModifiedAt = p.CreatedAt
		}
		saved, err := s.Store.CreatePost(ctx, p)
		if err != nil {
			return fmt.Errorf("content: seed demo: create page %q: %w", d.slug, err)
		}
		pageIDs[d.slug] = saved.ID
	}

	nComments := 0
	for _, idx := range slices.Sorted(maps.Keys(demoComments)) {
		cs, p := demoComments[idx], posts[idx]
		if p.Status != store.StatusPublished {
			return fmt.Errorf("content: seed demo: comments on post %q, which is %s", p.Title, p.Status)
		}
		ids := make([]int64, len(cs))
		for j, d := range cs {
			at := p.PublishedAt.Add(time.Duration(j+1) * 5 * time.Hour)
			if at.After(now) {
				at = now.Add(-time.Duration(len(cs)-j) * time.Minute)
			}
			c := store.Comment{
				PostID: p.ID, AuthorName: d.name, AuthorEmail: d.email, AuthorURL: d.url,
				Body: d.body, Status: store.CommentStatus(d.status), CreatedAt: at, ModifiedAt: at,
			}
			if d.reply >= 0 {
				c.ParentID = ids[d.reply]
			}
			if d.staff {
				c.UserID, c.AuthorName, c.AuthorEmail = author.ID, orDefault(author.Name, "Ember & Oat"), author.Email
			}
			saved, err := s.Store.CreateComment(ctx, c)
			if err != nil {
				return fmt.Errorf("content: seed demo: comment %d on %q: %w", j, p.Title, err)
			}
			ids[j] = saved.ID
			nComments++
		}
	}
	s.logger().Info("seeded demo content", "posts", len(posts), "pages", len(demoPages), "comments", nComments)
	return nil
}

// demoPostRecord builds the i-th demo post, dated relative to now.
func demoPostRecord(i int, d demoPost, authorID int64, now time.Time) store.Post {
	day := 24 * time.Hour
	p := store.Post{
		Type: store.TypePost, Slug: Slugify(d.title), Title: d.title, Body: demoBody(i, d),
		AuthorID: authorID, Featured: d.featured, Categories: d.cats, Tags: d.tags,
		ModifiedBy: authorID,
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	hour := time.Duration(7+i*5%9) * time.Hour // posts go out between 7:00 and 15:00
	at := now.Truncate(day).Add(-time.Duration(d.age) * day).Add(hour)
	status, from, _ := strings.Cut(d.status, ":")
	switch store.PostStatus(status) {
	case store.StatusPublished:
		p.PublishedAt = at
		p.CreatedAt = at.Add(-2 * day)
		p.ModifiedAt = at
	case store.StatusScheduled:
		p.PublishedAt = at // d.age is negative: in the future
		p.CreatedAt = now.Add(-2 * day)
		p.ModifiedAt = p.CreatedAt
	case store.StatusTrash:
		p.TrashedFrom = store.PostStatus(from)
		p.CreatedAt = at.Add(-30 * day)
		if p.TrashedFrom == store.StatusPublished {
			p.PublishedAt = at.Add(-28 * day)
		}
		p.ModifiedAt = at
	default: // draft, pending
		p.CreatedAt = at.Add(-day)
		p.ModifiedAt = at
	}
	if p.ModifiedAt.After(now) && status != string(store.StatusScheduled) {
		p.ModifiedAt = now
	}
	p.Status = store.PostStatus(status)
	return p
}

// demoBody assembles a post from its lead, its extra block, two or three
// paragraphs of its first category (chosen by position, so the same post
// always reads the same and neighbours differ) and a closing line.
func demoBody(i int, d demoPost) string {
	parts := []string{d.lead}
	if d.extra != "" {
		parts = append(parts, d.extra)
	}
	pool := demoParagraphs[d.cats[0]]
	k := 2 + i%2
	if d.extra != "" {
		k = 1 + i%2
	}
	for j := range k {
		parts = append(parts, pool[(i*2+j)%len(pool)])
	}
	parts = append(parts, "*"+demoClosings[i%len(demoClosings)]+"*")
	return strings.Join(parts, "\n\n")
}
