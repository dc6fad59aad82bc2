package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/portico-mcp/portico/internal/store"
)

// Store is the part of store.Store identity uses.
type Store interface {
	store.Users
	store.Sessions
	store.Invites
	store.WebAuthnCredentials
	// Settings holds the cookie sealing key under "identity:sealing_key",
	// created once with PutSettingIfAbsent.
	store.Settings
}

// Options tunes identity. Zero fields take the documented defaults.
type Options struct {
	// Secure marks cookies Secure and names the session cookie
	// __Host-portico_session. Set it when the public URL is https; on
	// http://localhost the cookie is portico_session (the __Host- prefix
	// requires Secure).
	Secure bool
	// SessionTTL is the sliding session lifetime. Default 14 days.
	SessionTTL time.Duration
	// SetupLinkTTL is how long a first-run setup link works. Default 24h.
	SetupLinkTTL time.Duration
	// MinPasswordLength. Default 10.
	MinPasswordLength int
	// HashConcurrency bounds simultaneous argon2id computations. Default 2.
	HashConcurrency int
	// Argon2 cost; defaults m=64 MiB, t=2, p=2. Tests may lower it.
	Argon2 Argon2Params
	// RPDisplayName is the relying party name passkey prompts show.
	// Default "Portico".
	RPDisplayName string
}

func (o *Options) defaults() {
	if o.SessionTTL <= 0 {
		o.SessionTTL = 14 * 24 * time.Hour
	}
	if o.SetupLinkTTL <= 0 {
		o.SetupLinkTTL = 24 * time.Hour
	}
	if o.MinPasswordLength <= 0 {
		o.MinPasswordLength = 10
	}
	if o.HashConcurrency <= 0 {
		o.HashConcurrency = 2
	}
	if o.RPDisplayName == "" {
		o.RPDisplayName = "Portico"
	}
	o.Argon2.defaults()
}

// Config holds the dependencies of a Service.
type Config struct {
	Store Store // required
	// Issuer is the public origin; setup links are built on it. Required.
	Issuer string
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil: discard
	Options
}

// Service manages users and sessions. Build it with New.
type Service struct {
	st     Store
	issuer string
	now    func() time.Time
	log    *slog.Logger
	opts   Options
	sem    chan struct{}

	sealMu  sync.Mutex
	sealKey []byte // loaded lazily by sealer

	webauthn *webauthn.WebAuthn

	dummyOnce sync.Once
	dummy     string
}

// Errors identity returns (wrapped); test with errors.Is.
var (
	// ErrInvalidCredentials is the one answer to a wrong email, a wrong
	// password or a disabled account, so none can be told apart.
	ErrInvalidCredentials = errors.New("identity: invalid email or password")
	ErrInvalidEmail       = errors.New("identity: invalid email address")
	ErrWeakPassword       = errors.New("identity: password too short")
	ErrEmailTaken         = errors.New("identity: email already registered")
	ErrInvalidRole        = errors.New("identity: invalid role")
	// ErrInvalidInvite means the setup or invite link is unknown, used or
	// expired.
	ErrInvalidInvite = errors.New("identity: invalid or expired link")
	// ErrNoSession means the request carries no live session.
	ErrNoSession = errors.New("identity: no session")
	// ErrWrongPassword means the current password given to ChangePassword
	// is not the account's.
	ErrWrongPassword = errors.New("identity: the current password is wrong")
	// ErrUnknownUser means no enabled account has that email address.
	ErrUnknownUser = errors.New("identity: no account with that email address")
)

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("identity: Config.Store is required")
	}
	if cfg.Issuer == "" {
		return nil, errors.New("identity: Config.Issuer is required")
	}
	s := &Service{st: cfg.Store, issuer: strings.TrimSuffix(cfg.Issuer, "/"), now: cfg.Now, log: cfg.Logger, opts: cfg.Options}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.opts.defaults()
	s.sem = make(chan struct{}, s.opts.HashConcurrency)
	wa, err := newWebAuthn(s.issuer, s.opts.RPDisplayName)
	if err != nil {
		s.log.Info("passkeys are disabled", "reason", err.Error())
	}
	s.webauthn = wa
	return s, nil
}

// Options returns the effective options.
func (s *Service) Options() Options { return s.opts }

