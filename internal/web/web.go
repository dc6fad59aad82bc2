package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are parsed once, each together with the layout.
var (
	parseOnce sync.Once
	pages     map[string]*template.Template
	parseErr  error
)

func parse() {
	pages = map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		parseErr = fmt.Errorf("web: list templates: %w", err)
		return
	}
	for _, n := range names {
		base := n[len("templates/") : len(n)-len(".html")]
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			parseErr = fmt.Errorf("web: parse %s: %w", n, err)
			return
		}
		pages[base] = t
	}
}

// funcs are the template helpers every page may use.
var funcs = template.FuncMap{
	// fmtTime formats a time for people, in UTC.
	"fmtTime": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
}

// CSP is the Content-Security-Policy of every page: nothing but our own
// stylesheet, scripts (files under /static/, never inline) and images,
// fetches only to our origin, no framing. form-action is deliberately
// absent: browsers apply it to the redirect after a form post, which would
// block the consent page's 303 to the client.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// Render writes page name (login, consent, setup, error) with data and
// status 200. See RenderStatus.
func Render(w http.ResponseWriter, name string, data any) error {
	return RenderStatus(w, http.StatusOK, name, data)
}

// RenderStatus writes page name with data and status. The page is rendered
// into a buffer first so a template error never yields half a page. It sets
// Content-Security-Policy (frame-ancestors 'none'), X-Frame-Options DENY,
// Cache-Control no-store and Referrer-Policy no-referrer.
func RenderStatus(w http.ResponseWriter, status int, name string, data any) error {
	parseOnce.Do(parse)
	if parseErr != nil {
		return parseErr
	}
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// StaticHandler serves the embedded static files under /static/ (mount it
// at "GET /static/").
func StaticHandler() http.Handler {
	fsrv := http.FileServer(http.FS(staticFS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		fsrv.ServeHTTP(w, r)
	})
}
