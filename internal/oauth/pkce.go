package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// validPKCEValue reports whether v is a code_verifier or S256 challenge in
// the syntax of RFC 7636 §4.1: "code-verifier = 43*128unreserved" with
// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
func validPKCEValue(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// VerifyS256 reports whether verifier matches challenge under RFC 7636 §4.6:
// "BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) == code_challenge". The
// comparison is constant time.
func VerifyS256(challenge, verifier string) bool {
	if !validPKCEValue(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// S256Challenge computes the S256 challenge of verifier (for tests and
// clients).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
