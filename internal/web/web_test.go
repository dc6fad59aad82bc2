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
