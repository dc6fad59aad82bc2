package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/portico-mcp/portico/internal/store"
)

// Passkeys (WebAuthn Level 3 discoverable credentials). The relying party
// ID is the host of the public URL and the only accepted origin is the
// public URL itself (WebAuthn §5.1.4.1 step 9: "Verify that the value of
// C.origin is an origin expected by the Relying Party").

// Errors of the passkey ceremonies (wrapped; test with errors.Is).
var (
	// ErrPasskeysDisabled means the public URL cannot be a relying party
	// ID (an IP address): passkeys need a domain name or localhost.
	ErrPasskeysDisabled = errors.New("identity: passkeys need the public URL to use a domain name")
	// ErrPasskeyFailed is every failed passkey ceremony: bad signature,
	// unknown credential, wrong origin, disabled account.
	ErrPasskeyFailed = errors.New("identity: the passkey could not be verified")
	// ErrPasskeyNotFound means the passkey to remove does not exist.
	ErrPasskeyNotFound = errors.New("identity: no such passkey")
)

const (
	passkeyCeremonyTTL = 5 * time.Minute
	// maxPasskeys bounds the credentials one account may register.
	maxPasskeys  = 20
	flowWebAuthn = "webauthn"
)

// newWebAuthn configures the relying party from the public origin.
func newWebAuthn(issuer, displayName string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q", ErrPasskeysDisabled, issuer)
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, fmt.Errorf("%w: %s is an IP address", ErrPasskeysDisabled, u.Hostname())
	}
	t := webauthn.TimeoutConfig{Enforce: true, Timeout: passkeyCeremonyTTL, TimeoutUVD: passkeyCeremonyTTL}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: displayName,
		RPOrigins:     []string{issuer},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationPreferred,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: t, Registration: t},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPasskeysDisabled, err)
	}
	return wa, nil
}

// PasskeysEnabled reports whether passkeys can be used with this public
// URL.
func (s *Service) PasskeysEnabled() bool { return s.webauthn != nil }

// Passkey is one registered credential as the account page shows it.
type Passkey struct {
	ID         string // base64url credential ID
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used to sign in
	Synced     bool      // backup eligible: a synced (multi-device) passkey
}

// storedPasskey is one row of store.WebAuthnCredentials with its
// credential record decoded.
type storedPasskey struct {
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	Credential webauthn.Credential
	// SignCount is the stored sign count: the compare-and-swap token of
	// the next sign-in with this passkey.
	SignCount uint32
}

func (p storedPasskey) view() Passkey {
	return Passkey{ID: base64.RawURLEncoding.EncodeToString(p.Credential.ID), Name: p.Name, CreatedAt: p.CreatedAt,
		LastUsedAt: p.LastUsedAt, Synced: p.Credential.Flags.BackupEligible}
}

// userHandle is the WebAuthn user.id of a Portico user: the 8-byte
// big-endian account ID (opaque, no personal data; WebAuthn §14.6.1).
func userHandle(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func userFromHandle(h []byte) (int64, bool) {
	if len(h) != 8 {
		return 0, false
	}
	id := int64(binary.BigEndian.Uint64(h))
	return id, id > 0
}

// waUser adapts a Portico user to webauthn.User.
type waUser struct {
	u     store.User
	creds []storedPasskey
}

func (w waUser) WebAuthnID() []byte   { return userHandle(w.u.ID) }
func (w waUser) WebAuthnName() string { return w.u.Email }
func (w waUser) WebAuthnDisplayName() string {
	if w.u.Name != "" {
		return w.u.Name
	}
	return w.u.Email
}
func (w waUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(w.creds))
	for i, c := range w.creds {
		out[i] = c.Credential
	}
	return out
}

func (s *Service) loadPasskeys(ctx context.Context, userID int64) ([]storedPasskey, error) {
	rows, err := s.st.ListWebAuthnCredentials(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("identity: load passkeys: %w", err)
	}
	ps := make([]storedPasskey, 0, len(rows))
	for _, row := range rows {
		p := storedPasskey{Name: row.Name, CreatedAt: row.CreatedAt, LastUsedAt: row.LastUsedAt, SignCount: row.SignCount}
		if err := json.Unmarshal(row.Data, &p.Credential); err != nil {
			return nil, fmt.Errorf("identity: decode a passkey of user %d: %w", userID, err)
		}
		// The row's sign count is authoritative: it is what the
		// compare-and-swap of the last sign-in wrote.
		p.Credential.Authenticator.SignCount = row.SignCount
		ps = append(ps, p)
	}
	return ps, nil
}

