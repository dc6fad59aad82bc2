package authserver

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/web"
)

// fieldErrors maps a form field name to the message shown next to it.
type fieldErrors map[string]string

type upstreamButton struct{ Name, URL string }

type loginData struct {
	SiteName   string
	ClientName string
	Return     string
	Email      string
	Error      string
	Notice     string
	Errors     fieldErrors
	Passkeys   bool
	Upstreams  []upstreamButton
}

func (h *Handler) newLoginData(ret string) loginData {
	d := loginData{SiteName: h.opts.SiteName, Return: ret, Passkeys: h.id.PasskeysEnabled()}
	for _, u := range h.upstreams {
		d.Upstreams = append(d.Upstreams, upstreamButton{Name: u.Name, URL: "/login/oidc/" + u.slug})
	}
	return d
}

// current returns the signed-in person of r, or nil.
func (h *Handler) current(r *http.Request) (*identity.Current, error) {
	cur, err := h.id.FromRequest(r.Context(), r)
	if errors.Is(err, identity.ErrNoSession) {
		return nil, nil
	}
	return cur, err
}

// requireSession returns the signed-in person, or sends the browser to
// /login (coming back to this page) and returns nil.
func (h *Handler) requireSession(w http.ResponseWriter, r *http.Request) (*identity.Current, error) {
	cur, err := h.current(r)
	if err != nil || cur != nil {
		return cur, err
	}
	http.Redirect(w, r, "/login?return="+url.QueryEscape(safeReturn(r.URL.RequestURI())), http.StatusSeeOther)
	return nil, nil
}

// handleLoginPage shows the sign-in form (or skips it when signed in).
func (h *Handler) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	ret := safeReturn(r.URL.Query().Get("return"))
	if cur, err := h.current(r); err == nil && cur != nil {
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return nil
	}
	d := h.newLoginData(ret)
	if r.URL.Query().Get("signed_out") == "1" {
		d.Notice = "You are signed out."
	}
	return web.Render(w, "login", d)
}

const loginFailed = "That email and password do not match an account."

// checkForm parses a posted form (bounded) and applies the cross-origin
// check. It writes the error page and returns false on failure.
func (h *Handler) checkForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "")
		return false
	}
	// Sec-Fetch-Site / Origin check against cross-site form posts.
	if err := h.cop.Check(r); err != nil {
		h.errorPage(w, http.StatusForbidden, "Forbidden", "Cross-site form submissions are refused.", "")
		return false
	}
	return true
}

// handleLogin checks a password, rate-limited per IP and per email, with one
// generic error for every failure (Authenticate costs one argon2id
// verification whether or not the account exists).
func (h *Handler) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if !h.checkForm(w, r) {
		return nil
	}
	f := r.PostForm
	data := h.newLoginData(safeReturn(f.Get("return")))
	r = withAttempt(r, attemptOfReturn(data.Return))
	ctx := r.Context()
	data.Email = f.Get("email")
	errs := fieldErrors{}
	email, err := identity.NormalizeEmail(data.Email)
	switch {
	case strings.TrimSpace(data.Email) == "":
		errs["email"] = "Enter your email address."
	case err != nil:
		errs["email"] = "Enter an email address like name@example.com."
	}
	if f.Get("password") == "" {
		errs["password"] = "Enter your password."
	}
	if len(errs) > 0 {
		data.Errors = errs
		return web.RenderStatus(w, http.StatusBadRequest, "login", data)
	}
	if key := h.loginLimited(r, email); key != "" {
		h.rateLimitHit(r, "login", key)
		data.Error = "Too many sign-in attempts. Wait a minute and try again."
		w.Header().Set("Retry-After", "60")
		return web.RenderStatus(w, http.StatusTooManyRequests, "login", data)
	}
	u, err := h.id.Authenticate(ctx, email, f.Get("password"))
	if errors.Is(err, identity.ErrInvalidCredentials) {
		ev := eventOf("login.failed", map[string]string{"method": "password"})
		ev.Outcome = "error"
		h.oa.RecordEvent(ctx, ev)
		data.Error = loginFailed
		return web.RenderStatus(w, http.StatusUnauthorized, "login", data)
	}
	if err != nil {
		return err
	}
	return h.signIn(w, r, u, "password", data.Return)
}

