package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Post and comment list page sizes.
const (
	defaultPageLimit = 20
	maxPageLimit     = 100
)

// ---------------------------------------------------------------------------
// Posts

const postCols = `p.id, p.type, p.slug, p.title, p.body, p.excerpt, p.status, p.author_id, p.parent_id, p.featured,
	p.created_at, p.modified_at, p.published_at, p.trashed_from, p.version, p.modified_by, p.modified_via`

// postColCount is the number of columns in postCols.
const postColCount = 17

func scanPost(s scanner, extra ...any) (store.Post, error) {
	var p store.Post
	dest := []any{&p.ID, (*string)(&p.Type), &p.Slug, &p.Title, &p.Body, &p.Excerpt, (*string)(&p.Status), &p.AuthorID,
		&p.ParentID, &p.Featured, tm(&p.CreatedAt), tm(&p.ModifiedAt), tm(&p.PublishedAt), (*string)(&p.TrashedFrom),
		&p.Version, &p.ModifiedBy, &p.ModifiedVia}
	err := s.Scan(append(dest, extra...)...)
	return p, err
}

// CreatePost inserts p with Version 1 and its categories and tags (terms
// missing from the taxonomy are created with the slug as name), in one
// transaction. Zero CreatedAt and ModifiedAt become now. ErrConflict if the
// slug is taken for the type.
func (db *DB) CreatePost(ctx context.Context, p store.Post) (store.Post, error) {
	t := or(p.CreatedAt, now())
	var got store.Post
	err := db.write(ctx, func(tx *stmtTx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO posts (type, slug, title, body, excerpt, status, author_id,
			parent_id, featured, created_at, modified_at, published_at, trashed_from, version, modified_by, modified_via)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15) RETURNING id`,
			string(p.Type), p.Slug, p.Title, p.Body, p.Excerpt, string(p.Status), p.AuthorID, p.ParentID, p.Featured,
			ts(t), ts(or(p.ModifiedAt, t)), ts(p.PublishedAt), string(p.TrashedFrom), p.ModifiedBy, p.ModifiedVia,
		).Scan(&id)
		if err != nil {
			return err
		}
		if err := setPostTerms(ctx, tx, id, p.Categories, p.Tags); err != nil {
			return err
		}
		got, err = getPost(ctx, tx, `p.id = $1`, id)
		return err
	})
	if err != nil {
		return store.Post{}, db.wrap(err, "create %s %q", p.Type, p.Slug)
	}
	return got, nil
}

// GetPost returns the post or page with id; ErrNotFound if none.
func (db *DB) GetPost(ctx context.Context, id int64) (store.Post, error) {
	p, err := cachedRead(ctx, db, func(c *readCache) *table[int64, store.Post] { return c.posts }, id,
		func() (store.Post, error) { return getPost(ctx, db.r, `p.id = $1`, id) })
	if err != nil {
		return store.Post{}, db.wrap(err, "get post %d", id)
	}
	return p, nil
}

// GetPostBySlug returns the post or page of that type with slug; ErrNotFound
// if none.
func (db *DB) GetPostBySlug(ctx context.Context, typ store.PostType, slug string) (store.Post, error) {
	p, err := getPost(ctx, db.r, `p.type = $1 AND p.slug = $2`, string(typ), slug)
	if err != nil {
		return store.Post{}, db.wrap(err, "get %s %q", typ, slug)
	}
	return p, nil
}

// getPost reads one post and its terms in one statement (one row per term,
// or one row with NULL terms): a read is one round trip and one snapshot.
// It answers sql.ErrNoRows when no post matches cond.
func getPost(ctx context.Context, q querier, cond string, a ...any) (store.Post, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+postCols+`, t.taxonomy, t.slug FROM posts p
		LEFT JOIN post_terms pt ON pt.post_id = p.id LEFT JOIN terms t ON t.id = pt.term_id
		WHERE `+cond+` ORDER BY pt.ord`, a...)
	if err != nil {
		return store.Post{}, err
	}
	defer rows.Close()
	var (
		p         store.Post
		tax, slug sql.NullString
		n         int
		skip      [postColCount]sql.RawBytes
		skipDest  []any
	)
	for rows.Next() {
		if n == 0 {
			p, err = scanPost(rows, &tax, &slug)
		} else {
			if skipDest == nil {
				skipDest = make([]any, 0, postColCount+2)
				for i := range skip {
					skipDest = append(skipDest, &skip[i])
				}
				skipDest = append(skipDest, &tax, &slug)
			}
			err = rows.Scan(skipDest...)
		}
		if err != nil {
			return store.Post{}, err
		}
		n++
		if tax.Valid && slug.Valid {
			switch store.Taxonomy(tax.String) {
			case store.TaxCategory:
				p.Categories = append(p.Categories, slug.String)
			case store.TaxTag:
				p.Tags = append(p.Tags, slug.String)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return store.Post{}, err
	}
	if n == 0 {
		return store.Post{}, sql.ErrNoRows
	}
	return p, nil
}

// UpdatePost writes every field of p but ID and CreatedAt, and replaces its
// terms, if the stored Version equals p.Version; it returns the post with
// Version+1. A zero ModifiedAt becomes now. ErrNotFound if the post does not
// exist, ErrConflict if the version moved on or the slug is taken.
func (db *DB) UpdatePost(ctx context.Context, p store.Post) (store.Post, error) {
	var got store.Post
	err := db.write(ctx, func(tx *stmtTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET type = $1, slug = $2, title = $3, body = $4, excerpt = $5,
			status = $6, author_id = $7, parent_id = $8, featured = $9, modified_at = $10, published_at = $11,
			trashed_from = $12, modified_by = $13, modified_via = $14, version = version + 1
			WHERE id = $15 AND version = $16`,
			string(p.Type), p.Slug, p.Title, p.Body, p.Excerpt, string(p.Status), p.AuthorID, p.ParentID, p.Featured,
			ts(or(p.ModifiedAt, now())), ts(p.PublishedAt), string(p.TrashedFrom), p.ModifiedBy, p.ModifiedVia,
			p.ID, p.Version)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		if n == 0 {
			var v int64
			if err := tx.QueryRowContext(ctx, `SELECT version FROM posts WHERE id = $1`, p.ID).Scan(&v); err != nil {
				return err
			}
			return store.ErrConflict
		}
		if err := setPostTerms(ctx, tx, p.ID, p.Categories, p.Tags); err != nil {
			return err
		}
		got, err = getPost(ctx, tx, `p.id = $1`, p.ID)
		return err
	})
	if err != nil {
		return store.Post{}, db.wrap(err, "update post %d (version %d)", p.ID, p.Version)
	}
	return got, nil
}

