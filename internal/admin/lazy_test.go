package admin

import (
	"net/http"
	"testing"

	"github.com/portico-mcp/portico/internal/store"
)

// The page templates are parsed when the first page is rendered, not at
// Mount: a server nobody opens the admin pages of never holds them (idle RSS,
// bench/README.md). A form post before any page was rendered is still checked
// for cross-origin submission.
func TestTemplatesParsedOnFirstPage(t *testing.T) {
	e := newEnv(t)
	if e.h.pages != nil {
		t.Fatal("Mount parsed the page templates; they should wait for the first page")
	}
	if e.h.cop == nil {
		t.Fatal("Mount did not set up the cross-origin check")
	}
	admin := e.login("owner@example.com", store.RoleAdmin)
	if r := e.get(&admin, "/admin/"); r.code != http.StatusOK {
		t.Fatalf("GET /admin/: %d\n%.1000s", r.code, r.body)
	}
	if e.h.pages == nil || e.h.pages["overview"] == nil {
		t.Fatalf("pages not parsed after the first page: %v", e.h.pages)
	}
}
