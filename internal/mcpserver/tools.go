package mcpserver

import (
	"context"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// toolDefs lists every tool with its scope, hints and schemas.
func (h *Handler) toolDefs() []*toolDef {
	typeArg := enumDesc(`"post" (default) or "page"`, "post", "page")
	typeAnyArg := enumDesc("post or page; omit for both", "post", "page")
	statusArg := `{"type":"array","items":{"type":"string","enum":["draft","pending","scheduled","published","trash"]},"description":"statuses to include; default: published, plus the drafts and pending posts you may see"}`
	offsetArg := desc("integer", "skip this many results (pagination); use next_offset from the previous answer")
	limitArg := desc("integer", "how many results, 1 to 100 (default 20)")
	idArg := desc("integer", "the id of the post or page")
	post := postSchema()
	list := string(objectSchema([]string{"posts", "total", "offset", "limit"},
		"posts", arrayOf(post, "one page of results, newest first"),
		"total", intT, "offset", intT, "limit", intT,
		"next_offset", desc("integer", "pass as offset to get the next page; absent on the last page")))
	hit := string(objectSchema(postRequired, withProps(postProps(), "snippet", strT, "rank", numT)...))
	comment := string(objectSchema([]string{"id", "post_id", "author_name", "body", "status", "created_at"},
		"id", intT, "post_id", intT, "parent_id", intT, "author_name", strT, "author_email", strT,
		"author_url", strT, "user_id", intT, "body", strT,
		"status", enumDesc("moderation state", "pending", "approved", "spam", "trash"), "created_at", strT))
	term := string(objectSchema([]string{"slug", "name", "count"}, "slug", strT, "name", strT, "description", strT, "count", intT))
	terms := objectSchema([]string{"terms"}, "terms", arrayOf(term, "all terms, by name"))
	site := objectSchema([]string{"title", "tagline", "url", "timezone", "language"},
		"title", strT, "tagline", strT, "url", desc("string", "the site's public address"), "timezone", strT, "language", strT)
	counts := `{"type":"object","additionalProperties":{"type":"integer"}}`

	transition := func(do func(context.Context, content.Actor, int64) (content.Post, error)) func(context.Context, content.Actor, int64, time.Time) (content.Post, error) {
		return func(ctx context.Context, a content.Actor, id int64, _ time.Time) (content.Post, error) {
			return do(ctx, a, id)
		}
	}

	return []*toolDef{
		{
			name: "list_posts", title: "List posts and pages", scope: maskRead, readOnly: true, idempotent: true,
			description: "List posts or pages, newest first, filtered by type, status, category, tag, author, featured flag or date. Paginate with offset/limit; answers carry next_offset while more remain. Bodies are not included: use get_post.",
			input: objectSchema(nil, "type", typeAnyArg, "status", statusArg,
				"category", desc("string", "category name or slug"), "tag", desc("string", "tag name or slug"),
				"author_id", desc("integer", "only this author's content"), "featured", desc("boolean", "only featured (true) or non-featured (false) posts"),
				"after", desc("string", "RFC 3339 date-time: published (or created) at or after"), "before", desc("string", "RFC 3339 date-time: before"),
				"offset", offsetArg, "limit", limitArg),
			output: []byte(list),
			run:    h.listPosts,
		},
		{
			name: "search_posts", title: "Search posts and pages", scope: maskRead, readOnly: true, idempotent: true,
			description: `Full-text search over titles, excerpts and bodies (words and "quoted phrases"), best match first, with a snippet per hit.`,
			input: objectSchema([]string{"query"}, "query", desc("string", "the words to look for"),
				"type", typeAnyArg, "status", statusArg, "offset", offsetArg, "limit", limitArg),
			output: objectSchema([]string{"query", "hits"}, "query", strT, "hits", arrayOf(hit, "best match first")),
			run:    h.searchPosts,
		},
		{
			name: "get_post", title: "Read a post or page", scope: maskRead, readOnly: true, idempotent: true,
			description: "Read one post or page with its Markdown body, by id, or by slug (with type for pages). Bodies longer than 100,000 characters come in parts: repeat with body_offset = body_next_offset.",
			input: objectSchema(nil, "id", idArg, "slug", desc("string", "the slug, instead of id"),
				"type", typeArg, "body_offset", desc("integer", "character offset into the body (for long bodies)")),
			output: []byte(post),
			run:    h.getPost,
		},
		{
			name: "create_post", title: "Create a post or page", scope: maskWrite, idempotent: false,
			description: "Create a post (or a page with type \"page\"). It is saved as a draft unless publish is true (or status is published/scheduled), which needs the content:publish permission. Returns the new post with its id; published posts carry their public url.",
			input: objectSchema([]string{"title"}, "type", typeArg,
				"title", desc("string", "the title"), "body", desc("string", "the content, in Markdown"),
				"excerpt", desc("string", "optional short summary"), "slug", desc("string", "optional URL slug; made from the title when omitted"),
				"categories", arrayOf(strT, "category names or slugs (posts only)"), "tags", arrayOf(strT, "tag names (posts only); new tags are created"),
				"parent_id", desc("integer", "pages only: the parent page"), "featured", desc("boolean", "posts only: feature it (editors)"),
				"status", enumDesc("draft (default), pending (submit for review), published or scheduled", "draft", "pending", "published", "scheduled"),
				"publish", desc("boolean", "publish now (or at publish_at) instead of saving a draft"),
				"publish_at", desc("string", "RFC 3339 date-time to schedule publication")),
			output: []byte(post),
			run:    h.createPost,
		},
		{
			name: "update_post", title: "Edit a post or page", scope: maskWrite, idempotent: true,
			description: "Change the title, body, excerpt, slug, categories, tags, parent or featured flag of a post or page; omitted fields are left alone. Editing published content needs content:publish. Pass version (from get_post) to refuse overwriting a newer change.",
			input: objectSchema([]string{"id"}, "id", idArg, "version", desc("integer", "the version you read; the edit fails if the post changed since"),
				"title", strT, "body", desc("string", "the whole new body, in Markdown"), "excerpt", strT, "slug", strT,
				"categories", arrayOf(strT, "replaces the categories"), "tags", arrayOf(strT, "replaces the tags"),
				"parent_id", desc("integer", "pages only"), "featured", boolT),
			output: []byte(post),
			run:    h.updatePost,
		},
		{
			name: "publish_post", title: "Publish a post or page", scope: maskPublish, idempotent: true,
			description: "Make a draft, pending or scheduled post or page public now. Returns its public url.",
			input:       objectSchema([]string{"id"}, "id", idArg),
			output:      []byte(post),
			run:         h.transition(transition(h.Content.Publish), false),
		},
		{
			name: "schedule_post", title: "Schedule a post or page", scope: maskPublish, idempotent: true,
			description: "Plan publication of a post or page at a future time.",
			input:       objectSchema([]string{"id", "publish_at"}, "id", idArg, "publish_at", desc("string", "RFC 3339 date-time in the future, e.g. 2026-10-01T09:00:00Z")),
			output:      []byte(post),
			run:         h.transition(h.Content.Schedule, true),
		},
		{
			name: "unpublish_post", title: "Unpublish a post or page", scope: maskPublish, idempotent: true, destructive: true,
			description: "Take a published, scheduled or pending post or page back to draft; it stops being public.",
			input:       objectSchema([]string{"id"}, "id", idArg),
			output:      []byte(post),
			run:         h.transition(transition(h.Content.Unpublish), false),
		},
		{
			name: "trash_post", title: "Move a post or page to the trash", scope: maskPublish, idempotent: true, destructive: true,
			description: "Move a post or page to the trash (it stops being public). restore_post brings it back.",
			input:       objectSchema([]string{"id"}, "id", idArg),
			output:      []byte(post),
			run:         h.transition(transition(h.Content.Trash), false),
		},
		{
			name: "restore_post", title: "Restore a post or page from the trash", scope: maskPublish, idempotent: true,
			description: "Take a post or page out of the trash, back to the status it had.",
			input:       objectSchema([]string{"id"}, "id", idArg),
			output:      []byte(post),
			run:         h.transition(transition(h.Content.Restore), false),
		},
		{
			name: "list_comments", title: "List comments", scope: maskRead, readOnly: true, idempotent: true,
			description: "List comments, oldest first, optionally for one post and by status (moderators can see pending and spam).",
			input: objectSchema(nil, "post_id", desc("integer", "only comments on this post"),
				"status", `{"type":"array","items":{"type":"string","enum":["pending","approved","spam","trash"]},"description":"statuses to include"}`,
				"offset", offsetArg, "limit", limitArg),
			output: objectSchema([]string{"comments", "total", "offset", "limit"}, "comments", arrayOf(comment, "oldest first"),
				"total", intT, "offset", intT, "limit", intT, "next_offset", intT),
			run: h.listComments,
		},
		{
			name: "moderate_comment", title: "Moderate a comment", scope: maskPublish, idempotent: true,
			description: "Approve, unapprove, mark as spam or trash a comment.",
			input: objectSchema([]string{"id", "action"}, "id", desc("integer", "the comment id"),
				"action", enumDesc("what to do", "approve", "unapprove", "spam", "trash")),
			output: []byte(comment),
			run:    h.moderateComment,
		},
		{
			name: "reply_to_comment", title: "Reply to a comment", scope: maskWrite,
			description: "Publish a reply to a comment as the signed-in user (or a top-level comment with post_id only).",
			input: objectSchema([]string{"body"}, "comment_id", desc("integer", "the comment answered"),
				"post_id", desc("integer", "the post (needed for a top-level comment)"), "body", desc("string", "the reply text")),
			output: []byte(comment),
			run:    h.replyToComment,
		},
		{
			name: "list_categories", title: "List categories", scope: maskRead, readOnly: true, idempotent: true,
			description: "List all categories with the number of published posts in each.",
			input:       objectSchema(nil), output: terms, run: h.listTerms(store.TaxCategory),
		},
		{
			name: "list_tags", title: "List tags", scope: maskRead, readOnly: true, idempotent: true,
			description: "List all tags with the number of published posts using each.",
			input:       objectSchema(nil), output: terms, run: h.listTerms(store.TaxTag),
		},
		{
			name: "create_category", title: "Create a category", scope: maskWrite,
			description: "Create a category (editors).",
			input:       objectSchema([]string{"name"}, "name", strT, "slug", desc("string", "optional; made from the name"), "description", strT),
			output:      []byte(term), run: h.createTerm(store.TaxCategory),
		},
		{
			name: "create_tag", title: "Create a tag", scope: maskWrite,
			description: "Create a tag.",
			input:       objectSchema([]string{"name"}, "name", strT, "slug", desc("string", "optional; made from the name"), "description", strT),
			output:      []byte(term), run: h.createTerm(store.TaxTag),
		},
		{
			name: "get_site_info", title: "Site information", scope: maskRead, readOnly: true, idempotent: true,
			description: "The site's title, tagline, public URL, time zone and language.",
			input:       objectSchema(nil), output: site, run: h.getSiteInfo,
		},
		{
			name: "get_site_stats", title: "Site statistics", scope: maskRead, readOnly: true, idempotent: true,
			description: "Counts of posts, pages and comments by status, and the most recent changes and comments.",
			input:       objectSchema(nil, "recent", desc("integer", "how many recent items, 0 to 50 (default 5)")),
			output: objectSchema([]string{"posts", "pages", "comments", "recent_posts", "recent_comments"},
				"posts", counts, "pages", counts, "comments", counts,
				"recent_posts", arrayOf(post, "most recently modified first"), "recent_comments", arrayOf(comment, "newest first")),
			run: h.getSiteStats,
		},
		{
			name: "list_users", title: "List users", scope: maskAdmin, readOnly: true, idempotent: true,
			description: "List the site's users with their roles (administrators).",
			input:       objectSchema(nil),
			output: objectSchema([]string{"users"}, "users", arrayOf(string(objectSchema([]string{"id", "email", "name", "role", "disabled"},
				"id", intT, "email", strT, "name", strT, "role", enumDesc("role", "admin", "editor", "author", "viewer"), "disabled", boolT, "created_at", strT)), "all users")),
			run: h.listUsers,
		},
		{
			name: "update_site_settings", title: "Change site settings", scope: maskAdmin, idempotent: true,
			description: "Change the site's title, tagline, time zone (IANA name) or language (BCP 47); omitted fields are left alone (administrators).",
			input:       objectSchema(nil, "title", strT, "tagline", strT, "timezone", desc("string", "IANA name, e.g. Europe/Paris"), "language", desc("string", "BCP 47 tag, e.g. en or fr-CA")),
			output:      site, run: h.updateSiteSettings,
		},
		{
			// CONNECTORS.md 11.32: this exact input schema.
			name: "search", title: "Search", scope: maskRead, readOnly: true, idempotent: true,
			description: "Search the site's published posts and pages. Returns {\"results\":[{\"id\",\"title\",\"url\"}]}; pass an id to fetch for the full text.",
			input:       []byte(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}`),
			output: objectSchema([]string{"results"}, "results", arrayOf(string(objectSchema([]string{"id", "title", "url"},
				"id", strT, "title", strT, "url", strT)), "best match first")),
			run: h.chatSearch,
		},
		{
			name: "fetch", title: "Fetch", scope: maskRead, readOnly: true, idempotent: true,
			description: "Fetch the full text of a post or page by the id search returned. Returns {\"id\",\"title\",\"text\",\"url\",\"metadata\"}.",
			input:       []byte(`{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`),
			output: objectSchema([]string{"id", "title", "text", "url"}, "id", strT, "title", strT, "text", strT, "url", strT,
				"metadata", `{"type":"object"}`),
			run: h.chatFetch,
		},
	}
}