// ListPasskeys returns the user's passkeys, oldest first.
func (s *Service) ListPasskeys(ctx context.Context, userID int64) ([]Passkey, error) {
	ps, err := s.loadPasskeys(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Passkey, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.view())
	}
	return out, nil
}

// RemovePasskey deletes one of the user's passkeys by its base64url ID.
func (s *Service) RemovePasskey(ctx context.Context, userID int64, id string) error {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) == 0 {
		return ErrPasskeyNotFound
	}
	err = s.st.DeleteWebAuthnCredential(ctx, userID, raw)
	if errors.Is(err, store.ErrNotFound) {
		return ErrPasskeyNotFound
	}
	if err != nil {
		return fmt.Errorf("identity: remove passkey: %w", err)
	}
	return nil
}

// ceremony is the sealed state between the two halves of a ceremony.
type ceremony struct {
	Kind    string               `json:"k"` // "register" or "login"
	UserID  int64                `json:"u,omitempty"`
	Session webauthn.SessionData `json:"s"`
}

// BeginPasskeyRegistration starts adding a passkey to u. It returns the
// options for navigator.credentials.create ({"publicKey": …}) and keeps the
// challenge in a sealed cookie on w. Finish with FinishPasskeyRegistration.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, w http.ResponseWriter, u store.User) (*protocol.CredentialCreation, error) {
	if s.webauthn == nil {
		return nil, ErrPasskeysDisabled
	}
	ps, err := s.loadPasskeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	user := waUser{u: u, creds: ps}
	creation, sd, err := s.webauthn.BeginRegistration(user,
		webauthn.WithExclusions(webauthn.Credentials(user.WebAuthnCredentials()).CredentialDescriptors()),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()))
	if err != nil {
		return nil, fmt.Errorf("identity: begin passkey registration: %w", err)
	}
	if err := s.SetFlowCookie(ctx, w, flowWebAuthn, ceremony{Kind: "register", UserID: u.ID, Session: *sd}, passkeyCeremonyTTL); err != nil {
		return nil, err
	}
	return creation, nil
}

// FinishPasskeyRegistration checks the authenticator's answer (the JSON of
// a PublicKeyCredential from navigator.credentials.create) against the
// challenge of BeginPasskeyRegistration and stores the new passkey under
// name. Every verification failure is ErrPasskeyFailed.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, w http.ResponseWriter, r *http.Request, u store.User, name string, credential []byte) (Passkey, error) {
	if s.webauthn == nil {
		return Passkey{}, ErrPasskeysDisabled
	}
	var c ceremony
	if err := s.TakeFlowCookie(ctx, w, r, flowWebAuthn, &c); err != nil {
		return Passkey{}, err
	}
	if c.Kind != "register" || c.UserID != u.ID {
		return Passkey{}, ErrFlowExpired
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return Passkey{}, fmt.Errorf("%w: %w", ErrPasskeyFailed, err)
	}
	ps, err := s.loadPasskeys(ctx, u.ID)
	if err != nil {
		return Passkey{}, err
	}
	// The cap is checked before the insert, not in the same statement, so
	// two registrations racing may pass it together; it bounds the list,
	// it is not a security boundary.
	if len(ps) >= maxPasskeys {
		return Passkey{}, fmt.Errorf("%w: an account may have at most %d passkeys", ErrPasskeyFailed, maxPasskeys)
	}
	cred, err := s.webauthn.CreateCredential(waUser{u: u, creds: ps}, c.Session, parsed)
	if err != nil {
		return Passkey{}, fmt.Errorf("%w: %w", ErrPasskeyFailed, err)
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return Passkey{}, fmt.Errorf("identity: encode passkey: %w", err)
	}
	added := storedPasskey{Name: passkeyName(name, s.now()), CreatedAt: s.now(), Credential: *cred, SignCount: cred.Authenticator.SignCount}
	err = s.st.CreateWebAuthnCredential(ctx, store.WebAuthnCredential{ID: cred.ID, UserID: u.ID, Name: added.Name,
		Data: data, SignCount: added.SignCount, CreatedAt: added.CreatedAt})
	if errors.Is(err, store.ErrConflict) {
		// Credential IDs are unique across accounts (WebAuthn §7.1 step
		// 25: "If the credentialId is already known, the Relying Party
		// SHOULD fail this registration ceremony").
		return Passkey{}, fmt.Errorf("%w: this passkey is already registered", ErrPasskeyFailed)
	}
	if err != nil {
		return Passkey{}, fmt.Errorf("identity: store passkey: %w", err)
	}
	return added.view(), nil
}

