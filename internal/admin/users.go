package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/store"
)

// invitePrefix is the prefix identity requires of invite and setup secrets.
const invitePrefix = "pt_inv_"

func roles() []store.Role {
	return []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor, store.RoleViewer}
}

type userListData struct {
	Users  []store.User
	Pager  pager
	Roles  []store.Role
	Form   *form
	Invite string // the one-time link, shown on the POST response only
}

func (h *Handler) userList(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.renderUsers(w, r, s, http.StatusOK, newForm(url.Values{"role": {string(store.RoleAuthor)}}), "")
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, s *session, status int, f *form, invite string) error {
	ctx := r.Context()
	page, search := pageParams(r.URL.Query())
	us, err := h.Store.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("admin: list users: %w", err)
	}
	role := r.URL.Query().Get("role")
	var kept []store.User
	for _, u := range us {
		if matches(search, u.Email, u.Name) && (role == "" || string(u.Role) == role) {
			kept = append(kept, u)
		}
	}
	shown, p := paginate(kept, page, r.URL)
	return h.render(w, r, status, "users", s, "Users", userListData{Users: shown, Pager: p, Roles: roles(), Form: f, Invite: invite})
}

// userInvite creates a one-time invite link (an identity invite: the hash
// of a pt_inv_ secret, accepted on /setup) and shows it once.
func (h *Handler) userInvite(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	f := newForm(r.PostForm)
	role := store.Role(f.Get("role"))
	if !role.Valid() {
		f.Fail("role", "Choose a role.")
	}
	email := strings.TrimSpace(f.Get("email"))
	if email != "" {
		e, err := identity.NormalizeEmail(email)
		if err != nil {
			f.Fail("email", "This is not an email address. Leave it empty to let the person choose.")
		} else if _, err := h.Store.GetUserByEmail(ctx, e); err == nil {
			f.Fail("email", "Someone already has an account with this address.")
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("admin: check email: %w", err)
		}
		email = e
	}
	if !f.OK() {
		return h.renderUsers(w, r, s, http.StatusBadRequest, f, "")
	}
	link, err := h.createInvite(ctx, s, email, role)
	if err != nil {
		return err
	}
	h.log().InfoContext(ctx, "invite created", "role", role, "by", s.User.ID)
	return h.renderUsers(w, r, s, http.StatusCreated, newForm(url.Values{"role": {string(role)}}), link)
}

// createInvite stores an invite like identity.EnsureSetupLink does and
// returns its link.
func (h *Handler) createInvite(ctx context.Context, s *session, email string, role store.Role) (string, error) {
	secret := newInviteSecret()
	now := h.now()
	sum := sha256.Sum256([]byte(secret))
	if err := h.Store.CreateInvite(ctx, store.Invite{Hash: sum[:], Email: email, Role: role, CreatedBy: s.User.ID,
		CreatedAt: now, ExpiresAt: now.Add(h.inviteTTL())}); err != nil {
		return "", fmt.Errorf("admin: create invite: %w", err)
	}
	return h.base() + "/setup?token=" + url.QueryEscape(secret), nil
}

func newInviteSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return invitePrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

type userDetailData struct {
	User      store.User
	Roles     []store.Role
	Grants    []grantRow
	Tokens    []store.PersonalToken
	Sessions  int
	Form      *form
	ResetLink string
	Self      bool
	MinPass   int
}

type grantRow struct {
	store.Grant
	ClientName string
}

func (h *Handler) loadUser(ctx context.Context, r *http.Request) (store.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.User{}, notFound("There is no such user.")
	}
	u, err := h.Store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return u, notFound("There is no such user.")
	}
	if err != nil {
		return u, fmt.Errorf("admin: get user: %w", err)
	}
	return u, nil
}

func (h *Handler) userDetail(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.renderUser(w, r, s, http.StatusOK, newForm(nil), "")
}