// DeletePost deletes the post with its comments and term links in one
// transaction; pages below it move to the top level. ErrNotFound if none.
func (db *DB) DeletePost(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx *stmtTx) error {
		for _, q := range []string{
			`DELETE FROM comments WHERE post_id = $1`,
			`DELETE FROM post_terms WHERE post_id = $1`,
			`UPDATE posts SET parent_id = 0 WHERE parent_id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return mustAffect(res)
	})
	if err != nil {
		return db.wrap(err, "delete post %d", id)
	}
	return nil
}

// postWhere renders f as conditions on posts p.
func postWhere(f store.PostFilter, a *args) []string {
	var conds []string
	if f.Type != "" {
		conds = append(conds, "p.type = "+a.add(string(f.Type)))
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ss[i] = string(s)
		}
		conds = append(conds, "p.status IN "+in(a, ss))
	}
	for _, tt := range []struct {
		tax  store.Taxonomy
		slug string
	}{{store.TaxCategory, f.Category}, {store.TaxTag, f.Tag}} {
		if tt.slug == "" {
			continue
		}
		conds = append(conds, `p.id IN (SELECT pt.post_id FROM post_terms pt JOIN terms t ON t.id = pt.term_id
			WHERE t.taxonomy = `+a.add(string(tt.tax))+` AND t.slug = `+a.add(tt.slug)+`)`)
	}
	if f.AuthorID != 0 {
		conds = append(conds, "p.author_id = "+a.add(f.AuthorID))
	}
	if f.Featured != nil {
		conds = append(conds, "p.featured = "+a.add(*f.Featured))
	}
	if !f.After.IsZero() {
		conds = append(conds, postWhen+" >= "+a.add(ts(f.After)))
	}
	if !f.Before.IsZero() {
		conds = append(conds, postWhen+" < "+a.add(ts(f.Before)))
	}
	return conds
}

// postWhen is when a post counts as dated for ordering and for the After and
// Before filters: its publication time, or its creation time while it has
// none. The migrations index this exact expression.
const postWhen = `(CASE WHEN p.published_at <> 0 THEN p.published_at ELSE p.created_at END)`

// postOrder is newest first: postWhen, then creation time, then ID.
const postOrder = ` ORDER BY ` + postWhen + ` DESC, p.created_at DESC, p.id DESC`

// ListPosts returns one page of matching posts, newest first (publication
// time, or creation time while unpublished, ties broken by creation time),
// and the total ignoring Offset and Limit. Limit
// defaults to 20 and is capped at 100. Page and total come from one
// snapshot.
func (db *DB) ListPosts(ctx context.Context, f store.PostFilter) ([]store.Post, int64, error) {
	var a args
	w := where(postWhere(f, &a))
	var (
		total int64
		ps    []store.Post
	)
	err := db.readTx(ctx, func(tx *stmtTx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts p`+w, a...).Scan(&total); err != nil {
			return err
		}
		q := `SELECT ` + postCols + ` FROM posts p` + w + postOrder +
			` LIMIT ` + limitArg(a.add(clamp(f.Limit, defaultPageLimit, maxPageLimit))) + ` OFFSET ` + a.add(max(f.Offset, 0))
		rows, err := tx.QueryContext(ctx, q, a...)
		if err != nil {
			return err
		}
		if ps, err = collect(rows, func(s scanner) (store.Post, error) { return scanPost(s) }); err != nil {
			return err
		}
		return loadTerms(ctx, tx, ps)
	})
	if err != nil {
		return nil, 0, db.wrap(err, "list posts")
	}
	return ps, total, nil
}

