// Package site serves Portico's public website — the home page, posts, pages,
// category and tag listings, an Atom feed and robots.txt — so that every URL
// the MCP tools hand out opens a real page showing only published content.
package site
