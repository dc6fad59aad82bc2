package identity

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

func newService(t *testing.T, opts Options) *Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "id.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(Config{Store: st, Issuer: "https://mcp.example.com", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var cheap = Options{Argon2: Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}}

func TestPasswordPHCDefaults(t *testing.T) {
	s := newService(t, Options{})
	h, err := s.HashPassword(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash %q", h)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if ok, err := s.VerifyPassword(context.Background(), h, pw); err != nil || ok != want {
			t.Fatalf("%q: %v %v", pw, ok, err)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=1,p=1$!!$AA"} {
		if _, err := verifyPassword("x", bad); err == nil {
			t.Fatalf("accepted malformed %q", bad)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	s := newService(t, cheap)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, " Owner@Example.com ", "Owner", store.RoleAdmin, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "owner@example.com" {
		t.Fatalf("email %q", u.Email)
	}
	if _, err := s.CreateUser(ctx, "owner@example.com", "x", store.RoleAdmin, "correct horse battery"); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := s.CreateUser(ctx, "a@example.com", "x", store.RoleAdmin, "short"); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("weak: %v", err)
	}
	if _, err := s.CreateUser(ctx, "a@example.com", "x", "root", "correct horse battery"); !errors.Is(err, ErrInvalidRole) {
		t.Fatalf("role: %v", err)
	}
	if got, err := s.Authenticate(ctx, "OWNER@example.com", "correct horse battery"); err != nil || got.ID != u.ID {
		t.Fatalf("login: %v", err)
	}
	for _, tc := range [][2]string{{"owner@example.com", "wrong"}, {"nobody@example.com", "correct horse battery"}, {"", ""}} {
		if _, err := s.Authenticate(ctx, tc[0], tc[1]); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("%v: %v", tc, err)
		}
	}
	u.Disabled = true
	if _, err := s.st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "owner@example.com", "correct horse battery"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("disabled: %v", err)
	}
}

func TestHashConcurrencyBounded(t *testing.T) {
	s := newService(t, Options{HashConcurrency: 1, Argon2: cheap.Argon2})
	s.sem <- struct{}{} // occupy the only slot
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.HashPassword(ctx, "whatever long"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want to wait for the semaphore", err)
	}
	<-s.sem
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.HashPassword(context.Background(), "whatever long"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestSessions(t *testing.T) {
	for _, secure := range []bool{true, false} {
		opts := cheap
		opts.Secure = secure
		s := newService(t, opts)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, "a@example.com", "A", store.RoleEditor, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		cur, err := s.StartSession(ctx, rec, u, "UA")
		if err != nil {
			t.Fatal(err)
		}
		ck := rec.Result().Cookies()[0]
		wantName := map[bool]string{true: "__Host-portico_session", false: "portico_session"}[secure]
		if ck.Name != wantName || !ck.HttpOnly || ck.Secure != secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Fatalf("cookie %+v", ck)
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(ck)
		got, err := s.FromRequest(ctx, req)
		if err != nil || got.User.ID != u.ID || !got.CheckCSRF(cur.CSRFToken()) || got.CheckCSRF("") || got.CheckCSRF("x") {
			t.Fatalf("lookup: %v", err)
		}
		if err := s.EndSession(ctx, httptest.NewRecorder(), req); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FromRequest(ctx, req); !errors.Is(err, ErrNoSession) {
			t.Fatalf("after logout: %v", err)
		}
	}
}

func TestSetupLink(t *testing.T) {
	s := newService(t, cheap)
	ctx := context.Background()
	link, err := s.EnsureSetupLink(ctx)
	if err != nil || !strings.HasPrefix(link, "https://mcp.example.com/setup?token=pt_inv_") {
		t.Fatalf("%q %v", link, err)
	}
	tok := strings.TrimPrefix(link, "https://mcp.example.com/setup?token=")
	if _, err := s.AcceptInvite(ctx, tok, "owner@example.com", "Owner", "short"); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("weak: %v", err)
	}
	u, err := s.AcceptInvite(ctx, tok, "owner@example.com", "Owner", "correct horse battery")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("%+v %v", u, err)
	}
	if _, err := s.AcceptInvite(ctx, tok, "x@example.com", "X", "correct horse battery"); !errors.Is(err, ErrInvalidInvite) {
		t.Fatalf("second use: %v", err)
	}
	if link, _ := s.EnsureSetupLink(ctx); link != "" {
		t.Fatalf("setup link with an owner: %q", link)
	}
}

