package authserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/web"
)

type passwordForm struct {
	Current, New, Confirm string
	Errors                fieldErrors
}

type sessionView struct {
	Device                string
	CreatedAt, LastSeenAt time.Time
	Current               bool
}

type accountData struct {
	SiteName        string
	User            store.User
	IsAdmin         bool
	CSRF            string
	Notice, Error   string
	PasskeysEnabled bool
	Passkeys        []identity.Passkey
	HasPassword     bool
	MinPassword     int
	PW              passwordForm
	Sessions        []sessionView
}

// accountNotices are the messages a redirect back to /account may show
// (?done=<key>), so nothing the person typed travels in a URL.
var accountNotices = map[string]string{
	"password":        "Your password was changed. Every other session was signed out.",
	"sessions":        "Every other session was signed out.",
	"passkey-added":   "Your passkey was added. You can now sign in with it.",
	"passkey-removed": "The passkey was removed.",
}

func (h *Handler) accountData(r *http.Request, cur *identity.Current) (accountData, error) {
	ctx := r.Context()
	d := accountData{SiteName: h.opts.SiteName, User: cur.User, IsAdmin: cur.User.Role == store.RoleAdmin, CSRF: cur.CSRFToken(),
		PasskeysEnabled: h.id.PasskeysEnabled(), HasPassword: cur.User.PasswordHash != "",
		MinPassword: h.id.Options().MinPasswordLength, Notice: accountNotices[r.URL.Query().Get("done")]}
	// Do not render the password hash into templates by accident.
	d.User.PasswordHash = ""
	var err error
	if d.Passkeys, err = h.id.ListPasskeys(ctx, cur.User.ID); err != nil {
		return d, err
	}
	sessions, err := h.id.ListSessions(ctx, cur.User.ID)
	if err != nil {
		return d, err
	}
	for _, s := range sessions {
		d.Sessions = append(d.Sessions, sessionView{Device: deviceName(s.UserAgent), CreatedAt: s.CreatedAt,
			LastSeenAt: s.LastSeenAt, Current: cur.IsCurrent(s)})
	}
	return d, nil
}

// deviceName summarises a User-Agent for people.
func deviceName(ua string) string {
	browser := "A browser"
	for _, b := range []struct{ token, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
		{"Chromium/", "Chromium"}, {"Safari/", "Safari"}, {"curl/", "curl"}} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
		{"Mac OS X", "macOS"}, {"Windows", "Windows"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	if ua == "" {
		return "Unknown device"
	}
	return browser
}

// handleAccount shows the signed-in person's account: passkeys, password,
// sessions.
func (h *Handler) handleAccount(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.requireSession(w, r)
	if err != nil || cur == nil {
		return err
	}
	d, err := h.accountData(r, cur)
	if err != nil {
		return err
	}
	return web.Render(w, "account", d)
}

// accountForm checks a posted account form: cross-origin check, session
// and its CSRF token. It writes the error page and returns nil on failure.
func (h *Handler) accountForm(w http.ResponseWriter, r *http.Request) (*identity.Current, error) {
	if !h.checkForm(w, r) {
		return nil, nil
	}
	cur, err := h.current(r)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		http.Redirect(w, r, "/login?return=%2Faccount", http.StatusSeeOther)
		return nil, nil
	}
	if !cur.CheckCSRF(r.PostForm.Get("csrf_token")) {
		h.errorPage(w, http.StatusForbidden, "This form has expired", "The form could not be verified. Reload your account page and try again.", "")
		return nil, nil
	}
	return cur, nil
}