// signIn starts a session for u, records the event and sends the browser
// to ret (a local path).
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, u store.User, method, ret string) error {
	ctx := r.Context()
	if _, err := h.id.StartSession(ctx, w, u, r.UserAgent()); err != nil {
		return err
	}
	ev := eventOf("login.ok", map[string]string{"method": method})
	ev.UserID = u.ID
	h.oa.RecordEvent(ctx, ev)
	http.Redirect(w, r, safeReturn(ret), http.StatusSeeOther)
	return nil
}

// handleLogout ends the session. A signed-in request must carry its CSRF
// token.
func (h *Handler) handleLogout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	_ = r.ParseForm()
	if cur, err := h.id.FromRequest(ctx, r); err == nil && cur != nil {
		if h.cop.Check(r) != nil || !cur.CheckCSRF(r.PostForm.Get("csrf_token")) {
			h.errorPage(w, http.StatusForbidden, "Forbidden", "The sign-out form could not be verified.", "")
			return nil
		}
	}
	if err := h.id.EndSession(ctx, w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/login?signed_out=1", http.StatusSeeOther)
	return nil
}

type setupData struct {
	SiteName              string
	Token                 string
	Name, Email, Password string
	MinPassword           int
	// Owner is set for the first-run link (the invite no administrator
	// made): the page creates the owner account.
	Owner  bool
	Error  string
	Errors fieldErrors
}

// handleSetupPage shows the account-creation form for a live setup or
// invite link.
func (h *Handler) handleSetupPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	inv, err := h.id.CheckInvite(r.Context(), tok)
	if err != nil {
		if h.refusedSetupLink(w, err) {
			return nil
		}
		return err
	}
	return web.Render(w, "setup", setupData{SiteName: h.opts.SiteName, Token: tok, Email: inv.Email, Owner: inv.CreatedBy == 0,
		MinPassword: h.id.Options().MinPasswordLength})
}

// refusedSetupLink renders the page for a link /setup cannot use and
// reports whether err was such a refusal. None of them uses the link up.
func (h *Handler) refusedSetupLink(w http.ResponseWriter, err error) bool {
	switch {
	case errors.Is(err, identity.ErrResetLink):
		h.errorPage(w, http.StatusBadRequest, "This is a password-reset link",
			"This link resets the password of an existing account; it does not create one. It has not been used.",
			"Open the link exactly as you received it: it starts with /admin/reset?token=. Then choose your new password there.")
	case errors.Is(err, identity.ErrInviteEmailTaken):
		h.errorPage(w, http.StatusConflict, "This invite is for an existing account",
			"An account already uses the address this invite was made for, so it cannot create another one. The link has not been used.",
			"Sign in at /login. If you forgot the password, ask an administrator for a password-reset link.")
	case errors.Is(err, identity.ErrInvalidInvite):
		h.deadSetupLink(w)
	default:
		return false
	}
	return true
}

func (h *Handler) deadSetupLink(w http.ResponseWriter) {
	h.errorPage(w, http.StatusNotFound, "This link does not work", "The setup link is unknown, used or expired.",
		"If the owner account exists, sign in at /login. Otherwise restart Portico to print a new link, or run `portico user add`.")
}

