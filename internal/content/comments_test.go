package content_test

import (
	"testing"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

func TestComments(t *testing.T) {
	e := newEnv(t)
	pub := e.post(e.author, "Commented", store.StatusPublished)
	draft := e.post(e.author, "Not public", store.StatusDraft)
	add := func(parent int64, st store.CommentStatus, body string) store.Comment {
		t.Helper()
		c, err := e.db.CreateComment(e.ctx, store.Comment{PostID: pub.ID, ParentID: parent, AuthorName: "Reader", AuthorEmail: "reader@example.org", Body: body, Status: st})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	top := add(0, store.CommentApproved, "Lovely post")
	pending := add(0, store.CommentPending, "Is this approved?")
	spam := add(0, store.CommentSpam, "Buy watches")

	t.Run("create", func(t *testing.T) {
		tests := []struct {
			name      string
			a         content.Actor
			in        content.NewComment
			wantKind  content.Kind
			wantField string
			wantScope string
		}{
			{"author replies", tok(e.author, content.ScopeRead, content.ScopeWrite), content.NewComment{PostID: pub.ID, ParentID: top.ID, Body: "Thank you!"}, "", "", ""},
			{"editor comments", web(e.editor), content.NewComment{PostID: pub.ID, Body: "Top-level from staff"}, "", "", ""},
			{"viewer cannot", web(e.viewer), content.NewComment{PostID: pub.ID, Body: "hi"}, content.KindForbidden, "", ""},
			{"needs content:write", tok(e.author, content.ScopeRead), content.NewComment{PostID: pub.ID, Body: "hi"}, content.KindForbidden, "", content.ScopeWrite},
			{"empty body", web(e.author), content.NewComment{PostID: pub.ID, Body: " \n"}, content.KindInvalid, "body", ""},
			{"draft post", web(e.author), content.NewComment{PostID: draft.ID, Body: "hi"}, content.KindInvalid, "post_id", ""},
			{"missing post", web(e.author), content.NewComment{PostID: 999, Body: "hi"}, content.KindNotFound, "post_id", ""},
			{"pending parent", web(e.author), content.NewComment{PostID: pub.ID, ParentID: pending.ID, Body: "hi"}, content.KindInvalid, "parent_id", ""},
			{"missing parent", web(e.author), content.NewComment{PostID: pub.ID, ParentID: 999, Body: "hi"}, content.KindNotFound, "parent_id", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := e.svc.CreateComment(e.ctx, tt.a, tt.in)
				checkErr(t, err, tt.wantKind, tt.wantField, tt.wantScope)
				if err != nil {
					return
				}
				if got.Status != store.CommentApproved || got.UserID != tt.a.UserID || got.ParentID != tt.in.ParentID || got.AuthorName == "" {
					t.Errorf("got %+v; want an approved comment by user %d", got, tt.a.UserID)
				}
			})
		}
	})

	t.Run("moderate", func(t *testing.T) {
		tests := []struct {
			name      string
			a         content.Actor
			id        int64
			m         content.Moderation
			want      store.CommentStatus
			wantKind  content.Kind
			wantField string
			wantScope string
		}{
			{"author cannot", web(e.author), pending.ID, content.Approve, "", content.KindForbidden, "", ""},
			{"editor needs content:publish", tok(e.editor, content.ScopeRead, content.ScopeWrite), pending.ID, content.Approve, "", content.KindForbidden, "", content.ScopePublish},
			{"editor approves", tok(e.editor, content.ScopePublish), pending.ID, content.Approve, store.CommentApproved, "", "", ""},
			{"approving twice is fine", web(e.editor), pending.ID, content.Approve, store.CommentApproved, "", "", ""},
			{"unapprove", web(e.editor), pending.ID, content.Unapprove, store.CommentPending, "", "", ""},
			{"spam", web(e.admin), pending.ID, content.MarkSpam, store.CommentSpam, "", "", ""},
			{"trash", web(e.admin), pending.ID, content.TrashIt, store.CommentTrash, "", "", ""},
			{"not spam after all", web(e.admin), spam.ID, content.Approve, store.CommentApproved, "", "", ""},
			{"bad action", web(e.editor), pending.ID, "delete", "", content.KindInvalid, "action", ""},
			{"missing", web(e.editor), 999, content.Approve, "", content.KindNotFound, "id", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := e.svc.ModerateComment(e.ctx, tt.a, tt.id, tt.m)
				checkErr(t, err, tt.wantKind, tt.wantField, tt.wantScope)
				if err == nil && got.Status != tt.want {
					t.Errorf("status = %s, want %s", got.Status, tt.want)
				}
			})
		}
		// Put the pending comment back for the listing tests.
		if _, err := e.svc.ModerateComment(e.ctx, web(e.editor), pending.ID, content.Unapprove); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ModerateComment(e.ctx, web(e.editor), spam.ID, content.MarkSpam); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("list", func(t *testing.T) {
		tests := []struct {
			name      string
			a         content.Actor
			q         content.CommentQuery
			want      int
			wantEmail bool
			wantKind  content.Kind
		}{
			{"anonymous sees approved", content.Actor{}, content.CommentQuery{PostID: pub.ID}, 3, false, ""},
			{"viewer sees approved", tok(e.viewer, content.ScopeRead), content.CommentQuery{}, 3, false, ""},
			{"viewer cannot list pending", web(e.viewer), content.CommentQuery{Statuses: []store.CommentStatus{store.CommentPending}}, 0, false, content.KindForbidden},
			{"author cannot list spam", web(e.author), content.CommentQuery{Statuses: []store.CommentStatus{store.CommentSpam}}, 0, false, content.KindForbidden},
			{"editor sees all", web(e.editor), content.CommentQuery{PostID: pub.ID}, 5, true, ""},
			{"editor filters pending", web(e.editor), content.CommentQuery{Statuses: []store.CommentStatus{store.CommentPending}}, 1, true, ""},
			{"comments of a draft are hidden", content.Actor{}, content.CommentQuery{PostID: draft.ID}, 0, false, content.KindNotFound},
			{"bad status", web(e.editor), content.CommentQuery{Statuses: []store.CommentStatus{"hidden"}}, 0, false, content.KindInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := e.svc.ListComments(e.ctx, tt.a, tt.q)
				if tt.wantKind != "" {
					if content.KindOf(err) != tt.wantKind {
						t.Fatalf("err = %v, want kind %s", err, tt.wantKind)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Comments) != tt.want {
					t.Errorf("got %d comments, want %d", len(got.Comments), tt.want)
				}
				for _, c := range got.Comments {
					if hasEmail := c.AuthorEmail != ""; hasEmail != tt.wantEmail && c.UserID == 0 {
						t.Errorf("comment %d email %q; want shown = %v", c.ID, c.AuthorEmail, tt.wantEmail)
					}
				}
			})
		}
	})

	t.Run("thread", func(t *testing.T) {
		cs := []store.Comment{
			{ID: 1}, {ID: 2, ParentID: 1}, {ID: 3}, {ID: 4, ParentID: 2}, {ID: 5, ParentID: 1}, {ID: 6, ParentID: 42},
		}
		got := content.Thread(cs)
		var render func(ns []content.CommentNode) string
		render = func(ns []content.CommentNode) string {
			s := ""
			for _, n := range ns {
				s += "(" + string(rune('0'+n.Comment.ID)) + string(rune('0'+n.Depth)) + render(n.Replies) + ")"
			}
			return s
		}
		if got, want := render(got), "(10(21(42))(51))(30)(60)"; got != want {
			t.Errorf("thread = %s, want %s", got, want)
		}
	})
}
