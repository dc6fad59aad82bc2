// Package admin serves the signed-in pages under /admin/: connected OAuth
// clients and their connection timelines, users, personal access tokens,
// content review and editing, comment moderation, site settings and
// security events. Build a Handler with its dependencies and call Mount.
package admin
