package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// Run runs the conformance suite; open must return a fresh, empty store each
// call.
//
// Every case calls open once and runs in parallel with the others (all under
// a subtest named "storetest"), so open must give each call its own database
// (a new SQLite file, a new PostgreSQL schema) and should release it with
// t.Cleanup; Run returns only after every case has finished.
//
// Comparisons are of whole records, with these equivalences: times are
// compared as instants (the location may change, nanoseconds may not), a zero
// time must read back as the zero time, and a nil slice or map equals an empty
// one (a stored empty list reads back as empty, nil or not). The one exception
// is Client.AllowedScopes, where nil ("no cap") and empty ("nothing") mean
// different things and must both survive a round trip. Post categories and
// tags are compared as sets.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Users", userCases()},
		{"Sessions", sessionCases()},
		{"Invites", inviteCases()},
		{"Clients", clientCases()},
		{"AuthCodes", authCodeCases()},
		{"Grants", grantCases()},
		{"Tokens", tokenCases()},
		{"Consents", consentCases()},
		{"Events", eventCases()},
		{"PersonalTokens", personalTokenCases()},
		{"Posts", postCases()},
		{"Search", searchCases()},
		{"Comments", commentCases()},
		{"Terms", termCases()},
		{"Settings", append(settingsCases(), settingIfAbsentCases()...)},
		{"WebAuthnCredentials", webauthnCases()},
		{"SSERelay", sseCases()},
		{"GarbageCollect", gcCases()},
		{"Ping", pingCases()},
	}
	// The cases run in parallel (each on its own store) under one subtest
	// that does not, so Run returns only when all of them are done.
	t.Run("storetest", func(t *testing.T) {
		for _, g := range groups {
			t.Run(g.name, func(t *testing.T) {
				t.Parallel()
				for _, tc := range g.cases {
					t.Run(tc.name, func(t *testing.T) {
						t.Parallel()
						tc.run(t, open(t))
					})
				}
			})
		}
	})
}

// testCase is one named case; run gets its own fresh store.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

func pingCases() []testCase {
	return []testCase{
		{"answers", func(t *testing.T, s store.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: got %v, want nil", err)
			}
		}},
	}
}

// ---------------------------------------------------------------------------
// Fixture values

var (
	// Two non-UTC zones so a backend that drops or misreads the offset shows.
	zoneEast = time.FixedZone("UTC+05:45", 5*3600+45*60)
	zoneWest = time.FixedZone("UTC-03:30", -(3*3600 + 30*60))
	// base has nanoseconds on purpose: times must round-trip exactly.
	base = time.Date(2026, time.March, 14, 15, 9, 26, 535897932, zoneEast)
)

// at is base plus d, in alternating zones so neighbouring values differ in
// location as well as in instant.
func at(d time.Duration) time.Time {
	t := base.Add(d)
	if (d/time.Minute)%2 != 0 {
		return t.In(zoneWest)
	}
	return t
}

// hash is a deterministic 32-byte value, like the SHA-256 hashes the store
// keeps; it contains arbitrary (non-UTF-8) bytes.
func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// binaryBlob is a byte value a text column would mangle.
var binaryBlob = []byte{0x00, 0xff, 0xfe, 0x80, '\n', '\'', '"', '\\', 0x00, 0x7f}

// hostileText exercises quoting and Unicode in string columns.
const hostileText = `Zoë "Z" O'Brien — 🚀 \ % _ ;--`

// ---------------------------------------------------------------------------
// Assertions

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// mustOK stops the test on an unexpected error.
func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// checkEqual reports every field where got and want differ under the suite's
// equivalences (see Run).
func checkEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := diff(got, want); d != "" {
		t.Errorf("%s: record differs (got vs want):\n%s", what, d)
	}
}

// checkAllowedScopes compares Client.AllowedScopes strictly: nil and empty
// differ there.
func checkAllowedScopes(t *testing.T, what string, got, want []string) {
	t.Helper()
	if (got == nil) != (want == nil) || !slices.Equal(got, want) {
		t.Errorf("%s: AllowedScopes: got %s, want %s", what, showScopes(got), showScopes(want))
	}
}

