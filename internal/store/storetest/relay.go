package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func webauthnCases() []testCase {
	return []testCase{
		{"create, read back, list oldest first", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			other := newUser(t, s, "other@example.com")
			second := store.WebAuthnCredential{ID: []byte("cred-2"), UserID: u.ID, Name: "laptop", Data: []byte(`{"b":2}`), SignCount: 7, CreatedAt: at(time.Hour)}
			first := store.WebAuthnCredential{ID: append([]byte("cred-1"), binaryBlob...), UserID: u.ID, Name: hostileText, Data: binaryBlob, CreatedAt: at(0), LastUsedAt: at(time.Minute)}
			mustOK(t, "Create second", s.CreateWebAuthnCredential(ctx, second))
			mustOK(t, "Create first", s.CreateWebAuthnCredential(ctx, first))
			mustOK(t, "Create other", s.CreateWebAuthnCredential(ctx, store.WebAuthnCredential{ID: []byte("cred-3"), UserID: other.ID, Data: []byte("{}"), CreatedAt: at(0)}))
			got, err := s.GetWebAuthnCredential(ctx, first.ID)
			mustOK(t, "Get", err)
			checkEqual(t, "Get", got, first)
			list, err := s.ListWebAuthnCredentials(ctx, u.ID)
			mustOK(t, "List", err)
			checkEqual(t, "List", list, []store.WebAuthnCredential{first, second})
			none, err := s.ListWebAuthnCredentials(ctx, 9999)
			mustOK(t, "List(unknown user)", err)
			if none == nil || len(none) != 0 {
				t.Errorf("List(unknown user) = %v, want an empty non-nil list", none)
			}
		}},
		{"duplicate ID conflicts, unknown is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			c := store.WebAuthnCredential{ID: []byte("cred"), UserID: u.ID, Data: []byte("{}"), CreatedAt: at(0)}
			mustOK(t, "Create", s.CreateWebAuthnCredential(ctx, c))
			wantErr(t, "Create(duplicate)", s.CreateWebAuthnCredential(ctx, c), store.ErrConflict)
			_, err := s.GetWebAuthnCredential(ctx, []byte("nope"))
			wantErr(t, "Get(unknown)", err, store.ErrNotFound)
			wantErr(t, "Update(unknown)", s.UpdateWebAuthnCredentialUse(ctx, []byte("nope"), 0, 1, nil, at(0)), store.ErrNotFound)
			wantErr(t, "Delete(unknown)", s.DeleteWebAuthnCredential(ctx, u.ID, []byte("nope")), store.ErrNotFound)
			wantErr(t, "Delete(another user's)", s.DeleteWebAuthnCredential(ctx, u.ID+1, c.ID), store.ErrNotFound)
			mustOK(t, "Delete", s.DeleteWebAuthnCredential(ctx, u.ID, c.ID))
			_, err = s.GetWebAuthnCredential(ctx, c.ID)
			wantErr(t, "Get(deleted)", err, store.ErrNotFound)
		}},
		{"sign count is a compare-and-swap", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			c := store.WebAuthnCredential{ID: []byte("cred"), UserID: u.ID, Data: []byte("{}"), SignCount: 1, CreatedAt: at(0)}
			mustOK(t, "Create", s.CreateWebAuthnCredential(ctx, c))
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, conflicts := 0, 0
			for i := range 20 {
				wg.Go(func() {
					err := s.UpdateWebAuthnCredentialUse(ctx, c.ID, 1, uint32(2+i), []byte(fmt.Sprintf(`{"n":%d}`, i)), at(time.Minute))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errors.Is(err, store.ErrConflict):
						conflicts++
					default:
						t.Errorf("Update: %v", err)
					}
				})
			}
			wg.Wait()
			if wins != 1 || conflicts != 19 {
				t.Errorf("got %d wins and %d conflicts, want 1 and 19", wins, conflicts)
			}
			got, err := s.GetWebAuthnCredential(ctx, c.ID)
			mustOK(t, "Get", err)
			if got.SignCount < 2 || !got.LastUsedAt.Equal(at(time.Minute)) {
				t.Errorf("after update: count %d last used %v", got.SignCount, got.LastUsedAt)
			}
		}},
	}
}