// NormalizeEmail trims and lower-cases an address and checks its shape.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	if len(e) > 254 || !strings.Contains(e, "@") {
		return "", ErrInvalidEmail
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return "", ErrInvalidEmail
	}
	return e, nil
}

func (s *Service) checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < s.opts.MinPasswordLength {
		return fmt.Errorf("%w: at least %d characters", ErrWeakPassword, s.opts.MinPasswordLength)
	}
	if len(pw) > 1024 {
		return fmt.Errorf("%w: at most 1024 bytes", ErrWeakPassword)
	}
	return nil
}

// CreateUser adds a person with a password (for `portico user add` and the
// setup page).
func (s *Service) CreateUser(ctx context.Context, email, name string, role store.Role, password string) (store.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return store.User{}, err
	}
	if !role.Valid() {
		return store.User{}, fmt.Errorf("%w: %q", ErrInvalidRole, role)
	}
	if err := s.checkPassword(password); err != nil {
		return store.User{}, err
	}
	h, err := s.HashPassword(ctx, password)
	if err != nil {
		return store.User{}, err
	}
	now := s.now()
	u, err := s.st.CreateUser(ctx, store.User{Email: e, Name: strings.TrimSpace(name), Role: role, PasswordHash: h,
		CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrConflict) {
		return store.User{}, fmt.Errorf("%w: %s", ErrEmailTaken, e)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("identity: create user: %w", err)
	}
	return u, nil
}

// dummyHash is a real hash verified for unknown users so the time taken
// does not reveal whether an email exists.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy = hashPassword("portico-dummy-password", s.opts.Argon2) })
	return s.dummy
}

// Authenticate checks an email and password. Every failure is
// ErrInvalidCredentials and costs one argon2id verification, including for
// unknown or disabled users.
func (s *Service) Authenticate(ctx context.Context, email, password string) (store.User, error) {
	e, _ := NormalizeEmail(email)
	u, err := s.st.GetUserByEmail(ctx, e)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("identity: authenticate: %w", err)
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		hash = s.dummyHash()
	}
	ok, verr := s.VerifyPassword(ctx, hash, password)
	if verr != nil && !errors.Is(verr, errBadHash) {
		return store.User{}, verr
	}
	if err != nil || u.PasswordHash == "" || !ok || u.Disabled {
		return store.User{}, ErrInvalidCredentials
	}
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := s.checkPassword(password); err != nil {
		return err
	}
	u, err := s.st.GetUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("identity: set password: %w", err)
	}
	if u.PasswordHash, err = s.HashPassword(ctx, password); err != nil {
		return err
	}
	u.UpdatedAt = s.now()
	if _, err := s.st.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("identity: set password: %w", err)
	}
	return nil
}

// Issuer returns the public origin the service was built with.
func (s *Service) Issuer() string { return s.issuer }

// UserByVerifiedEmail returns the enabled account whose address is email,
// for sign-in through an upstream identity provider that vouched for the
// address. It never creates accounts: an unknown or disabled address is
// ErrUnknownUser. The caller must have checked that the provider verified
// the address.
func (s *Service) UserByVerifiedEmail(ctx context.Context, email string) (store.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return store.User{}, ErrUnknownUser
	}
	u, err := s.st.GetUserByEmail(ctx, e)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrUnknownUser
	}
	if err != nil {
		return store.User{}, fmt.Errorf("identity: user by email: %w", err)
	}
	if u.Disabled {
		return store.User{}, ErrUnknownUser
	}
	return u, nil
}

// ChangePassword sets a new password after checking the current one (when
// the account has one). A wrong current password is ErrWrongPassword; a
// weak new one ErrWeakPassword.
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next string) error {
	u, err := s.st.GetUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("identity: change password: %w", err)
	}
	if u.PasswordHash != "" {
		ok, err := s.VerifyPassword(ctx, u.PasswordHash, current)
		if err != nil && !errors.Is(err, errBadHash) {
			return err
		}
		if !ok {
			return ErrWrongPassword
		}
	}
	return s.SetPassword(ctx, userID, next)
}

// CheckPasswordStrength reports ErrWeakPassword (wrapped, with the rule)
// when pw would be refused, so forms can say so before other checks.
func (s *Service) CheckPasswordStrength(pw string) error { return s.checkPassword(pw) }
