package site

import (
	"net/http"
	"testing"
)

// The page templates are parsed on the first page, not at Mount, so an idle
// server does not hold them (idle RSS, bench/README.md); the stylesheet
// version is known from the start.
func TestTemplatesParsedOnFirstPage(t *testing.T) {
	h := &Handler{}
	h.Mount(http.NewServeMux())
	if h.tmpl.pages != nil {
		t.Fatal("Mount parsed the page templates; they should wait for the first page")
	}
	if h.tmpl.cssURL == "" || h.tmpl.cssTag == "" {
		t.Fatalf("stylesheet version not set at Mount: %q %q", h.tmpl.cssURL, h.tmpl.cssTag)
	}
	for _, name := range []string{"list", "entry", "error"} {
		if p, err := h.tmpl.page(name); err != nil || p == nil {
			t.Fatalf("page(%q) = %v, %v", name, p, err)
		}
	}
	if len(h.tmpl.pages) != 3 {
		t.Fatalf("parsed %d pages, want 3", len(h.tmpl.pages))
	}
	if _, err := h.tmpl.page("nope"); err == nil {
		t.Fatal("page(nope): no error")
	}
}
