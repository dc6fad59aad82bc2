package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Token prefixes make Portico secrets recognisable (secret scanners, logs)
// and let Verify route personal tokens.
const (
	PrefixAccessToken   = "pt_at_"
	PrefixRefreshToken  = "pt_rt_"
	PrefixPersonalToken = "pt_pat_"
	PrefixCode          = "pt_ac_"
	PrefixClientSecret  = "pt_cs_"
)

// newSecret returns prefix + base64url(32 random bytes): 256 bits of
// entropy (RFC 6749 §10.10, RFC 9700 §4.1).
func newSecret(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// newID returns a short random identifier (not a secret).
func newID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret is the SHA-256 of a token, code or client secret as kept at
// rest. The secrets have 256 bits of entropy, so a fast hash suffices.
func HashSecret(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// equalHash compares two hashes in constant time.
func equalHash(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}

// looksLikeSecret rejects obviously malformed tokens before a database
// round trip: wrong prefix, wrong length, characters outside base64url.
func looksLikeSecret(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+43 {
		return false
	}
	for i := len(prefix); i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

const sealInfo = "portico refresh reply v1"

// sealKey derives the AES-256 key for the reply sealed under a refresh
// token: HKDF-SHA256 (RFC 5869) of the raw token. Only someone holding the
// old refresh token can open the reply.
func sealKey(rawRefresh string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, []byte(rawRefresh), nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive seal key: %w", err)
	}
	return k, nil
}

// seal encrypts plain with AES-256-GCM under a key derived from rawRefresh;
// the output is nonce||ciphertext.
func seal(rawRefresh string, plain []byte) ([]byte, error) {
	key, err := sealKey(rawRefresh)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, []byte(sealInfo)), nil
}

// open reverses seal.
func open(rawRefresh string, sealed []byte) ([]byte, error) {
	key, err := sealKey(rawRefresh)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("open: sealed reply too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(sealInfo))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return plain, nil
}
