package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/portico-mcp/portico/internal/store"
)

// setupPrefix marks setup/invite secrets.
const setupPrefix = "pt_inv_"

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

// CheckInvite reports whether token is a live invite or setup link.
func (s *Service) CheckInvite(ctx context.Context, token string) (store.Invite, error) {
	if !strings.HasPrefix(token, setupPrefix) || len(token) > 100 {
		return store.Invite{}, ErrInvalidInvite
	}
	inv, err := s.st.GetInvite(ctx, hashCookie(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Invite{}, ErrInvalidInvite
	}
	if err != nil {
		return store.Invite{}, fmt.Errorf("identity: get invite: %w", err)
	}
	if !inv.UsedAt.IsZero() || !s.now().Before(inv.ExpiresAt) {
		return store.Invite{}, ErrInvalidInvite
	}
	return inv, nil
}

// AcceptInvite uses the one-time link token to create a user with the
// invite's role. The setup link (CreatedBy 0) works only while there is no
// active admin.
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
	if _, err := s.st.UseInvite(ctx, hashCookie(token), s.now()); err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return store.User{}, ErrInvalidInvite
		}
		return store.User{}, fmt.Errorf("identity: use invite: %w", err)
	}
	return s.CreateUser(ctx, e, name, inv.Role, password)
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
