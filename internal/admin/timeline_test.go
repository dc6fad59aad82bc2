package admin

import (
	"strings"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

var t0 = time.Date(2026, 9, 30, 20, 17, 0, 0, time.UTC)

// ev builds an event at t0+sec.
func ev(id int64, sec int, kind string, opts ...func(*store.Event)) store.Event {
	e := store.Event{ID: id, At: t0.Add(time.Duration(sec) * time.Second), Kind: kind, Outcome: "ok"}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func grant(id string) func(*store.Event) { return func(e *store.Event) { e.GrantID = id } }

func att(id string) func(*store.Event) { return func(e *store.Event) { e.Attempt = id } }

func failed(code, desc string) func(*store.Event) {
	return func(e *store.Event) {
		e.Outcome = "error"
		e.Detail = map[string]string{"error": code, "error_description": desc}
	}
}

func detail(kv ...string) func(*store.Event) {
	return func(e *store.Event) {
		if e.Detail == nil {
			e.Detail = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			e.Detail[kv[i]] = kv[i+1]
		}
	}
}

func TestDiagnose(t *testing.T) {
	later := t0.Add(time.Hour)
	cases := []struct {
		name      string
		in        DiagnoseInput
		level     Level
		stage     string
		wantInTxt []string
	}{
		{"nothing", DiagnoseInput{Now: later}, LevelWaiting, "nothing yet", []string{"No activity"}},
		{"discovery only", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindPRM), ev(2, 1, kindAS)}},
			LevelWarn, "discovery only", []string{"never registered"}},
		{"registered, no browser", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindPRM), ev(2, 1, kindRegistered)}},
			LevelWarn, "registered", []string{"never came to /authorize", "Cursor"}},
		{"registered just now", DiagnoseInput{Now: t0.Add(30 * time.Second), Events: []store.Event{ev(2, 1, kindRegistered)}},
			LevelWaiting, "registered", []string{"waiting"}},
		{"registration refused", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 1, kindRegistered, failed("invalid_redirect_uri", "bad uri"))}},
			LevelError, "registration failed", []string{"invalid_redirect_uri: bad uri"}},
		{"cimd fetch failed", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 1, kindCIMD, failed("", "dial tcp: timeout"))}},
			LevelError, "registration failed", []string{"client metadata document", "timeout"}},
		{"consent page abandoned", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindRegistered), ev(2, 5, kindAuthShown)}},
			LevelWarn, "consent page shown", []string{"no decision"}},
		{"consent page open", DiagnoseInput{Now: t0.Add(10 * time.Second), Events: []store.Event{ev(2, 5, kindAuthShown)}},
			LevelWaiting, "consent page shown", []string{"waiting for the person"}},
		{"login failed", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 5, kindAuthShown), ev(3, 9, kindLoginFailed)}},
			LevelWarn, "sign-in failed", nil},
		{"authorize refused", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindRegistered), ev(2, 5, kindAuthError, failed("invalid_request", "redirect_uri is not registered"))}},
			LevelError, "authorization refused", []string{"redirect_uri is not registered"}},
		{"consent denied", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindAuthShown), ev(2, 5, kindConsentDenied)}},
			LevelError, "consent denied", []string{"Consent denied at 20:17:05", "Deny"}},
		{"denied with its redirect error", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindAuthShown), ev(2, 5, kindConsentDenied), ev(3, 5, kindAuthError, failed("access_denied", "the user denied access"))}},
			LevelError, "consent denied", nil},
		{"no scope allowed", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindAuthShown), ev(2, 5, kindConsentDenied, detail("reason", "no scope allowed"))}},
			LevelError, "consent denied", []string{"no scope allowed"}},
		{"denied then granted", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindAuthShown), ev(2, 5, kindConsentDenied), ev(3, 8, kindAuthShown), ev(4, 9, kindConsentOK, detail("redirect_host", "claude.ai"))}},
			LevelWarn, "consent granted", []string{"never came to /token", "claude.ai"}},
		{"code exchange failed", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindConsentOK), ev(2, 3, kindTokenError, failed("invalid_grant", "code_verifier does not match the code_challenge"))}},
			LevelError, "token request refused", []string{"PKCE"}},
		{"token dropped", DiagnoseInput{Now: later, Events: []store.Event{ev(1, 0, kindConsentOK), ev(2, 38, kindTokenIssued, grant("g"))}},
			LevelWarn, "token issued", []string{"Token issued at 20:17:38, no MCP request followed: the client dropped the token"}},
		{"token just issued", DiagnoseInput{Now: t0.Add(40 * time.Second), Events: []store.Event{ev(2, 38, kindTokenIssued, grant("g"))}},
			LevelWaiting, "token issued", []string{"waiting for the first MCP request"}},
		{"connected", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 38, kindTokenIssued, grant("g")), ev(3, 39, kindFirstCall, detail("method", "initialize"))}},
			LevelOK, "connected", []string{"initialize", "20:17:39"}},
		{"connected and refreshed", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 38, kindTokenIssued), ev(3, 39, kindFirstCall), ev(4, 900, kindRefreshed), ev(5, 1900, kindRefreshed)}},
			LevelOK, "connected", []string{"refreshed 2 time(s)"}},
		{"refresh failed later", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 38, kindTokenIssued), ev(3, 39, kindFirstCall), ev(4, 900, kindTokenError, failed("invalid_grant", "refresh token is invalid"), detail("grant_type", "refresh_token"))}},
			LevelWarn, "refresh failed", []string{"refused", "invalid_grant"}},
		{"refresh reuse", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 38, kindTokenIssued), ev(3, 39, kindFirstCall), ev(4, 900, kindRefreshReuse, detail("since_rotation", "5m0s"))}},
			LevelError, "refresh token reused", []string{"after the grace window", "revoked for safety", "5m0s"}},
		{"code replay", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 38, kindTokenIssued), ev(3, 40, kindCodeReplay)}},
			LevelError, "code replayed", []string{"presented twice"}},
		{"admin revoked", DiagnoseInput{Now: later, ClientDisabled: t0.Add(time.Minute), Events: []store.Event{ev(2, 38, kindTokenIssued), ev(3, 39, kindFirstCall)}},
			LevelError, "client revoked", []string{"administrator revoked"}},
		{"grant revoked", DiagnoseInput{Now: later, GrantRevoked: t0.Add(time.Minute), RevokeReason: "user disabled", Events: []store.Event{ev(2, 38, kindTokenIssued)}},
			LevelError, "grant revoked", []string{"user disabled"}},
		{"client revoked its token", DiagnoseInput{Now: later, Events: []store.Event{ev(2, 38, kindTokenIssued), ev(3, 39, kindFirstCall), ev(4, 99, kindRevoked, detail("token_kind", "refresh"))}},
			LevelWarn, "revoked by the client", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Diagnose(c.in)
			if got.Level != c.level || got.Stage != c.stage {
				t.Errorf("got %s/%q, want %s/%q: %s", got.Level, got.Stage, c.level, c.stage, got.Text)
			}
			for _, w := range c.wantInTxt {
				if !strings.Contains(got.Text, w) {
					t.Errorf("text %q lacks %q", got.Text, w)
				}
			}
		})
	}
}

