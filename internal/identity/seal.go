package identity

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// sealKeySetting is the store.Settings key of the 32-byte AES-256-GCM key
// that seals short-lived flow cookies (passkey ceremonies, upstream sign-in
// state). Every replica reads the same key, so a ceremony begun on one
// replica finishes on another.
const sealKeySetting = "identity:sealing_key"

// ErrFlowExpired means a sealed flow cookie is missing, forged, for another
// purpose, or expired: the person has to start again.
var ErrFlowExpired = errors.New("identity: this sign-in step expired or was started in another browser")

// maxFlowCookie bounds the size of a sealed cookie we accept.
const maxFlowCookie = 3500

// key returns the sealing key, creating it on first use. The key is
// stored with PutSettingIfAbsent, so replicas starting together agree on
// the first one written and never overwrite each other's.
func (s *Service) key(ctx context.Context) ([]byte, error) {
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	if s.sealKey != nil {
		return s.sealKey, nil
	}
	stored, err := s.st.PutSettingIfAbsent(ctx, sealKeySetting, base64.RawStdEncoding.EncodeToString(random32()))
	if err != nil {
		return nil, fmt.Errorf("identity: sealing key: %w", err)
	}
	k, err := base64.RawStdEncoding.DecodeString(stored)
	if err != nil || len(k) != 32 {
		// Never replace a stored key that does not decode: another
		// replica may be using it. An operator must look at it.
		return nil, fmt.Errorf("identity: the stored %s is not a base64 32-byte key", sealKeySetting)
	}
	s.sealKey = k
	return k, nil
}

type sealed struct {
	Exp  int64           `json:"exp"`
	Data json.RawMessage `json:"d"`
}

// seal encrypts v for purpose with a lifetime of ttl.
func (s *Service) seal(ctx context.Context, purpose string, v any, ttl time.Duration) (string, error) {
	k, err := s.key(ctx)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("identity: seal: %w", err)
	}
	plain, _ := json.Marshal(sealed{Exp: s.now().Add(ttl).Unix(), Data: data})
	block, _ := aes.NewCipher(k)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	out := gcm.Seal(nonce, nonce, plain, []byte(purpose))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// unseal decrypts a value sealed for purpose into v; any failure is
// ErrFlowExpired.
func (s *Service) unseal(ctx context.Context, purpose, value string, v any) error {
	if value == "" || len(value) > maxFlowCookie {
		return ErrFlowExpired
	}
	k, err := s.key(ctx)
	if err != nil {
		return err
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return ErrFlowExpired
	}
	block, _ := aes.NewCipher(k)
	gcm, _ := cipher.NewGCM(block)
	if len(raw) < gcm.NonceSize() {
		return ErrFlowExpired
	}
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], []byte(purpose))
	if err != nil {
		return ErrFlowExpired
	}
	var env sealed
	if err := json.Unmarshal(plain, &env); err != nil || s.now().Unix() >= env.Exp {
		return ErrFlowExpired
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return ErrFlowExpired
	}
	return nil
}

// flowCookieName is the cookie of one kind of short flow, __Host- prefixed
// when Options.Secure.
func (s *Service) flowCookieName(purpose string) string {
	if s.opts.Secure {
		return "__Host-portico_" + purpose
	}
	return "portico_" + purpose
}

// SetFlowCookie seals v into a short-lived HttpOnly, SameSite=Lax cookie
// named after purpose (for example "oidc"). Read it back once with
// TakeFlowCookie. The browser holds the state, so any replica can finish
// the flow; the seal (AES-256-GCM, purpose as associated data) keeps it
// unreadable and unforgeable.
func (s *Service) SetFlowCookie(ctx context.Context, w http.ResponseWriter, purpose string, v any, ttl time.Duration) error {
	val, err := s.seal(ctx, purpose, v, ttl)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.flowCookieName(purpose), Value: val, Path: "/", MaxAge: int(ttl / time.Second),
		HttpOnly: true, Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// TakeFlowCookie opens the cookie SetFlowCookie wrote for purpose into v
// and clears it, so each flow state is used once by this browser. A
// missing, forged or expired cookie is ErrFlowExpired.
func (s *Service) TakeFlowCookie(ctx context.Context, w http.ResponseWriter, r *http.Request, purpose string, v any) error {
	name := s.flowCookieName(purpose)
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode})
	ck, err := r.Cookie(name)
	if err != nil {
		return ErrFlowExpired
	}
	return s.unseal(ctx, purpose, ck.Value, v)
}