// SearchPosts runs a full-text query over title, excerpt and body and
// returns one page of matching posts, best first, with f applied. Input that
// holds nothing searchable returns no hits and no error; no input can make
// the query fail.
func (db *DB) SearchPosts(ctx context.Context, query string, f store.PostFilter) ([]store.PostHit, error) {
	s := db.d.Search
	arg, ok := s.Query(query)
	if !ok {
		return nil, nil
	}
	limit, offset := clamp(f.Limit, defaultPageLimit, maxPageLimit), max(f.Offset, 0)
	var hits []store.PostHit
	err := db.readTx(ctx, func(tx *stmtTx) error {
		var err error
		if s.Candidates != "" {
			hits, err = db.searchRanked(ctx, tx, arg, f, limit, offset)
		} else {
			hits, err = db.searchPage(ctx, tx, arg, f, limit, offset)
		}
		if err != nil {
			return err
		}
		ps := make([]store.Post, len(hits))
		for i := range hits {
			ps[i] = hits[i].Post
		}
		if err := loadTerms(ctx, tx, ps); err != nil {
			return err
		}
		for i := range hits {
			hits[i].Post = ps[i]
		}
		return nil
	})
	if err != nil {
		return nil, db.wrap(err, "search posts")
	}
	return hits, nil
}

// Search cost. At 100k posts a common word matches thousands of posts.
// Ranking has to look at every match, but nothing else need: searchPage
// ranks and filters the matches selecting only their id, rank and date,
// pages them, and only then reads the page's rows and makes their snippets
// (snippet() and ts_headline() for every match were a large part of a
// search).
//
// Where the dialect can rank inside its text index alone
// (Search.Candidates: FTS5's bm25() without the join to posts, about 2.5×
// cheaper), searchRanked runs the same ORDER BY as searchPage, so its
// answer is the same by construction, but arranged so that SQLite does
// little per match beyond bm25: the matches are ranked and sorted by score
// alone, then joined to posts in that order; the planner knows the input
// is sorted on the first ORDER BY term ("USE TEMP B-TREE FOR LAST 2 TERMS
// OF ORDER BY"), sorts only within runs of equal score and stops reading
// once LIMIT+OFFSET rows passed the filters and the score changes. So
// a selective filter (a type, a status) joins only as many matches as it
// needs instead of all of them. Snippets come from one more scan of the
// text index over the page's rowid range (one FTS5 cursor), not from a
// MATCH per page row: each FTS5 cursor seeks every query term in every
// index segment, and SQLite re-prepares FTS5's internal segment-index
// statement on each of those seeks.

