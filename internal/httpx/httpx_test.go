package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestHandleRendersErrorsOnce(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		accept     string
		wantStatus int
		wantBody   string
		notBody    string
	}{
		{"public error", Errorf(http.StatusBadRequest, "bad slug"), "", 400, "bad slug", ""},
		{"wrapped cause hidden", Wrap(http.StatusServiceUnavailable, "try later", errors.New("db password wrong")), "", 503, "try later", "password"},
		{"plain error is 500", errors.New("secret detail"), "application/json", 500, `{"error":"Internal Server Error"}`, "secret"},
		{"wrapped *Error found", fmt.Errorf("ctx: %w", Errorf(http.StatusNotFound, "no such post")), "", 404, "no such post", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Handle(nil, func(w http.ResponseWriter, r *http.Request) error { return tt.err })
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/", nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			body := rec.Body.String()
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body %q lacks %q", body, tt.wantBody)
			}
			if tt.notBody != "" && strings.Contains(body, tt.notBody) {
				t.Errorf("body %q leaks %q", body, tt.notBody)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	tests := []struct {
		name       string
		cors       CORS
		method     string
		origin     string
		preflight  bool
		wantStatus int
		wantACAO   string
	}{
		{"preflight public skips auth", CORS{AllowAnyOrigin: true}, "OPTIONS", "http://localhost:6274", true, 204, "*"},
		{"simple public", CORS{AllowAnyOrigin: true}, "GET", "https://x.example", false, 401, "*"},
		{"listed origin echoed", CORS{AllowOrigins: []string{"http://localhost:6274"}}, "POST", "http://localhost:6274", false, 401, "http://localhost:6274"},
		{"unlisted origin gets no CORS", CORS{AllowOrigins: []string{"http://localhost:6274"}}, "POST", "https://evil.example", false, 401, ""},
		{"unlisted preflight has no allow", CORS{AllowOrigins: []string{"http://localhost:6274"}}, "OPTIONS", "https://evil.example", true, 204, ""},
		{"plain OPTIONS passes through", CORS{AllowAnyOrigin: true}, "OPTIONS", "", false, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/mcp", nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.preflight {
				req.Header.Set("Access-Control-Request-Method", "POST")
			}
			rec := httptest.NewRecorder()
			tt.cors.Wrap(next).ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("ACAO: got %q, want %q", got, tt.wantACAO)
			}
			if tt.wantACAO != "" && !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
				t.Errorf("WWW-Authenticate not exposed: %q", rec.Header().Get("Access-Control-Expose-Headers"))
			}
			if tt.preflight && tt.wantACAO != "" && !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
				t.Errorf("preflight does not allow Authorization")
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		remote  string
		xff     string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies ignores header", "203.0.113.5:1234", "1.2.3.4", nil, "203.0.113.5"},
		{"untrusted peer ignores header", "203.0.113.5:1234", "1.2.3.4", proxies, "203.0.113.5"},
		{"trusted peer", "10.1.2.3:1234", "198.51.100.7", proxies, "198.51.100.7"},
		{"rightmost untrusted hop", "10.1.2.3:1234", "1.1.1.1, 198.51.100.7, 10.9.9.9", proxies, "198.51.100.7"},
		{"garbage header falls back", "10.1.2.3:1234", "nonsense", proxies, "10.1.2.3"},
		{"v4-mapped unmapped", "[::ffff:203.0.113.9]:80", "", nil, "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := ClientIP(r, tt.trusted).String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewRateLimiter(60, 3, 100)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("burst request %d refused", i)
		}
	}
	if l.Allow("a") {
		t.Error("4th request in burst allowed")
	}
	if !l.Allow("b") {
		t.Error("other key limited")
	}
	now = now.Add(time.Second)
	if !l.Allow("a") {
		t.Error("refill after 1s not allowed at 60/min")
	}
	// Memory stays bounded under many keys.
	for i := range 1000 {
		l.Allow(fmt.Sprintf("k%d", i))
		now = now.Add(time.Millisecond)
	}
	if n := l.Len(); n > 100 {
		t.Errorf("limiter remembers %d keys, max 100", n)
	}
}

func TestLoggingRecoversAndObserves(t *testing.T) {
	var gotStatus int
	h := Logging(discard(), func(r *http.Request, status int, d time.Duration) { gotStatus = status },
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x?code=secret", nil))
	if rec.Code != 500 || gotStatus != 500 {
		t.Errorf("got code %d observed %d, want 500", rec.Code, gotStatus)
	}
}
