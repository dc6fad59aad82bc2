package content

import (
	"fmt"
	"slices"

	"github.com/portico-mcp/portico/internal/store"
)

// The OAuth scopes Portico's content understands. A token may hold any subset;
// what it may do is its scopes intersected with its user's role (see Check).
const (
	// ScopeRead reads content, including the unpublished posts the role may see.
	ScopeRead = "content:read"
	// ScopeWrite creates and edits drafts, creates terms, replies to comments.
	ScopeWrite = "content:write"
	// ScopePublish publishes, schedules, unpublishes, trashes, restores and
	// deletes content, edits live content and moderates comments.
	ScopePublish = "content:publish"
	// ScopeAdmin changes site settings and lists users.
	ScopeAdmin = "site:admin"
)

// Scopes returns the four content scopes, least to most powerful: the list the
// protected-resource metadata and scope challenges advertise.
func Scopes() []string {
	return []string{ScopeRead, ScopeWrite, ScopePublish, ScopeAdmin}
}

// Actor is who asks: a signed-in user, through the web UI or an OAuth client,
// with the scopes the token was granted. The zero Actor is an anonymous
// visitor of the public site, who may read published content and nothing
// else. Build one with WebActor or TokenActor.
type Actor struct {
	// UserID is the Portico user; 0 means anonymous.
	UserID int64
	// Role is the user's role at the time of the request.
	Role store.Role
	// Via is the OAuth client ID the request came through, "" for the web UI.
	// It is recorded as Post.ModifiedVia.
	Via string
	// Scopes are the scopes granted to the token. Web actors carry all four.
	Scopes []string
}

// WebActor is a user signed in to the web UI: their role alone decides.
func WebActor(u store.User) Actor {
	return Actor{UserID: u.ID, Role: u.Role, Scopes: Scopes()}
}

// TokenActor is a user acting through the OAuth client clientID with a token
// granted scopes. Scopes Portico does not know (offline_access, ...) are
// harmless and ignored.
func TokenActor(u store.User, clientID string, scopes []string) Actor {
	return Actor{UserID: u.ID, Role: u.Role, Via: clientID, Scopes: slices.Clone(scopes)}
}

// Anonymous reports whether a is a visitor who is not signed in.
func (a Actor) Anonymous() bool { return a.UserID == 0 }

// HasScope reports whether the token behind a was granted scope.
func (a Actor) HasScope(scope string) bool { return slices.Contains(a.Scopes, scope) }

// Capability is something an actor may be allowed to do, named after
// WordPress's capabilities. Whether an actor has it can depend on who owns
// the resource: see Can.
type Capability string

// The capabilities. CapabilityRules lists the role and scope each needs.
const (
	CapRead             Capability = "read"              // published posts, pages, approved comments, terms
	CapReadPrivate      Capability = "read_private"      // unpublished posts and pages, unapproved comments
	CapEditPosts        Capability = "edit_posts"        // create posts, edit unpublished ones
	CapPublishPosts     Capability = "publish_posts"     // publish, schedule, unpublish, edit live posts
	CapDeletePosts      Capability = "delete_posts"      // trash, restore, delete permanently
	CapEditPages        Capability = "edit_pages"        // create pages, edit unpublished ones
	CapPublishPages     Capability = "publish_pages"     // publish, schedule, unpublish, edit live pages
	CapDeletePages      Capability = "delete_pages"      // trash, restore, delete permanently
	CapFeaturePosts     Capability = "feature_posts"     // mark posts featured (WordPress "sticky")
	CapReplyComments    Capability = "reply_comments"    // write comments as the user
	CapModerateComments Capability = "moderate_comments" // approve, unapprove, spam, trash
	CapManageTerms      Capability = "manage_terms"      // create categories (and tags outside a post)
	CapViewStats        Capability = "view_stats"        // site statistics and recent activity
	CapManageSettings   Capability = "manage_settings"   // site title, tagline, timezone, language
	CapListUsers        Capability = "list_users"        // see the site's users
)

// Rule says what a capability takes: the token scope, and the least role that
// has it on the actor's own resources (Own) and on anyone else's (Others).
type Rule struct {
	Cap    Capability
	Scope  string
	Own    store.Role
	Others store.Role
	// What the capability allows, as a phrase for messages, for own and
	// others' resources.
	OwnText, OthersText string
}

