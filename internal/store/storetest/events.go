package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func eventKey(e store.Event) string { return idKey(e.ID) }

func addEvent(t *testing.T, s store.Store, e store.Event) store.Event {
	t.Helper()
	got, err := s.AddEvent(t.Context(), e)
	mustOK(t, "AddEvent "+e.Kind, err)
	e.ID = got.ID
	return e
}

func eventCases() []testCase {
	return []testCase{
		{"a batch is stored in order with every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			mustOK(t, "AddEvents(none)", s.AddEvents(ctx, nil))
			batch := []store.Event{
				{At: at(time.Second), Kind: "client.registered", ClientID: "c", Outcome: "ok", Detail: map[string]string{"n": "1"}, UserAgent: "ua", RemoteIP: "192.0.2.1"},
				{At: at(2 * time.Second), Kind: "token.issued", ClientID: "c", UserID: 7, GrantID: "g", Attempt: "a1", Outcome: "ok"},
				{At: at(3 * time.Second), Kind: "token.error", ClientID: "c", Outcome: "error", Detail: map[string]string{"error": hostileText}},
			}
			mustOK(t, "AddEvents", s.AddEvents(ctx, batch))
			got, err := s.ListEvents(ctx, store.EventFilter{ClientID: "c"})
			mustOK(t, "ListEvents", err)
			if len(got) != 3 {
				t.Fatalf("ListEvents: got %d events, want 3", len(got))
			}
			for i, e := range got { // newest first
				want := batch[2-i]
				want.ID = e.ID
				checkEqual(t, "event", e, want)
			}
			if !(got[0].ID > got[1].ID && got[1].ID > got[2].ID) {
				t.Errorf("batch IDs not in insertion order: %d %d %d", got[2].ID, got[1].ID, got[0].ID)
			}
		}},
		{"add and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			want := store.Event{
				At:       at(time.Minute + time.Nanosecond),
				Kind:     "token.issued",
				ClientID: "https://client.example/metadata.json",
				UserID:   42,
				GrantID:  "grant-1",
				Attempt:  "attempt-7",
				Outcome:  "ok",
				Detail: map[string]string{
					"scope":   "content:read content:write",
					"quoted":  hostileText,
					"newline": "a\nb",
					"empty":   "",
					"ünï":     "cödé",
				},
				UserAgent: "claude-code/2.1 (+https://claude.ai)",
				RemoteIP:  "2001:db8::1",
			}
			got, err := s.AddEvent(ctx, want)
			mustOK(t, "AddEvent", err)
			if got.ID <= 0 {
				t.Fatalf("AddEvent: got ID %d, want > 0", got.ID)
			}
			want.ID = got.ID
			checkEqual(t, "AddEvent returned", got, want)
			list, err := s.ListEvents(ctx, store.EventFilter{})
			mustOK(t, "ListEvents", err)
			checkList(t, "ListEvents", list, []store.Event{want}, eventKey)

			bare := addEvent(t, s, store.Event{At: at(2 * time.Minute), Kind: "metadata.prm", Outcome: "error"})
			list, err = s.ListEvents(ctx, store.EventFilter{})
			mustOK(t, "ListEvents", err)
			checkList(t, "ListEvents with an event without detail", list, []store.Event{bare, want}, eventKey)
		}},

		{"IDs increase", func(t *testing.T, s store.Store) {
			var last int64
			for i := range 5 {
				e := addEvent(t, s, store.Event{At: at(time.Duration(i) * time.Minute), Kind: "k", Outcome: "ok"})
				if e.ID <= last {
					t.Errorf("AddEvent %d: got ID %d, want > %d", i, e.ID, last)
				}
				last = e.ID
			}
		}},

		{"list filters, newest first", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			// Events reference clients, users and grants that need not exist:
			// the timeline also records failed attempts by unknown clients.
			e1 := addEvent(t, s, store.Event{At: at(0), Kind: "a", ClientID: "c1", UserID: 11, GrantID: "g1", Outcome: "ok"})
			e2 := addEvent(t, s, store.Event{At: at(time.Minute), Kind: "b", ClientID: "c1", UserID: 12, GrantID: "g2", Outcome: "ok"})
			e3 := addEvent(t, s, store.Event{At: at(2 * time.Minute), Kind: "a", ClientID: "c2", UserID: 11, Outcome: "error"})
			e4 := addEvent(t, s, store.Event{At: at(3 * time.Minute), Kind: "c", Outcome: "ok"})
			e5 := addEvent(t, s, store.Event{At: at(4 * time.Minute), Kind: "a", ClientID: "c1", UserID: 11, GrantID: "g1", Outcome: "ok"})

			for _, tc := range []struct {
				name string
				f    store.EventFilter
				want []store.Event
			}{
				{"no filter", store.EventFilter{}, []store.Event{e5, e4, e3, e2, e1}},
				{"client", store.EventFilter{ClientID: "c1"}, []store.Event{e5, e2, e1}},
				{"user", store.EventFilter{UserID: 11}, []store.Event{e5, e3, e1}},
				{"grant", store.EventFilter{GrantID: "g1"}, []store.Event{e5, e1}},
				{"kind", store.EventFilter{Kind: "a"}, []store.Event{e5, e3, e1}},
				{"since is inclusive", store.EventFilter{Since: at(2 * time.Minute)}, []store.Event{e5, e4, e3}},
				{"since a nanosecond later", store.EventFilter{Since: at(2*time.Minute + time.Nanosecond)}, []store.Event{e5, e4}},
				{"before ID", store.EventFilter{BeforeID: e3.ID}, []store.Event{e2, e1}},
				{"limit", store.EventFilter{Limit: 2}, []store.Event{e5, e4}},
				{"client and kind", store.EventFilter{ClientID: "c1", Kind: "a"}, []store.Event{e5, e1}},
				{"user, before ID and limit", store.EventFilter{UserID: 11, BeforeID: e5.ID, Limit: 1}, []store.Event{e3}},
				{"no match", store.EventFilter{ClientID: "c9"}, nil},
				{"negative limit acts as zero", store.EventFilter{Limit: -1}, []store.Event{e5, e4, e3, e2, e1}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, err := s.ListEvents(ctx, tc.f)
					mustOK(t, "ListEvents "+tc.name, err)
					checkList(t, "ListEvents "+tc.name, got, tc.want, eventKey)
				})
			}
		}},

		{"concurrent adds get distinct IDs", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			ids := make([]int64, concurrency)
			errs := race(concurrency, func(i int) error {
				e, err := s.AddEvent(ctx, store.Event{At: at(time.Duration(i) * time.Second), Kind: "k", Outcome: "ok"})
				ids[i] = e.ID
				return err
			})
			seen := make(map[int64]bool)
			for i, err := range errs {
				if err != nil {
					t.Errorf("AddEvent call %d: %v", i, err)
					continue
				}
				if seen[ids[i]] {
					t.Errorf("AddEvent call %d: got ID %d twice", i, ids[i])
				}
				seen[ids[i]] = true
			}
			list, err := s.ListEvents(ctx, store.EventFilter{})
			mustOK(t, "ListEvents", err)
			if len(list) != concurrency {
				t.Errorf("ListEvents: got %d events, want %d", len(list), concurrency)
			}
		}},

		{"keyset pagination", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			var want []store.Event
			for i := range 25 {
				want = append([]store.Event{addEvent(t, s, store.Event{At: at(time.Duration(i) * time.Second), Kind: "k", Outcome: "ok"})}, want...)
			}
			var got []store.Event
			f := store.EventFilter{Limit: 10}
			for page := 0; ; page++ {
				if page > 5 {
					t.Fatalf("ListEvents: more than 5 pages of 10 for 25 events")
				}
				list, err := s.ListEvents(ctx, f)
				mustOK(t, fmt.Sprintf("ListEvents page %d", page), err)
				if len(list) == 0 {
					break
				}
				if len(list) > 10 {
					t.Fatalf("ListEvents page %d: got %d events, want at most 10", page, len(list))
				}
				got = append(got, list...)
				f.BeforeID = list[len(list)-1].ID
			}
			checkList(t, "ListEvents pages joined", got, want, eventKey)
		}},

		{"default limit is 100", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			var last store.Event
			for i := range 105 {
				last = addEvent(t, s, store.Event{At: at(time.Duration(i) * time.Second), Kind: "k", Outcome: "ok"})
			}
			got, err := s.ListEvents(ctx, store.EventFilter{})
			mustOK(t, "ListEvents", err)
			if len(got) != 100 {
				t.Fatalf("ListEvents with zero Limit: got %d events, want 100", len(got))
			}
			if got[0].ID != last.ID {
				t.Errorf("ListEvents: got first ID %d, want the newest %d", got[0].ID, last.ID)
			}
		}},

		{"events outlive the client they mention", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			f := newOAuthFixture(t, s)
			c := newClient(t, s, "short-lived")
			e := addEvent(t, s, store.Event{At: at(0), Kind: "client.registered", ClientID: c.ID, UserID: f.user.ID, Outcome: "ok"})
			mustOK(t, "DeleteClient", s.DeleteClient(ctx, c.ID))
			got, err := s.ListEvents(ctx, store.EventFilter{ClientID: c.ID})
			mustOK(t, "ListEvents", err)
			checkList(t, "ListEvents for a deleted client", got, []store.Event{e}, eventKey)
		}},
	}
}
