package authserver

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/portico-mcp/portico/internal/httpx"
	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/web"
)

// authorizeParamNames are carried through login and the consent form.
// attemptParam is ours: the connection attempt's ID (see attempt.go).
var authorizeParamNames = []string{"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "resource", "prompt", attemptParam}

// scopeText describes each scope on the consent page, in plain words that
// match the capability table of internal/content.
var scopeText = map[string][2]string{
	oauth.ScopeContentRead:    {"Read your content", "See posts, pages, drafts and comments, including unpublished ones your role can see, and site statistics."},
	oauth.ScopeContentWrite:   {"Write drafts", "Create and edit drafts and pages, add categories and tags, and reply to comments. This alone cannot publish anything."},
	oauth.ScopeContentPublish: {"Publish and delete", "Publish, schedule and unpublish posts and pages, move them to the trash or delete them, and moderate comments."},
	oauth.ScopeSiteAdmin:      {"Administer the site", "Change the site's title, tagline, time zone and language, and see the list of users."},
}

type scopeView struct{ Name, Title, Description string }
type hiddenField struct{ Name, Value string }

type consentData struct {
	SiteName     string
	ClientName   string
	ClientHost   string
	RedirectHost string
	UserEmail    string
	UserRole     string
	CSRF         string
	Scopes       []scopeView
	Hidden       []hiddenField
}

// handleAuthorize is the authorization endpoint (RFC 6749 §3.1, §4.1.1);
// GET and POST are both supported (§3.1: "The authorization server MUST
// support the use of the HTTP "GET" method ... and MAY support the use of
// the "POST" method as well"). A POST with consent=1 is the consent form.
func (h *Handler) handleAuthorize(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, http.StatusBadRequest, "Bad request", "The authorization request could not be read.", "")
		return nil
	}
	form := r.Form
	isConsent := r.Method == http.MethodPost && r.PostForm.Get("consent") == "1"
	if isConsent {
		form = r.PostForm
	}
	// RFC 6749 §3.1: "Request and response parameters MUST NOT be included
	// more than once." Checked for client_id and redirect_uri before
	// anything can redirect.
	for _, n := range []string{"client_id", "redirect_uri"} {
		if len(form[n]) > 1 {
			h.errorPage(w, http.StatusBadRequest, "Bad request", "The parameter "+n+" was sent more than once.", "")
			return nil
		}
	}
	clientID, redirectURI := form.Get("client_id"), form.Get("redirect_uri")
	client, redirectURI, e := h.oa.ResolveClient(ctx, clientID, redirectURI)
	if e != nil {
		if e.HTTPStatus() >= 500 {
			return e
		}
		ev := eventOf("authorize.error", map[string]string{"error": e.Code, "error_description": e.Description})
		ev.ClientID, ev.Outcome = truncate(clientID, 200), "error"
		h.oa.RecordEvent(ctx, ev)
		if errors.Is(e, oauth.ErrUnknownClient) && httpx.AcceptsJSON(r) {
			// mcp-remote's stale-client preflight re-registers on this body
			// (CONNECTORS.md test 18).
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": oauth.ErrCodeInvalidClient,
				"error_description": e.Description, "registration_endpoint": h.oa.Issuer() + "/register"})
			return nil
		}
		// RFC 6749 §4.1.2.1: "MUST NOT automatically redirect the user-agent
		// to the invalid redirection URI."
		h.errorPage(w, http.StatusBadRequest, "This connection request is invalid", e.Description,
			"Ask the application to register again, or check the address it uses.")
		return nil
	}
	p := oauth.AuthorizeParams{ResponseType: form.Get("response_type"), ClientID: clientID, RedirectURI: redirectURI,
		Scope: form.Get("scope"), State: form.Get("state"), CodeChallenge: form.Get("code_challenge"),
		CodeChallengeMethod: form.Get("code_challenge_method"), Resources: form["resource"], Prompt: form.Get("prompt")}
	for _, n := range authorizeParamNames {
		if n != "resource" && n != attemptParam && len(form[n]) > 1 {
			return h.redirectError(w, r, client, redirectURI, p.State, oauth.Errorf(oauth.ErrCodeInvalidRequest, "parameter %s was sent more than once", n))
		}
	}
	req, e := h.oa.ValidateAuthorize(client, redirectURI, p)
	if e != nil {
		return h.redirectError(w, r, client, redirectURI, p.State, e)
	}
	// A valid request is one connection attempt: every event recorded
	// from here (sign-in, consent, the code's grant) carries its ID.
	attempt := form.Get(attemptParam)
	if !validAttempt(attempt) {
		attempt = newAttemptID()
	}
	r = withAttempt(r, attempt)
	ctx = r.Context()
	cur, err := h.id.FromRequest(ctx, r)
	if err != nil && !errors.Is(err, identity.ErrNoSession) {
		return err
	}
	if cur == nil {
		if p.Prompt == "none" {
			return h.redirectError(w, r, client, redirectURI, p.State, oauth.Errorf("login_required", "the user is not signed in"))
		}
		// Send the person to log in, then back here. The return path is
		// relative, so it can never be an open redirect.
		q := url.Values{}
		for _, n := range authorizeParamNames {
			for _, v := range form[n] {
				if v != "" {
					q.Add(n, v)
				}
			}
		}
		q.Set("redirect_uri", redirectURI)
		q.Set(attemptParam, attempt)
		http.Redirect(w, r, "/login?return="+url.QueryEscape("/authorize?"+q.Encode()), http.StatusSeeOther)
		return nil
	}
	offered := h.oa.OfferedScopes(req, cur.User.Role)
	if isConsent {
		return h.consentDecision(w, r, cur, req, offered)
	}
	host := oauth.RedirectHost(redirectURI)
	if p.Prompt != "consent" && p.Prompt != "login" {
		prev, err := h.oa.Store().GetConsent(ctx, cur.User.ID, client.ID, host)
		switch {
		case err == nil && len(prev.Scopes) > 0 && consentCovers(prev.Scopes, req, offered):
			granted := oauth.IntersectScopes(prev.Scopes, offered)
			if len(req.Requested) == 0 && len(granted) == 0 {
				break
			}
			return h.issue(w, r, cur, req, granted, true)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if p.Prompt == "none" {
		return h.redirectError(w, r, client, redirectURI, p.State, oauth.Errorf("consent_required", "consent is required"))
	}
	data := consentData{SiteName: h.opts.SiteName, ClientName: displayName(client), RedirectHost: host,
		UserEmail: cur.User.Email, UserRole: string(cur.User.Role), CSRF: cur.CSRFToken()}
	if client.Type == store.ClientMetadata {
		if u, err := url.Parse(client.ID); err == nil {
			data.ClientHost = u.Host
		}
	}
	for _, s := range offered {
		data.Scopes = append(data.Scopes, scopeView{Name: s, Title: scopeText[s][0], Description: scopeText[s][1]})
	}
	for _, n := range authorizeParamNames {
		v := form.Get(n)
		if n == "redirect_uri" {
			v = redirectURI
		}
		if n == "resource" {
			v = req.Resource
		}
		if n == attemptParam {
			v = attempt
		}
		if v != "" {
			data.Hidden = append(data.Hidden, hiddenField{n, v})
		}
	}
	ev := eventOf("authorize.shown", map[string]string{"redirect_host": host, "offered": oauth.FormatScope(offered),
		"scope_sent": truncate(p.Scope, 200), "resource": req.Resource, "prompt": p.Prompt})
	ev.ClientID, ev.UserID = client.ID, cur.User.ID
	h.oa.RecordEvent(ctx, ev)
	return web.Render(w, "consent", data)
}

// consentCovers: a remembered consent skips the page when it covers every
// known scope requested, or (nothing specific requested) when it exists.
func consentCovers(remembered []string, req *oauth.AuthorizeRequest, offered []string) bool {
	if len(req.Requested) == 0 {
		return true
	}
	return oauth.ScopesCover(remembered, offered)
}

func displayName(c store.Client) string {
	if c.Name != "" {
		return c.Name
	}
	return "An unnamed application"
}

// consentDecision handles the submitted consent form.
func (h *Handler) consentDecision(w http.ResponseWriter, r *http.Request, cur *identity.Current, req *oauth.AuthorizeRequest, offered []string) error {
	ctx := r.Context()
	// The consent form is CSRF-protected by the session's token and by
	// Sec-Fetch-Site/Origin checks (RFC 9700 §4.7, MCP security best
	// practices: "Consent Interface Requirements").
	if err := h.cop.Check(r); err != nil || !cur.CheckCSRF(r.PostForm.Get("csrf_token")) {
		h.errorPage(w, http.StatusForbidden, "This form has expired", "The consent form could not be verified. Go back to the application and connect again.", "")
		return nil
	}
	ev := eventOf("", map[string]string{"redirect_host": oauth.RedirectHost(req.RedirectURI)})
	ev.ClientID, ev.UserID = req.Client.ID, cur.User.ID
	if r.PostForm.Get("decision") != "allow" {
		ev.Kind, ev.Outcome = "consent.denied", "error"
		h.oa.RecordEvent(ctx, ev)
		// RFC 6749 §4.1.2.1: "access_denied The resource owner or
		// authorization server denied the request."
		return h.redirectError(w, r, req.Client, req.RedirectURI, req.State, oauth.Errorf(oauth.ErrCodeAccessDenied, "the user denied access"))
	}
	var granted []string
	for _, s := range offered {
		if slices.Contains(r.PostForm["grant_scope"], s) {
			granted = append(granted, s)
		}
	}
	if len(granted) == 0 {
		ev.Kind, ev.Outcome = "consent.denied", "error"
		ev.Detail["reason"] = "no scope allowed"
		h.oa.RecordEvent(ctx, ev)
		return h.redirectError(w, r, req.Client, req.RedirectURI, req.State, oauth.Errorf(oauth.ErrCodeAccessDenied, "the user allowed no scope"))
	}
	now := h.oa.Now()
	if err := h.oa.Store().PutConsent(ctx, store.Consent{UserID: cur.User.ID, ClientID: req.Client.ID,
		RedirectHost: oauth.RedirectHost(req.RedirectURI), Scopes: granted, CreatedAt: now, UpdatedAt: now}); err != nil {
		return err
	}
	return h.issue(w, r, cur, req, granted, false)
}

// issue creates the code and sends the browser back to the client with a
// 303 (never 307/308, which would re-POST the consent form to the client's
// callback; CONNECTORS.md §0 item 3).
func (h *Handler) issue(w http.ResponseWriter, r *http.Request, cur *identity.Current, req *oauth.AuthorizeRequest, granted []string, remembered bool) error {
	code, grantID, err := h.oa.IssueCode(r.Context(), oauth.IssueCodeParams{ClientID: req.Client.ID, UserID: cur.User.ID,
		RedirectURI: req.RedirectURI, CodeChallenge: req.CodeChallenge, Scopes: granted, Resource: req.Resource})
	if err != nil {
		return err
	}
	// Recorded once the grant exists: it links the attempt (Attempt, from
	// the request) to the grant (GrantID and Detail grant_id), so the
	// admin timeline can put the grant's token events in this attempt.
	ev := eventOf("consent.granted", map[string]string{"remembered": boolStr(remembered), "scope": oauth.FormatScope(granted),
		"redirect_host": oauth.RedirectHost(req.RedirectURI), "grant_id": grantID})
	ev.ClientID, ev.UserID, ev.GrantID = req.Client.ID, cur.User.ID, grantID
	h.oa.RecordEvent(r.Context(), ev)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", h.oa.RedirectWithCode(req.RedirectURI, code, req.State))
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// redirectError sends an RFC 6749 §4.1.2.1 error to a verified redirect URI,
// with state and iss (RFC 9207).
func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, c store.Client, redirectURI, state string, e *oauth.Error) error {
	if e.HTTPStatus() >= 500 {
		return e
	}
	ev := eventOf("authorize.error", map[string]string{"error": e.Code, "error_description": e.Description})
	ev.ClientID, ev.Outcome = c.ID, "error"
	h.oa.RecordEvent(r.Context(), ev)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", h.oa.RedirectWithError(redirectURI, e, state))
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// safeReturn keeps only a local path (no scheme, no host, no "//" or "/\")
// so the login page can never redirect elsewhere.
func safeReturn(ret string) string {
	if ret == "" || !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") || strings.HasPrefix(ret, "/\\") ||
		strings.ContainsAny(ret, "\r\n\t\\") {
		return "/"
	}
	u, err := url.Parse(ret)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return ret
}