// handleAccountPassword changes (or sets) the password and ends every other
// session.
func (h *Handler) handleAccountPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, err := h.accountForm(w, r)
	if err != nil || cur == nil {
		return err
	}
	f := r.PostForm
	pw := passwordForm{Current: f.Get("current_password"), New: f.Get("new_password"), Confirm: f.Get("confirm_password"), Errors: fieldErrors{}}
	minLen := h.id.Options().MinPasswordLength
	if cur.User.PasswordHash != "" && pw.Current == "" {
		pw.Errors["current_password"] = "Enter your current password."
	}
	if err := h.id.CheckPasswordStrength(pw.New); err != nil {
		pw.Errors["new_password"] = passwordMessage(err, minLen)
	} else if pw.Confirm != pw.New {
		pw.Errors["confirm_password"] = "This does not match the new password."
	}
	if len(pw.Errors) == 0 {
		if key := h.loginLimited(r, cur.User.Email); key != "" {
			h.rateLimitHit(r, "account_password", key)
			pw.Errors["current_password"] = "Too many attempts. Wait a minute and try again."
		} else {
			err := h.id.ChangePassword(ctx, cur.User.ID, pw.Current, pw.New)
			switch {
			case errors.Is(err, identity.ErrWrongPassword):
				pw.Errors["current_password"] = "This is not your current password."
			case errors.Is(err, identity.ErrWeakPassword):
				pw.Errors["new_password"] = passwordMessage(err, minLen)
			case err != nil:
				return err
			default:
				if _, err := h.id.EndOtherSessions(ctx, cur); err != nil {
					return err
				}
				ev := eventOf("account.password_changed", nil)
				ev.UserID = cur.User.ID
				h.oa.RecordEvent(ctx, ev)
				http.Redirect(w, r, "/account?done=password#password", http.StatusSeeOther)
				return nil
			}
		}
	}
	// Keep what was typed, except a value that was itself refused.
	if pw.Errors["current_password"] != "" {
		pw.Current = ""
	}
	if pw.Errors["new_password"] != "" {
		pw.New, pw.Confirm = "", ""
	}
	if pw.Errors["confirm_password"] != "" {
		pw.Confirm = ""
	}
	d, err := h.accountData(r, cur)
	if err != nil {
		return err
	}
	d.PW = pw
	d.Error = "Your password was not changed. See the messages below."
	return web.RenderStatus(w, http.StatusBadRequest, "account", d)
}

// handleEndOtherSessions signs the person out everywhere but here.
func (h *Handler) handleEndOtherSessions(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.accountForm(w, r)
	if err != nil || cur == nil {
		return err
	}
	n, err := h.id.EndOtherSessions(r.Context(), cur)
	if err != nil {
		return err
	}
	ev := eventOf("account.sessions_ended", map[string]string{"count": strconv.Itoa(n)})
	ev.UserID = cur.User.ID
	h.oa.RecordEvent(r.Context(), ev)
	http.Redirect(w, r, "/account?done=sessions#sessions", http.StatusSeeOther)
	return nil
}

// handlePasskeyDelete removes one passkey.
func (h *Handler) handlePasskeyDelete(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.accountForm(w, r)
	if err != nil || cur == nil {
		return err
	}
	err = h.id.RemovePasskey(r.Context(), cur.User.ID, r.PostForm.Get("id"))
	if errors.Is(err, identity.ErrPasskeyNotFound) {
		h.errorPage(w, http.StatusNotFound, "No such passkey", "This passkey was already removed.", "")
		return nil
	}
	if err != nil {
		return err
	}
	ev := eventOf("account.passkey_removed", nil)
	ev.UserID = cur.User.ID
	h.oa.RecordEvent(r.Context(), ev)
	http.Redirect(w, r, "/account?done=passkey-removed#passkeys", http.StatusSeeOther)
	return nil
}

// jsonError answers a passkey endpoint with {"error": message}.
func jsonError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}

// jsonRequest checks a passkey endpoint's request: POST with a JSON body
// from our own origin (http.CrossOriginProtection). It decodes the body
// into v when v is not nil.
func (h *Handler) jsonRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := h.cop.Check(r); err != nil {
		jsonError(w, http.StatusForbidden, "Cross-site requests are refused.")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	b, err := io.ReadAll(r.Body)
	if err != nil {
		jsonError(w, http.StatusRequestEntityTooLarge, "The request is too large.")
		return false
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			jsonError(w, http.StatusBadRequest, "The request could not be read.")
			return false
		}
	}
	return true
}

// accountJSON is jsonRequest plus a session whose CSRF token is in the
// X-CSRF-Token header.
func (h *Handler) accountJSON(w http.ResponseWriter, r *http.Request, v any) (*identity.Current, error) {
	if !h.jsonRequest(w, r, v) {
		return nil, nil
	}
	cur, err := h.current(r)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		jsonError(w, http.StatusUnauthorized, "You are signed out. Sign in again.")
		return nil, nil
	}
	if !cur.CheckCSRF(r.Header.Get("X-CSRF-Token")) {
		jsonError(w, http.StatusForbidden, "This page has expired. Reload it and try again.")
		return nil, nil
	}
	return cur, nil
}

