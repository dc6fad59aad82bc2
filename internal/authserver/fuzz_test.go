package authserver

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func FuzzTokenRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "grant_type=authorization_code&code=x&client_id=a", "")
	f.Add("application/json", `{"grant_type":"refresh_token","refresh_token":"r","n":1}`, "")
	f.Add("", "client_id=a&client_id=b", "Basic YTpi")
	f.Add("application/json; charset=utf-8", `{"client_id":["a"]}`, "Basic %%%")
	f.Add("text/plain", "%zz", "Bearer x")
	f.Fuzz(func(t *testing.T, ct, body, authz string) {
		p, e := parseTokenRequestBody(ct, []byte(body))
		if e != nil {
			if e.Code != "invalid_request" || e.HTTPStatus() != 400 {
				t.Fatalf("error %+v", e)
			}
			return
		}
		r := httptest.NewRequest("POST", "/token", strings.NewReader(body))
		r.Header.Set("Authorization", authz)
		cr, e := clientCredentials(r, p)
		if e != nil {
			if e.Code != "invalid_client" || e.HTTPStatus() != 401 {
				t.Fatalf("credentials error %+v", e)
			}
			return
		}
		if authz == "" && (cr.ID != p["client_id"] || cr.Basic) {
			t.Fatalf("body credentials %+v vs %v", cr, p)
		}
	})
}

func TestSafeReturn(t *testing.T) {
	for in, want := range map[string]string{"/authorize?x=1": "/authorize?x=1", "//evil.com": "/", "/\\evil": "/",
		"https://evil.com/": "/", "": "/", "evil": "/", "/ok\r\nx": "/"} {
		if got := safeReturn(in); got != want {
			t.Errorf("%q → %q", in, got)
		}
	}
}