var rules = []Rule{
	{CapRead, ScopeRead, store.RoleViewer, store.RoleViewer, "read published content", "read published content"},
	{CapReadPrivate, ScopeRead, store.RoleAuthor, store.RoleEditor, "read your unpublished posts", "read other people's unpublished posts and pages or unapproved comments"},
	{CapEditPosts, ScopeWrite, store.RoleAuthor, store.RoleEditor, "write and edit your posts", "edit other people's posts"},
	{CapPublishPosts, ScopePublish, store.RoleAuthor, store.RoleEditor, "publish, schedule, unpublish or change your live posts", "publish, schedule, unpublish or change other people's posts"},
	{CapDeletePosts, ScopePublish, store.RoleAuthor, store.RoleEditor, "trash, restore or delete your posts", "trash, restore or delete other people's posts"},
	{CapEditPages, ScopeWrite, store.RoleEditor, store.RoleEditor, "write and edit pages", "write and edit pages"},
	{CapPublishPages, ScopePublish, store.RoleEditor, store.RoleEditor, "publish, schedule, unpublish or change live pages", "publish, schedule, unpublish or change live pages"},
	{CapDeletePages, ScopePublish, store.RoleEditor, store.RoleEditor, "trash, restore or delete pages", "trash, restore or delete pages"},
	{CapFeaturePosts, ScopeWrite, store.RoleEditor, store.RoleEditor, "feature posts", "feature posts"},
	{CapReplyComments, ScopeWrite, store.RoleAuthor, store.RoleAuthor, "reply to comments", "reply to comments"},
	{CapModerateComments, ScopePublish, store.RoleEditor, store.RoleEditor, "moderate comments", "moderate comments"},
	{CapManageTerms, ScopeWrite, store.RoleEditor, store.RoleEditor, "create categories and tags", "create categories and tags"},
	{CapViewStats, ScopeRead, store.RoleAuthor, store.RoleAuthor, "see site statistics", "see site statistics"},
	{CapManageSettings, ScopeAdmin, store.RoleAdmin, store.RoleAdmin, "change site settings", "change site settings"},
	{CapListUsers, ScopeAdmin, store.RoleAdmin, store.RoleAdmin, "list users", "list users"},
}

// CapabilityRules returns the capability table (for documentation and the
// admin pages). The returned slice is a copy.
func CapabilityRules() []Rule { return slices.Clone(rules) }

func ruleFor(c Capability) (Rule, bool) {
	for _, r := range rules {
		if r.Cap == c {
			return r, true
		}
	}
	return Rule{}, false
}

// rank orders roles; an unknown role ranks below viewer and may do nothing.
func rank(r store.Role) int {
	switch r {
	case store.RoleAdmin:
		return 4
	case store.RoleEditor:
		return 3
	case store.RoleAuthor:
		return 2
	case store.RoleViewer:
		return 1
	}
	return 0
}

// Can reports whether a may use capability c on a resource owned by the user
// ownerID (0 for resources nobody owns, such as settings, or to ask about
// other people's resources). It is Check without the explanation.
func Can(a Actor, c Capability, ownerID int64) bool { return Check(a, c, ownerID) == nil }

// Check returns nil when a may use capability c on a resource owned by
// ownerID, and otherwise a KindForbidden *Error saying what is missing: the
// role (NeedScope empty; no token can fix that) or the scope (NeedScope set,
// because the role would allow it).
func Check(a Actor, c Capability, ownerID int64) error {
	r, ok := ruleFor(c)
	if !ok {
		return &Error{Kind: KindForbidden, Message: fmt.Sprintf("unknown capability %q", c)}
	}
	own := ownerID != 0 && ownerID == a.UserID
	need, text := r.Others, r.OthersText
	if own {
		need, text = r.Own, r.OwnText
	}
	if a.Anonymous() {
		if c == CapRead {
			return nil
		}
		return &Error{Kind: KindForbidden, Message: fmt.Sprintf("sign in to %s", text)}
	}
	if rank(a.Role) < rank(need) {
		role := string(a.Role)
		if role == "" || !a.Role.Valid() {
			role = "no valid role"
		}
		return &Error{Kind: KindForbidden, Message: fmt.Sprintf(
			"your role (%s) may not %s; that needs the %s role or higher", role, text, need)}
	}
	if !a.HasScope(r.Scope) {
		return &Error{Kind: KindForbidden, NeedScope: r.Scope, Message: fmt.Sprintf(
			"to %s this connection needs the %s scope, which it was not granted; reconnect and allow %s",
			text, r.Scope, r.Scope)}
	}
	return nil
}