// handlePasskeyAddBegin returns navigator.credentials.create options.
func (h *Handler) handlePasskeyAddBegin(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.accountJSON(w, r, nil)
	if err != nil || cur == nil {
		return err
	}
	opts, err := h.id.BeginPasskeyRegistration(r.Context(), w, cur.User)
	return writePasskeyOptions(w, opts, err)
}

// handlePasskeyAddFinish stores the new passkey.
func (h *Handler) handlePasskeyAddFinish(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name       string          `json:"name"`
		Credential json.RawMessage `json:"credential"`
	}
	cur, err := h.accountJSON(w, r, &body)
	if err != nil || cur == nil {
		return err
	}
	pk, err := h.id.FinishPasskeyRegistration(r.Context(), w, r, cur.User, body.Name, body.Credential)
	switch {
	case errors.Is(err, identity.ErrFlowExpired):
		jsonError(w, http.StatusBadRequest, "This attempt expired. Try again.")
		return nil
	case errors.Is(err, identity.ErrPasskeyFailed):
		h.log.InfoContext(r.Context(), "passkey registration refused", "user_id", cur.User.ID, "err", err)
		jsonError(w, http.StatusBadRequest, "The passkey could not be verified. Try again.")
		return nil
	case err != nil:
		return err
	}
	ev := eventOf("account.passkey_added", map[string]string{"synced": boolStr(pk.Synced)})
	ev.UserID = cur.User.ID
	h.oa.RecordEvent(r.Context(), ev)
	writeJSON(w, http.StatusOK, map[string]string{"redirect": "/account?done=passkey-added#passkeys"})
	return nil
}

// handlePasskeyLoginBegin returns navigator.credentials.get options for a
// discoverable passkey.
func (h *Handler) handlePasskeyLoginBegin(w http.ResponseWriter, r *http.Request) error {
	if !h.jsonRequest(w, r, nil) {
		return nil
	}
	opts, err := h.id.BeginPasskeyLogin(r.Context(), w)
	return writePasskeyOptions(w, opts, err)
}

// writePasskeyOptions answers the start of a passkey ceremony: its options,
// or 404 when the server has passkeys turned off.
func writePasskeyOptions(w http.ResponseWriter, opts any, err error) error {
	if errors.Is(err, identity.ErrPasskeysDisabled) {
		jsonError(w, http.StatusNotFound, "Passkeys are not available on this server.")
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, opts)
	return nil
}

// handlePasskeyLoginFinish verifies the assertion and starts a session.
func (h *Handler) handlePasskeyLoginFinish(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Credential json.RawMessage `json:"credential"`
		Return     string          `json:"return"`
	}
	if !h.jsonRequest(w, r, &body) {
		return nil
	}
	r = withAttempt(r, attemptOfReturn(safeReturn(body.Return)))
	ctx := r.Context()
	if !h.loginIPLimit.Allow(h.clientIP(r)) {
		h.rateLimitHit(r, "login_passkey", "ip")
		w.Header().Set("Retry-After", "60")
		jsonError(w, http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute and try again.")
		return nil
	}
	u, err := h.id.FinishPasskeyLogin(ctx, w, r, body.Credential)
	switch {
	case errors.Is(err, identity.ErrFlowExpired):
		jsonError(w, http.StatusBadRequest, "This attempt expired. Try again.")
		return nil
	case errors.Is(err, identity.ErrPasskeyFailed):
		h.log.InfoContext(ctx, "passkey sign-in refused", "err", err)
		ev := eventOf("login.failed", map[string]string{"method": "passkey"})
		ev.Outcome = "error"
		h.oa.RecordEvent(ctx, ev)
		jsonError(w, http.StatusUnauthorized, "This passkey is not registered for an account here, or could not be verified.")
		return nil
	case err != nil:
		return err
	}
	if _, err := h.id.StartSession(ctx, w, u, r.UserAgent()); err != nil {
		return err
	}
	ev := eventOf("login.ok", map[string]string{"method": "passkey"})
	ev.UserID = u.ID
	h.oa.RecordEvent(ctx, ev)
	writeJSON(w, http.StatusOK, map[string]string{"redirect": safeReturn(body.Return)})
	return nil
}
