package admin

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
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

// clientRow is one client in the list.
type clientRow struct {
	store.Client
	TypeLabel     string
	RedirectHosts []string
	Approvers     []string
	Scopes        []string
	ActiveGrants  int
	LastToken     time.Time
	LastCall      time.Time
	Status        Diagnosis
}

func typeLabel(t store.ClientType) string {
	switch t {
	case store.ClientDynamic:
		return "DCR"
	case store.ClientMetadata:
		return "CIMD"
	case store.ClientStatic:
		return "pre-registered"
	}
	return string(t)
}

func redirectHosts(uris []string) []string {
	var out []string
	for _, u := range uris {
		h := oauth.RedirectHost(u)
		if h == "" {
			h = u
		}
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func displayName(c store.Client) string {
	if c.Name != "" {
		return c.Name
	}
	return "Unnamed client"
}

// visibleClients returns the clients s may see: all for admins, else those
// the person approved (has a grant with).
func (h *Handler) visibleClients(ctx context.Context, s *session) ([]store.Client, map[string][]store.Grant, error) {
	grantsOf := map[string][]store.Grant{}
	if !s.IsAdmin() {
		gs, err := h.Store.ListGrantsByUser(ctx, s.User.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("admin: list grants: %w", err)
		}
		var out []store.Client
		for _, g := range gs {
			grantsOf[g.ClientID] = append(grantsOf[g.ClientID], g)
		}
		for id := range grantsOf {
			c, err := h.Store.GetClient(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, nil, fmt.Errorf("admin: get client: %w", err)
			}
			out = append(out, c)
		}
		slices.SortFunc(out, func(a, b store.Client) int { return b.CreatedAt.Compare(a.CreatedAt) })
		return out, grantsOf, nil
	}
	cs, err := h.Store.ListClients(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("admin: list clients: %w", err)
	}
	slices.SortFunc(cs, func(a, b store.Client) int {
		return cmp.Or(cmp.Compare(b.LastUsedAt.Unix(), a.LastUsedAt.Unix()), b.CreatedAt.Compare(a.CreatedAt))
	})
	return cs, nil, nil
}

type clientListData struct {
	Rows   []clientRow
	Pager  pager
	Filter string
}

func (h *Handler) clientList(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	page, search := pageParams(r.URL.Query())
	filter := r.URL.Query().Get("show")
	cs, mine, err := h.visibleClients(ctx, s)
	if err != nil {
		return err
	}
	var kept []store.Client
	for _, c := range cs {
		if !matches(search, c.Name, c.ID, strings.Join(c.RedirectURIs, " "), c.SoftwareID) {
			continue
		}
		switch filter {
		case "active":
			if !c.DisabledAt.IsZero() {
				continue
			}
		case "revoked":
			if c.DisabledAt.IsZero() {
				continue
			}
		}
		kept = append(kept, c)
	}
	shown, p := paginate(kept, page, r.URL)
	users, err := h.userNames(ctx)
	if err != nil {
		return err
	}
	d := clientListData{Pager: p, Filter: filter}
	for _, c := range shown {
		row, err := h.clientRow(ctx, c, users, mine)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, row)
	}
	return h.render(w, r, http.StatusOK, "clients", s, "Connected clients", d)
}

func (h *Handler) clientRow(ctx context.Context, c store.Client, users map[int64]store.User, mine map[string][]store.Grant) (clientRow, error) {
	row := clientRow{Client: c, TypeLabel: typeLabel(c.Type), RedirectHosts: redirectHosts(c.RedirectURIs)}
	gs := mine[c.ID]
	if mine == nil {
		var err error
		if gs, err = h.Store.ListGrantsByClient(ctx, c.ID); err != nil {
			return row, fmt.Errorf("admin: grants of %s: %w", c.ID, err)
		}
	}
	for _, g := range gs {
		if !g.RevokedAt.IsZero() {
			continue
		}
		row.ActiveGrants++
		if u, ok := users[g.UserID]; ok && !slices.Contains(row.Approvers, u.Email) {
			row.Approvers = append(row.Approvers, u.Email)
		}
		for _, sc := range g.Scopes {
			if !slices.Contains(row.Scopes, sc) {
				row.Scopes = append(row.Scopes, sc)
			}
		}
	}
	row.Scopes = oauth.NormalizeScopes(row.Scopes)
	for _, k := range []string{kindTokenIssued, kindRefreshed} {
		evs, err := h.Store.ListEvents(ctx, store.EventFilter{ClientID: c.ID, Kind: k, Limit: 1})
		if err != nil {
			return row, fmt.Errorf("admin: events of %s: %w", c.ID, err)
		}
		if len(evs) > 0 && evs[0].At.After(row.LastToken) {
			row.LastToken = evs[0].At
		}
	}
	evs, err := h.Store.ListEvents(ctx, store.EventFilter{ClientID: c.ID, Kind: kindFirstCall, Limit: 1})
	if err != nil {
		return row, fmt.Errorf("admin: events of %s: %w", c.ID, err)
	}
	if len(evs) > 0 {
		row.LastCall = evs[0].At
	}
	for _, g := range gs {
		if g.LastUsedAt.After(row.LastCall) {
			row.LastCall = g.LastUsedAt
		}
	}
	recent, err := h.Store.ListEvents(ctx, store.EventFilter{ClientID: c.ID, Limit: 200})
	if err != nil {
		return row, fmt.Errorf("admin: events of %s: %w", c.ID, err)
	}
	grants := map[string]store.Grant{}
	for _, g := range gs {
		grants[g.ID] = g
	}
	if as := GroupAttempts(recent); len(as) > 0 {
		row.Status = h.diagnose(as[len(as)-1], c, grants)
	} else {
		row.Status = Diagnose(DiagnoseInput{Now: h.now(), ClientDisabled: c.DisabledAt})
	}
	return row, nil
}

func (h *Handler) diagnose(a Attempt, c store.Client, grants map[string]store.Grant) Diagnosis {
	in := DiagnoseInput{Events: a.Events, Now: h.now(), ClientDisabled: c.DisabledAt}
	if g, ok := grants[a.GrantID]; ok {
		in.GrantRevoked, in.RevokeReason = g.RevokedAt, g.RevokeReason
	}
	return Diagnose(in)
}

// stepView is one event on a timeline.
type stepView struct {
	store.Event
	Label     string
	Detail    string
	UserEmail string
}

// attemptView is one attempt on a timeline, newest attempts first.
type attemptView struct {
	N         int
	Start     time.Time
	Steps     []stepView
	Diagnosis Diagnosis
	Grant     *store.Grant
	UserEmail string
}

type clientDetailData struct {
	Client     clientRow
	Attempts   []attemptView
	Grants     []grantView
	Scopes     []scopeOption
	Capped     bool
	Metadata   string
	MayManage  bool
	Form       *form
	MoreEvents bool
}

type grantView struct {
	store.Grant
	UserEmail string
	Mine      bool
}

type scopeOption struct {
	Name, Title string
	Checked     bool
}

func scopeTitle(s string) string {
	switch s {
	case oauth.ScopeContentRead:
		return "Read content"
	case oauth.ScopeContentWrite:
		return "Write drafts and edits"
	case oauth.ScopeContentPublish:
		return "Publish, delete and moderate"
	case oauth.ScopeSiteAdmin:
		return "Administer the site (settings, users)"
	}
	return s
}

// timelineLimit bounds the events one timeline page reads.
const timelineLimit = 500

func (h *Handler) clientDetail(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.renderClient(w, r, s, http.StatusOK, nil)
}

func (h *Handler) loadClient(ctx context.Context, id string) (store.Client, error) {
	c, err := h.Store.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, notFound("There is no client with this ID. It may have expired (unused registrations are removed after a week).")
	}
	if err != nil {
		return c, fmt.Errorf("admin: get client: %w", err)
	}
	return c, nil
}