// searchRanked is searchPage for dialects with Search.Candidates (its LIMIT
// is limitArg: a re-prepared statement costs about as much as a rare
// word's whole search). snip is MATERIALIZED
// so that it runs once as its own scan (not as an FTS5 lookup per page
// row), bounded by the page's smallest and largest id; the + keeps SQLite
// from handing the IN list to FTS5 as rowid equalities, which would again
// open one cursor per id.
func (db *DB) searchRanked(ctx context.Context, tx *stmtTx, arg string, f store.PostFilter, limit, offset int) ([]store.PostHit, error) {
	s := db.d.Search
	a := args{arg} // $1
	conds := postWhere(f, &a)
	q := `WITH ranked AS MATERIALIZED (` + s.Candidates + ` ORDER BY score DESC),
	pg AS MATERIALIZED (SELECT p.id AS id, ranked.score AS score, ` + postWhen + ` AS w FROM ranked ` + s.CandidatesJoin + ` posts p ON p.id = ranked.id` + where(conds) +
		` ORDER BY ranked.score DESC, w DESC, p.id DESC LIMIT ` + limitArg(a.add(limit)) + ` OFFSET ` + a.add(offset) + `),
	snip AS MATERIALIZED (SELECT rowid AS id, ` + s.Snippet + ` AS snippet FROM ` + s.SnippetIndex + ` WHERE ` + s.Where + `
		AND rowid >= (SELECT coalesce(min(id), 0) FROM pg) AND rowid <= (SELECT coalesce(max(id), -1) FROM pg)
		AND +rowid IN (SELECT id FROM pg))
	SELECT ` + postCols + `, pg.score, snip.snippet
	FROM pg ` + s.CandidatesJoin + ` posts p ON p.id = pg.id LEFT JOIN snip ON snip.id = pg.id
	ORDER BY pg.score DESC, pg.w DESC, pg.id DESC`
	rows, err := tx.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanHit)
}

// searchPage ranks and filters every match, then reads the page's rows and
// makes snippets for them only.
func (db *DB) searchPage(ctx context.Context, tx *stmtTx, arg string, f store.PostFilter, limit, offset int) ([]store.PostHit, error) {
	s := db.d.Search
	a := args{arg} // $1
	conds := append([]string{s.Where}, postWhere(f, &a)...)
	q := `WITH pg AS (SELECT p.id AS id, ` + s.Rank + ` AS score, ` + postWhen + ` AS w FROM ` + s.From + where(conds) +
		` ORDER BY score DESC, w DESC, p.id DESC LIMIT ` + limitArg(a.add(limit)) + ` OFFSET ` + a.add(offset) + `)
	SELECT ` + postCols + `, pg.score, ` + s.Snippet + `
	FROM pg JOIN posts p ON p.id = pg.id` + s.SnippetFrom + ` ORDER BY pg.score DESC, pg.w DESC, pg.id DESC`
	rows, err := tx.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanHit)
}

// scanHit reads a search row: the post columns, its rank and its snippet.
func scanHit(sc scanner) (store.PostHit, error) {
	var h store.PostHit
	var snippet sql.NullString
	p, err := scanPost(sc, &h.Rank, &snippet)
	h.Post, h.Snippet = p, snippet.String
	return h, err
}

