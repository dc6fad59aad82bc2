package mcpserver

import (
	"context"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// Content is the part of *content.Service the tools use. Every method checks
// the actor's role and scopes and returns *content.Error for failures the
// caller can explain.
type Content interface {
	CreatePost(ctx context.Context, a content.Actor, in content.NewPost) (content.Post, error)
	GetPost(ctx context.Context, a content.Actor, id int64) (content.Post, error)
	GetPostBySlug(ctx context.Context, a content.Actor, typ store.PostType, slug string) (content.Post, error)
	ListPosts(ctx context.Context, a content.Actor, q content.PostQuery) (content.PostList, error)
	SearchPosts(ctx context.Context, a content.Actor, query string, q content.PostQuery) ([]content.SearchHit, error)
	UpdatePost(ctx context.Context, a content.Actor, u content.PostUpdate) (content.Post, error)
	Publish(ctx context.Context, a content.Actor, id int64) (content.Post, error)
	Schedule(ctx context.Context, a content.Actor, id int64, at time.Time) (content.Post, error)
	Unpublish(ctx context.Context, a content.Actor, id int64) (content.Post, error)
	Trash(ctx context.Context, a content.Actor, id int64) (content.Post, error)
	Restore(ctx context.Context, a content.Actor, id int64) (content.Post, error)
	ListComments(ctx context.Context, a content.Actor, q content.CommentQuery) (content.CommentList, error)
	CreateComment(ctx context.Context, a content.Actor, in content.NewComment) (store.Comment, error)
	ModerateComment(ctx context.Context, a content.Actor, id int64, m content.Moderation) (store.Comment, error)
	ListTerms(ctx context.Context, a content.Actor, tax store.Taxonomy) ([]store.Term, error)
	CreateTerm(ctx context.Context, a content.Actor, in content.NewTerm) (store.Term, error)
	SiteInfo(ctx context.Context) (content.SiteInfo, error)
	UpdateSettings(ctx context.Context, a content.Actor, u content.SettingsUpdate) (content.SiteInfo, error)
	Stats(ctx context.Context, a content.Actor, recent int) (content.Stats, error)
	ListUsers(ctx context.Context, a content.Actor) ([]content.User, error)
	// CanonicalURL is where content with this slug is (or will be) public.
	CanonicalURL(typ store.PostType, slug string) string
}

// GrantToucher records when a connection (grant) was last used;
// store.Grants implements it.
type GrantToucher interface {
	TouchGrant(ctx context.Context, id string, at time.Time) error
}

// Users finds the person behind a token, so each request acts with the
// user's current role. store.Users implements it.
type Users interface {
	GetUser(ctx context.Context, id int64) (store.User, error)
}
