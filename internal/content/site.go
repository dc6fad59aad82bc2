package content

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/store"
)

// The settings keys the content package owns (store.Settings is a plain
// key-value map).
const (
	SettingTitle    = "title"
	SettingTagline  = "tagline"
	SettingTimezone = "timezone"
	SettingLanguage = "language"
)

// Defaults used when a setting was never written.
const (
	DefaultTitle    = "Portico"
	DefaultTagline  = "Just another Portico site"
	DefaultTimezone = "UTC"
	DefaultLanguage = "en"
)

// Limits on settings, in characters.
const (
	MaxSiteTitleLen = 200
	MaxTaglineLen   = 300
)

// SiteInfo describes the site for everyone: the public pages, the feed, the
// MCP server's instructions.
type SiteInfo struct {
	Title    string
	Tagline  string
	URL      string // BaseURL
	Timezone string // IANA name, e.g. "Europe/Paris"
	Language string // BCP 47 tag, e.g. "en" or "fr-CA"
}

// Location is the site's time zone (UTC if the name no longer loads).
func (i SiteInfo) Location() *time.Location {
	if loc, err := time.LoadLocation(i.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// SiteInfo returns the site's settings with defaults filled in. It is public.
func (s *Service) SiteInfo(ctx context.Context) (SiteInfo, error) {
	kv, err := s.Store.GetSettings(ctx)
	if err != nil {
		return SiteInfo{}, fmt.Errorf("content: read settings: %w", err)
	}
	get := func(k, def string) string {
		if v := strings.TrimSpace(kv[k]); v != "" {
			return v
		}
		return def
	}
	return SiteInfo{
		Title:    get(SettingTitle, DefaultTitle),
		Tagline:  get(SettingTagline, DefaultTagline),
		URL:      strings.TrimRight(s.BaseURL, "/"),
		Timezone: get(SettingTimezone, DefaultTimezone),
		Language: get(SettingLanguage, DefaultLanguage),
	}, nil
}

// SettingsUpdate is a partial update for UpdateSettings: nil fields are left
// alone. An empty Tagline clears it (back to the default).
type SettingsUpdate struct {
	Title    *string
	Tagline  *string
	Timezone *string
	Language *string
}

var languageRE = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)

// UpdateSettings changes site settings and returns the result. It needs
// CapManageSettings (admins, site:admin).
func (s *Service) UpdateSettings(ctx context.Context, a Actor, u SettingsUpdate) (SiteInfo, error) {
	if err := Check(a, CapManageSettings, 0); err != nil {
		return SiteInfo{}, err
	}
	kv := map[string]string{}
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		switch {
		case t == "":
			return SiteInfo{}, invalidf("title", "title must not be empty")
		case !utf8.ValidString(t) || hasControl(t, false):
			return SiteInfo{}, invalidf("title", "title must be one line of valid UTF-8 text")
		case utf8.RuneCountInString(t) > MaxSiteTitleLen:
			return SiteInfo{}, invalidf("title", "title is %d characters long; the limit is %d", utf8.RuneCountInString(t), MaxSiteTitleLen)
		}
		kv[SettingTitle] = t
	}
	if u.Tagline != nil {
		t := strings.TrimSpace(*u.Tagline)
		switch {
		case !utf8.ValidString(t) || hasControl(t, false):
			return SiteInfo{}, invalidf("tagline", "tagline must be one line of valid UTF-8 text")
		case utf8.RuneCountInString(t) > MaxTaglineLen:
			return SiteInfo{}, invalidf("tagline", "tagline is %d characters long; the limit is %d", utf8.RuneCountInString(t), MaxTaglineLen)
		}
		kv[SettingTagline] = t
	}
	if u.Timezone != nil {
		tz := strings.TrimSpace(*u.Timezone)
		if tz == "" || tz == "Local" {
			return SiteInfo{}, invalidf("timezone", "timezone must be an IANA time zone name such as Europe/Paris or UTC")
		}
		if _, err := time.LoadLocation(tz); err != nil {
			return SiteInfo{}, &Error{Kind: KindInvalid, Field: "timezone", Err: err,
				Message: fmt.Sprintf("timezone %q is not a known IANA time zone; use a name such as Europe/Paris, America/New_York or UTC", tz)}
		}
		kv[SettingTimezone] = tz
	}
	if u.Language != nil {
		l := strings.TrimSpace(*u.Language)
		if !languageRE.MatchString(l) {
			return SiteInfo{}, invalidf("language", "language %q is not a language tag such as en, fr or pt-BR", l)
		}
		kv[SettingLanguage] = l
	}
	if len(kv) == 0 {
		return SiteInfo{}, invalidf("", "nothing to update: give at least one of title, tagline, timezone, language")
	}
	if err := s.Store.PutSettings(ctx, kv); err != nil {
		return SiteInfo{}, fmt.Errorf("content: write settings: %w", err)
	}
	return s.SiteInfo(ctx)
}

