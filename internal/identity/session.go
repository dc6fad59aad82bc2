package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

// touchEvery limits session writes: LastSeenAt moves at most this often.
const touchEvery = 5 * time.Minute

// CookieName is the session cookie's name: __Host-portico_session when
// Options.Secure, else portico_session (RFC 6265bis §4.1.3.2: the __Host-
// prefix requires the Secure attribute).
func (s *Service) CookieName() string {
	if s.opts.Secure {
		return "__Host-portico_session"
	}
	return "portico_session"
}

// Current is the signed-in person of a request.
type Current struct {
	User    store.User
	Session store.Session
}

// CSRFToken is the per-session token forms must echo.
func (c *Current) CSRFToken() string {
	return base64.RawURLEncoding.EncodeToString(c.Session.CSRFSecret)
}

// CheckCSRF compares a submitted token with the session's in constant time.
func (c *Current) CheckCSRF(token string) bool {
	want := c.CSRFToken()
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}

func random32() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

func hashCookie(v string) []byte {
	sum := sha256.Sum256([]byte(v))
	return sum[:]
}

// StartSession creates a session for u and sets its cookie on w: HttpOnly,
// SameSite=Lax, Path=/, Secure when Options.Secure. The store keeps only
// the SHA-256 of the cookie secret.
func (s *Service) StartSession(ctx context.Context, w http.ResponseWriter, u store.User, userAgent string) (*Current, error) {
	secret := base64.RawURLEncoding.EncodeToString(random32())
	now := s.now()
	sess := store.Session{IDHash: hashCookie(secret), UserID: u.ID, CSRFSecret: random32(),
		UserAgent: truncate(userAgent, 256), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.opts.SessionTTL)}
	if err := s.st.CreateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("identity: create session: %w", err)
	}
	http.SetCookie(w, s.cookie(secret, int(s.opts.SessionTTL/time.Second)))
	return &Current{User: u, Session: sess}, nil
}

func (s *Service) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: s.CookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.opts.Secure, SameSite: http.SameSiteLaxMode}
}

// FromRequest returns the live session of r, sliding its expiry, or
// ErrNoSession.
func (s *Service) FromRequest(ctx context.Context, r *http.Request) (*Current, error) {
	ck, err := r.Cookie(s.CookieName())
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, ErrNoSession
	}
	h := hashCookie(ck.Value)
	sess, err := s.st.GetSession(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("identity: get session: %w", err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		return nil, ErrNoSession
	}
	u, err := s.st.GetUser(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("identity: session user: %w", err)
	}
	if u.Disabled {
		return nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		sess.LastSeenAt, sess.ExpiresAt = now, now.Add(s.opts.SessionTTL)
		if err := s.st.TouchSession(ctx, h, sess.LastSeenAt, sess.ExpiresAt); err != nil {
			s.log.WarnContext(ctx, "touch session", "err", err)
		}
	}
	return &Current{User: u, Session: sess}, nil
}

// EndSession deletes the request's session (if any) and clears the cookie.
func (s *Service) EndSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, s.cookie("", -1))
	ck, err := r.Cookie(s.CookieName())
	if err != nil || ck.Value == "" {
		return nil
	}
	if err := s.st.DeleteSession(ctx, hashCookie(ck.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("identity: delete session: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// ListSessions returns the user's live sessions, newest activity first.
func (s *Service) ListSessions(ctx context.Context, userID int64) ([]store.Session, error) {
	all, err := s.st.ListUserSessions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("identity: list sessions: %w", err)
	}
	now := s.now()
	live := all[:0]
	for _, sess := range all {
		if now.Before(sess.ExpiresAt) {
			live = append(live, sess)
		}
	}
	slices.SortFunc(live, func(a, b store.Session) int { return b.LastSeenAt.Compare(a.LastSeenAt) })
	return live, nil
}

// IsCurrent reports whether sess is the session of cur.
func (c *Current) IsCurrent(sess store.Session) bool {
	return subtle.ConstantTimeCompare(c.Session.IDHash, sess.IDHash) == 1
}

// EndOtherSessions signs the user of cur out everywhere else: every other
// session of the user is deleted server-side, so its cookie stops working
// at once. It returns how many were ended.
func (s *Service) EndOtherSessions(ctx context.Context, cur *Current) (int, error) {
	all, err := s.st.ListUserSessions(ctx, cur.User.ID)
	if err != nil {
		return 0, fmt.Errorf("identity: list sessions: %w", err)
	}
	n := 0
	for _, sess := range all {
		if cur.IsCurrent(sess) {
			continue
		}
		if err := s.st.DeleteSession(ctx, sess.IDHash); err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, fmt.Errorf("identity: delete session: %w", err)
		}
		n++
	}
	return n, nil
}