// TestResetPassword: a reset link resets one existing account's password
// once and ends its sessions; /setup's functions refuse it (and an invite
// for an address that has an account) without using it.
func TestResetPassword(t *testing.T) {
	s := newService(t, cheap)
	ctx := context.Background()
	owner, err := s.CreateUser(ctx, "owner@example.com", "O", store.RoleAdmin, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.CreateUser(ctx, "bob@example.com", "B", store.RoleAuthor, "bob's first password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateResetLink(ctx, bob.ID, 0, time.Hour); err == nil {
		t.Fatal("reset link without an administrator")
	}
	tok, err := s.CreateResetLink(ctx, bob.ID, owner.ID, time.Hour)
	if err != nil || !strings.HasPrefix(tok, "pt_rst_") {
		t.Fatalf("%q %v", tok, err)
	}
	// Opened on /setup: refused, not used.
	if _, err := s.CheckInvite(ctx, tok); !errors.Is(err, ErrResetLink) {
		t.Fatalf("CheckInvite(reset link) = %v", err)
	}
	for _, email := range []string{"bob@example.com", "new@example.com"} {
		if _, err := s.AcceptInvite(ctx, tok, email, "X", "correct horse battery"); !errors.Is(err, ErrResetLink) {
			t.Fatalf("AcceptInvite(reset link, %s) = %v", email, err)
		}
	}
	// An invite addressed to an address that has an account: refused on
	// /setup without being used, and it is no reset link either.
	inv := setupPrefix + "legacy-invite-for-bob"
	if err := s.st.CreateInvite(ctx, store.Invite{Hash: hashCookie(inv), Email: bob.Email, Role: store.RoleAuthor, CreatedBy: owner.ID,
		CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptInvite(ctx, inv, bob.Email, "B", "correct horse battery"); !errors.Is(err, ErrInviteEmailTaken) {
		t.Fatalf("AcceptInvite(taken) = %v", err)
	}
	if got, _ := s.st.GetInvite(ctx, hashCookie(inv)); !got.UsedAt.IsZero() {
		t.Fatal("a refused invite was used up")
	}
	if _, err := s.ResetPassword(ctx, inv, "a new good password"); !errors.Is(err, ErrInvalidInvite) {
		t.Fatalf("ResetPassword(invite) = %v", err)
	}
	// A weak password leaves the link usable.
	if _, err := s.StartSession(ctx, httptest.NewRecorder(), bob, "UA"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResetPassword(ctx, tok, "short"); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("weak: %v", err)
	}
	if u, err := s.CheckResetLink(ctx, tok); err != nil || u.ID != bob.ID {
		t.Fatalf("CheckResetLink: %+v %v", u, err)
	}
	u, err := s.ResetPassword(ctx, tok, "bob's reset password")
	if err != nil || u.ID != bob.ID {
		t.Fatalf("reset: %+v %v", u, err)
	}
	if _, err := s.Authenticate(ctx, bob.Email, "bob's reset password"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if ss, _ := s.st.ListUserSessions(ctx, bob.ID); len(ss) != 0 {
		t.Fatalf("%d sessions kept after the reset", len(ss))
	}
	if _, err := s.ResetPassword(ctx, tok, "yet another password"); !errors.Is(err, ErrInvalidInvite) {
		t.Fatalf("second use: %v", err)
	}
	// A disabled account cannot be reset.
	tok, _ = s.CreateResetLink(ctx, bob.ID, owner.ID, time.Hour)
	bob.Disabled = true
	if _, err := s.st.UpdateUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResetPassword(ctx, tok, "yet another password"); !errors.Is(err, ErrInvalidInvite) {
		t.Fatalf("disabled account: %v", err)
	}
}
