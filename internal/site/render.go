package site

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/portico-mcp/portico/internal/content"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/site.css
var siteCSS []byte

// cssPath is where the stylesheet is served; pages link it with a ?v= of
// its hash so a new build busts caches.
const cssPath = "/site-assets/site.css"

// CSP is the Content-Security-Policy of every HTML page: no scripts at all,
// styles only from our own stylesheet, images from anywhere (post bodies link
// them), no plugins, no <base> rewriting, forms only to this origin and
// framing only by this origin.
const CSP = "default-src 'none'; img-src * data:; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// CacheControl is what successful public responses allow caches to do.
const CacheControl = "public, max-age=60"

// templates are the pages (each with the layout) and the stylesheet's
// version. The pages are parsed on first use, so a server whose site is
// never visited does not hold them nor run the template parser at start-up.
type templates struct {
	cssURL string
	cssTag string

	once  sync.Once
	pages map[string]*template.Template
	err   error
}

func newTemplates() *templates {
	t := &templates{cssTag: etag(siteCSS)}
	t.cssURL = cssPath + "?v=" + t.cssTag[1:13]
	return t
}

// page returns the parsed page name, parsing every page on the first call.
func (t *templates) page(name string) (*template.Template, error) {
	t.once.Do(func() { t.pages, t.err = parsePages() })
	if t.err != nil {
		return nil, t.err
	}
	p, ok := t.pages[name]
	if !ok {
		return nil, fmt.Errorf("site: no template %q", name)
	}
	return p, nil
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"list", "entry", "error"} {
		p, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("site: parse template %s: %w", name, err)
		}
		pages[name] = p
	}
	return pages, nil
}

// etag is a strong entity tag for body: a truncated SHA-256 of the bytes.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// setPageHeaders sets the headers every HTML page carries.
func setPageHeaders(w http.ResponseWriter, cacheControl string) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", cacheControl)
}

// execute renders page name with v into a buffer, so a template error never
// yields half a page.
func (h *Handler) execute(name string, v *view) ([]byte, error) {
	t, err := h.tmpl.page(name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return nil, fmt.Errorf("site: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// ok writes page name with status 200, answering conditional requests
// (If-None-Match against a hash of the page) and HEAD.
func (h *Handler) ok(w http.ResponseWriter, r *http.Request, name string, v *view) error {
	body, err := h.execute(name, v)
	if err != nil {
		return err
	}
	setPageHeaders(w, CacheControl)
	serveBytes(w, r, body, time.Time{})
	return nil
}

// serveBytes writes body with an ETag (and Last-Modified when modified is
// not zero), letting http.ServeContent answer 304s, ranges and HEAD.
func serveBytes(w http.ResponseWriter, r *http.Request, body []byte, modified time.Time) {
	w.Header().Set("ETag", etag(body))
	http.ServeContent(w, r, "", modified, bytes.NewReader(body))
}

// notFound renders the 404 page, with the site's header and navigation when
// they can be loaded.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	c, err := h.chrome(r.Context(), r.URL.Path)
	if err != nil {
		h.logger().LogAttrs(r.Context(), slog.LevelWarn, "public 404 page without site chrome",
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		c = h.fallbackChrome()
	}
	v := &view{
		chrome: c, DocTitle: "Page not found — " + c.Site.Title, OGTitle: "Page not found",
		OGType: "website", NoIndex: true,
		Error: &errorView{
			Heading: "Page not found",
			Message: "There is nothing here. The page may have moved, or it is not published.",
		},
	}
	// Not cached for long: the page may be published a moment from now.
	h.writeError(w, r, http.StatusNotFound, "no-cache", v)
}

// serverError renders the 500 page without touching storage again, showing
// nothing about the cause (which handle logged).
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request) {
	c := h.fallbackChrome()
	v := &view{
		chrome: c, DocTitle: "Something went wrong — " + c.Site.Title, OGTitle: "Something went wrong",
		OGType: "website", NoIndex: true,
		Error: &errorView{
			Heading: "Something went wrong",
			Message: "This page could not be shown right now. Please try again in a little while.",
		},
	}
	h.writeError(w, r, http.StatusInternalServerError, "no-store", v)
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, cacheControl string, v *view) {
	body, err := h.execute("error", v)
	if err != nil {
		h.logger().LogAttrs(r.Context(), slog.LevelError, "public error page failed",
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_, _ = fmt.Fprintln(w, http.StatusText(status))
		return
	}
	setPageHeaders(w, cacheControl)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fallbackChrome is the page frame used when the site's settings cannot be
// read: default title and language, no navigation.
func (h *Handler) fallbackChrome() *chrome {
	info := content.SiteInfo{Title: content.DefaultTitle, Language: content.DefaultLanguage, Timezone: content.DefaultTimezone}
	return h.newChrome(info)
}