// CountPosts counts posts of a type by status; statuses without posts are
// absent.
func (db *DB) CountPosts(ctx context.Context, typ store.PostType) (map[store.PostStatus]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM posts WHERE type = $1 GROUP BY status`, string(typ))
	if err != nil {
		return nil, db.wrap(err, "count %s", typ)
	}
	counts := map[store.PostStatus]int64{}
	_, err = collect(rows, func(s scanner) (struct{}, error) {
		var st string
		var n int64
		err := s.Scan(&st, &n)
		counts[store.PostStatus(st)] = n
		return struct{}{}, err
	})
	if err != nil {
		return nil, db.wrap(err, "count %s", typ)
	}
	return counts, nil
}

// DuePosts lists scheduled posts and pages whose PublishedAt is at or
// before now, oldest first.
func (db *DB) DuePosts(ctx context.Context, at time.Time) ([]store.Post, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+postCols+` FROM posts p WHERE p.status = $1
		AND p.published_at <> 0 AND p.published_at <= $2 ORDER BY p.published_at, p.id`,
		string(store.StatusScheduled), ts(at))
	if err != nil {
		return nil, db.wrap(err, "due posts")
	}
	ps, err := collect(rows, func(s scanner) (store.Post, error) { return scanPost(s) })
	if err == nil {
		err = loadTerms(ctx, db.r, ps)
	}
	if err != nil {
		return nil, db.wrap(err, "due posts")
	}
	return ps, nil
}

// setPostTerms replaces the terms of post id by the given category and tag
// slugs, creating missing terms.
func setPostTerms(ctx context.Context, tx querier, id int64, cats, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM post_terms WHERE post_id = $1`, id); err != nil {
		return err
	}
	ord := 0
	for _, tt := range []struct {
		tax   store.Taxonomy
		slugs []string
	}{{store.TaxCategory, cats}, {store.TaxTag, tags}} {
		seen := map[string]bool{}
		for _, slug := range tt.slugs {
			if slug == "" || seen[slug] {
				continue
			}
			seen[slug] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO terms (taxonomy, slug, name, description)
				VALUES ($1, $2, $3, '') ON CONFLICT (taxonomy, slug) DO NOTHING`, string(tt.tax), slug, slug); err != nil {
				return err
			}
			var termID int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM terms WHERE taxonomy = $1 AND slug = $2`,
				string(tt.tax), slug).Scan(&termID); err != nil {
				return err
			}
			ord++
			if _, err := tx.ExecContext(ctx, `INSERT INTO post_terms (post_id, term_id, ord) VALUES ($1, $2, $3)`,
				id, termID, ord); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadTerms fills Categories and Tags of ps in place.
func loadTerms(ctx context.Context, q querier, ps []store.Post) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[int64]*store.Post, len(ps))
	ids := make([]int64, len(ps))
	for i := range ps {
		byID[ps[i].ID] = &ps[i]
		ids[i] = ps[i].ID
	}
	var a args
	rows, err := q.QueryContext(ctx, `SELECT pt.post_id, t.taxonomy, t.slug FROM post_terms pt
		JOIN terms t ON t.id = pt.term_id WHERE pt.post_id IN `+in(&a, ids)+` ORDER BY pt.post_id, pt.ord`, a...)
	if err != nil {
		return err
	}
	_, err = collect(rows, func(s scanner) (struct{}, error) {
		var id int64
		var tax, slug string
		if err := s.Scan(&id, &tax, &slug); err != nil {
			return struct{}{}, err
		}
		if p := byID[id]; p != nil {
			switch store.Taxonomy(tax) {
			case store.TaxCategory:
				p.Categories = append(p.Categories, slug)
			case store.TaxTag:
				p.Tags = append(p.Tags, slug)
			}
		}
		return struct{}{}, nil
	})
	return err
}

// readTx runs fn in a read-only transaction on the reader pool so that
// several queries see one snapshot (REPEATABLE READ on PostgreSQL; SQLite
// transactions always are).
func (db *DB) readTx(ctx context.Context, fn func(tx *stmtTx) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	st := &stmtTx{Tx: tx, p: db.r}
	defer st.prepareMissing(ctx) // runs after the rollback below: the connection is free again
	defer tx.Rollback()          //nolint:errcheck // read-only; nothing to keep
	if err := fn(st); err != nil {
		return err
	}
	return tx.Commit()
}

// ---------------------------------------------------------------------------
// Comments

const commentCols = `id, post_id, parent_id, author_name, author_email, author_url, user_id, body, status,
	created_at, modified_at`

