// Package web holds Portico's embedded page templates and static files and
// the Render helper that writes a page with safe headers.
package web