func showScopes(s []string) string {
	if s == nil {
		return "nil (no cap)"
	}
	return fmt.Sprintf("%q (len %d)", s, len(s))
}

// ---------------------------------------------------------------------------
// Record comparison

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
	postType  = reflect.TypeFor[store.Post]()
)

// diff returns one line per differing field, or "" when got and want are
// equal under the suite's equivalences.
func diff(got, want any) string {
	var lines []string
	diffValue(&lines, "", normalize(reflect.ValueOf(got)), normalize(reflect.ValueOf(want)))
	return strings.Join(lines, "\n")
}

// normalize returns a copy of v with times in UTC (zero stays zero), empty
// slices and maps as nil, and post categories and tags sorted.
func normalize(v reflect.Value) reflect.Value {
	if !v.IsValid() {
		return v
	}
	if v.Type() == timeType {
		tm := v.Interface().(time.Time)
		if tm.IsZero() {
			return reflect.ValueOf(time.Time{})
		}
		return reflect.ValueOf(tm.UTC())
	}
	switch v.Kind() {
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(normalize(v.Field(i)))
		}
		if v.Type() == postType {
			p := out.Addr().Interface().(*store.Post)
			p.Categories = sortedCopy(p.Categories)
			p.Tags = sortedCopy(p.Tags)
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normalize(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(iter.Key(), normalize(iter.Value()))
		}
		return out
	}
	return v
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func diffValue(lines *[]string, path string, got, want reflect.Value) {
	name := path
	if name == "" {
		name = "value"
	}
	if got.Type() != want.Type() {
		*lines = append(*lines, fmt.Sprintf("  %s: type %s vs %s", name, got.Type(), want.Type()))
		return
	}
	switch {
	case got.Type() == timeType:
		g, w := got.Interface().(time.Time), want.Interface().(time.Time)
		if !g.Equal(w) || g.IsZero() != w.IsZero() {
			*lines = append(*lines, fmt.Sprintf("  %s: got %s, want %s", name, show(got), show(want)))
		}
	case got.Type() == bytesType:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			*lines = append(*lines, fmt.Sprintf("  %s: got %s, want %s", name, show(got), show(want)))
		}
	case got.Kind() == reflect.Struct:
		for i := range got.NumField() {
			f := got.Type().Field(i).Name
			p := f
			if path != "" {
				p = path + "." + f
			}
			diffValue(lines, p, got.Field(i), want.Field(i))
		}
	case got.Kind() == reflect.Slice && got.Len() == want.Len():
		for i := range got.Len() {
			diffValue(lines, fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i))
		}
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			*lines = append(*lines, fmt.Sprintf("  %s: got %s, want %s", name, show(got), show(want)))
		}
	}
}

func show(v reflect.Value) string {
	switch {
	case v.Type() == timeType:
		tm := v.Interface().(time.Time)
		if tm.IsZero() {
			return "zero time"
		}
		return tm.Format(time.RFC3339Nano)
	case v.Type() == bytesType:
		if v.IsNil() {
			return "nil bytes"
		}
		return "0x" + hex.EncodeToString(v.Bytes())
	case v.Kind() == reflect.Slice && v.IsNil():
		return "empty"
	}
	return fmt.Sprintf("%#v", v.Interface())
}

