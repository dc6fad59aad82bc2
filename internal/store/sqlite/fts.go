package sqlite

import (
	"strings"
	"unicode"
)

// ftsQuery turns what a person typed into an FTS5 query that cannot fail to
// parse, with the semantics of PostgreSQL's websearch_to_tsquery: words must
// all match, "quoted phrases" match as phrases, a leading - excludes a word
// or phrase, and the word "or" separates alternatives. Every word and phrase
// is quoted, so FTS5 operators, column filters, parentheses and stray quotes
// in the input are only text. ok is false when nothing searchable remains.
func ftsQuery(input string) (query string, ok bool) {
	type term struct {
		text string
		neg  bool
	}
	var (
		branches [][]term
		cur      []term
	)
	rs := []rune(strings.ToValidUTF8(input, " "))
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) || unicode.IsControl(rs[i]) {
			i++
			continue
		}
		neg := false
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) && !unicode.IsControl(rs[i+1]) {
			neg = true
			i++
		}
		var text string
		quoted := false
		if rs[i] == '"' {
			quoted = true
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			text = string(rs[i+1 : j])
			i = j + 1
		} else {
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !unicode.IsControl(rs[j]) && rs[j] != '"' {
				j++
			}
			text = string(rs[i:j])
			i = j
		}
		if !quoted && !neg && strings.EqualFold(text, "or") {
			branches = append(branches, cur)
			cur = nil
			continue
		}
		text = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, text)
		if !searchable(text) {
			continue
		}
		cur = append(cur, term{text, neg})
	}
	branches = append(branches, cur)

	var out []string
	for _, b := range branches {
		var pos, neg []string
		for _, t := range b {
			q := `"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`
			if t.neg {
				neg = append(neg, q)
			} else {
				pos = append(pos, q)
			}
		}
		if len(pos) == 0 { // FTS5 cannot match "everything except"
			continue
		}
		expr := "(" + strings.Join(pos, " AND ") + ")"
		for _, n := range neg {
			expr += " NOT " + n
		}
		out = append(out, "("+expr+")")
	}
	if len(out) == 0 {
		return "", false
	}
	return strings.Join(out, " OR "), true
}

// searchable reports whether s holds a letter or digit, so that the
// tokenizer will find at least one token in it.
func searchable(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}