func scanComment(s scanner) (store.Comment, error) {
	var c store.Comment
	err := s.Scan(&c.ID, &c.PostID, &c.ParentID, &c.AuthorName, &c.AuthorEmail, &c.AuthorURL, &c.UserID, &c.Body,
		(*string)(&c.Status), tm(&c.CreatedAt), tm(&c.ModifiedAt))
	return c, err
}

// CreateComment inserts c and returns it with its ID; an empty Status
// becomes pending and zero times now. ErrNotFound if the post is missing, or
// the parent comment is missing or on another post.
func (db *DB) CreateComment(ctx context.Context, c store.Comment) (store.Comment, error) {
	if c.Status == "" {
		c.Status = store.CommentPending
	}
	t := or(c.CreatedAt, now())
	var got store.Comment
	err := db.write(ctx, func(tx *stmtTx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM posts WHERE id = $1`, c.PostID).Scan(&one); err != nil {
			return err
		}
		if c.ParentID != 0 {
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM comments WHERE id = $1 AND post_id = $2`,
				c.ParentID, c.PostID).Scan(&one)
			if err != nil {
				return err
			}
		}
		var err error
		got, err = scanComment(tx.QueryRowContext(ctx, `INSERT INTO comments (post_id, parent_id, author_name,
			author_email, author_url, user_id, body, status, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+commentCols,
			c.PostID, c.ParentID, c.AuthorName, c.AuthorEmail, c.AuthorURL, c.UserID, c.Body, string(c.Status),
			ts(t), ts(or(c.ModifiedAt, t))))
		return err
	})
	if err != nil {
		return store.Comment{}, db.wrap(err, "create comment on post %d", c.PostID)
	}
	return got, nil
}

// GetComment returns the comment; ErrNotFound if none.
func (db *DB) GetComment(ctx context.Context, id int64) (store.Comment, error) {
	c, err := scanComment(db.r.QueryRowContext(ctx, `SELECT `+commentCols+` FROM comments WHERE id = $1`, id))
	if err != nil {
		return store.Comment{}, db.wrap(err, "get comment %d", id)
	}
	return c, nil
}

// ListComments returns one page of matching comments, oldest first, and the
// total ignoring Offset and Limit. Limit defaults to 20 and is capped at 100.
func (db *DB) ListComments(ctx context.Context, f store.CommentFilter) ([]store.Comment, int64, error) {
	var a args
	var conds []string
	if f.PostID != 0 {
		conds = append(conds, "post_id = "+a.add(f.PostID))
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ss[i] = string(s)
		}
		conds = append(conds, "status IN "+in(&a, ss))
	}
	w := where(conds)
	var (
		total int64
		cs    []store.Comment
	)
	err := db.readTx(ctx, func(tx *stmtTx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM comments`+w, a...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+commentCols+` FROM comments`+w+` ORDER BY created_at, id LIMIT `+
			limitArg(a.add(clamp(f.Limit, defaultPageLimit, maxPageLimit)))+` OFFSET `+a.add(max(f.Offset, 0)), a...)
		if err != nil {
			return err
		}
		cs, err = collect(rows, scanComment)
		return err
	})
	if err != nil {
		return nil, 0, db.wrap(err, "list comments")
	}
	return cs, total, nil
}

// SetCommentStatus moves the comment from one status to another and sets
// ModifiedAt, as one conditional UPDATE. ErrConflict if its status is not
// from, ErrNotFound if it does not exist.
func (db *DB) SetCommentStatus(ctx context.Context, id int64, from, to store.CommentStatus, at time.Time) (store.Comment, error) {
	c, err := scanComment(db.w.QueryRowContext(ctx, `UPDATE comments SET status = $1, modified_at = $2
		WHERE id = $3 AND status = $4 RETURNING `+commentCols, string(to), ts(or(at, now())), id, string(from)))
	if errors.Is(err, sql.ErrNoRows) {
		var st string
		if err = db.w.QueryRowContext(ctx, `SELECT status FROM comments WHERE id = $1`, id).Scan(&st); err == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return store.Comment{}, db.wrap(err, "set status of comment %d from %s to %s", id, from, to)
	}
	return c, nil
}