func sseCases() []testCase {
	return []testCase{
		{"sessions round-trip and refresh", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			want := store.SSESession{ID: "sess-1", ReplicaID: "replica-a", UserID: 7, ClientID: "client", CreatedAt: at(0), ExpiresAt: at(time.Minute)}
			mustOK(t, "Put", s.PutSSESession(ctx, want))
			got, err := s.GetSSESession(ctx, want.ID)
			mustOK(t, "Get", err)
			checkEqual(t, "Get", got, want)
			refreshed := want
			refreshed.ExpiresAt = at(2 * time.Minute)
			refreshed.CreatedAt = at(time.Hour) // ignored on refresh
			mustOK(t, "Put(refresh)", s.PutSSESession(ctx, refreshed))
			got, err = s.GetSSESession(ctx, want.ID)
			mustOK(t, "Get", err)
			want.ExpiresAt = refreshed.ExpiresAt
			checkEqual(t, "Get(refreshed)", got, want)
			_, err = s.GetSSESession(ctx, "unknown")
			wantErr(t, "Get(unknown)", err, store.ErrNotFound)
			mustOK(t, "Delete", s.DeleteSSESession(ctx, want.ID))
			mustOK(t, "Delete(again)", s.DeleteSSESession(ctx, want.ID))
			_, err = s.GetSSESession(ctx, want.ID)
			wantErr(t, "Get(deleted)", err, store.ErrNotFound)
		}},
		{"a replica refreshes all its sessions at once", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			for _, sess := range []store.SSESession{
				{ID: "x1", ReplicaID: "rx", UserID: 1, CreatedAt: at(0), ExpiresAt: at(time.Minute)},
				{ID: "x2", ReplicaID: "rx", UserID: 2, CreatedAt: at(0), ExpiresAt: at(2 * time.Minute)},
				{ID: "y1", ReplicaID: "ry", UserID: 1, CreatedAt: at(0), ExpiresAt: at(time.Minute)},
			} {
				mustOK(t, "Put "+sess.ID, s.PutSSESession(ctx, sess))
			}
			n, err := s.RefreshSSESessions(ctx, "rx", at(time.Hour))
			mustOK(t, "Refresh", err)
			checkEqual(t, "sessions refreshed", n, int64(2))
			for id, want := range map[string]time.Time{"x1": at(time.Hour), "x2": at(time.Hour), "y1": at(time.Minute)} {
				got, err := s.GetSSESession(ctx, id)
				mustOK(t, "Get "+id, err)
				checkEqual(t, id+" expiry", got.ExpiresAt, want)
			}
			n, err = s.RefreshSSESessions(ctx, "nobody", at(time.Hour))
			mustOK(t, "Refresh(none)", err)
			checkEqual(t, "sessions of an unknown replica", n, int64(0))
		}},
		{"messages go to the holding replica once, oldest first", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			mustOK(t, "Put a", s.PutSSESession(ctx, store.SSESession{ID: "a", ReplicaID: "r1", UserID: 1, CreatedAt: at(0), ExpiresAt: at(time.Hour)}))
			mustOK(t, "Put b", s.PutSSESession(ctx, store.SSESession{ID: "b", ReplicaID: "r2", UserID: 1, CreatedAt: at(0), ExpiresAt: at(time.Hour)}))
			for i := range 5 {
				m, err := s.EnqueueSSEMessage(ctx, store.SSEMessage{SessionID: "a", Body: []byte(fmt.Sprintf(`{"id":%d}`, i)), CreatedAt: at(time.Duration(i) * time.Second)})
				mustOK(t, "Enqueue a", err)
				if m.ReplicaID != "r1" || m.ID == 0 {
					t.Errorf("Enqueue returned %+v, want replica r1 and an ID", m)
				}
			}
			_, err := s.EnqueueSSEMessage(ctx, store.SSEMessage{SessionID: "b", Body: []byte(`{"id":"b"}`), CreatedAt: at(time.Second)})
			mustOK(t, "Enqueue b", err)
			_, err = s.EnqueueSSEMessage(ctx, store.SSEMessage{SessionID: "nope", Body: []byte(`{}`), CreatedAt: at(time.Second)})
			wantErr(t, "Enqueue(unknown session)", err, store.ErrNotFound)
			_, err = s.EnqueueSSEMessage(ctx, store.SSEMessage{SessionID: "a", Body: []byte(`{}`), CreatedAt: at(2 * time.Hour)})
			wantErr(t, "Enqueue(expired session)", err, store.ErrNotFound)

			// Concurrent takers of one replica share the messages, none twice.
			var mu sync.Mutex
			var got []string
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					ms, err := s.TakeSSEMessages(ctx, "r1", 2)
					if err != nil {
						t.Errorf("Take: %v", err)
						return
					}
					if len(ms) > 2 {
						t.Errorf("Take(limit 2) returned %d", len(ms))
					}
					for i := 1; i < len(ms); i++ {
						if ms[i].ID <= ms[i-1].ID {
							t.Errorf("Take not oldest first: %v", ms)
						}
					}
					mu.Lock()
					for _, m := range ms {
						got = append(got, string(m.Body))
					}
					mu.Unlock()
				})
			}
			wg.Wait()
			// A taker that lost a race may come back with fewer; what is left
			// is taken by the next call.
			rest, err := s.TakeSSEMessages(ctx, "r1", 10)
			mustOK(t, "Take(rest)", err)
			for _, m := range rest {
				got = append(got, string(m.Body))
			}
			if len(got) != 5 {
				t.Errorf("took %d messages for r1, want 5 exactly once: %q", len(got), got)
			}
			seen := map[string]bool{}
			for _, b := range got {
				if seen[b] {
					t.Errorf("message %s taken twice", b)
				}
				seen[b] = true
			}
			ms, err := s.TakeSSEMessages(ctx, "r1", 10)
			mustOK(t, "Take(empty)", err)
			if len(ms) != 0 {
				t.Errorf("Take after draining = %d messages", len(ms))
			}
			ms, err = s.TakeSSEMessages(ctx, "r2", 10)
			mustOK(t, "Take r2", err)
			if len(ms) != 1 || string(ms[0].Body) != `{"id":"b"}` || ms[0].SessionID != "b" {
				t.Errorf("Take r2 = %+v", ms)
			}
		}},
		{"garbage collection drops expired sessions and their messages", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			mustOK(t, "Put old", s.PutSSESession(ctx, store.SSESession{ID: "old", ReplicaID: "r", CreatedAt: at(0), ExpiresAt: at(time.Minute)}))
			mustOK(t, "Put live", s.PutSSESession(ctx, store.SSESession{ID: "live", ReplicaID: "r", CreatedAt: at(0), ExpiresAt: at(48 * time.Hour)}))
			_, err := s.EnqueueSSEMessage(ctx, store.SSEMessage{SessionID: "old", Body: []byte("{}"), CreatedAt: at(time.Second)})
			mustOK(t, "Enqueue", err)
			_, err = s.EnqueueSSEMessage(ctx, store.SSEMessage{SessionID: "live", Body: []byte("{}"), CreatedAt: at(time.Hour - time.Minute)})
			mustOK(t, "Enqueue live", err)
			st, err := s.GarbageCollect(ctx, at(time.Hour))
			mustOK(t, "GC", err)
			if st["sse_sessions"] != 1 || st["sse_messages"] != 1 {
				t.Errorf("GC removed %d sessions and %d messages, want 1 and 1", st["sse_sessions"], st["sse_messages"])
			}
			if _, err := s.GetSSESession(ctx, "live"); err != nil {
				t.Errorf("live session collected: %v", err)
			}
		}},
	}
}

func settingIfAbsentCases() []testCase {
	return []testCase{
		{"put if absent keeps the first value under concurrency", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			var wg sync.WaitGroup
			results := make([]string, 20)
			for i := range 20 {
				wg.Go(func() {
					v, err := s.PutSettingIfAbsent(ctx, "key", fmt.Sprintf("v%d", i))
					if err != nil {
						t.Errorf("PutSettingIfAbsent: %v", err)
					}
					results[i] = v
				})
			}
			wg.Wait()
			for _, r := range results {
				if r != results[0] || r == "" {
					t.Fatalf("callers disagree on the stored value: %q", results)
				}
			}
			kv, err := s.GetSettings(ctx)
			mustOK(t, "GetSettings", err)
			if kv["key"] != results[0] {
				t.Errorf("stored %q, callers were told %q", kv["key"], results[0])
			}
		}},
	}
}