// Stats is the dashboard: counts by status and recent activity.
type Stats struct {
	Posts    map[store.PostStatus]int64
	Pages    map[store.PostStatus]int64
	Comments map[store.CommentStatus]int64
	// RecentPosts are the posts and pages a may see, most recently
	// modified first.
	RecentPosts []Post
	// RecentComments are the newest comments a may see, newest first.
	RecentComments []store.Comment
}

// statsScanLimit bounds how many posts Stats looks at to find the most
// recently modified ones (the store lists by publication date).
const statsScanLimit = 500

// Stats returns counts and the last recent (default 5, at most 50) changes.
// It needs CapViewStats (authors and up, content:read).
func (s *Service) Stats(ctx context.Context, a Actor, recent int) (Stats, error) {
	if err := Check(a, CapViewStats, 0); err != nil {
		return Stats{}, err
	}
	if recent <= 0 {
		recent = 5
	}
	recent = min(recent, 50)
	var st Stats
	var err error
	if st.Posts, err = s.Store.CountPosts(ctx, store.TypePost); err != nil {
		return Stats{}, fmt.Errorf("content: count posts: %w", err)
	}
	if st.Pages, err = s.Store.CountPosts(ctx, store.TypePage); err != nil {
		return Stats{}, fmt.Errorf("content: count pages: %w", err)
	}
	if st.Comments, err = s.Store.CountComments(ctx); err != nil {
		return Stats{}, fmt.Errorf("content: count comments: %w", err)
	}

	// Editors see every post; authors everyone's published ones and their own.
	all := []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusPublished, store.StatusTrash}
	filters := []store.PostFilter{{Statuses: all}}
	if !Can(a, CapReadPrivate, 0) {
		unpublished := []store.PostStatus{store.StatusDraft, store.StatusPending, store.StatusScheduled, store.StatusTrash}
		filters = []store.PostFilter{
			{Statuses: []store.PostStatus{store.StatusPublished}},
			{Statuses: unpublished, AuthorID: a.UserID},
		}
	}
	seen := map[int64]bool{}
	var ps []store.Post
	for _, f := range filters {
		for f.Offset = 0; f.Offset < statsScanLimit; f.Offset += MaxLimit {
			f.Limit = MaxLimit
			page, _, err := s.Store.ListPosts(ctx, f)
			if err != nil {
				return Stats{}, fmt.Errorf("content: recent posts: %w", err)
			}
			for _, p := range page {
				if !seen[p.ID] {
					seen[p.ID] = true
					ps = append(ps, p)
				}
			}
			if len(page) < MaxLimit {
				break
			}
		}
	}
	slices.SortStableFunc(ps, func(x, y store.Post) int {
		return cmp.Or(y.ModifiedAt.Compare(x.ModifiedAt), cmp.Compare(y.ID, x.ID))
	})
	for _, p := range ps[:min(recent, len(ps))] {
		st.RecentPosts = append(st.RecentPosts, s.view(p))
	}

	cf := store.CommentFilter{Limit: 1}
	if !Can(a, CapReadPrivate, 0) {
		cf.Statuses = []store.CommentStatus{store.CommentApproved}
	}
	_, total, err := s.Store.ListComments(ctx, cf)
	if err != nil {
		return Stats{}, fmt.Errorf("content: recent comments: %w", err)
	}
	cf.Offset, cf.Limit = int(max(0, total-int64(recent))), recent
	cs, _, err := s.Store.ListComments(ctx, cf)
	if err != nil {
		return Stats{}, fmt.Errorf("content: recent comments: %w", err)
	}
	slices.Reverse(cs)
	for _, c := range cs {
		st.RecentComments = append(st.RecentComments, redact(a, c))
	}
	return st, nil
}

// User is what ListUsers shows of a user: never the password hash.
type User struct {
	ID        int64
	Email     string
	Name      string
	Role      store.Role
	Disabled  bool
	CreatedAt time.Time
}

// ListUsers lists the site's users. It needs CapListUsers (admins,
// site:admin).
func (s *Service) ListUsers(ctx context.Context, a Actor) ([]User, error) {
	if err := Check(a, CapListUsers, 0); err != nil {
		return nil, err
	}
	us, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("content: list users: %w", err)
	}
	out := make([]User, 0, len(us))
	for _, u := range us {
		out = append(out, User{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt})
	}
	return out, nil
}

// AuthorName is the public display name of user id (for bylines): the name,
// or "Unknown author" when the user is gone. Email addresses are never used.
func (s *Service) AuthorName(ctx context.Context, id int64) (string, error) {
	u, err := s.Store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && strings.TrimSpace(u.Name) == "" {
		return "Unknown author", nil
	}
	if err != nil {
		return "", fmt.Errorf("content: author name of user %d: %w", id, err)
	}
	return u.Name, nil
}