// CountComments counts comments by status; statuses without comments are
// absent.
func (db *DB) CountComments(ctx context.Context) (map[store.CommentStatus]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM comments GROUP BY status`)
	if err != nil {
		return nil, db.wrap(err, "count comments")
	}
	counts := map[store.CommentStatus]int64{}
	_, err = collect(rows, func(s scanner) (struct{}, error) {
		var st string
		var n int64
		err := s.Scan(&st, &n)
		counts[store.CommentStatus(st)] = n
		return struct{}{}, err
	})
	if err != nil {
		return nil, db.wrap(err, "count comments")
	}
	return counts, nil
}

// ---------------------------------------------------------------------------
// Terms

const termCols = `t.id, t.taxonomy, t.slug, t.name, t.description,
	(SELECT COUNT(*) FROM post_terms pt JOIN posts p ON p.id = pt.post_id
		WHERE pt.term_id = t.id AND p.status = 'published')`

func scanTerm(s scanner) (store.Term, error) {
	var t store.Term
	err := s.Scan(&t.ID, (*string)(&t.Taxonomy), &t.Slug, &t.Name, &t.Description, &t.Count)
	return t, err
}

// CreateTerm inserts t; an empty Name becomes the slug. ErrConflict if the
// slug exists in the taxonomy.
func (db *DB) CreateTerm(ctx context.Context, t store.Term) (store.Term, error) {
	if t.Name == "" {
		t.Name = t.Slug
	}
	var id int64
	err := db.w.QueryRowContext(ctx, `INSERT INTO terms (taxonomy, slug, name, description) VALUES ($1, $2, $3, $4)
		RETURNING id`, string(t.Taxonomy), t.Slug, t.Name, t.Description).Scan(&id)
	if err != nil {
		return store.Term{}, db.wrap(err, "create %s %q", t.Taxonomy, t.Slug)
	}
	t.ID, t.Count = id, 0
	return t, nil
}

// GetTerm returns the term with its Count of published posts; ErrNotFound if
// none.
func (db *DB) GetTerm(ctx context.Context, tax store.Taxonomy, slug string) (store.Term, error) {
	t, err := scanTerm(db.r.QueryRowContext(ctx, `SELECT `+termCols+` FROM terms t WHERE t.taxonomy = $1 AND t.slug = $2`,
		string(tax), slug))
	if err != nil {
		return store.Term{}, db.wrap(err, "get %s %q", tax, slug)
	}
	return t, nil
}

// ListTerms returns the taxonomy's terms by name, each with its Count of
// published posts.
func (db *DB) ListTerms(ctx context.Context, tax store.Taxonomy) ([]store.Term, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+termCols+` FROM terms t WHERE t.taxonomy = $1 ORDER BY t.name, t.slug`,
		string(tax))
	if err != nil {
		return nil, db.wrap(err, "list %s terms", tax)
	}
	terms, err := collect(rows, scanTerm)
	if err != nil {
		return nil, db.wrap(err, "list %s terms", tax)
	}
	return terms, nil
}

// ---------------------------------------------------------------------------
// Settings

// GetSettings returns every setting; an empty map when none is set.
func (db *DB) GetSettings(ctx context.Context) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, value FROM settings`)
	if err != nil {
		return nil, db.wrap(err, "get settings")
	}
	kv := map[string]string{}
	_, err = collect(rows, func(s scanner) (struct{}, error) {
		var k, v string
		err := s.Scan(&k, &v)
		kv[k] = v
		return struct{}{}, err
	})
	if err != nil {
		return nil, db.wrap(err, "get settings")
	}
	return kv, nil
}

// PutSettingIfAbsent stores value under key unless the key exists, and
// returns the stored value.
func (db *DB) PutSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := db.w.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO NOTHING`, key, value); err != nil {
		return "", db.wrap(err, "put setting %q if absent", key)
	}
	var stored string
	if err := db.w.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, key).Scan(&stored); err != nil {
		return "", db.wrap(err, "put setting %q if absent", key)
	}
	return stored, nil
}

// PutSettings upserts every key in kv in one transaction.
func (db *DB) PutSettings(ctx context.Context, kv map[string]string) error {
	err := db.write(ctx, func(tx *stmtTx) error {
		for k, v := range kv {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return db.wrap(err, "put settings")
	}
	return nil
}