// byKey sorts a copy of records by key, for comparing lists whose order the
// contract leaves open.
func byKey[T any](records []T, key func(T) string) []T {
	c := slices.Clone(records)
	slices.SortFunc(c, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return c
}

// checkSet compares two lists of records as sets keyed by key.
func checkSet[T any](t *testing.T, what string, got, want []T, key func(T) string) {
	t.Helper()
	g, w := byKey(got, key), byKey(want, key)
	gk, wk := keys(g, key), keys(w, key)
	if !slices.Equal(gk, wk) {
		t.Errorf("%s: got records %q, want %q", what, gk, wk)
		return
	}
	for i := range g {
		checkEqual(t, fmt.Sprintf("%s: record %s", what, gk[i]), g[i], w[i])
	}
}

// checkList compares two lists of records in order, first by key (so a wrong
// order or membership shows as a short line), then record by record.
func checkList[T any](t *testing.T, what string, got, want []T, key func(T) string) {
	t.Helper()
	gk, wk := keys(got, key), keys(want, key)
	if !slices.Equal(gk, wk) {
		t.Errorf("%s: got %q, want %q", what, gk, wk)
		return
	}
	for i := range got {
		checkEqual(t, fmt.Sprintf("%s: record %s", what, gk[i]), got[i], want[i])
	}
}

func keys[T any](records []T, key func(T) string) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = key(r)
	}
	return out
}

// ---------------------------------------------------------------------------
// Concurrency

// race calls f(0..n-1) from n goroutines released at once and returns what
// each call returned.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one of errs is nil and every other one is
// ErrConflict, and returns the winner's index (-1 if there is none).
func oneWinner(t *testing.T, what string, errs []error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner = i
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("%s: call %d: got error %v, want nil or %v", what, i, err, store.ErrConflict)
		}
	}
	if wins != 1 {
		t.Errorf("%s: got %d successful calls out of %d, want exactly 1", what, wins, len(errs))
		if wins == 0 {
			return -1
		}
	}
	return winner
}

// concurrency is how many goroutines race for one compare-and-swap.
const concurrency = 20

// ---------------------------------------------------------------------------
// Fixtures shared by several aggregates

// newUser creates a user with the given email.
func newUser(t *testing.T, s store.Store, email string) store.User {
	t.Helper()
	u := store.User{
		Email:     email,
		Name:      "User " + email,
		Role:      store.RoleAuthor,
		CreatedAt: at(0),
		UpdatedAt: at(0),
	}
	got, err := s.CreateUser(t.Context(), u)
	mustOK(t, "CreateUser "+email, err)
	u.ID = got.ID
	return u
}

// newClient creates a static client with the given ID.
func newClient(t *testing.T, s store.Store, id string) store.Client {
	t.Helper()
	return newClientWith(t, s, id, func(c *store.Client) {
		c.GrantTypes = []string{"authorization_code", "refresh_token"}
		c.ResponseTypes = []string{"code"}
	})
}

// newGrant creates an active grant.
func newGrant(t *testing.T, s store.Store, id string, userID int64, clientID string) store.Grant {
	t.Helper()
	g := store.Grant{
		ID:        id,
		UserID:    userID,
		ClientID:  clientID,
		Scopes:    []string{"content:read", "content:write"},
		Resource:  "https://mcp.example.com/mcp",
		CreatedAt: at(0),
		UpdatedAt: at(0),
	}
	_, err := s.CreateGrant(t.Context(), g)
	mustOK(t, "CreateGrant "+id, err)
	return g
}

// oauthFixture is a user, a client and a grant between them.
type oauthFixture struct {
	user   store.User
	client store.Client
	grant  store.Grant
}

func newOAuthFixture(t *testing.T, s store.Store) oauthFixture {
	t.Helper()
	u := newUser(t, s, "owner@example.com")
	c := newClient(t, s, "client-1")
	g := newGrant(t, s, "grant-1", u.ID, c.ID)
	return oauthFixture{user: u, client: c, grant: g}
}

// token builds (does not store) a token of the fixture's grant.
func (f oauthFixture) token(name string, kind store.TokenKind, expires time.Time) store.Token {
	return store.Token{
		Hash:      hash(name),
		Kind:      kind,
		GrantID:   f.grant.ID,
		ClientID:  f.client.ID,
		UserID:    f.user.ID,
		Scopes:    []string{"content:read", "content:write"},
		Resource:  "https://mcp.example.com/mcp",
		CreatedAt: at(0),
		ExpiresAt: expires,
	}
}

func hashKey(b []byte) string { return hex.EncodeToString(b) }

func idKey(id int64) string { return fmt.Sprintf("#%d", id) }