func (h *Handler) renderUser(w http.ResponseWriter, r *http.Request, s *session, status int, f *form, reset string) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r)
	if err != nil {
		return err
	}
	d := userDetailData{User: u, Roles: roles(), Form: f, ResetLink: reset, Self: u.ID == s.User.ID,
		MinPass: h.Identity.Options().MinPasswordLength}
	gs, err := h.Store.ListGrantsByUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("admin: grants of user: %w", err)
	}
	for _, g := range gs {
		row := grantRow{Grant: g, ClientName: g.ClientID}
		if c, err := h.Store.GetClient(ctx, g.ClientID); err == nil {
			row.ClientName = displayName(c)
		}
		d.Grants = append(d.Grants, row)
	}
	if d.Tokens, err = h.Store.ListPersonalTokens(ctx, u.ID); err != nil {
		return fmt.Errorf("admin: tokens of user: %w", err)
	}
	ss, err := h.Store.ListUserSessions(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("admin: sessions of user: %w", err)
	}
	d.Sessions = len(ss)
	return h.render(w, r, status, "user", s, u.Email, d)
}

// activeAdmins counts enabled admins.
func (h *Handler) activeAdmins(ctx context.Context) (int, error) {
	us, err := h.Store.ListUsers(ctx)
	if err != nil {
		return 0, fmt.Errorf("admin: list users: %w", err)
	}
	n := 0
	for _, u := range us {
		if u.Role == store.RoleAdmin && !u.Disabled {
			n++
		}
	}
	return n, nil
}

func (h *Handler) userRole(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r)
	if err != nil {
		return err
	}
	f := newForm(r.PostForm)
	role := store.Role(f.Get("role"))
	if !role.Valid() {
		f.Fail("role", "Choose one of the four roles.")
		return h.renderUser(w, r, s, http.StatusBadRequest, f, "")
	}
	if u.Role == store.RoleAdmin && role != store.RoleAdmin && !u.Disabled {
		n, err := h.activeAdmins(ctx)
		if err != nil {
			return err
		}
		if n <= 1 {
			f.Fail("role", "This is the last administrator: make someone else an administrator first.")
			return h.renderUser(w, r, s, http.StatusBadRequest, f, "")
		}
	}
	u.Role, u.UpdatedAt = role, h.now()
	if _, err := h.Store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("admin: update role: %w", err)
	}
	h.log().InfoContext(ctx, "role changed", "user_id", u.ID, "role", role, "by", s.User.ID)
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "role")
}

// userDisable disables the account, ends its sessions and revokes its
// grants (its personal tokens stop working because the user is disabled).
func (h *Handler) userDisable(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r)
	if err != nil {
		return err
	}
	if u.ID == s.User.ID {
		f := newForm(nil)
		f.Fail("disable", "You cannot disable your own account.")
		return h.renderUser(w, r, s, http.StatusBadRequest, f, "")
	}
	now := h.now()
	u.Disabled, u.UpdatedAt = true, now
	if _, err := h.Store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("admin: disable user: %w", err)
	}
	if err := h.Store.DeleteUserSessions(ctx, u.ID); err != nil {
		return fmt.Errorf("admin: end sessions: %w", err)
	}
	gs, err := h.Store.ListGrantsByUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("admin: grants of user: %w", err)
	}
	for _, g := range gs {
		if g.RevokedAt.IsZero() {
			if err := h.Store.RevokeGrant(ctx, g.ID, now, "user disabled"); err != nil {
				return fmt.Errorf("admin: revoke grant: %w", err)
			}
		}
	}
	h.log().InfoContext(ctx, "user disabled", "user_id", u.ID, "by", s.User.ID)
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "disabled")
}

func (h *Handler) userEnable(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r)
	if err != nil {
		return err
	}
	u.Disabled, u.UpdatedAt = false, h.now()
	if _, err := h.Store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("admin: enable user: %w", err)
	}
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "enabled")
}

// userPassword sets a new password directly and ends the person's other
// sessions.
func (h *Handler) userPassword(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r)
	if err != nil {
		return err
	}
	f := newForm(nil) // never echo a password back
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("password2") {
		f.Fail("password", "The two passwords differ.")
		return h.renderUser(w, r, s, http.StatusBadRequest, f, "")
	}
	if err := h.Identity.SetPassword(ctx, u.ID, pw); errors.Is(err, identity.ErrWeakPassword) {
		f.Fail("password", fmt.Sprintf("Use at least %d characters.", h.Identity.Options().MinPasswordLength))
		return h.renderUser(w, r, s, http.StatusBadRequest, f, "")
	} else if err != nil {
		return fmt.Errorf("admin: set password: %w", err)
	}
	if u.ID != s.User.ID {
		if err := h.Store.DeleteUserSessions(ctx, u.ID); err != nil {
			return fmt.Errorf("admin: end sessions: %w", err)
		}
	}
	h.log().InfoContext(ctx, "password set by admin", "user_id", u.ID, "by", s.User.ID)
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "password")
}

