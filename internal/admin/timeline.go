package admin

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Event kinds the timeline understands (written by oauth, authserver and
// mcpserver).
const (
	kindPRM           = "metadata.prm"
	kindAS            = "metadata.as"
	kindRegistered    = "client.registered"
	kindCIMD          = "client.cimd_fetched"
	kindAuthShown     = "authorize.shown"
	kindAuthError     = "authorize.error"
	kindLoginOK       = "login.ok"
	kindLoginFailed   = "login.failed"
	kindConsentOK     = "consent.granted"
	kindConsentDenied = "consent.denied"
	kindTokenIssued   = "token.issued"
	kindRefreshed     = "token.refreshed"
	kindRefreshReuse  = "token.refresh_reuse"
	kindCodeReplay    = "code.replay"
	kindRevoked       = "token.revoked"
	kindTokenError    = "token.error"
	kindFirstCall     = "mcp.first_call"
	kindAdminRevoked  = "admin.client_revoked"
	// kindRateLimitHit is recorded by authserver when a rate limit refuses
	// a request (Detail endpoint, key "ip" or "email").
	kindRateLimitHit = "ratelimit.hit"
)

// stepLabel is the plain-language name of an event kind.
func stepLabel(kind string) string {
	switch kind {
	case kindPRM:
		return "Read the protected-resource metadata"
	case kindAS:
		return "Read the authorization-server metadata"
	case kindRegistered:
		return "Registered (dynamic client registration)"
	case kindCIMD:
		return "Client metadata document fetched"
	case kindAuthShown:
		return "Consent page shown"
	case kindAuthError:
		return "Authorization request refused"
	case kindLoginOK:
		return "Signed in"
	case kindLoginFailed:
		return "Sign-in failed"
	case kindConsentOK:
		return "Consent granted"
	case kindConsentDenied:
		return "Consent denied"
	case kindTokenIssued:
		return "Token issued"
	case kindRefreshed:
		return "Token refreshed"
	case kindRefreshReuse:
		return "Refresh token reused"
	case kindCodeReplay:
		return "Authorization code replayed"
	case kindRevoked:
		return "Token revoked by the client"
	case kindTokenError:
		return "Token request refused"
	case kindFirstCall:
		return "First MCP request"
	case kindAdminRevoked:
		return "Revoked by an administrator"
	case kindRateLimitHit:
		return "Refused by a rate limit"
	}
	return kind
}

// Attempt is one connection attempt of a client: the events from discovery
// or registration through authorization to the tokens and MCP calls of the
// grant it produced, oldest first.
type Attempt struct {
	Events  []store.Event
	GrantID string // the grant the attempt produced, "" if none
	// ID is the attempt ID the authorization server gave the attempt at
	// /authorize; "" when the attempt was inferred from protocol order.
	ID string
}

// Start is the time of the first event.
func (a Attempt) Start() time.Time {
	if len(a.Events) == 0 {
		return time.Time{}
	}
	return a.Events[0].At
}

func (a Attempt) has(kinds ...string) bool {
	return slices.ContainsFunc(a.Events, func(e store.Event) bool { return slices.Contains(kinds, e.Kind) })
}

// pastAuthorize reports whether the attempt got beyond the consent page: a
// new authorization belongs to a new attempt.
func (a Attempt) pastAuthorize() bool {
	return a.has(kindConsentOK, kindConsentDenied, kindTokenIssued, kindAuthError, kindTokenError)
}

// pastRegistration reports whether the attempt got to /authorize or beyond.
func (a Attempt) pastRegistration() bool {
	return a.pastAuthorize() || a.has(kindAuthShown)
}

// GroupAttempts splits one client's events (any order) into connection
// attempts, oldest first.
//
// Explicit links come first: events recorded with an attempt ID (from
// /authorize through sign-in and consent) form that attempt, and events of
// the grant it produced (its consent.granted names the grant; tokens,
// refreshes, the first MCP call carry the grant ID) join it whenever they
// happen. Discovery and registration just before an attempt's first event
// belong to it.
//
// Events with neither link (older events, discovery) follow the protocol
// order: registration or discovery after an authorization starts a new
// attempt, so does a second authorization after a decision; events
// carrying a grant ID join the attempt that produced that grant.
func GroupAttempts(events []store.Event) []Attempt {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b store.Event) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	// grant → attempt ID, from events that carry both.
	grantAttempt := map[string]string{}
	for _, e := range evs {
		g := cmp.Or(e.GrantID, e.Detail["grant_id"])
		if _, seen := grantAttempt[g]; e.Attempt != "" && g != "" && !seen {
			grantAttempt[g] = e.Attempt
		}
	}
	var out []*Attempt
	byGrant := map[string]*Attempt{}
	byID := map[string]*Attempt{}
	cur := func() *Attempt {
		if len(out) == 0 {
			out = append(out, &Attempt{})
		}
		return out[len(out)-1]
	}
	fresh := func() *Attempt {
		if c := cur(); len(c.Events) == 0 {
			return c
		}
		out = append(out, &Attempt{})
		return out[len(out)-1]
	}
	add := func(a *Attempt, e store.Event) {
		a.Events = append(a.Events, e)
		if g := cmp.Or(e.GrantID, e.Detail["grant_id"]); g != "" && a.GrantID == "" {
			a.GrantID = g
			byGrant[g] = a
		}
	}
	for _, e := range evs {
		if id := cmp.Or(e.Attempt, grantAttempt[e.GrantID]); id != "" {
			a, ok := byID[id]
			if !ok {
				// The discovery and registration just before it are
				// this attempt's beginning.
				if c := cur(); c.ID == "" && !c.pastRegistration() {
					a = c
				} else {
					a = &Attempt{}
					out = append(out, a)
				}
				a.ID = id
				byID[id] = a
			}
			add(a, e)
			continue
		}
		if a, ok := byGrant[e.GrantID]; ok && e.GrantID != "" {
			a.Events = append(a.Events, e)
			continue
		}
		a := cur()
		switch e.Kind {
		case kindPRM, kindAS, kindRegistered, kindCIMD:
			if a.pastRegistration() {
				a = fresh()
			}
		case kindAuthShown:
			if a.pastAuthorize() || a.ID != "" {
				a = fresh()
			}
		case kindAuthError:
			// The access_denied redirect that follows a denied consent
			// belongs to that attempt.
			if (a.pastAuthorize() || a.ID != "") && !(e.Detail["error"] == "access_denied" && a.has(kindConsentDenied)) {
				a = fresh()
			}
		case kindConsentOK:
			if a.pastAuthorize() || a.ID != "" {
				a = fresh()
			}
		case kindTokenIssued:
			// The code exchange of the latest consent without a token.
			for i := len(out) - 1; i >= 0; i-- {
				if out[i].has(kindConsentOK) && out[i].GrantID == "" {
					a = out[i]
					break
				}
			}
		case kindTokenError:
			if e.Detail["grant_type"] == "refresh_token" {
				for i := len(out) - 1; i >= 0; i-- {
					if out[i].GrantID != "" {
						a = out[i]
						break
					}
				}
			}
		}
		add(a, e)
	}
	res := make([]Attempt, 0, len(out))
	for _, a := range out {
		if len(a.Events) > 0 {
			res = append(res, *a)
		}
	}
	return res
}

