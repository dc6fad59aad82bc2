package admin

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/httpx"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// CSP is the Content-Security-Policy of every admin page: only our own
// stylesheet and script file (never inline script), no framing, forms post
// only to this origin.
const CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxForm caps a form body; the post editor needs room for a 1 MiB body.
const maxForm = content.MaxBodyBytes + 64<<10

// Handler serves /admin/. Fill the fields and call Mount; the zero value is
// not usable (Store, OAuth, Identity, Content and PublicURL are required).
// It is safe for concurrent use.
type Handler struct {
	// Store is Portico's storage.
	Store store.Store
	// OAuth mints personal tokens, hashes client secrets and records events.
	OAuth *oauth.Service
	// Identity resolves the signed-in person and their CSRF token.
	Identity *identity.Service
	// Content applies the content rules (roles, transitions) for the web UI.
	Content *content.Service
	// PublicURL is the public origin (no path), e.g. https://mcp.example.com.
	PublicURL string
	// Logger receives failures; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// InviteTTL is how long invite and password-reset links work. Default 7 days.
	InviteTTL time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For is believed when
	// recording the client address of admin actions (httpx.ClientIP). nil
	// trusts none: the peer address is recorded.
	TrustedProxies []netip.Prefix

	once  sync.Once
	pages map[string]*template.Template
	perr  error
	cop   *http.CrossOriginProtection
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (h *Handler) inviteTTL() time.Duration {
	if h.InviteTTL > 0 {
		return h.InviteTTL
	}
	return 7 * 24 * time.Hour
}

func (h *Handler) base() string { return strings.TrimRight(h.PublicURL, "/") }

// Mount registers every admin route on mux (Go 1.22 patterns; GET also
// answers HEAD).
func (h *Handler) Mount(mux *http.ServeMux) {
	if h.cop == nil {
		h.cop = http.NewCrossOriginProtection()
	}
	type route struct {
		pattern string
		fn      pageFunc
		need    need
	}
	routes := []route{
		{"GET /admin/{$}", h.overview, needUser},
		{"GET /admin/clients", h.clientList, needUser},
		{"GET /admin/clients/new", h.clientNewPage, needAdmin},
		{"POST /admin/clients/new", h.clientNew, needAdmin},
		{"GET /admin/clients/{id}", h.clientDetail, needUser},
		{"POST /admin/clients/{id}/revoke", h.clientRevoke, needAdmin},
		{"POST /admin/clients/{id}/scopes", h.clientScopes, needAdmin},
		{"POST /admin/clients/{id}/grants/{grant}/revoke", h.grantRevoke, needUser},
		{"GET /admin/timeline", h.timeline, needAdmin},
		{"GET /admin/users", h.userList, needAdmin},
		{"POST /admin/users/invite", h.userInvite, needAdmin},
		{"GET /admin/users/{id}", h.userDetail, needAdmin},
		{"POST /admin/users/{id}/role", h.userRole, needAdmin},
		{"POST /admin/users/{id}/disable", h.userDisable, needAdmin},
		{"POST /admin/users/{id}/enable", h.userEnable, needAdmin},
		{"POST /admin/users/{id}/password", h.userPassword, needAdmin},
		{"POST /admin/users/{id}/reset-link", h.userResetLink, needAdmin},
		{"POST /admin/users/{id}/grants/{grant}/revoke", h.userGrantRevoke, needAdmin},
		{"GET /admin/tokens", h.tokenList, needUser},
		{"POST /admin/tokens", h.tokenCreate, needUser},
		{"POST /admin/tokens/{id}/revoke", h.tokenRevoke, needUser},
		{"GET /admin/content", h.contentList, needUser},
		{"GET /admin/content/new", h.contentNewPage, needUser},
		{"POST /admin/content/new", h.contentNew, needUser},
		{"GET /admin/content/{id}", h.contentView, needUser},
		{"GET /admin/content/{id}/edit", h.contentEditPage, needUser},
		{"POST /admin/content/{id}/edit", h.contentEdit, needUser},
		{"POST /admin/content/{id}/status", h.contentStatus, needUser},
		{"GET /admin/comments", h.commentList, needUser},
		{"POST /admin/comments/{id}/moderate", h.commentModerate, needUser},
		{"GET /admin/settings", h.settingsPage, needAdmin},
		{"POST /admin/settings", h.settingsSave, needAdmin},
		{"GET /admin/security", h.security, needAdmin},
	}
	for _, rt := range routes {
		mux.Handle(rt.pattern, h.page(rt.fn, rt.need))
	}
	mux.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))
	mux.Handle("GET /admin/reset", h.public(h.resetPage))
	mux.Handle("POST /admin/reset", h.public(h.resetSubmit))
	mux.Handle("GET /admin/assets/", h.assets())
	mux.Handle("/admin/", h.public(func(w http.ResponseWriter, r *http.Request) error {
		return &pageError{Status: http.StatusNotFound, Title: "Not found", Message: "There is no admin page at this address."}
	}))
}

