package authserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/portico-mcp/portico/internal/identity"
	"github.com/portico-mcp/portico/internal/web"
)

const (
	flowUpstream    = "oidc"
	upstreamFlowTTL = 10 * time.Minute
)

// upstreamFlow is the sealed state of one upstream sign-in, kept in a
// short-lived cookie between the redirect and the callback.
type upstreamFlow struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"`
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (h *Handler) upstreamBySlug(slug string) *upstream {
	for _, u := range h.upstreams {
		if u.slug == slug {
			return u
		}
	}
	return nil
}

func (h *Handler) upstreamCallbackURL() string { return h.oa.Issuer() + "/login/oidc/callback" }

// handleUpstreamStart sends the browser to the upstream provider with
// state, nonce (OIDC) and a PKCE S256 challenge (RFC 7636 §4.3); their
// secrets stay in a sealed cookie.
func (h *Handler) handleUpstreamStart(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !h.checkForm(w, r) {
		return nil
	}
	u := h.upstreamBySlug(r.PathValue("provider"))
	if u == nil {
		h.errorPage(w, http.StatusNotFound, "Unknown sign-in provider", "This server does not offer that way of signing in.", "")
		return nil
	}
	cfg, err := u.config(ctx, h.upstreamCallbackURL())
	if err != nil {
		h.log.WarnContext(ctx, "upstream discovery failed", "provider", u.Name, "err", err)
		h.errorPage(w, http.StatusBadGateway, "Sign-in with "+u.Name+" is unavailable",
			u.Name+" could not be reached. Try again later, or sign in another way.", "")
		return nil
	}
	fl := upstreamFlow{Provider: u.slug, State: randomString(), Verifier: oauth2.GenerateVerifier(),
		Return: safeReturn(r.PostForm.Get("return"))}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(fl.Verifier)}
	if u.Kind == KindOIDC {
		fl.Nonce = randomString()
		opts = append(opts, oauth2.SetAuthURLParam("nonce", fl.Nonce))
	}
	if err := h.id.SetFlowCookie(ctx, w, flowUpstream, fl, upstreamFlowTTL); err != nil {
		return err
	}
	http.Redirect(w, r, cfg.AuthCodeURL(fl.State, opts...), http.StatusSeeOther)
	return nil
}

// handleUpstreamCallback finishes an upstream sign-in: the state must match
// the sealed cookie of this browser, the code is exchanged with the PKCE
// verifier, and the person is signed in to the account with the provider's
// verified email address. Accounts are never created here.
func (h *Handler) handleUpstreamCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var fl upstreamFlow
	if err := h.id.TakeFlowCookie(ctx, w, r, flowUpstream, &fl); err != nil {
		h.upstreamFailed(w, r, "", "expired", http.StatusBadRequest, "This sign-in attempt expired",
			"It took too long, or it was started in another browser. Go back to the sign-in page and try again.")
		return nil
	}
	u := h.upstreamBySlug(fl.Provider)
	// RFC 6749 §10.12: the client "MUST implement CSRF protection for its
	// redirection URI" by binding state to the user-agent.
	if u == nil || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(fl.State)) != 1 {
		h.upstreamFailed(w, r, fl.Provider, "state_mismatch", http.StatusBadRequest, "This sign-in attempt expired",
			"The answer from the sign-in provider does not belong to this browser's attempt. Go back to the sign-in page and try again.")
		return nil
	}
	if e := q.Get("error"); e != "" {
		msg := u.Name + " did not sign you in."
		if e == "access_denied" {
			msg = "Sign-in with " + u.Name + " was cancelled."
		}
		h.upstreamFailed(w, r, u.Name, "provider_error", http.StatusForbidden, "Not signed in", msg)
		return nil
	}
	id, err := u.identify(ctx, h.upstreamCallbackURL(), q.Get("code"), fl.Verifier, fl.Nonce)
	switch {
	case errors.Is(err, errUpstreamNoEmail):
		h.upstreamFailed(w, r, u.Name, "no_email", http.StatusForbidden, "No email address from "+u.Name,
			u.Name+" did not tell us your email address, so we cannot find your account. Sign in another way.")
		return nil
	case err != nil:
		h.log.WarnContext(ctx, "upstream sign-in failed", "provider", u.Name, "err", err)
		h.upstreamFailed(w, r, u.Name, "verification_failed", http.StatusBadGateway, "Sign-in with "+u.Name+" failed",
			"The answer from "+u.Name+" could not be verified. Try again, or sign in another way.")
		return nil
	case !id.Verified:
		h.upstreamFailed(w, r, u.Name, "email_unverified", http.StatusForbidden, "Your email address is not verified",
			u.Name+" has not verified the address "+id.Email+", so it cannot be used to sign in here. Verify it with "+u.Name+", or sign in with your password or a passkey.")
		return nil
	}
	user, err := h.id.UserByVerifiedEmail(ctx, id.Email)
	if errors.Is(err, identity.ErrUnknownUser) {
		h.upstreamFailed(w, r, u.Name, "unknown_email", http.StatusForbidden, "No account for "+id.Email,
			"There is no account here for the address "+id.Email+" that "+u.Name+" gave us. Ask an administrator to add you with this address.")
		return nil
	}
	if err != nil {
		return err
	}
	return h.signIn(w, r, user, "upstream:"+u.slug, fl.Return)
}

// upstreamFailed records a failed upstream sign-in and shows why, with a
// link back to the sign-in page.
func (h *Handler) upstreamFailed(w http.ResponseWriter, r *http.Request, provider, reason string, status int, title, message string) {
	ev := eventOf("login.failed", map[string]string{"method": "upstream", "provider": provider, "reason": reason})
	ev.Outcome = "error"
	if h.eventLimit.Allow(h.clientIP(r)) {
		h.oa.RecordEvent(r.Context(), ev)
	}
	if err := web.RenderStatus(w, status, "error", pageData{SiteName: h.opts.SiteName, Title: title, Message: message,
		Link: "/login", LinkText: "Back to sign in"}); err != nil {
		h.log.ErrorContext(r.Context(), "render error page", "err", err)
	}
}
