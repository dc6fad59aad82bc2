// Package content holds the rules of Portico's site content — posts, pages,
// comments, categories and tags, site settings — together with the roles,
// scopes and capabilities that decide who may do what, for the MCP tools, the
// public site and the admin pages alike.
package content
