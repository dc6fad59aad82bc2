package authserver_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// softAuthenticator is a minimal WebAuthn authenticator in Go: one
// discoverable ES256 (P-256) credential, "packed" self attestation or
// "none", user presence and verification always asserted. It produces the
// JSON a browser's PublicKeyCredential.toJSON() would.
type softAuthenticator struct {
	t          testing.TB
	origin     string
	rpID       string
	key        *ecdsa.PrivateKey
	credID     []byte
	userHandle []byte
	counter    uint32
	format     string // "packed" or "none"
}

func newSoftAuthenticator(t testing.TB, origin, rpID, format string) *softAuthenticator {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &softAuthenticator{t: t, origin: origin, rpID: rpID, key: k, credID: id, format: format}
}

var b64u = base64.RawURLEncoding

func (a *softAuthenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return b
}

// authData builds authenticator data (WebAuthn §6.1) with flags UP|UV and,
// for registration, attested credential data with a COSE EC2 key.
func (a *softAuthenticator) authData(attested bool) []byte {
	rp := sha256.Sum256([]byte(a.rpID))
	flags := byte(0x01 | 0x04) // UP, UV
	if attested {
		flags |= 0x40 // AT
	}
	out := append([]byte{}, rp[:]...)
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, a.counter)
	if attested {
		out = append(out, make([]byte, 16)...) // AAGUID: zero
		out = binary.BigEndian.AppendUint16(out, uint16(len(a.credID)))
		out = append(out, a.credID...)
		raw, err := a.key.PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			a.t.Fatal(err)
		}
		x, y := raw[1:33], raw[33:65]
		cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
		if err != nil {
			a.t.Fatal(err)
		}
		out = append(out, cose...)
	}
	return out
}

func (a *softAuthenticator) sign(authData, clientData []byte) []byte {
	h := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	return sig
}

// create answers navigator.credentials.create options (the server's JSON).
func (a *softAuthenticator) create(options []byte) json.RawMessage {
	var opts struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
			RP struct {
				ID string `json:"id"`
			} `json:"rp"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &opts); err != nil {
		a.t.Fatalf("creation options: %v\n%s", err, options)
	}
	if opts.PublicKey.RP.ID != a.rpID {
		a.t.Fatalf("rp.id = %q, want %q", opts.PublicKey.RP.ID, a.rpID)
	}
	uh, err := b64u.DecodeString(opts.PublicKey.User.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	a.userHandle = uh
	cd := a.clientData("webauthn.create", opts.PublicKey.Challenge)
	ad := a.authData(true)
	att := map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad}
	if a.format == "packed" {
		att["fmt"] = "packed"
		att["attStmt"] = map[string]any{"alg": -7, "sig": a.sign(ad, cd)}
	}
	ao, err := webauthncbor.Marshal(att)
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(a.credID), "rawId": b64u.EncodeToString(a.credID),
		"type": "public-key", "clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(cd), "attestationObject": b64u.EncodeToString(ao),
			"transports": []string{"internal"}}})
	return b
}

// get answers navigator.credentials.get options, bumping the counter.
func (a *softAuthenticator) get(options []byte) json.RawMessage {
	var opts struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &opts); err != nil {
		a.t.Fatalf("request options: %v\n%s", err, options)
	}
	a.counter++
	cd := a.clientData("webauthn.get", opts.PublicKey.Challenge)
	ad := a.authData(false)
	b, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(a.credID), "rawId": b64u.EncodeToString(a.credID),
		"type": "public-key", "clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(cd), "authenticatorData": b64u.EncodeToString(ad),
			"signature": b64u.EncodeToString(a.sign(ad, cd)), "userHandle": b64u.EncodeToString(a.userHandle)}})
	return b
}
