package content

import (
	"bytes"
	"html"
	"html/template"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// ExcerptWords is how many words a generated excerpt keeps.
const ExcerptWords = 50

// The Markdown engines and HTML policies are built once; they are immutable
// after construction and safe for concurrent use.
var (
	postMarkdown = sync.OnceValue(func() goldmark.Markdown {
		// Raw HTML is passed through to the sanitiser rather than dropped,
		// so authors can use <kbd>, <details> and the like.
		return goldmark.New(
			goldmark.WithExtensions(extension.GFM),
			goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
		)
	})
	commentMarkdown = sync.OnceValue(func() goldmark.Markdown {
		// Comments drop raw HTML altogether (goldmark's default).
		return goldmark.New(goldmark.WithExtensions(extension.GFM))
	})
	postPolicy = sync.OnceValue(func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		// The site's own authors wrote these links: no rel=nofollow.
		p.RequireNoFollowOnLinks(false)
		p.RequireNoFollowOnFullyQualifiedLinks(false)
		p.AllowElements("kbd")
		allowGFM(p)
		return p
	})
	commentPolicy = sync.OnceValue(func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy() // rel="nofollow" on every link
		allowGFM(p)
		return p
	})
	textPolicy = sync.OnceValue(bluemonday.StrictPolicy)
)

// allowGFM lets through what goldmark's GFM output needs beyond the UGC
// policy: fenced-code language classes and task-list checkboxes.
func allowGFM(p *bluemonday.Policy) {
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+#.-]+$`)).OnElements("code")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^(|checked|disabled)$`)).OnElements("input")
}

func render(md goldmark.Markdown, src string) []byte {
	var buf bytes.Buffer
	// goldmark only fails when the writer fails; a bytes.Buffer does not.
	_ = md.Convert([]byte(src), &buf)
	return buf.Bytes()
}

// RenderMarkdown converts a post or page body (GitHub-flavoured Markdown, raw
// HTML allowed) to HTML that is safe to embed in a page: scripts, event
// handlers, styles and javascript: URLs are removed; links, images, tables
// and code blocks stay.
func RenderMarkdown(md string) template.HTML {
	//nolint:gosec // the output of the sanitiser is what template.HTML is for.
	return template.HTML(postPolicy().SanitizeBytes(render(postMarkdown(), md)))
}

// RenderComment converts a comment body to safe HTML. Raw HTML in comments
// is dropped and every link gets rel="nofollow".
func RenderComment(md string) template.HTML {
	//nolint:gosec // sanitised above.
	return template.HTML(commentPolicy().SanitizeBytes(render(commentMarkdown(), md)))
}

var (
	spaceRE    = regexp.MustCompile(`\s+`)
	blockEndRE = regexp.MustCompile(`(?i)</(?:p|li|h[1-6]|blockquote|pre|td|th|tr|div|dd|dt)>|<br\s*/?>|<hr\s*/?>`)
)

// PlainText renders Markdown and strips every tag, leaving the words a reader
// would see, on one line.
func PlainText(md string) string {
	htm := render(commentMarkdown(), md)
	// Keep words in adjacent blocks apart before the tags go.
	htm = blockEndRE.ReplaceAll(htm, []byte("$0 "))
	text := html.UnescapeString(string(textPolicy().SanitizeBytes(htm)))
	return strings.TrimSpace(spaceRE.ReplaceAllString(text, " "))
}

// excerptWindow is how much of a body MakeExcerpt reads.
const excerptWindow = 4096

// MakeExcerpt returns the first ExcerptWords words of md as plain text,
// followed by "…" when text was cut.
func MakeExcerpt(md string) string {
	// Only the start matters: cut long bodies at a paragraph break before
	// rendering, so listing big posts stays cheap. (summaryCache relies on
	// the answer depending only on md[:excerptWindow] and the length test.)
	if len(md) > excerptWindow {
		cut := md[:excerptWindow]
		if i := strings.LastIndex(cut, "\n\n"); i > 0 {
			cut = cut[:i]
		}
		for !utf8.ValidString(cut) && len(cut) > 0 {
			cut = cut[:len(cut)-1]
		}
		md = cut + "\n\n…"
	}
	words := strings.Fields(PlainText(md))
	if len(words) <= ExcerptWords {
		return strings.Join(words, " ")
	}
	return strings.TrimRight(strings.Join(words[:ExcerptWords], " "), ".,;:—-") + "…"
}
