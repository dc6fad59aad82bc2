package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/webauthn"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/postgres"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// openStore opens SQLite on t.TempDir(), or a fresh PostgreSQL schema when
// PORTICO_TEST_POSTGRES is set.
func openStore(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	if base := os.Getenv("PORTICO_TEST_POSTGRES"); base != "" {
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatalf("PORTICO_TEST_POSTGRES: %v", err)
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		schema := "portico_id_" + hex.EncodeToString(b)
		if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatalf("PORTICO_TEST_POSTGRES is set but PostgreSQL is unusable: %v", err)
		}
		t.Cleanup(func() {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		})
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		st, err := postgres.Open(ctx, u.String())
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "id.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSealingKeyAgreedByReplicas: services starting together on one store
// (replicas) all use the first key stored, so a cookie sealed by any of
// them opens on every other.
func TestSealingKeyAgreedByReplicas(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	const n = 6
	svcs := make([]*Service, n)
	for i := range svcs {
		s, err := New(Config{Store: st, Issuer: "https://mcp.example.com", Options: cheap})
		if err != nil {
			t.Fatal(err)
		}
		svcs[i] = s
	}
	cookies := make([]*http.Cookie, n)
	var wg sync.WaitGroup
	for i, s := range svcs {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			if err := s.SetFlowCookie(ctx, rec, "oidc", i, time.Minute); err != nil {
				t.Error(err)
				return
			}
			cookies[i] = rec.Result().Cookies()[0]
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	kv, err := st.GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := kv[sealKeySetting]
	for i, s := range svcs {
		if got := base64.RawStdEncoding.EncodeToString(s.sealKey); got != want {
			t.Errorf("replica %d uses another key than the stored one", i)
		}
		// Replica i opens the cookie replica i+1 sealed.
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(cookies[(i+1)%n])
		var v int
		if err := s.TakeFlowCookie(ctx, httptest.NewRecorder(), req, "oidc", &v); err != nil || v != (i+1)%n {
			t.Errorf("replica %d cannot open replica %d's cookie: %v", i, (i+1)%n, err)
		}
	}
}

// softKey is a minimal WebAuthn authenticator: one ES256 credential that
// signs assertions with a chosen counter.
type softKey struct {
	t      *testing.T
	key    *ecdsa.PrivateKey
	id     []byte
	origin string
	rpID   string
}

func newSoftKey(t *testing.T, origin, rpID string) *softKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &softKey{t: t, key: k, id: id, origin: origin, rpID: rpID}
}

// register stores the credential for userID directly, as a completed
// registration would, with the given sign count.
func (k *softKey) register(st store.Store, userID int64, count uint32) {
	raw, err := k.key.PublicKey.Bytes()
	if err != nil {
		k.t.Fatal(err)
	}
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	if err != nil {
		k.t.Fatal(err)
	}
	cred := webauthn.Credential{ID: k.id, PublicKey: cose, AttestationType: "none",
		Flags: webauthn.CredentialFlags{UserPresent: true, UserVerified: true}, Authenticator: webauthn.Authenticator{SignCount: count}}
	data, _ := json.Marshal(cred)
	if err := st.CreateWebAuthnCredential(context.Background(), store.WebAuthnCredential{ID: k.id, UserID: userID, Name: "soft",
		Data: data, SignCount: count, CreatedAt: time.Now()}); err != nil {
		k.t.Fatal(err)
	}
}

// assert answers request options (the JSON of a CredentialAssertion) with
// an assertion carrying counter.
func (k *softKey) assert(options []byte, userID int64, counter uint32) []byte {
	var opts struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &opts); err != nil {
		k.t.Fatal(err)
	}
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": opts.PublicKey.Challenge, "origin": k.origin, "crossOrigin": false})
	rp := sha256.Sum256([]byte(k.rpID))
	ad := append(rp[:], 0x01|0x04) // UP, UV
	ad = binary.BigEndian.AppendUint32(ad, counter)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	b64 := base64.RawURLEncoding
	out, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(ad),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(userHandle(userID))}})
	return out
}

// barrierStore holds every ListWebAuthnCredentials until `parties` callers
// arrived, so concurrent sign-ins all read the same sign count before any
// of them writes.
type barrierStore struct {
	store.Store
	mu      sync.Mutex
	parties int
	arrived int
	release chan struct{}
}