func (h *Handler) renderClient(w http.ResponseWriter, r *http.Request, s *session, status int, f *form) error {
	ctx := r.Context()
	c, err := h.loadClient(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	gs, err := h.Store.ListGrantsByClient(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("admin: grants of %s: %w", c.ID, err)
	}
	var mine map[string][]store.Grant
	if !s.IsAdmin() {
		mine = map[string][]store.Grant{}
		for _, g := range gs {
			if g.UserID == s.User.ID {
				mine[c.ID] = append(mine[c.ID], g)
			}
		}
		if len(mine[c.ID]) == 0 {
			return notFound("You have not connected this client. Only administrators see every client.")
		}
	}
	users, err := h.userNames(ctx)
	if err != nil {
		return err
	}
	row, err := h.clientRow(ctx, c, users, mine)
	if err != nil {
		return err
	}
	evs, err := h.clientEvents(ctx, c)
	if err != nil {
		return err
	}
	grants := map[string]store.Grant{}
	for _, g := range gs {
		grants[g.ID] = g
	}
	d := clientDetailData{Client: row, MayManage: s.IsAdmin(), Form: f, MoreEvents: len(evs) >= timelineLimit}
	if d.Form == nil {
		d.Form = newForm(nil)
	}
	for _, g := range gs {
		if !s.IsAdmin() && g.UserID != s.User.ID {
			continue
		}
		d.Grants = append(d.Grants, grantView{Grant: g, UserEmail: users[g.UserID].Email, Mine: g.UserID == s.User.ID})
	}
	attempts := GroupAttempts(evs)
	for i, a := range attempts {
		if !s.IsAdmin() && !slices.ContainsFunc(a.Events, func(e store.Event) bool { return e.UserID == s.User.ID }) {
			continue
		}
		av := attemptView{N: i + 1, Start: a.Start(), Diagnosis: h.diagnose(a, c, grants)}
		if g, ok := grants[a.GrantID]; ok {
			av.Grant = &g
			av.UserEmail = users[g.UserID].Email
		}
		for _, e := range a.Events {
			av.Steps = append(av.Steps, stepView{Event: e, Label: stepLabel(e.Kind), Detail: detailText(e), UserEmail: users[e.UserID].Email})
		}
		d.Attempts = append(d.Attempts, av)
	}
	slices.Reverse(d.Attempts)
	d.Capped = c.AllowedScopes != nil
	for _, sc := range oauth.ContentScopes() {
		d.Scopes = append(d.Scopes, scopeOption{Name: sc, Title: scopeTitle(sc), Checked: c.AllowedScopes == nil || slices.Contains(c.AllowedScopes, sc)})
	}
	if s.IsAdmin() && len(c.MetadataJSON) > 0 {
		d.Metadata = string(c.MetadataJSON)
	}
	return h.render(w, r, status, "client", s, displayName(c), d)
}

// clientEvents returns the client's events plus the unattributed discovery
// and sign-in events from the same addresses around them (metadata requests
// carry no client ID), oldest first.
func (h *Handler) clientEvents(ctx context.Context, c store.Client) ([]store.Event, error) {
	evs, err := h.Store.ListEvents(ctx, store.EventFilter{ClientID: c.ID, Limit: timelineLimit})
	if err != nil {
		return nil, fmt.Errorf("admin: events of %s: %w", c.ID, err)
	}
	if len(evs) == 0 {
		return nil, nil
	}
	first := evs[len(evs)-1].At
	ips := map[string][]time.Time{}
	for _, e := range evs {
		if e.RemoteIP != "" {
			ips[e.RemoteIP] = append(ips[e.RemoteIP], e.At)
		}
	}
	near := func(e store.Event, before, afterDur time.Duration) bool {
		for _, t := range ips[e.RemoteIP] {
			if !e.At.Before(t.Add(-before)) && !e.At.After(t.Add(afterDur)) {
				return true
			}
		}
		return false
	}
	for _, k := range []string{kindPRM, kindAS, kindLoginFailed, kindLoginOK} {
		extra, err := h.Store.ListEvents(ctx, store.EventFilter{Kind: k, Since: first.Add(-5 * time.Minute), Limit: 200})
		if err != nil {
			return nil, fmt.Errorf("admin: discovery events: %w", err)
		}
		for _, e := range extra {
			if e.ClientID == "" && e.RemoteIP != "" && near(e, 5*time.Minute, 10*time.Minute) {
				evs = append(evs, e)
			}
		}
	}
	return evs, nil
}

// clientRevoke disables a client and revokes every grant (and so every
// token) it holds, at once.
func (h *Handler) clientRevoke(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	c, err := h.loadClient(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	now := h.now()
	n, err := h.Store.RevokeClientGrants(ctx, c.ID, now, "client revoked by an administrator")
	if err != nil {
		return fmt.Errorf("admin: revoke grants of %s: %w", c.ID, err)
	}
	if c.DisabledAt.IsZero() {
		c.DisabledAt, c.UpdatedAt = now, now
		if _, err := h.Store.UpdateClient(ctx, c); err != nil {
			return fmt.Errorf("admin: disable client %s: %w", c.ID, err)
		}
	}
	h.OAuth.RecordEvent(ctx, store.Event{Kind: kindAdminRevoked, ClientID: c.ID, UserID: s.User.ID,
		Detail: map[string]string{"by": s.User.Email, "grants": strconv.FormatInt(n, 10)}, RemoteIP: h.clientIP(r), UserAgent: r.UserAgent()})
	h.log().InfoContext(ctx, "client revoked", "client_id", c.ID, "grants", n, "by", s.User.ID)
	return redirect(w, r, "/admin/clients/"+url.PathEscape(c.ID), "revoked")
}

// clientScopes sets the client's scope cap (nil: no cap) and, if asked,
// revokes its grants that hold more than the cap (a cap only applies to
// new authorizations otherwise).
func (h *Handler) clientScopes(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	c, err := h.loadClient(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(r.PostForm)
	picked := oauth.NormalizeScopes(r.PostForm["scope"])
	if len(picked) == 0 {
		f.Fail("scope", "Keep at least one scope, or revoke the client instead.")
		return h.renderClient(w, r, s, http.StatusBadRequest, f)
	}
	if len(picked) == len(oauth.ContentScopes()) {
		c.AllowedScopes = nil
	} else {
		c.AllowedScopes = picked
	}
	c.UpdatedAt = h.now()
	if _, err := h.Store.UpdateClient(ctx, c); err != nil {
		return fmt.Errorf("admin: cap client %s: %w", c.ID, err)
	}
	if r.PostForm.Get("revoke_wider") == "1" && c.AllowedScopes != nil {
		gs, err := h.Store.ListGrantsByClient(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("admin: grants of %s: %w", c.ID, err)
		}
		for _, g := range gs {
			if g.RevokedAt.IsZero() && !oauth.ScopesCover(c.AllowedScopes, oauth.NormalizeScopes(g.Scopes)) {
				if err := h.Store.RevokeGrant(ctx, g.ID, h.now(), "scopes capped by an administrator"); err != nil {
					return fmt.Errorf("admin: revoke grant %s: %w", g.ID, err)
				}
			}
		}
	}
	return redirect(w, r, "/admin/clients/"+url.PathEscape(c.ID), "scopes")
}

// grantRevoke lets a person revoke one of their own connections (admins
// any).
func (h *Handler) grantRevoke(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	g, err := h.Store.GetGrant(ctx, r.PathValue("grant"))
	if errors.Is(err, store.ErrNotFound) || err == nil && g.ClientID != r.PathValue("id") {
		return notFound("There is no such connection.")
	}
	if err != nil {
		return fmt.Errorf("admin: get grant: %w", err)
	}
	if !s.IsAdmin() && g.UserID != s.User.ID {
		return notFound("There is no such connection.")
	}
	if err := h.Store.RevokeGrant(ctx, g.ID, h.now(), "revoked in the admin pages by "+s.User.Email); err != nil {
		return fmt.Errorf("admin: revoke grant: %w", err)
	}
	return redirect(w, r, "/admin/clients/"+url.PathEscape(g.ClientID), "grant-revoked")
}

// --- pre-registration

type clientNewData struct {
	Form   *form
	Scopes []scopeOption
	// Created is set once, on the POST response: the secret is shown here
	// and never again.
	Created *store.Client
	Secret  string
}

func (h *Handler) clientNewPage(w http.ResponseWriter, r *http.Request, s *session) error {
	f := newForm(url.Values{"auth_method": {oauth.AuthMethodClientSecretPost}})
	return h.render(w, r, http.StatusOK, "client_new", s, "Pre-register a client", clientNewData{Form: f, Scopes: allScopes(nil)})
}

func allScopes(checked []string) []scopeOption {
	var out []scopeOption
	for _, sc := range oauth.ContentScopes() {
		out = append(out, scopeOption{Name: sc, Title: scopeTitle(sc), Checked: checked == nil || slices.Contains(checked, sc)})
	}
	return out
}

// validClientID accepts 3 to 64 of [A-Za-z0-9._-], starting with a letter
// or digit (never a URL, which would mean a metadata document).
func validClientID(id string) bool {
	if len(id) < 3 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

func (h *Handler) clientNew(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	f := newForm(r.PostForm)
	name := strings.TrimSpace(f.Get("name"))
	id := strings.TrimSpace(f.Get("client_id"))
	method := f.Get("auth_method")
	var uris []string
	for line := range strings.FieldsSeq(f.Get("redirect_uris")) {
		uris = append(uris, line)
	}
	switch {
	case name == "":
		f.Fail("name", "Give the client a name people will recognise on the consent page.")
	case len(name) > 100:
		f.Fail("name", "Keep the name under 100 characters.")
	}
	if id == "" {
		id = newClientID()
	} else if !validClientID(id) {
		f.Fail("client_id", "Use 3 to 64 letters, digits, dots, hyphens or underscores (or leave it empty to have one made).")
	} else if _, err := h.Store.GetClient(ctx, id); err == nil {
		f.Fail("client_id", "A client with this ID exists already; choose another.")
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("admin: check client id: %w", err)
	}
	if len(uris) == 0 {
		f.Fail("redirect_uris", "Give at least one redirect URI, e.g. https://claude.ai/api/mcp/auth_callback.")
	}
	for _, u := range uris {
		if err := oauth.ValidateRedirectURI(u); err != nil {
			f.Fail("redirect_uris", fmt.Sprintf("%s is not accepted: %v", u, err))
			break
		}
	}
	switch method {
	case oauth.AuthMethodClientSecretPost, oauth.AuthMethodClientSecretBasic, oauth.AuthMethodNone:
	default:
		f.Fail("auth_method", "Choose how the client authenticates.")
	}
	scopes := oauth.NormalizeScopes(r.PostForm["scope"])
	if len(scopes) == 0 {
		f.Fail("scope", "Allow at least one scope.")
	}
	if !f.OK() {
		return h.render(w, r, http.StatusBadRequest, "client_new", s, "Pre-register a client", clientNewData{Form: f, Scopes: allScopes(scopes)})
	}
	now := h.now()
	c := store.Client{ID: id, Type: store.ClientStatic, Name: name, RedirectURIs: uris,
		GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		TokenEndpointAuthMethod: method, Fingerprint: oauth.Fingerprint(name, uris, "", method),
		CreatedAt: now, UpdatedAt: now}
	if len(scopes) < len(oauth.ContentScopes()) {
		c.AllowedScopes = scopes
	}
	var secret string
	if method != oauth.AuthMethodNone {
		secret = newClientSecret()
		c.SecretHash = oauth.HashSecret(secret)
	}
	created, err := h.Store.CreateClient(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		f.Fail("client_id", "A client with this ID exists already; choose another.")
		return h.render(w, r, http.StatusConflict, "client_new", s, "Pre-register a client", clientNewData{Form: f, Scopes: allScopes(scopes)})
	}
	if err != nil {
		return fmt.Errorf("admin: create client: %w", err)
	}
	h.log().InfoContext(ctx, "client pre-registered", "client_id", created.ID, "by", s.User.ID)
	return h.render(w, r, http.StatusCreated, "client_new", s, "Client pre-registered",
		clientNewData{Form: newForm(nil), Created: &created, Secret: secret})
}

// newClientSecret has the shape and entropy of the secrets oauth issues
// at registration: "pt_cs_" + base64url(32 random bytes).
func newClientSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return oauth.PrefixClientSecret + base64.RawURLEncoding.EncodeToString(b[:])
}

func newClientID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "pc_static_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// --- all attempts

type timelineData struct {
	Rows   []activityRow
	Kind   string
	Kinds  []string
	Next   string
	Search string
}

func (h *Handler) timeline(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := store.EventFilter{Kind: q.Get("kind"), Limit: 50}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		f.BeforeID = b
	}
	evs, err := h.Store.ListEvents(ctx, f)
	if err != nil {
		return fmt.Errorf("admin: events: %w", err)
	}
	rows, err := h.activityRows(ctx, evs)
	if err != nil {
		return err
	}
	search := strings.TrimSpace(q.Get("q"))
	if search != "" {
		rows = slices.DeleteFunc(rows, func(a activityRow) bool {
			return !matches(search, a.Kind, a.ClientName, a.ClientID, a.UserEmail, a.RemoteIP, a.UserAgent, a.Detail)
		})
	}
	d := timelineData{Rows: rows, Kind: f.Kind, Search: search, Kinds: []string{kindPRM, kindAS, kindRegistered, kindCIMD, kindAuthShown,
		kindAuthError, kindLoginOK, kindLoginFailed, kindConsentOK, kindConsentDenied, kindTokenIssued, kindRefreshed, kindTokenError,
		kindRefreshReuse, kindCodeReplay, kindRevoked, kindFirstCall, kindAdminRevoked, kindRateLimitHit}}
	if len(evs) == f.Limit {
		d.Next = withParam(r.URL, "before", strconv.FormatInt(evs[len(evs)-1].ID, 10))
	}
	return h.render(w, r, http.StatusOK, "timeline", s, "Connection timeline", d)
}
