package admin

import (
	"net/url"
	"strconv"
	"strings"
)

// pageSize is the number of rows on one page of every list.
const pageSize = 25

// pager describes one page of a list for the template's pager partial.
type pager struct {
	Page, Pages int
	Total       int
	Query       string // the search text, echoed in the search box
	// Prev and Next are the links to the neighbouring pages ("" when none).
	Prev, Next string
}

// pageParams reads ?page= (1-based, bad values mean 1) and ?q=.
func pageParams(q url.Values) (page int, search string) {
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 || page > 100000 {
		page = 1
	}
	return page, strings.TrimSpace(q.Get("q"))
}

// paginate returns the slice of items for page and its pager. Links keep the
// other query parameters of u.
func paginate[T any](items []T, page int, u *url.URL) ([]T, pager) {
	p := pager{Total: len(items), Query: u.Query().Get("q")}
	p.Pages = max(1, (len(items)+pageSize-1)/pageSize)
	p.Page = min(max(page, 1), p.Pages)
	lo := (p.Page - 1) * pageSize
	hi := min(lo+pageSize, len(items))
	if p.Page > 1 {
		p.Prev = withParam(u, "page", strconv.Itoa(p.Page-1))
	}
	if p.Page < p.Pages {
		p.Next = withParam(u, "page", strconv.Itoa(p.Page+1))
	}
	return items[lo:hi], p
}

// offsetPager builds a pager for lists paged by the store (offset/limit).
func offsetPager(total int64, page int, u *url.URL) pager {
	p := pager{Total: int(total), Page: page, Query: u.Query().Get("q")}
	p.Pages = max(1, int((total+pageSize-1)/pageSize))
	if p.Page > 1 {
		p.Prev = withParam(u, "page", strconv.Itoa(p.Page-1))
	}
	if p.Page < p.Pages {
		p.Next = withParam(u, "page", strconv.Itoa(p.Page+1))
	}
	return p
}

// withParam returns u's path and query with key set to value (and done=
// dropped, so a confirmation is not repeated).
func withParam(u *url.URL, key, value string) string {
	q := u.Query()
	q.Del("done")
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return u.Path
	}
	return u.Path + "?" + q.Encode()
}

// matches reports whether any field contains the search text, ignoring case.
func matches(search string, fields ...string) bool {
	if search == "" {
		return true
	}
	s := strings.ToLower(search)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), s) {
			return true
		}
	}
	return false
}

// form is a submitted form kept for re-display: what the person typed and
// a message per field.
type form struct {
	Values url.Values
	Errors map[string]string
}

func newForm(v url.Values) *form {
	if v == nil {
		v = url.Values{}
	}
	return &form{Values: v, Errors: map[string]string{}}
}

// Get returns the submitted value of field.
func (f *form) Get(field string) string { return f.Values.Get(field) }

// Has reports whether field was submitted with value (checkboxes, selects).
func (f *form) Has(field, value string) bool {
	for _, v := range f.Values[field] {
		if v == value {
			return true
		}
	}
	return false
}

// Err returns the message for field, "" when it is fine.
func (f *form) Err(field string) string { return f.Errors[field] }

// Fail records a message for field.
func (f *form) Fail(field, msg string) { f.Errors[field] = msg }

// OK reports whether no field failed.
func (f *form) OK() bool { return len(f.Errors) == 0 }
