package authserver

import (
	"errors"
	"net/http"
	"strings"

	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/web"
)

type loginData struct {
	SiteName   string
	ClientName string
	Return     string
	Email      string
	Error      string
}

// handleLoginPage shows the sign-in form (or skips it when signed in).
func (h *Handler) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	ret := safeReturn(r.URL.Query().Get("return"))
	if cur, err := h.id.FromRequest(r.Context(), r); err == nil && cur != nil {
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return nil
	}
	return web.Render(w, "login", loginData{SiteName: h.opts.SiteName, Return: ret})
}

const loginFailed = "That email and password do not match an account."

// handleLogin checks a password, rate-limited per IP and per email, with one
// generic error for every failure.
func (h *Handler) handleLogin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "")
		return nil
	}
	if err := h.cop.Check(r); err != nil {
		h.errorPage(w, http.StatusForbidden, "Forbidden", "Cross-site form submissions are refused.", "")
		return nil
	}
	email, _ := identity.NormalizeEmail(r.PostForm.Get("email"))
	data := loginData{SiteName: h.opts.SiteName, Return: safeReturn(r.PostForm.Get("return")), Email: r.PostForm.Get("email")}
	if !h.loginIPLimit.Allow(h.clientIP(r)) || !h.loginEmailLimit.Allow("email:"+email) {
		data.Error = "Too many sign-in attempts. Wait a minute and try again."
		w.Header().Set("Retry-After", "60")
		return web.RenderStatus(w, http.StatusTooManyRequests, "login", data)
	}
	u, err := h.id.Authenticate(ctx, r.PostForm.Get("email"), r.PostForm.Get("password"))
	if errors.Is(err, identity.ErrInvalidCredentials) {
		ev := eventOf("login.failed", nil)
		ev.Outcome = "error"
		h.oa.RecordEvent(ctx, ev)
		data.Error = loginFailed
		return web.RenderStatus(w, http.StatusUnauthorized, "login", data)
	}
	if err != nil {
		return err
	}
	if _, err := h.id.StartSession(ctx, w, u, r.UserAgent()); err != nil {
		return err
	}
	ev := eventOf("login.ok", nil)
	ev.UserID = u.ID
	h.oa.RecordEvent(ctx, ev)
	http.Redirect(w, r, data.Return, http.StatusSeeOther)
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
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

type setupData struct {
	SiteName    string
	Token       string
	Name, Email string
	MinPassword int
	Error       string
}

// handleSetupPage shows the owner-creation form for a live setup link.
func (h *Handler) handleSetupPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	if _, err := h.id.CheckInvite(r.Context(), tok); err != nil {
		if errors.Is(err, identity.ErrInvalidInvite) {
			h.errorPage(w, http.StatusNotFound, "This link does not work", "The setup link is unknown, used or expired.",
				"Restart Portico to print a new one, or run `portico user add`.")
			return nil
		}
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return web.Render(w, "setup", setupData{SiteName: h.opts.SiteName, Token: tok, MinPassword: h.id.Options().MinPasswordLength})
}

// handleSetup creates the owner account from the one-time link and signs
// them in.
func (h *Handler) handleSetup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "")
		return nil
	}
	if err := h.cop.Check(r); err != nil {
		h.errorPage(w, http.StatusForbidden, "Forbidden", "Cross-site form submissions are refused.", "")
		return nil
	}
	f := r.PostForm
	data := setupData{SiteName: h.opts.SiteName, Token: f.Get("token"), Name: f.Get("name"), Email: f.Get("email"),
		MinPassword: h.id.Options().MinPasswordLength}
	u, err := h.id.AcceptInvite(ctx, f.Get("token"), f.Get("email"), f.Get("name"), f.Get("password"))
	switch {
	case errors.Is(err, identity.ErrInvalidInvite):
		h.errorPage(w, http.StatusNotFound, "This link does not work", "The setup link is unknown, used or expired.", "")
		return nil
	case errors.Is(err, identity.ErrInvalidEmail), errors.Is(err, identity.ErrWeakPassword), errors.Is(err, identity.ErrEmailTaken):
		data.Error = strings.TrimPrefix(err.Error(), "identity: ")
		return web.RenderStatus(w, http.StatusBadRequest, "setup", data)
	case err != nil:
		return err
	}
	if _, err := h.id.StartSession(ctx, w, u, r.UserAgent()); err != nil {
		return err
	}
	ev := eventOf("setup.completed", nil)
	ev.UserID = u.ID
	h.oa.RecordEvent(ctx, ev)
	http.Redirect(w, r, h.opts.AfterSetupPath, http.StatusSeeOther)
	return nil
}
