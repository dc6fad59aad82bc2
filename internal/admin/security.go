package admin

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/portico-mcp/portico/internal/store"
)

// securityKinds are the events the security page lists.
func securityKinds() []string {
	return []string{kindRefreshReuse, kindCodeReplay, kindLoginFailed, kindAdminRevoked, kindRateLimitHit}
}

type securityData struct {
	Rows  []activityRow
	Kind  string
	Kinds []string
	Next  string
}

// security lists security events, newest first, merged across kinds and
// paged by event ID (keyset).
func (h *Handler) security(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	kinds := securityKinds()
	kind := q.Get("kind")
	if slices.Contains(kinds, kind) {
		kinds = []string{kind}
	} else {
		kind = ""
	}
	const limit = 50
	var before int64
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		before = b
	}
	var evs []store.Event
	for _, k := range kinds {
		got, err := h.Store.ListEvents(ctx, store.EventFilter{Kind: k, BeforeID: before, Limit: limit})
		if err != nil {
			return fmt.Errorf("admin: security events: %w", err)
		}
		evs = append(evs, got...)
	}
	slices.SortFunc(evs, func(a, b store.Event) int { return cmp.Compare(b.ID, a.ID) })
	more := len(evs) > limit
	evs = evs[:min(len(evs), limit)]
	rows, err := h.activityRows(ctx, evs)
	if err != nil {
		return err
	}
	if search := strings.TrimSpace(q.Get("q")); search != "" {
		rows = slices.DeleteFunc(rows, func(a activityRow) bool {
			return !matches(search, a.Kind, a.ClientName, a.UserEmail, a.RemoteIP, a.UserAgent, a.Detail)
		})
	}
	d := securityData{Rows: rows, Kind: kind, Kinds: securityKinds()}
	if more || len(evs) == limit {
		d.Next = withParam(r.URL, "before", strconv.FormatInt(evs[len(evs)-1].ID, 10))
	}
	return h.render(w, r, http.StatusOK, "security", s, "Security events", d)
}
