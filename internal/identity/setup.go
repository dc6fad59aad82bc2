package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// setupPrefix marks setup/invite secrets; resetPrefix marks password-reset
// secrets. The prefix is part of the hashed secret, so an invite can never
// be turned into a reset link or the other way round.
const (
	setupPrefix = "pt_inv_"
	resetPrefix = "pt_rst_"
)

// ErrResetLink means a password-reset link was opened where an invite or
// setup link is expected (/setup). It is reported without using the link.
var ErrResetLink = errors.New("identity: this is a password-reset link, not an invite")

// ErrInviteEmailTaken means an invite addressed to an email that now
// belongs to an account; it cannot create one. It is reported without
// using the link.
var ErrInviteEmailTaken = errors.New("identity: an account already uses the address this invite is for")

// EnsureSetupLink returns a one-time setup URL (<issuer>/setup?token=…) when
// there is no active admin yet (demo bylines are disabled accounts and do
// not count), and "" otherwise. Call it at startup and log the
// URL: it creates the owner (admin) account and dies after use or after
// Options.SetupLinkTTL. Each call makes a new link.
func (s *Service) EnsureSetupLink(ctx context.Context) (string, error) {
	owner, err := s.hasActiveAdmin(ctx)
	if err != nil {
		return "", err
	}
	if owner {
		return "", nil
	}
	secret := setupPrefix + base64.RawURLEncoding.EncodeToString(random32())
	now := s.now()
	if err := s.st.CreateInvite(ctx, store.Invite{Hash: hashCookie(secret), Role: store.RoleAdmin,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.SetupLinkTTL)}); err != nil {
		return "", fmt.Errorf("identity: create setup link: %w", err)
	}
	return s.issuer + "/setup?token=" + url.QueryEscape(secret), nil
}

// CheckInvite reports whether token is a live invite or setup link. A
// reset link is ErrResetLink; an invite addressed to an email that already
// has an account is ErrInviteEmailTaken; neither is used up.
func (s *Service) CheckInvite(ctx context.Context, token string) (store.Invite, error) {
	if strings.HasPrefix(token, resetPrefix) {
		if _, _, err := s.liveLink(ctx, token, resetPrefix); err == nil {
			return store.Invite{}, ErrResetLink
		}
		return store.Invite{}, ErrInvalidInvite
	}
	inv, _, err := s.liveLink(ctx, token, setupPrefix)
	if err != nil {
		return store.Invite{}, err
	}
	if inv.Email != "" {
		_, err := s.st.GetUserByEmail(ctx, inv.Email)
		if err == nil {
			return store.Invite{}, ErrInviteEmailTaken
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Invite{}, fmt.Errorf("identity: check invite email: %w", err)
		}
	}
	return inv, nil
}

// liveLink returns the unused, unexpired invite record of a link secret
// with the given prefix, and the secret's hash.
func (s *Service) liveLink(ctx context.Context, token, prefix string) (store.Invite, []byte, error) {
	if !strings.HasPrefix(token, prefix) || len(token) > 100 {
		return store.Invite{}, nil, ErrInvalidInvite
	}
	h := hashCookie(token)
	inv, err := s.st.GetInvite(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return store.Invite{}, nil, ErrInvalidInvite
	}
	if err != nil {
		return store.Invite{}, nil, fmt.Errorf("identity: get invite: %w", err)
	}
	if !inv.UsedAt.IsZero() || !s.now().Before(inv.ExpiresAt) {
		return store.Invite{}, nil, ErrInvalidInvite
	}
	return inv, h, nil
}

// useLink marks the link used; a link used or expired meanwhile is
// ErrInvalidInvite.
func (s *Service) useLink(ctx context.Context, hash []byte) error {
	if _, err := s.st.UseInvite(ctx, hash, s.now()); err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return ErrInvalidInvite
		}
		return fmt.Errorf("identity: use link: %w", err)
	}
	return nil
}

