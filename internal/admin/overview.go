package admin

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

type overviewData struct {
	MCPURL      string
	URLWarning  string
	Clients     int
	Connected   int
	Users       int
	Drafts      int64
	Pending     int64
	Comments    int64
	Activity    []activityRow
	ShowCounts  bool
	ShowContent bool
}

// activityRow is one recent event for the overview and the timeline.
type activityRow struct {
	store.Event
	Label      string
	ClientName string
	UserEmail  string
	Detail     string
}

// urlWarning explains why hosted clients cannot reach a public URL that is
// not https or resolves to loopback/private space (CONNECTORS.md §0 item 18:
// hosted Claude connects on port 443 from the internet only).
func urlWarning(public string) string {
	u, err := url.Parse(public)
	if err != nil || u.Host == "" {
		return "The public URL is not set to an absolute URL: clients cannot be given a working address."
	}
	host := u.Hostname()
	local := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()) {
		local = true
	}
	switch {
	case local:
		return fmt.Sprintf("The public URL %s points at this machine or a private network: Claude.ai and ChatGPT connect from the internet and cannot reach it. "+
			"Claude Code, the MCP Inspector and other local clients work. Put Portico behind an https address (set --public-url) for hosted assistants.", public)
	case u.Scheme != "https":
		return fmt.Sprintf("The public URL %s is not https: Claude.ai and ChatGPT only connect to https addresses on port 443.", public)
	}
	return ""
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	d := overviewData{MCPURL: h.base() + "/mcp", URLWarning: urlWarning(h.base()), ShowCounts: s.IsAdmin(), ShowContent: s.CanWrite()}
	if s.IsAdmin() {
		cs, err := h.Store.ListClients(ctx)
		if err != nil {
			return fmt.Errorf("admin: overview clients: %w", err)
		}
		for _, c := range cs {
			if c.DisabledAt.IsZero() {
				d.Clients++
				if !c.LastUsedAt.IsZero() {
					d.Connected++
				}
			}
		}
		n, err := h.Store.CountUsers(ctx)
		if err != nil {
			return fmt.Errorf("admin: overview users: %w", err)
		}
		d.Users = int(n)
		evs, err := h.Store.ListEvents(ctx, store.EventFilter{Limit: 12})
		if err != nil {
			return fmt.Errorf("admin: overview events: %w", err)
		}
		if d.Activity, err = h.activityRows(ctx, evs); err != nil {
			return err
		}
	} else {
		evs, err := h.Store.ListEvents(ctx, store.EventFilter{UserID: s.User.ID, Limit: 12})
		if err != nil {
			return fmt.Errorf("admin: overview events: %w", err)
		}
		if d.Activity, err = h.activityRows(ctx, evs); err != nil {
			return err
		}
	}
	if s.CanWrite() {
		q := content.PostQuery{Statuses: []store.PostStatus{store.StatusDraft}, Limit: 1}
		if !s.IsEditor() {
			q.AuthorID = s.User.ID
		}
		if l, err := h.Content.ListPosts(ctx, s.Actor, q); err == nil {
			d.Drafts = l.Total
		}
		q.Statuses = []store.PostStatus{store.StatusPending}
		if l, err := h.Content.ListPosts(ctx, s.Actor, q); err == nil {
			d.Pending = l.Total
		}
	}
	if s.IsEditor() {
		if counts, err := h.Store.CountComments(ctx); err == nil {
			d.Comments = counts[store.CommentPending]
		}
	}
	return h.render(w, r, http.StatusOK, "overview", s, "Overview", d)
}

// activityRows decorates events with client names and user emails.
func (h *Handler) activityRows(ctx context.Context, evs []store.Event) ([]activityRow, error) {
	users, err := h.userNames(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]activityRow, 0, len(evs))
	for _, e := range evs {
		row := activityRow{Event: e, Label: stepLabel(e.Kind), Detail: detailText(e)}
		if e.ClientID != "" {
			n, ok := names[e.ClientID]
			if !ok {
				n = e.ClientID
				if c, err := h.Store.GetClient(ctx, e.ClientID); err == nil && c.Name != "" {
					n = c.Name
				}
				names[e.ClientID] = n
			}
			row.ClientName = n
		}
		if u, ok := users[e.UserID]; ok {
			row.UserEmail = u.Email
		}
		out = append(out, row)
	}
	return out, nil
}

// detailText renders an event's detail map as "k=v, …" in a stable order,
// leaving out long or uninteresting keys.
func detailText(e store.Event) string {
	keys := []string{"error", "error_description", "reason", "scope", "offered", "scope_sent", "method", "grant_type",
		"redirect_host", "auth_method", "client_name", "source", "action", "since_rotation", "grace", "remembered", "path",
		"protocol_version", "endpoint", "token_kind", "reused", "redirect_uris", "by"}
	var parts []string
	for _, k := range keys {
		if v := e.Detail[k]; v != "" {
			if len(v) > 160 {
				v = v[:160] + "…"
			}
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}