// userResetLink makes a one-time password-reset link (identity's reset
// secret, which only /admin/reset accepts; /setup refuses it without using
// it).
func (h *Handler) userResetLink(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r)
	if err != nil {
		return err
	}
	secret, err := h.Identity.CreateResetLink(ctx, u.ID, s.User.ID, h.inviteTTL())
	if err != nil {
		return fmt.Errorf("admin: create reset link: %w", err)
	}
	h.log().InfoContext(ctx, "password reset link created", "user_id", u.ID, "by", s.User.ID)
	return h.renderUser(w, r, s, http.StatusCreated, newForm(nil), h.base()+"/admin/reset?token="+url.QueryEscape(secret))
}

func (h *Handler) userGrantRevoke(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	u, err := h.loadUser(ctx, r)
	if err != nil {
		return err
	}
	g, err := h.Store.GetGrant(ctx, r.PathValue("grant"))
	if errors.Is(err, store.ErrNotFound) || err == nil && g.UserID != u.ID {
		return notFound("There is no such connection.")
	}
	if err != nil {
		return fmt.Errorf("admin: get grant: %w", err)
	}
	if err := h.Store.RevokeGrant(ctx, g.ID, h.now(), "revoked by an administrator"); err != nil {
		return fmt.Errorf("admin: revoke grant: %w", err)
	}
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "grant-revoked")
}

// --- password reset (no session: the link is the credential)

type resetData struct {
	Token   string
	Email   string
	Form    *form
	MinPass int
}

// checkReset returns the account a live reset link is for.
func (h *Handler) checkReset(ctx context.Context, token string) (store.User, error) {
	u, err := h.Identity.CheckResetLink(ctx, token)
	if errors.Is(err, identity.ErrInvalidInvite) {
		return u, deadResetLink()
	}
	if err != nil {
		return u, fmt.Errorf("admin: check reset link: %w", err)
	}
	return u, nil
}

func deadResetLink() *pageError {
	return &pageError{Status: http.StatusNotFound, Title: "This link does not work",
		Message: "The password-reset link is unknown, used or expired. Ask an administrator for a new one."}
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	u, err := h.checkReset(r.Context(), tok)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reset", nil, "Choose a new password",
		resetData{Token: tok, Email: u.Email, Form: newForm(nil), MinPass: h.Identity.Options().MinPasswordLength})
}

// resetSubmit sets the new password through identity.ResetPassword, which
// uses the link once and ends every session of the account.
func (h *Handler) resetSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	tok := r.PostForm.Get("token")
	u, err := h.checkReset(ctx, tok)
	if err != nil {
		return err
	}
	f := newForm(nil)
	pw := r.PostForm.Get("password")
	d := resetData{Token: tok, Email: u.Email, Form: f, MinPass: h.Identity.Options().MinPasswordLength}
	if pw != r.PostForm.Get("password2") {
		f.Fail("password", "The two passwords differ.")
		return h.render(w, r, http.StatusBadRequest, "reset", nil, "Choose a new password", d)
	}
	u, err = h.Identity.ResetPassword(ctx, tok, pw)
	switch {
	case errors.Is(err, identity.ErrWeakPassword):
		f.Fail("password", fmt.Sprintf("Use at least %d characters.", d.MinPass))
		return h.render(w, r, http.StatusBadRequest, "reset", nil, "Choose a new password", d)
	case errors.Is(err, identity.ErrInvalidInvite):
		return deadResetLink()
	case err != nil:
		return fmt.Errorf("admin: reset password: %w", err)
	}
	h.log().InfoContext(ctx, "password reset with a link", "user_id", u.ID)
	http.Redirect(w, r, "/login?return=%2Fadmin%2F", http.StatusSeeOther)
	return nil
}