// handleSetup creates the owner account from the one-time link and signs
// them in.
func (h *Handler) handleSetup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !h.checkForm(w, r) {
		return nil
	}
	f := r.PostForm
	data := setupData{SiteName: h.opts.SiteName, Token: f.Get("token"), Name: f.Get("name"), Email: f.Get("email"),
		MinPassword: h.id.Options().MinPasswordLength}
	inv, err := h.id.CheckInvite(ctx, data.Token)
	if err != nil {
		if h.refusedSetupLink(w, err) {
			return nil
		}
		return err
	}
	data.Owner = inv.CreatedBy == 0
	errs := fieldErrors{}
	if utf8.RuneCountInString(strings.TrimSpace(data.Name)) > 100 {
		errs["name"] = "Use at most 100 characters."
	}
	if strings.TrimSpace(data.Email) == "" {
		errs["email"] = "Enter your email address."
	} else if _, err := identity.NormalizeEmail(data.Email); err != nil {
		errs["email"] = "Enter an email address like name@example.com."
	}
	if err := h.id.CheckPasswordStrength(f.Get("password")); err != nil {
		errs["password"] = passwordMessage(err, data.MinPassword)
	}
	if len(errs) == 0 {
		u, err := h.id.AcceptInvite(ctx, f.Get("token"), f.Get("email"), f.Get("name"), f.Get("password"))
		switch {
		case h.refusedSetupLink(w, err):
			return nil
		case errors.Is(err, identity.ErrEmailTaken):
			errs["email"] = "An account already uses this address."
		case errors.Is(err, identity.ErrInvalidEmail):
			errs["email"] = "Enter an email address like name@example.com."
		case errors.Is(err, identity.ErrWeakPassword):
			errs["password"] = passwordMessage(err, data.MinPassword)
		case err != nil:
			return err
		default:
			if _, err := h.id.StartSession(ctx, w, u, r.UserAgent()); err != nil {
				return err
			}
			ev := eventOf("setup.completed", nil)
			ev.UserID = u.ID
			h.oa.RecordEvent(ctx, ev)
			http.Redirect(w, r, h.opts.AfterSetupPath, http.StatusSeeOther)
			return nil
		}
	}
	// Keep what was typed; a rejected password is not sent back.
	if errs["password"] == "" {
		data.Password = f.Get("password")
	}
	data.Errors = errs
	return web.RenderStatus(w, http.StatusBadRequest, "setup", data)
}

// passwordMessage words a password rule for people.
func passwordMessage(err error, minLen int) string {
	if strings.Contains(err.Error(), "at most") {
		return "Use at most 1024 bytes."
	}
	return "Use at least " + strconv.Itoa(minLen) + " characters."
}

type setupDoneData struct {
	SiteName   string
	UserEmail  string
	IsAdmin    bool
	JustSetUp  bool
	MCPURL     string
	ClaudeCode string
	Warnings   []string
}

// handleSetupDone explains how to connect AI apps to this server.
func (h *Handler) handleSetupDone(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.requireSession(w, r)
	if err != nil || cur == nil {
		return err
	}
	issuer := h.oa.Issuer()
	mcp := issuer + "/mcp"
	d := setupDoneData{SiteName: h.opts.SiteName, UserEmail: cur.User.Email, IsAdmin: cur.User.Role == store.RoleAdmin,
		JustSetUp: h.oa.Now().Sub(cur.User.CreatedAt) < 10*time.Minute,
		MCPURL:    mcp, ClaudeCode: "claude mcp add --transport http portico " + mcp}
	d.Warnings = reachabilityWarnings(issuer)
	return web.Render(w, "setup_done", d)
}

// reachabilityWarnings explains why hosted apps may not reach issuer.
func reachabilityWarnings(issuer string) []string {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	var out []string
	host := u.Hostname()
	loopback := strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()) {
		loopback = true
	}
	if loopback {
		out = append(out, "This address ("+host+") only works from this computer or network. Claude.ai and ChatGPT connect from their own servers on the internet, so they cannot reach it; Claude Code and MCP Inspector on this machine can. Give Portico a public https address with --public-url to use the hosted apps.")
	}
	if u.Scheme != "https" {
		out = append(out, "This address uses http://, not https://. Claude.ai and ChatGPT only connect to https:// servers, and passwords and tokens would cross the network unencrypted.")
	}
	return out
}