// Level grades a diagnosis.
type Level string

// Diagnosis levels.
const (
	LevelOK      Level = "ok"      // connected and used
	LevelWaiting Level = "waiting" // in progress, nothing wrong yet
	LevelWarn    Level = "warn"    // stopped, probably on the client's side
	LevelError   Level = "error"   // refused or revoked
)

// Diagnosis is the plain-language verdict on one attempt: where it stopped
// and what that usually means.
type Diagnosis struct {
	Level Level
	// Stage is the last step reached, e.g. "token issued".
	Stage string
	// Text is one or two sentences for a person.
	Text string
}

// DiagnoseInput is what Diagnose looks at besides the attempt's events.
type DiagnoseInput struct {
	Events []store.Event // one attempt, any order
	Now    time.Time
	// ClientDisabled is set when an administrator revoked the client.
	ClientDisabled time.Time
	// GrantRevoked and RevokeReason describe the attempt's grant, if it was
	// revoked (by anything: admin, client, security).
	GrantRevoked time.Time
	RevokeReason string
}

// patience is how long a step may take before the next one is considered
// missing rather than still on its way.
const patience = 2 * time.Minute

func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// Diagnose explains where a connection attempt stopped. It is a pure
// function of its input; the rules follow CONNECTORS.md §0 (what breaks
// first connections).
func Diagnose(in DiagnoseInput) Diagnosis {
	evs := slices.Clone(in.Events)
	slices.SortStableFunc(evs, func(a, b store.Event) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	last := func(kinds ...string) (store.Event, bool) {
		for i := len(evs) - 1; i >= 0; i-- {
			if slices.Contains(kinds, evs[i].Kind) {
				return evs[i], true
			}
		}
		return store.Event{}, false
	}
	count := func(kind string) int {
		n := 0
		for _, e := range evs {
			if e.Kind == kind {
				n++
			}
		}
		return n
	}
	after := func(e store.Event, kinds ...string) bool {
		for _, x := range evs {
			if slices.Contains(kinds, x.Kind) && (x.At.After(e.At) || x.At.Equal(e.At) && x.ID > e.ID) {
				return true
			}
		}
		return false
	}
	if len(evs) == 0 {
		return Diagnosis{Level: LevelWaiting, Stage: "nothing yet", Text: "No activity recorded for this client yet."}
	}

	// Security and revocation outrank everything else.
	if e, ok := last(kindRefreshReuse); ok {
		return Diagnosis{Level: LevelError, Stage: "refresh token reused",
			Text: fmt.Sprintf("Refresh token reused after the grace window at %s (%s after it was rotated): the grant was revoked for safety. "+
				"Either two copies of the client share one token or the token leaked; the client must connect again.", clock(e.At), orUnknown(e.Detail["since_rotation"]))}
	}
	if e, ok := last(kindCodeReplay); ok {
		return Diagnosis{Level: LevelError, Stage: "code replayed",
			Text: fmt.Sprintf("The authorization code was presented twice at %s: everything issued from it was revoked (RFC 6749 §4.1.2). "+
				"A client that retries the token request after a timeout does this; it must connect again.", clock(e.At))}
	}
	if !in.ClientDisabled.IsZero() {
		return Diagnosis{Level: LevelError, Stage: "client revoked",
			Text: fmt.Sprintf("An administrator revoked this client at %s: its tokens stopped working and it cannot connect again under this registration.", day(in.ClientDisabled))}
	}
	if !in.GrantRevoked.IsZero() {
		why := in.RevokeReason
		if why == "" {
			why = "revoked"
		}
		return Diagnosis{Level: LevelError, Stage: "grant revoked",
			Text: fmt.Sprintf("This connection was revoked at %s (%s). The client must connect again to get new tokens.", day(in.GrantRevoked), why)}
	}
	if e, ok := last(kindRevoked); ok && e.Detail["token_kind"] == string(store.TokenRefresh) {
		return Diagnosis{Level: LevelWarn, Stage: "revoked by the client",
			Text: fmt.Sprintf("The client revoked its own refresh token at %s (it disconnected or signed out).", clock(e.At))}
	}

	// Connected: tokens were used.
	if call, ok := last(kindFirstCall); ok {
		d := Diagnosis{Level: LevelOK, Stage: "connected",
			Text: fmt.Sprintf("Connected: the first MCP request (%s) came at %s.", orUnknown(call.Detail["method"]), clock(call.At))}
		if n := count(kindRefreshed); n > 0 {
			r, _ := last(kindRefreshed)
			d.Text += fmt.Sprintf(" The token was refreshed %d time(s), last at %s.", n, day(r.At))
		}
		if te, ok := last(kindTokenError); ok && te.Detail["grant_type"] == "refresh_token" && !after(te, kindRefreshed) {
			d.Level, d.Stage = LevelWarn, "refresh failed"
			d.Text += fmt.Sprintf(" But the last refresh at %s was refused (%s): the client must connect again once its access token expires.",
				clock(te.At), errText(te))
		}
		return d
	}
	if tok, ok := last(kindTokenIssued, kindRefreshed); ok {
		issued, _ := last(kindTokenIssued)
		if te, ok := last(kindTokenError); ok && te.Detail["grant_type"] == "refresh_token" && te.At.After(tok.At) {
			return Diagnosis{Level: LevelWarn, Stage: "refresh failed",
				Text: fmt.Sprintf("The refresh at %s was refused (%s) and no MCP request was seen: the client must connect again.", clock(te.At), errText(te))}
		}
		if in.Now.Sub(tok.At) < patience {
			return Diagnosis{Level: LevelWaiting, Stage: "token issued",
				Text: fmt.Sprintf("Token issued at %s; waiting for the first MCP request.", clock(issued.At))}
		}
		return Diagnosis{Level: LevelWarn, Stage: "token issued",
			Text: fmt.Sprintf("Token issued at %s, no MCP request followed: the client dropped the token. "+
				"Typical causes: it rejected the token response, it calls another URL than %s, or it lost the resource URL during the callback. "+
				"(MCP requests are recorded once per grant per server start.)", clock(issued.At), "the MCP URL shown on the overview")}
	}
	if te, ok := last(kindTokenError); ok && (te.At.After(lastAt(evs, kindConsentOK)) || !has(evs, kindConsentOK)) {
		return Diagnosis{Level: LevelError, Stage: "token request refused",
			Text: fmt.Sprintf("The token request at %s was refused: %s. %s", clock(te.At), errText(te), tokenHint(te))}
	}
	if e, ok := last(kindConsentDenied); ok && !after(e, kindConsentOK, kindAuthShown) {
		reason := "the person chose Deny"
		if e.Detail["reason"] != "" {
			reason = e.Detail["reason"]
		}
		return Diagnosis{Level: LevelError, Stage: "consent denied",
			Text: fmt.Sprintf("Consent denied at %s (%s). The client received access_denied; connect again to retry.", clock(e.At), reason)}
	}
	if e, ok := last(kindConsentOK); ok {
		if in.Now.Sub(e.At) < patience {
			return Diagnosis{Level: LevelWaiting, Stage: "consent granted",
				Text: fmt.Sprintf("Consent granted at %s; waiting for the client to exchange the code.", clock(e.At))}
		}
		return Diagnosis{Level: LevelWarn, Stage: "consent granted",
			Text: fmt.Sprintf("Consent granted at %s, but the client never came to /token to exchange the code. "+
				"Its callback may not have received the redirect (is %s reachable from the browser?), or it waited longer than the code lifetime.",
				clock(e.At), orUnknown(e.Detail["redirect_host"]))}
	}
	if e, ok := last(kindAuthError); ok && !after(e, kindAuthShown) {
		return Diagnosis{Level: LevelError, Stage: "authorization refused",
			Text: fmt.Sprintf("The authorization request at %s was refused: %s. %s", clock(e.At), errText(e), authHint(e))}
	}
	if e, ok := last(kindAuthShown); ok {
		if f, ok := last(kindLoginFailed); ok && f.At.After(e.At) {
			return Diagnosis{Level: LevelWarn, Stage: "sign-in failed",
				Text: fmt.Sprintf("Sign-in failed at %s and no decision followed.", clock(f.At))}
		}
		if in.Now.Sub(e.At) < patience {
			return Diagnosis{Level: LevelWaiting, Stage: "consent page shown",
				Text: fmt.Sprintf("The consent page was shown at %s; waiting for the person to decide.", clock(e.At))}
		}
		return Diagnosis{Level: LevelWarn, Stage: "consent page shown",
			Text: fmt.Sprintf("The consent page was shown at %s, but no decision was made: the person closed the page or the browser went elsewhere.", clock(e.At))}
	}
	if f, ok := last(kindLoginFailed); ok {
		return Diagnosis{Level: LevelWarn, Stage: "sign-in failed",
			Text: fmt.Sprintf("The client sent the person to sign in, but sign-in failed at %s.", clock(f.At))}
	}
	if e, ok := last(kindRegistered, kindCIMD); ok {
		if e.Outcome == "error" {
			what := "Registration"
			if e.Kind == kindCIMD {
				what = "Fetching the client metadata document"
			}
			return Diagnosis{Level: LevelError, Stage: "registration failed",
				Text: fmt.Sprintf("%s failed at %s: %s.", what, clock(e.At), errText(e))}
		}
		if in.Now.Sub(e.At) < patience {
			return Diagnosis{Level: LevelWaiting, Stage: "registered",
				Text: fmt.Sprintf("Registered at %s; waiting for the browser to open /authorize.", clock(e.At))}
		}
		return Diagnosis{Level: LevelWarn, Stage: "registered",
			Text: fmt.Sprintf("Registered at %s but never came to /authorize: the client may not have opened the browser (a known Cursor bug), "+
				"or the person did not follow the link. Try connecting again from the client.", clock(e.At))}
	}
	if e, ok := last(kindPRM, kindAS); ok {
		return Diagnosis{Level: LevelWarn, Stage: "discovery only",
			Text: fmt.Sprintf("The client read the metadata at %s but never registered: it may not support dynamic registration or client ID metadata documents, "+
				"or it failed to parse the documents.", clock(e.At))}
	}
	return Diagnosis{Level: LevelWaiting, Stage: evs[len(evs)-1].Kind, Text: "No connection step recorded yet."}
}

func has(evs []store.Event, kind string) bool {
	return slices.ContainsFunc(evs, func(e store.Event) bool { return e.Kind == kind })
}

func lastAt(evs []store.Event, kind string) time.Time {
	var t time.Time
	for _, e := range evs {
		if e.Kind == kind && e.At.After(t) {
			t = e.At
		}
	}
	return t
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// errText renders an event's error and description.
func errText(e store.Event) string {
	code, desc := e.Detail["error"], e.Detail["error_description"]
	switch {
	case code != "" && desc != "":
		return code + ": " + desc
	case code != "":
		return code
	case desc != "":
		return desc
	}
	return "no reason recorded"
}

func tokenHint(e store.Event) string {
	d := strings.ToLower(e.Detail["error_description"])
	switch {
	case e.Detail["error"] == "invalid_client":
		return "An unknown or wrongly authenticated client: hosted Claude re-registers when it sees this; other clients need their registration cleared."
	case strings.Contains(d, "code_verifier"):
		return "The PKCE verifier did not match: the client lost its state between the browser and the token request."
	case strings.Contains(d, "redirect_uri"):
		return "The redirect URI differs from the one used at /authorize."
	case strings.Contains(d, "expired"):
		return "The code expired: the client waited too long after the browser returned."
	case strings.Contains(d, "resource"):
		return "The resource parameter names another server than this MCP endpoint."
	}
	return "See the detail of the step below."
}

func authHint(e store.Event) string {
	d := strings.ToLower(e.Detail["error_description"])
	switch {
	case strings.Contains(d, "not registered"), e.Detail["error"] == "invalid_client":
		return "The client used a client ID this server does not know (an old registration?): it should register again."
	case strings.Contains(d, "redirect"):
		return "The redirect URI is not one the client registered."
	case strings.Contains(d, "code_challenge"), strings.Contains(d, "pkce"):
		return "The client did not send PKCE (S256), which this server requires."
	case strings.Contains(d, "resource"):
		return "The resource parameter names another server than this MCP endpoint."
	}
	return ""
}
