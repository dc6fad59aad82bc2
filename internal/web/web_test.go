package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRenderPages(t *testing.T) {
	for _, name := range []string{"login", "consent", "setup", "error", "message"} {
		rec := httptest.NewRecorder()
		data := map[string]any{"SiteName": "<Portico>", "Title": "t", "Message": "m", "ClientName": "C", "Error": "<b>x</b>"}
		if err := RenderStatus(rec, 201, name, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b := rec.Body.String()
		if rec.Code != 201 || rec.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(b, "&lt;Portico&gt;") || strings.Contains(b, "<b>x</b>") {
			t.Fatalf("%s: %d %v", name, rec.Code, rec.Header())
		}
	}
	if err := Render(httptest.NewRecorder(), "nope", nil); err == nil {
		t.Fatal("unknown page rendered")
	}
}

func TestRenderNewPagesAndStatic(t *testing.T) {
	for name, data := range map[string]map[string]any{
		"setup_done": {"SiteName": "P", "MCPURL": "https://x.example/mcp", "ClaudeCode": "claude mcp add --transport http portico https://x.example/mcp", "Warnings": []string{"w"}},
		"account": {"SiteName": "P", "User": map[string]any{"Email": "a@example.com", "Name": "A", "Role": "admin"}, "CSRF": "tok",
			"PasskeysEnabled": true, "Passkeys": []any{}, "Sessions": []any{}, "PW": map[string]any{"Errors": map[string]string{"new_password": "too short"}}},
		"login": {"SiteName": "P", "Passkeys": true, "Errors": map[string]string{"email": "bad <email>"}},
	} {
		rec := httptest.NewRecorder()
		if err := Render(rec, name, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b := rec.Body.String()
		if strings.Contains(b, "<script>") || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("%s: inline script or no script-src", name)
		}
		if name == "login" && (!strings.Contains(b, "bad &lt;email&gt;") || !strings.Contains(b, `src="/static/passkey.js"`)) {
			t.Fatalf("login: %s", b)
		}
	}
	for path, ctype := range map[string]string{"/static/portico.css": "text/css", "/static/passkey.js": "javascript", "/static/copy.js": "javascript"} {
		rec := httptest.NewRecorder()
		StaticHandler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), ctype) || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: %d %v", path, rec.Code, rec.Header())
		}
	}
}

// TestSetupWording: the first-run link creates the owner account; an
// administrator's invite creates the person's own account.
func TestSetupWording(t *testing.T) {
	for owner, want := range map[bool]string{true: "Create the owner account.", false: "Create your account."} {
		rec := httptest.NewRecorder()
		if err := Render(rec, "setup", map[string]any{"SiteName": "P", "Owner": owner, "MinPassword": 10}); err != nil {
			t.Fatal(err)
		}
		if b := rec.Body.String(); !strings.Contains(b, want) {
			t.Errorf("owner=%v: page lacks %q", owner, want)
		}
	}
}