// Handler returns the admin routes on their own mux, for mounting as
// "/admin/" and "/admin" in a parent mux.
func (h *Handler) Handler() http.Handler {
	mux := http.NewServeMux()
	h.Mount(mux)
	return mux
}

// init parses the page templates, once, when the first page is rendered:
// a server nobody opens the admin pages of never holds them (~0.8 MB of
// heap) nor runs the template parser at start-up.
func (h *Handler) init() {
	h.once.Do(func() { h.pages, h.perr = parsePages(h.funcs()) })
}

// funcs are the template helpers.
func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"when":     fmtTime,
		"short":    fmtShort,
		"ago":      func(t time.Time) string { return ago(t, h.now()) },
		"join":     strings.Join,
		"pathesc":  url.PathEscape,
		"queryesc": url.QueryEscape,
		"hasScope": slices.Contains[[]string],
	}
}

func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("admin: list templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("admin: parse %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

func (h *Handler) assets() http.Handler {
	sub, _ := fs.Sub(assetFS, "assets")
	fsrv := http.StripPrefix("/admin/assets/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// need says who may open a page.
type need int

const (
	needUser need = iota
	needAdmin
)

// pageFunc handles one admin page for a signed-in person.
type pageFunc func(w http.ResponseWriter, r *http.Request, s *session) error

// session is the signed-in person of a request.
type session struct {
	cur   *identity.Current
	User  store.User
	CSRF  string
	Actor content.Actor
}

// IsAdmin reports whether the person is an admin.
func (s *session) IsAdmin() bool { return s.User.Role == store.RoleAdmin }

// IsEditor reports whether the person is an editor or admin.
func (s *session) IsEditor() bool {
	return s.User.Role == store.RoleAdmin || s.User.Role == store.RoleEditor
}

// CanWrite reports whether the person may write content (authors and up).
func (s *session) CanWrite() bool { return s.IsEditor() || s.User.Role == store.RoleAuthor }

// pageError is a failure shown as an error page with its status.
type pageError struct {
	Status  int
	Title   string
	Message string
	Cause   error
}

func (e *pageError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Cause)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *pageError) Unwrap() error { return e.Cause }

func forbidden(msg string) *pageError {
	return &pageError{Status: http.StatusForbidden, Title: "Not allowed", Message: msg}
}

func notFound(msg string) *pageError {
	return &pageError{Status: http.StatusNotFound, Title: "Not found", Message: msg}
}

func setHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
}

// page wraps fn: security headers, sign-in, role check, CSRF on every
// state-changing request, and error pages.
func (h *Handler) page(fn pageFunc, n need) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		ctx := r.Context()
		cur, err := h.Identity.FromRequest(ctx, r)
		if errors.Is(err, identity.ErrNoSession) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, nil, &pageError{Status: http.StatusForbidden, Title: "Signed out",
				Message: "Your session ended. Sign in again and repeat the change."})
			return
		}
		if err != nil {
			h.fail(w, r, nil, fmt.Errorf("admin: session: %w", err))
			return
		}
		s := &session{cur: cur, User: cur.User, CSRF: cur.CSRFToken(), Actor: content.WebActor(cur.User)}
		if n == needAdmin && !s.IsAdmin() {
			h.fail(w, r, s, forbidden("Only administrators can open this page. Ask an administrator of this site if you need something changed here."))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := h.cop.Check(r); err != nil {
				h.fail(w, r, s, forbidden("Cross-site form submissions are refused."))
				return
			}
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, s, &pageError{Status: http.StatusBadRequest, Title: "Bad request", Message: "The form could not be read (it may be too large).", Cause: err})
				return
			}
			if !cur.CheckCSRF(r.PostForm.Get("csrf_token")) {
				h.fail(w, r, s, forbidden("This form has expired or did not come from this site. Reload the page and try again."))
				return
			}
		}
		if err := fn(w, r, s); err != nil {
			h.fail(w, r, s, err)
		}
	})
}

