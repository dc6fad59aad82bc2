package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
)

type tokenListData struct {
	Tokens  []store.PersonalToken
	Pager   pager
	Form    *form
	Scopes  []scopeOption
	Created *store.PersonalToken
	Secret  string // shown once, on the POST response
	MCPURL  string
	Now     time.Time
}

// expiryChoices are the lifetimes offered for a personal token ("" never).
func (h *Handler) tokenList(w http.ResponseWriter, r *http.Request, s *session) error {
	f := newForm(url.Values{"expires": {"90"}})
	return h.renderTokens(w, r, s, http.StatusOK, f, nil, "")
}

func (h *Handler) renderTokens(w http.ResponseWriter, r *http.Request, s *session, status int, f *form, created *store.PersonalToken, secret string) error {
	ts, err := h.Store.ListPersonalTokens(r.Context(), s.User.ID)
	if err != nil {
		return fmt.Errorf("admin: list tokens: %w", err)
	}
	page, search := pageParams(r.URL.Query())
	var kept []store.PersonalToken
	for _, t := range ts {
		if matches(search, t.Name, strings.Join(t.Scopes, " ")) {
			kept = append(kept, t)
		}
	}
	slices.SortFunc(kept, func(a, b store.PersonalToken) int { return b.CreatedAt.Compare(a.CreatedAt) })
	shown, p := paginate(kept, page, r.URL)
	role := oauth.RoleScopes(s.User.Role)
	var opts []scopeOption
	for _, sc := range role {
		opts = append(opts, scopeOption{Name: sc, Title: scopeTitle(sc), Checked: f.Has("scope", sc) || len(f.Values["scope"]) == 0 && sc == oauth.ScopeContentRead})
	}
	return h.render(w, r, status, "tokens", s, "Personal access tokens", tokenListData{Tokens: shown, Pager: p, Form: f,
		Scopes: opts, Created: created, Secret: secret, MCPURL: h.base() + "/mcp", Now: h.now()})
}

func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	f := newForm(r.PostForm)
	name := strings.TrimSpace(f.Get("name"))
	switch {
	case name == "":
		f.Fail("name", "Name the token after where it will be used, e.g. “laptop script”.")
	case len(name) > 100:
		f.Fail("name", "Keep the name under 100 characters.")
	}
	scopes := oauth.IntersectScopes(r.PostForm["scope"], oauth.RoleScopes(s.User.Role))
	if len(scopes) == 0 {
		f.Fail("scope", "Choose at least one scope your role allows.")
	}
	var ttl time.Duration
	switch e := f.Get("expires"); e {
	case "never":
	case "7", "30", "90", "365":
		days, _ := strconv.Atoi(e)
		ttl = time.Duration(days) * 24 * time.Hour
	default:
		f.Fail("expires", "Choose when the token expires.")
	}
	if !f.OK() {
		return h.renderTokens(w, r, s, http.StatusBadRequest, f, nil, "")
	}
	raw, pt, err := h.OAuth.MintPersonalToken(ctx, s.User.ID, name, scopes, ttl)
	if err != nil {
		return fmt.Errorf("admin: mint personal token: %w", err)
	}
	h.log().InfoContext(ctx, "personal token created", "token_id", pt.ID, "user_id", s.User.ID)
	return h.renderTokens(w, r, s, http.StatusCreated, newForm(url.Values{"expires": {"90"}}), &pt, raw)
}

func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such token.")
	}
	ts, err := h.Store.ListPersonalTokens(ctx, s.User.ID)
	if err != nil {
		return fmt.Errorf("admin: list tokens: %w", err)
	}
	if !slices.ContainsFunc(ts, func(t store.PersonalToken) bool { return t.ID == id }) {
		return notFound("There is no such token among yours.")
	}
	if err := h.Store.RevokePersonalToken(ctx, id, h.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("admin: revoke token: %w", err)
	}
	return redirect(w, r, "/admin/tokens", "token-revoked")
}
