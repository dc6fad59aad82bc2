package content_test

import (
	"strings"
	"testing"

	"github.com/portico-mcp/portico/internal/content"
)

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name     string
		md       string
		contains []string
		absent   []string
	}{
		{"script stripped", "Hi <script>alert(1)</script> there", []string{"Hi", "there"}, []string{"<script", "alert(1)"}},
		{"event handler stripped", `<img src="/a.png" onerror="alert(1)">`, []string{`<img src="/a.png"`}, []string{"onerror"}},
		{"javascript link neutralised", `[click](javascript:alert(1))`, []string{"click"}, []string{"javascript:"}},
		{"links kept without nofollow", `[Ember & Oat](https://example.com/a?b=1&c=2)`, []string{`<a href="https://example.com/a?b=1&amp;c=2"`, "Ember &amp; Oat</a>"}, []string{"nofollow"}},
		{"autolink (GFM)", `see https://example.com`, []string{`<a href="https://example.com"`}, nil},
		{"table (GFM)", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
		{"strikethrough (GFM)", "~~old~~", []string{"<del>old</del>"}, nil},
		{"task list (GFM)", "- [x] done", []string{`type="checkbox"`, "checked"}, nil},
		{"code class kept", "```go\nfmt.Println()\n```", []string{`<code class="language-go">`}, nil},
		{"style and iframe stripped", `<style>body{}</style><iframe src="https://evil.example"></iframe>ok`, []string{"ok"}, []string{"<style", "<iframe"}},
		{"inline html kept when safe", `Press <kbd>Ctrl</kbd>`, []string{"<kbd>Ctrl</kbd>"}, nil},
		{"class on other elements stripped", `<p class="x" style="color:red">p</p>`, []string{"<p>p</p>"}, []string{"class", "style"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(content.RenderMarkdown(tt.md))
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("output %q lacks %q", got, s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(got, s) {
					t.Errorf("output %q contains %q", got, s)
				}
			}
		})
	}
}

func TestRenderComment(t *testing.T) {
	got := string(content.RenderComment("Nice! <b>bold</b> [site](https://example.com) <script>x()</script>"))
	if !strings.Contains(got, `rel="nofollow"`) || strings.Contains(got, "<b>") || strings.Contains(got, "<script") {
		t.Errorf("RenderComment = %q; want nofollow links and no raw HTML", got)
	}
}

func TestExcerpt(t *testing.T) {
	if got, want := content.PlainText("# Title\n\nSome *emphasis*, a [link](https://x.example) & more.\n\n- one\n- two"), "Title Some emphasis, a link & more. one two"; got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
	words := make([]string, 80)
	for i := range words {
		words[i] = "word"
	}
	got := content.MakeExcerpt(strings.Join(words, " "))
	if n := len(strings.Fields(got)); n != content.ExcerptWords || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt of 80 words has %d words (%q), want %d and an ellipsis", n, got, content.ExcerptWords)
	}
	if got := content.MakeExcerpt("Short *post*."); got != "Short post." {
		t.Errorf("short excerpt = %q", got)
	}
	long := strings.Repeat("Paragraph with several words in it.\n\n", 5000)
	if got := content.MakeExcerpt(long); len(strings.Fields(got)) != content.ExcerptWords {
		t.Errorf("excerpt of a long body = %q", got)
	}
	if got := content.MakeExcerpt("<script>alert(1)</script>Safe"); strings.Contains(got, "alert") {
		t.Errorf("excerpt kept script text: %q", got)
	}
}