// public wraps handlers that need no session (password reset, 404).
func (h *Handler) public(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := h.cop.Check(r); err != nil {
				h.fail(w, r, nil, forbidden("Cross-site form submissions are refused."))
				return
			}
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, nil, &pageError{Status: http.StatusBadRequest, Title: "Bad request", Message: "The form could not be read."})
				return
			}
		}
		if err := fn(w, r); err != nil {
			h.fail(w, r, nil, err)
		}
	})
}

// fail renders err as an error page: a *pageError with its status and
// message, a content error with its sentence, anything else as a logged 500.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		if ce := content.AsError(err); ce != nil {
			pe = &pageError{Status: http.StatusBadRequest, Title: "That did not work", Message: ce.Message}
			switch ce.Kind {
			case content.KindForbidden:
				pe.Status, pe.Title = http.StatusForbidden, "Not allowed"
			case content.KindNotFound:
				pe.Status, pe.Title = http.StatusNotFound, "Not found"
			case content.KindConflict:
				pe.Status = http.StatusConflict
			}
		} else {
			pe = &pageError{Status: http.StatusInternalServerError, Title: "Something went wrong",
				Message: "The server could not complete this request. Please try again; if it keeps failing, check the server log.", Cause: err}
		}
	}
	level := slog.LevelInfo
	if pe.Status >= 500 {
		level = slog.LevelError
	}
	h.log().LogAttrs(r.Context(), level, "admin request failed", slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.Int("status", pe.Status), slog.String("error", err.Error()))
	if rerr := h.render(w, r, pe.Status, "error", s, pe.Title, pe); rerr != nil {
		h.log().ErrorContext(r.Context(), "admin render error page", "error", rerr)
		http.Error(w, pe.Message, pe.Status)
	}
}

// view is what every template receives.
type view struct {
	Title     string
	Nav       string
	S         *session
	PublicURL string
	Flash     string
	Data      any
}

// render writes page name with status inside the layout. The page is
// rendered into a buffer first so a template error never yields half a
// page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, title string, data any) error {
	h.init()
	if h.perr != nil {
		return h.perr
	}
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("admin: no page %q", name)
	}
	v := view{Title: title, Nav: navOf(name), S: s, PublicURL: h.base(), Data: data}
	if r != nil {
		v.Flash = flashText(r.URL.Query().Get("done"))
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("admin: render %s: %w", name, err)
	}
	setHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func navOf(page string) string {
	switch {
	case strings.HasPrefix(page, "client"), page == "timeline":
		return "clients"
	case strings.HasPrefix(page, "user"):
		return "users"
	case strings.HasPrefix(page, "token"):
		return "tokens"
	case strings.HasPrefix(page, "content"), strings.HasPrefix(page, "post"):
		return "content"
	}
	return page
}

// flashText is the fixed confirmation message a redirect after a POST may
// show (?done=key): never free text, never a secret.
func flashText(key string) string {
	return map[string]string{
		"revoked":        "The client was revoked: all its tokens stopped working.",
		"grant-revoked":  "The connection was revoked.",
		"scopes":         "The client's scope cap was saved.",
		"role":           "The role was changed.",
		"disabled":       "The account was disabled: its sessions were ended and its connections revoked.",
		"enabled":        "The account was enabled again.",
		"password":       "The password was changed and the person's other sessions were ended.",
		"token-revoked":  "The token was revoked.",
		"saved":          "Saved.",
		"published":      "Published.",
		"draft":          "Moved back to draft.",
		"pending":        "Submitted for review.",
		"trash":          "Moved to the trash.",
		"restored":       "Restored.",
		"moderated":      "The comment was updated.",
		"settings":       "The settings were saved.",
		"password-reset": "Your password was changed. Sign in with it now.",
		"created":        "Created.",
	}[key]
}

// redirect sends the browser to path after a successful POST (303), with a
// fixed confirmation key.
func redirect(w http.ResponseWriter, r *http.Request, path, done string) error {
	if done != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + url.QueryEscape(done)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}

// fmtTime formats t for tables; zero is "—".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// fmtShort formats t for narrow table cells, to the minute.
func fmtShort(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// ago is a rough "3 min ago" relative to now.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// userNames maps user IDs to users.
func (h *Handler) userNames(ctx context.Context) (map[int64]store.User, error) {
	us, err := h.Store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin: list users: %w", err)
	}
	m := make(map[int64]store.User, len(us))
	for _, u := range us {
		m[u.ID] = u
	}
	return m, nil
}

// clientIP is the address of the person behind r: the peer, or what
// X-Forwarded-For says when the peer is one of TrustedProxies.
func (h *Handler) clientIP(r *http.Request) string {
	a := httpx.ClientIP(r, h.TrustedProxies)
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