func (b *barrierStore) ListWebAuthnCredentials(ctx context.Context, userID int64) ([]store.WebAuthnCredential, error) {
	cs, err := b.Store.ListWebAuthnCredentials(ctx, userID)
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.parties {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(5 * time.Second):
	}
	return cs, err
}

// beginLogin starts a ceremony and returns the options and the cookie.
func beginLogin(t *testing.T, s *Service) ([]byte, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	a, err := s.BeginPasskeyLogin(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(a)
	return b, rec.Result().Cookies()[0]
}

func finishLogin(s *Service, ck *http.Cookie, assertion []byte) (store.User, error) {
	req := httptest.NewRequest("POST", "/login/passkey/finish", nil)
	req.AddCookie(ck)
	return s.FinishPasskeyLogin(context.Background(), httptest.NewRecorder(), req, assertion)
}

// TestConcurrentPasskeySignInsOneCounter: two sign-ins presenting the same
// sign count (a cloned authenticator, WebAuthn §6.1.1), verified at the
// same time on two replicas that both read the old count, cannot both
// succeed: the compare-and-swap on the stored count lets exactly one pass.
// A later assertion with a higher counter works; a sequential repeat of a
// used counter is refused as a clone.
func TestConcurrentPasskeySignInsOneCounter(t *testing.T) {
	base := openStore(t)
	ctx := context.Background()
	const issuer = "https://mcp.example.com"
	setup, err := New(Config{Store: base, Issuer: issuer, Options: cheap})
	if err != nil {
		t.Fatal(err)
	}
	u, err := setup.CreateUser(ctx, "a@example.com", "A", store.RoleAdmin, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	key := newSoftKey(t, issuer, "mcp.example.com")
	key.register(base, u.ID, 4)

	bs := &barrierStore{Store: base, parties: 2, release: make(chan struct{})}
	replicas := make([]*Service, 2)
	for i := range replicas {
		if replicas[i], err = New(Config{Store: bs, Issuer: issuer, Options: cheap}); err != nil {
			t.Fatal(err)
		}
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, s := range replicas {
		opts, ck := beginLogin(t, s)
		assertion := key.assert(opts, u.ID, 5) // the same counter twice
		wg.Go(func() {
			got, err := finishLogin(s, ck, assertion)
			if err == nil && got.ID != u.ID {
				err = errors.New("signed in as someone else")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrPasskeyFailed) || !strings.Contains(err.Error(), "moved"):
			t.Errorf("refusal is not the compare-and-swap's ErrPasskeyFailed: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 2 concurrent sign-ins with one counter succeeded (%v), want exactly 1", ok, errs)
	}
	stored, err := base.GetWebAuthnCredential(ctx, key.id)
	if err != nil || stored.SignCount != 5 || stored.LastUsedAt.IsZero() {
		t.Fatalf("stored credential %+v %v", stored, err)
	}

	// Sequentially: the used counter again is a clone; a higher one works.
	s := replicas[0]
	opts, ck := beginLogin(t, s)
	if _, err := finishLogin(s, ck, key.assert(opts, u.ID, 5)); !errors.Is(err, ErrPasskeyFailed) {
		t.Fatalf("repeated counter: %v", err)
	}
	opts, ck = beginLogin(t, s)
	if _, err := finishLogin(s, ck, key.assert(opts, u.ID, 6)); err != nil {
		t.Fatalf("next counter: %v", err)
	}

	// Listing and removal go through the table.
	pks, err := s.ListPasskeys(ctx, u.ID)
	if err != nil || len(pks) != 1 || pks[0].ID != base64.RawURLEncoding.EncodeToString(key.id) || pks[0].LastUsedAt.IsZero() {
		t.Fatalf("list: %+v %v", pks, err)
	}
	if err := s.RemovePasskey(ctx, u.ID+1, pks[0].ID); !errors.Is(err, ErrPasskeyNotFound) {
		t.Fatalf("remove another user's passkey: %v", err)
	}
	if err := s.RemovePasskey(ctx, u.ID, pks[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePasskey(ctx, u.ID, pks[0].ID); !errors.Is(err, ErrPasskeyNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
	opts, ck = beginLogin(t, s)
	if _, err := finishLogin(s, ck, key.assert(opts, u.ID, 7)); !errors.Is(err, ErrPasskeyFailed) {
		t.Fatalf("removed passkey: %v", err)
	}
}