func TestGroupAttempts(t *testing.T) {
	cases := []struct {
		name string
		in   []store.Event
		want [][]int64 // event IDs per attempt
	}{
		{"one full attempt", []store.Event{ev(1, 0, kindPRM), ev(2, 1, kindRegistered), ev(3, 2, kindAuthShown), ev(4, 3, kindConsentOK),
			ev(5, 4, kindTokenIssued, grant("g1")), ev(6, 5, kindFirstCall, grant("g1"))}, [][]int64{{1, 2, 3, 4, 5, 6}}},
		{"hosted Claude registers twice", []store.Event{ev(1, 0, kindRegistered), ev(2, 1, kindRegistered), ev(3, 2, kindAuthShown)}, [][]int64{{1, 2, 3}}},
		{"denied then retried", []store.Event{ev(1, 0, kindAuthShown), ev(2, 1, kindConsentDenied), ev(3, 10, kindAuthShown), ev(4, 11, kindConsentOK),
			ev(5, 12, kindTokenIssued, grant("g"))}, [][]int64{{1, 2}, {3, 4, 5}}},
		{"refresh joins its grant after a new attempt", []store.Event{ev(1, 0, kindConsentOK), ev(2, 1, kindTokenIssued, grant("g1")),
			ev(3, 50, kindRegistered), ev(4, 51, kindAuthShown), ev(5, 99, kindRefreshed, grant("g1"))}, [][]int64{{1, 2, 5}, {3, 4}}},
		{"remembered consent starts an attempt", []store.Event{ev(1, 0, kindConsentOK), ev(2, 1, kindTokenIssued, grant("g1")),
			ev(3, 60, kindConsentOK, grant("g2")), ev(4, 61, kindTokenIssued, grant("g2"))}, [][]int64{{1, 2}, {3, 4}}},
		{"denied redirect stays with its consent", []store.Event{ev(1, 0, kindAuthShown), ev(2, 1, kindConsentDenied),
			ev(3, 1, kindAuthError, failed("access_denied", "the user denied access"))}, [][]int64{{1, 2, 3}}},
		{"sign-in before registration joins it", []store.Event{ev(1, 0, kindLoginOK), ev(2, 1, kindRegistered), ev(3, 2, kindAuthShown)}, [][]int64{{1, 2, 3}}},
		{"unsorted input", []store.Event{ev(2, 1, kindRegistered), ev(1, 0, kindPRM)}, [][]int64{{1, 2}}},
		// Explicit links: two authorizations of one client interleaved
		// (two tabs); each consent names its grant, the grant's token
		// events follow it. The registration before them joins the first.
		{"interleaved attempts by ID and grant", []store.Event{ev(1, 0, kindPRM), ev(2, 1, kindRegistered),
			ev(3, 2, kindAuthShown, att("attemptA")), ev(4, 3, kindAuthShown, att("attemptB")),
			ev(5, 4, kindConsentOK, att("attemptB"), grant("gB"), detail("grant_id", "gB")),
			ev(6, 5, kindConsentOK, att("attemptA"), grant("gA"), detail("grant_id", "gA")),
			ev(7, 6, kindTokenIssued, grant("gA")), ev(8, 7, kindTokenIssued, grant("gB")), ev(9, 8, kindFirstCall, grant("gB")),
			ev(10, 900, kindRefreshed, grant("gA"))}, [][]int64{{1, 2, 3, 6, 7, 10}, {4, 5, 8, 9}}},
		{"grant named only in the consent's detail", []store.Event{ev(1, 0, kindAuthShown, att("attemptX")),
			ev(2, 1, kindConsentOK, att("attemptX"), detail("grant_id", "g")), ev(3, 2, kindRegistered),
			ev(4, 3, kindTokenIssued, grant("g"))}, [][]int64{{1, 2, 4}, {3}}},
		{"inferred attempt, then an explicit one", []store.Event{ev(1, 0, kindAuthShown), ev(2, 1, kindConsentOK),
			ev(3, 2, kindTokenIssued, grant("g1")), ev(4, 50, kindRegistered), ev(5, 51, kindAuthShown, att("attemptY")),
			ev(6, 52, kindConsentDenied, att("attemptY")), ev(7, 53, kindAuthError, att("attemptY"), failed("access_denied", "denied")),
			ev(8, 60, kindAuthShown)}, [][]int64{{1, 2, 3}, {4, 5, 6, 7}, {8}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := GroupAttempts(c.in)
			var ids [][]int64
			for _, a := range got {
				for _, e := range a.Events {
					if e.Attempt != "" && a.ID != e.Attempt {
						t.Errorf("event %d of attempt %q is in attempt %q", e.ID, e.Attempt, a.ID)
					}
				}
				var row []int64
				for _, e := range a.Events {
					row = append(row, e.ID)
				}
				ids = append(ids, row)
			}
			if len(ids) != len(c.want) {
				t.Fatalf("got %v, want %v", ids, c.want)
			}
			for i := range ids {
				if len(ids[i]) != len(c.want[i]) {
					t.Fatalf("got %v, want %v", ids, c.want)
				}
				for j := range ids[i] {
					if ids[i][j] != c.want[i][j] {
						t.Fatalf("got %v, want %v", ids, c.want)
					}
				}
			}
		})
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff("a\nb\nc\n", "a\nB\nc\nd")
	var ops []string
	for _, l := range got {
		ops = append(ops, l.Op+":"+l.Text)
	}
	want := "same:a del:b add:B same:c add:d"
	if strings.Join(ops, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(ops, " "), want)
	}
}

func TestURLWarning(t *testing.T) {
	for _, c := range []struct {
		url  string
		warn string
	}{
		{"https://mcp.example.com", ""},
		{"http://localhost:8080", "points at this machine"},
		{"https://127.0.0.1", "points at this machine"},
		{"https://192.168.1.5", "private network"},
		{"http://mcp.example.com", "not https"},
	} {
		if got := urlWarning(c.url); c.warn == "" && got != "" || c.warn != "" && !strings.Contains(got, c.warn) {
			t.Errorf("urlWarning(%q) = %q, want %q", c.url, got, c.warn)
		}
	}
}