// AcceptInvite uses the one-time link token to create a user with the
// invite's role. The setup link (CreatedBy 0) works only while there is no
// active admin. Every check that can fail (reset link, address taken,
// weak password) runs before the link is used up.
func (s *Service) AcceptInvite(ctx context.Context, token, email, name, password string) (store.User, error) {
	inv, err := s.CheckInvite(ctx, token)
	if err != nil {
		return store.User{}, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return store.User{}, err
	}
	if inv.Email != "" && inv.Email != e {
		return store.User{}, fmt.Errorf("%w: this link is for another address", ErrInvalidInvite)
	}
	if err := s.checkPassword(password); err != nil {
		return store.User{}, err
	}
	if inv.CreatedBy == 0 {
		if owner, err := s.hasActiveAdmin(ctx); err != nil {
			return store.User{}, err
		} else if owner {
			return store.User{}, fmt.Errorf("%w: setup is already done", ErrInvalidInvite)
		}
	}
	if _, err := s.st.GetUserByEmail(ctx, e); err == nil {
		return store.User{}, fmt.Errorf("%w: %s", ErrEmailTaken, e)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("identity: check email: %w", err)
	}
	if err := s.useLink(ctx, hashCookie(token)); err != nil {
		return store.User{}, err
	}
	return s.CreateUser(ctx, e, name, inv.Role, password)
}

// CreateResetLink makes a one-time password-reset secret for the account
// userID, valid for ttl, made by the administrator createdBy. Build the
// page URL around it (the admin serves /admin/reset?token=…) and open it
// with CheckResetLink and ResetPassword.
func (s *Service) CreateResetLink(ctx context.Context, userID, createdBy int64, ttl time.Duration) (string, error) {
	if createdBy == 0 {
		return "", errors.New("identity: a reset link needs the administrator who made it")
	}
	u, err := s.st.GetUser(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("identity: reset link: %w", err)
	}
	secret := resetPrefix + base64.RawURLEncoding.EncodeToString(random32())
	now := s.now()
	if err := s.st.CreateInvite(ctx, store.Invite{Hash: hashCookie(secret), Email: u.Email, Role: u.Role, CreatedBy: createdBy,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return "", fmt.Errorf("identity: create reset link: %w", err)
	}
	return secret, nil
}

// CheckResetLink returns the enabled account a live password-reset link
// is for, without using it. Anything else (an invite, a used or expired
// link, an account that is gone or disabled) is ErrInvalidInvite.
func (s *Service) CheckResetLink(ctx context.Context, token string) (store.User, error) {
	u, _, err := s.resetTarget(ctx, token)
	return u, err
}

func (s *Service) resetTarget(ctx context.Context, token string) (store.User, []byte, error) {
	inv, h, err := s.liveLink(ctx, token, resetPrefix)
	if err != nil {
		return store.User{}, nil, err
	}
	if inv.Email == "" || inv.CreatedBy == 0 {
		return store.User{}, nil, ErrInvalidInvite
	}
	u, err := s.st.GetUserByEmail(ctx, inv.Email)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, nil, ErrInvalidInvite
	}
	if err != nil {
		return store.User{}, nil, fmt.Errorf("identity: reset link account: %w", err)
	}
	if u.Disabled {
		return store.User{}, nil, ErrInvalidInvite
	}
	return u, h, nil
}

// ResetPassword uses a password-reset link once: it checks the link is a
// live reset for an existing account and the new password is acceptable
// (ErrWeakPassword leaves the link usable), marks the link used, sets the
// password and ends every session of the account.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) (store.User, error) {
	u, h, err := s.resetTarget(ctx, token)
	if err != nil {
		return store.User{}, err
	}
	if err := s.checkPassword(newPassword); err != nil {
		return store.User{}, err
	}
	if err := s.useLink(ctx, h); err != nil {
		return store.User{}, err
	}
	if err := s.SetPassword(ctx, u.ID, newPassword); err != nil {
		return store.User{}, err
	}
	if err := s.st.DeleteUserSessions(ctx, u.ID); err != nil {
		return store.User{}, fmt.Errorf("identity: end sessions after reset: %w", err)
	}
	return u, nil
}

// hasActiveAdmin reports whether an enabled admin account exists.
func (s *Service) hasActiveAdmin(ctx context.Context) (bool, error) {
	users, err := s.st.ListUsers(ctx)
	if err != nil {
		return false, fmt.Errorf("identity: list users: %w", err)
	}
	for _, u := range users {
		if u.Role == store.RoleAdmin && !u.Disabled {
			return true, nil
		}
	}
	return false, nil
}
