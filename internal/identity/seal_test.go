package identity

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestFlowCookie(t *testing.T) {
	s := newService(t, cheap)
	ctx := context.Background()
	type state struct{ A string }
	set := func(purpose string, ttl time.Duration) *http.Cookie {
		rec := httptest.NewRecorder()
		if err := s.SetFlowCookie(ctx, rec, purpose, state{"x"}, ttl); err != nil {
			t.Fatal(err)
		}
		ck := rec.Result().Cookies()[0]
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Fatalf("cookie %+v", ck)
		}
		return ck
	}
	take := func(purpose string, ck *http.Cookie) (state, error) {
		req := httptest.NewRequest("GET", "/", nil)
		if ck != nil {
			req.AddCookie(ck)
		}
		var v state
		rec := httptest.NewRecorder()
		err := s.TakeFlowCookie(ctx, rec, req, purpose, &v)
		if c := rec.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
			t.Fatal("flow cookie not cleared")
		}
		return v, err
	}
	ck := set("oidc", time.Minute)
	if v, err := take("oidc", ck); err != nil || v.A != "x" {
		t.Fatalf("%v %v", v, err)
	}
	// Another purpose with the same name pattern, a tampered value, no
	// cookie, an expired cookie: all ErrFlowExpired.
	other := set("webauthn", time.Minute)
	other.Name = ck.Name
	tampered := *ck
	tampered.Value = ck.Value[:len(ck.Value)-2] + "AA"
	expired := set("oidc", -time.Second)
	for name, c := range map[string]*http.Cookie{"purpose": other, "tampered": &tampered, "missing": nil, "expired": expired} {
		if _, err := take("oidc", c); !errors.Is(err, ErrFlowExpired) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The key is shared through the store: a second service opens it.
	s2, err := New(Config{Store: s.st, Issuer: "https://mcp.example.com", Options: cheap})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(set("oidc", time.Minute))
	var v state
	if err := s2.TakeFlowCookie(ctx, httptest.NewRecorder(), req, "oidc", &v); err != nil || v.A != "x" {
		t.Fatalf("second replica: %v", err)
	}
}