// passkeyName cleans a person-chosen label.
func passkeyName(name string, now time.Time) string {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "Passkey added " + now.UTC().Format("2 Jan 2006")
	}
	for utf8.RuneCountInString(name) > 60 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// BeginPasskeyLogin starts a sign-in with a discoverable passkey (no email
// needed). It returns the options for navigator.credentials.get and keeps
// the challenge in a sealed cookie. Finish with FinishPasskeyLogin.
func (s *Service) BeginPasskeyLogin(ctx context.Context, w http.ResponseWriter) (*protocol.CredentialAssertion, error) {
	if s.webauthn == nil {
		return nil, ErrPasskeysDisabled
	}
	assertion, sd, err := s.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, fmt.Errorf("identity: begin passkey login: %w", err)
	}
	if err := s.SetFlowCookie(ctx, w, flowWebAuthn, ceremony{Kind: "login", Session: *sd}, passkeyCeremonyTTL); err != nil {
		return nil, err
	}
	return assertion, nil
}

// FinishPasskeyLogin verifies the assertion (the JSON of a
// PublicKeyCredential from navigator.credentials.get) and returns the
// account it belongs to. The caller starts the session. Every
// verification failure, including a disabled account or a sign counter
// that went backwards (a cloned authenticator), is ErrPasskeyFailed.
func (s *Service) FinishPasskeyLogin(ctx context.Context, w http.ResponseWriter, r *http.Request, credential []byte) (store.User, error) {
	if s.webauthn == nil {
		return store.User{}, ErrPasskeysDisabled
	}
	var c ceremony
	if err := s.TakeFlowCookie(ctx, w, r, flowWebAuthn, &c); err != nil {
		return store.User{}, err
	}
	if c.Kind != "login" {
		return store.User{}, ErrFlowExpired
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(credential)
	if err != nil {
		return store.User{}, fmt.Errorf("%w: %w", ErrPasskeyFailed, err)
	}
	var (
		found store.User
		creds []storedPasskey
	)
	handler := func(_, handle []byte) (webauthn.User, error) {
		id, ok := userFromHandle(handle)
		if !ok {
			return nil, errors.New("unknown user handle")
		}
		u, err := s.st.GetUser(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("user %d: %w", id, err)
		}
		if u.Disabled {
			return nil, fmt.Errorf("user %d is disabled", id)
		}
		ps, err := s.loadPasskeys(ctx, id)
		if err != nil {
			return nil, err
		}
		found, creds = u, ps
		return waUser{u: u, creds: ps}, nil
	}
	_, cred, err := s.webauthn.ValidatePasskeyLogin(handler, c.Session, parsed)
	if err != nil {
		return store.User{}, fmt.Errorf("%w: %w", ErrPasskeyFailed, err)
	}
	// WebAuthn §6.1.1: a sign count not greater than the stored one
	// "is a signal that the authenticator may be cloned"; we refuse it.
	if cred.Authenticator.CloneWarning {
		s.log.WarnContext(ctx, "passkey sign counter went backwards; refusing a possibly cloned authenticator", "user_id", found.ID)
		return store.User{}, fmt.Errorf("%w: sign counter went backwards", ErrPasskeyFailed)
	}
	i := slices.IndexFunc(creds, func(p storedPasskey) bool { return bytes.Equal(p.Credential.ID, cred.ID) })
	if i < 0 {
		return store.User{}, fmt.Errorf("%w: the passkey was removed", ErrPasskeyFailed)
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return store.User{}, fmt.Errorf("identity: encode passkey: %w", err)
	}
	// Compare-and-swap on the sign count we verified against: two
	// sign-ins presenting the same counter (a cloned authenticator, or one
	// assertion replayed concurrently on two replicas) cannot both pass,
	// because the second finds the count moved.
	err = s.st.UpdateWebAuthnCredentialUse(ctx, cred.ID, creds[i].SignCount, cred.Authenticator.SignCount, data, s.now())
	switch {
	case errors.Is(err, store.ErrConflict):
		s.log.WarnContext(ctx, "passkey sign count moved during the sign-in; refusing a concurrent use of one counter value", "user_id", found.ID)
		return store.User{}, fmt.Errorf("%w: the sign counter moved during the sign-in", ErrPasskeyFailed)
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, fmt.Errorf("%w: the passkey was removed", ErrPasskeyFailed)
	case err != nil:
		return store.User{}, fmt.Errorf("identity: record passkey use: %w", err)
	}
	return found, nil
}
