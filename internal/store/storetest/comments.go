package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func commentKey(c store.Comment) string { return idKey(c.ID) }

// newComment creates c (pending, by a reader, unless set) and returns it as it
// should read back.
func newComment(t *testing.T, s store.Store, c store.Comment) store.Comment {
	t.Helper()
	if c.Status == "" {
		c.Status = store.CommentPending
	}
	if c.AuthorName == "" {
		c.AuthorName = "Reader"
	}
	if c.Body == "" {
		c.Body = "Nice post."
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = at(0)
	}
	if c.ModifiedAt.IsZero() {
		c.ModifiedAt = c.CreatedAt
	}
	got, err := s.CreateComment(t.Context(), c)
	mustOK(t, "CreateComment", err)
	c.ID = got.ID
	return c
}

func commentCases() []testCase {
	return []testCase{
		{"create and read back every field, with replies", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			p := newPost(t, s, store.Post{Slug: "post", Status: store.StatusPublished, AuthorID: u.ID, PublishedAt: at(0)})
			top := store.Comment{
				PostID: p.ID, AuthorName: hostileText, AuthorEmail: "reader@example.com",
				AuthorURL: "https://reader.example/?a=1&b='2'", Body: "Ünïcödé body\nwith <b>html</b> & \"quotes\"",
				Status: store.CommentApproved, CreatedAt: at(time.Minute + time.Nanosecond), ModifiedAt: at(2 * time.Minute),
			}
			got, err := s.CreateComment(ctx, top)
			mustOK(t, "CreateComment", err)
			if got.ID <= 0 {
				t.Fatalf("CreateComment: got ID %d, want > 0", got.ID)
			}
			top.ID = got.ID
			checkEqual(t, "CreateComment returned", got, top)

			reply := store.Comment{PostID: p.ID, ParentID: top.ID, AuthorName: "Author", UserID: u.ID, Body: "Thanks!",
				Status: store.CommentPending, CreatedAt: at(3 * time.Minute), ModifiedAt: at(3 * time.Minute)}
			got, err = s.CreateComment(ctx, reply)
			mustOK(t, "CreateComment(reply)", err)
			reply.ID = got.ID
			checkEqual(t, "CreateComment(reply) returned", got, reply)
			nested := newComment(t, s, store.Comment{PostID: p.ID, ParentID: reply.ID, CreatedAt: at(4 * time.Minute)})

			for _, want := range []store.Comment{top, reply, nested} {
				got, err := s.GetComment(ctx, want.ID)
				mustOK(t, "GetComment", err)
				checkEqual(t, "GetComment", got, want)
			}
		}},

		{"missing post, parent or comment is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			p := newPost(t, s, store.Post{Slug: "post", AuthorID: u.ID})
			other := newPost(t, s, store.Post{Slug: "other", AuthorID: u.ID})
			c := newComment(t, s, store.Comment{PostID: p.ID})
			onOther := newComment(t, s, store.Comment{PostID: other.ID})

			for _, tc := range []struct {
				name string
				c    store.Comment
			}{
				{"missing post", store.Comment{PostID: other.ID + 1000}},
				{"missing parent", store.Comment{PostID: p.ID, ParentID: onOther.ID + 1000}},
				{"parent on another post", store.Comment{PostID: p.ID, ParentID: onOther.ID}},
			} {
				tc.c.AuthorName, tc.c.Body, tc.c.Status, tc.c.CreatedAt, tc.c.ModifiedAt = "x", "x", store.CommentPending, at(0), at(0)
				_, err := s.CreateComment(ctx, tc.c)
				wantErr(t, "CreateComment("+tc.name+")", err, store.ErrNotFound)
			}
			_, err := s.GetComment(ctx, c.ID+1000)
			wantErr(t, "GetComment(unknown)", err, store.ErrNotFound)
			_, err = s.SetCommentStatus(ctx, c.ID+1000, store.CommentPending, store.CommentApproved, at(0))
			wantErr(t, "SetCommentStatus(unknown)", err, store.ErrNotFound)

			list, total, err := s.ListComments(ctx, store.CommentFilter{})
			mustOK(t, "ListComments", err)
			checkList(t, "ListComments after rejected creates", list, []store.Comment{c, onOther}, commentKey)
			if total != 2 {
				t.Errorf("ListComments: got total %d, want 2", total)
			}
		}},

		{"list filters, oldest first", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			a := newPost(t, s, store.Post{Slug: "a", AuthorID: u.ID})
			b := newPost(t, s, store.Post{Slug: "b", AuthorID: u.ID})
			// Inserted out of time order so "oldest first" cannot mean "by ID".
			c4 := newComment(t, s, store.Comment{PostID: a.ID, Status: store.CommentSpam, CreatedAt: at(3 * time.Minute)})
			c1 := newComment(t, s, store.Comment{PostID: a.ID, Status: store.CommentApproved, CreatedAt: at(0)})
			c2 := newComment(t, s, store.Comment{PostID: a.ID, Status: store.CommentPending, CreatedAt: at(time.Minute)})
			c3 := newComment(t, s, store.Comment{PostID: a.ID, ParentID: c1.ID, Status: store.CommentApproved, CreatedAt: at(2 * time.Minute)})
			c5 := newComment(t, s, store.Comment{PostID: b.ID, Status: store.CommentApproved, CreatedAt: at(30 * time.Second)})
			c6 := newComment(t, s, store.Comment{PostID: b.ID, Status: store.CommentTrash, CreatedAt: at(4 * time.Minute)})

			for _, tc := range []struct {
				name  string
				f     store.CommentFilter
				want  []store.Comment
				total int64
			}{
				{"no filter", store.CommentFilter{}, []store.Comment{c1, c5, c2, c3, c4, c6}, 6},
				{"post", store.CommentFilter{PostID: a.ID}, []store.Comment{c1, c2, c3, c4}, 4},
				{"post and status", store.CommentFilter{PostID: a.ID, Statuses: []store.CommentStatus{store.CommentApproved}}, []store.Comment{c1, c3}, 2},
				{"statuses", store.CommentFilter{Statuses: []store.CommentStatus{store.CommentPending, store.CommentSpam}}, []store.Comment{c2, c4}, 2},
				{"limit", store.CommentFilter{Limit: 2}, []store.Comment{c1, c5}, 6},
				{"offset", store.CommentFilter{Offset: 4, Limit: 10}, []store.Comment{c4, c6}, 6},
				{"unknown post", store.CommentFilter{PostID: b.ID + 1000}, nil, 0},
				{"empty statuses match everything", store.CommentFilter{Statuses: []store.CommentStatus{}}, []store.Comment{c1, c5, c2, c3, c4, c6}, 6},
				{"negative offset and limit act as zero", store.CommentFilter{Offset: -2, Limit: -5}, []store.Comment{c1, c5, c2, c3, c4, c6}, 6},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, total, err := s.ListComments(ctx, tc.f)
					mustOK(t, "ListComments "+tc.name, err)
					checkList(t, "ListComments "+tc.name, got, tc.want, commentKey)
					if total != tc.total {
						t.Errorf("ListComments %s: got total %d, want %d", tc.name, total, tc.total)
					}
				})
			}
		}},

		{"list limit defaults to 20 and is capped at 100", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			p := newPost(t, s, store.Post{Slug: "popular", AuthorID: u.ID})
			var all []store.Comment
			for i := range 105 {
				all = append(all, newComment(t, s, store.Comment{PostID: p.ID, CreatedAt: at(time.Duration(i) * time.Second)}))
			}
			for _, tc := range []struct {
				name string
				f    store.CommentFilter
				want []store.Comment
			}{
				{"zero limit", store.CommentFilter{}, all[:20]},
				{"limit 1000", store.CommentFilter{Limit: 1000}, all[:100]},
				{"offset 100", store.CommentFilter{Offset: 100, Limit: 100}, all[100:]},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, total, err := s.ListComments(ctx, tc.f)
					mustOK(t, "ListComments "+tc.name, err)
					checkList(t, "ListComments "+tc.name, got, tc.want, commentKey)
					if total != 105 {
						t.Errorf("ListComments %s: got total %d, want 105", tc.name, total)
					}
				})
			}
		}},

		{"set status is a compare-and-swap on the old status", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			p := newPost(t, s, store.Post{Slug: "post", AuthorID: u.ID})
			want := newComment(t, s, store.Comment{PostID: p.ID})
			other := newComment(t, s, store.Comment{PostID: p.ID})

			now := at(time.Hour + time.Nanosecond)
			got, err := s.SetCommentStatus(ctx, want.ID, store.CommentPending, store.CommentApproved, now)
			mustOK(t, "SetCommentStatus", err)
			want.Status, want.ModifiedAt = store.CommentApproved, now
			checkEqual(t, "SetCommentStatus returned", got, want)
			got, err = s.GetComment(ctx, want.ID)
			mustOK(t, "GetComment", err)
			checkEqual(t, "GetComment after SetCommentStatus", got, want)

			_, err = s.SetCommentStatus(ctx, want.ID, store.CommentPending, store.CommentSpam, at(2*time.Hour))
			wantErr(t, "SetCommentStatus(from a status it no longer has)", err, store.ErrConflict)
			got, err = s.GetComment(ctx, want.ID)
			mustOK(t, "GetComment", err)
			checkEqual(t, "GetComment after a rejected SetCommentStatus", got, want)

			got, err = s.GetComment(ctx, other.ID)
			mustOK(t, "GetComment(other)", err)
			checkEqual(t, "GetComment of another comment", got, other)
		}},

		{"concurrent status changes have exactly one winner", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "author@example.com")
			p := newPost(t, s, store.Post{Slug: "post", AuthorID: u.ID})
			c := newComment(t, s, store.Comment{PostID: p.ID})
			tos := []store.CommentStatus{store.CommentApproved, store.CommentSpam, store.CommentTrash}
			nows := make([]time.Time, concurrency)
			for i := range nows {
				nows[i] = at(time.Hour + time.Duration(i)*time.Millisecond)
			}
			errs := race(concurrency, func(i int) error {
				_, err := s.SetCommentStatus(ctx, c.ID, store.CommentPending, tos[i%len(tos)], nows[i])
				return err
			})
			w := oneWinner(t, "SetCommentStatus", errs)
			if w < 0 {
				return
			}
			want := c
			want.Status, want.ModifiedAt = tos[w%len(tos)], nows[w]
			got, err := s.GetComment(ctx, c.ID)
			mustOK(t, "GetComment", err)
			checkEqual(t, "GetComment after the race", got, want)
		}},

		{"count by status", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			got, err := s.CountComments(ctx)
			mustOK(t, "CountComments(empty)", err)
			checkCounts(t, "CountComments on an empty store", got, map[store.CommentStatus]int64{})
			u := newUser(t, s, "author@example.com")
			a := newPost(t, s, store.Post{Slug: "a", AuthorID: u.ID})
			b := newPost(t, s, store.Post{Slug: "b", AuthorID: u.ID})
			for i, st := range []store.CommentStatus{store.CommentApproved, store.CommentApproved, store.CommentPending, store.CommentSpam, store.CommentApproved} {
				pid := a.ID
				if i%2 == 1 {
					pid = b.ID
				}
				newComment(t, s, store.Comment{PostID: pid, Status: st, Body: fmt.Sprint("comment ", i)})
			}
			got, err = s.CountComments(ctx)
			mustOK(t, "CountComments", err)
			checkCounts(t, "CountComments", got, map[store.CommentStatus]int64{
				store.CommentApproved: 3, store.CommentPending: 1, store.CommentSpam: 1,
			})
		}},
	}
}
