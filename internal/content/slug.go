package content

import (
	"regexp"
	"strings"
	"unicode"
)

// MaxSlugLen is the longest slug accepted; generated slugs are kept to
// maxGeneratedSlug characters so a "-N" suffix still fits.
const (
	MaxSlugLen       = 200
	maxGeneratedSlug = 80
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a slug Portico accepts: lower-case ASCII
// letters and digits in words joined by single hyphens, at most MaxSlugLen
// characters.
func ValidSlug(s string) bool {
	return len(s) <= MaxSlugLen && slugRE.MatchString(s)
}

// translit spells common non-ASCII Latin letters in ASCII.
var translit = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ı': "i",
	'ł': "l", 'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o", 'œ': "oe",
	'ř': "r", 'ś': "s", 'š': "s", 'ş': "s", 'ß': "ss", 'ť': "t", 'ţ': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
	'&': " and ",
}

// Slugify turns a title or a name into a slug: "Crème Brûlée & Coffee!"
// becomes "creme-brulee-and-coffee". Letters outside Latin are dropped, so
// the result may be empty; callers then fall back to a generic slug.
func Slugify(s string) string {
	var b strings.Builder
	hyphen := false
	emit := func(r rune) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			return
		}
		hyphen = true
	}
	for _, r := range strings.ToLower(s) {
		if t, ok := translit[r]; ok {
			for _, tr := range t {
				emit(tr)
			}
			continue
		}
		if r == '\'' || r == '’' { // "baker's" → "bakers"
			continue
		}
		if unicode.IsSpace(r) {
			hyphen = true
			continue
		}
		emit(r)
	}
	out := b.String()
	if len(out) > maxGeneratedSlug {
		out = out[:maxGeneratedSlug]
		if i := strings.LastIndexByte(out, '-'); i > maxGeneratedSlug/2 {
			out = out[:i]
		}
		out = strings.Trim(out, "-")
	}
	return out
}
