package storetest

import (
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func sessionKey(s store.Session) string { return hashKey(s.IDHash) }

func newSession(t *testing.T, s store.Store, name string, userID int64) store.Session {
	t.Helper()
	sess := store.Session{
		IDHash:     hash("session " + name),
		UserID:     userID,
		CSRFSecret: hash("csrf " + name),
		UserAgent:  "Mozilla/5.0 " + name,
		CreatedAt:  at(0),
		LastSeenAt: at(time.Minute),
		ExpiresAt:  at(24 * time.Hour),
	}
	mustOK(t, "CreateSession "+name, s.CreateSession(t.Context(), sess))
	return sess
}

func sessionCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			want := store.Session{
				IDHash:     append(hash("session"), binaryBlob...),
				UserID:     u.ID,
				CSRFSecret: binaryBlob,
				UserAgent:  hostileText,
				CreatedAt:  at(0),
				LastSeenAt: at(3 * time.Minute),
				ExpiresAt:  at(14 * 24 * time.Hour),
			}
			mustOK(t, "CreateSession", s.CreateSession(ctx, want))
			got, err := s.GetSession(ctx, want.IDHash)
			mustOK(t, "GetSession", err)
			checkEqual(t, "GetSession", got, want)
		}},

		{"unknown session is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			newSession(t, s, "known", u.ID)
			_, err := s.GetSession(ctx, hash("session unknown"))
			wantErr(t, "GetSession(unknown)", err, store.ErrNotFound)
			err = s.TouchSession(ctx, hash("session unknown"), at(time.Hour), at(48*time.Hour))
			wantErr(t, "TouchSession(unknown)", err, store.ErrNotFound)
		}},

		{"duplicate hash conflicts", func(t *testing.T, s store.Store) {
			u := newUser(t, s, "owner@example.com")
			sess := newSession(t, s, "one", u.ID)
			sess.UserAgent = "other"
			wantErr(t, "CreateSession(same hash)", s.CreateSession(t.Context(), sess), store.ErrConflict)
		}},

		{"expired session is still readable until garbage collection", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			want := store.Session{IDHash: hash("old"), UserID: u.ID, CSRFSecret: hash("csrf"),
				CreatedAt: at(-48 * time.Hour), LastSeenAt: at(-47 * time.Hour), ExpiresAt: at(-24 * time.Hour)}
			mustOK(t, "CreateSession", s.CreateSession(ctx, want))
			got, err := s.GetSession(ctx, want.IDHash)
			mustOK(t, "GetSession(expired)", err)
			checkEqual(t, "GetSession(expired)", got, want)
		}},

		{"touch moves last seen and expiry", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			want := newSession(t, s, "one", u.ID)
			other := newSession(t, s, "two", u.ID)
			want.LastSeenAt = at(2*time.Hour + time.Minute)
			want.ExpiresAt = at(30 * 24 * time.Hour)
			mustOK(t, "TouchSession", s.TouchSession(ctx, want.IDHash, want.LastSeenAt, want.ExpiresAt))
			got, err := s.GetSession(ctx, want.IDHash)
			mustOK(t, "GetSession", err)
			checkEqual(t, "GetSession after touch", got, want)
			got, err = s.GetSession(ctx, other.IDHash)
			mustOK(t, "GetSession(other)", err)
			checkEqual(t, "GetSession of an untouched session", got, other)
		}},

		{"delete is idempotent", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "owner@example.com")
			gone := newSession(t, s, "gone", u.ID)
			kept := newSession(t, s, "kept", u.ID)
			mustOK(t, "DeleteSession", s.DeleteSession(ctx, gone.IDHash))
			_, err := s.GetSession(ctx, gone.IDHash)
			wantErr(t, "GetSession after delete", err, store.ErrNotFound)
			if err := s.DeleteSession(ctx, gone.IDHash); err != nil {
				t.Errorf("DeleteSession(already deleted): got %v, want nil", err)
			}
			got, err := s.GetSession(ctx, kept.IDHash)
			mustOK(t, "GetSession(kept)", err)
			checkEqual(t, "GetSession of the other session", got, kept)
		}},

		{"list and delete a user's sessions", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u1 := newUser(t, s, "one@example.com")
			u2 := newUser(t, s, "two@example.com")
			a := newSession(t, s, "a", u1.ID)
			b := newSession(t, s, "b", u1.ID)
			c := newSession(t, s, "c", u2.ID)

			list, err := s.ListUserSessions(ctx, u1.ID)
			mustOK(t, "ListUserSessions", err)
			checkSet(t, "ListUserSessions(u1)", list, []store.Session{a, b}, sessionKey)
			list, err = s.ListUserSessions(ctx, u2.ID+1000)
			mustOK(t, "ListUserSessions(unknown user)", err)
			if len(list) != 0 {
				t.Errorf("ListUserSessions(unknown user): got %d sessions, want 0", len(list))
			}

			mustOK(t, "DeleteUserSessions", s.DeleteUserSessions(ctx, u1.ID))
			list, err = s.ListUserSessions(ctx, u1.ID)
			mustOK(t, "ListUserSessions", err)
			if len(list) != 0 {
				t.Errorf("ListUserSessions after DeleteUserSessions: got %d sessions, want 0", len(list))
			}
			for _, sess := range []store.Session{a, b} {
				_, err := s.GetSession(ctx, sess.IDHash)
				wantErr(t, "GetSession after DeleteUserSessions", err, store.ErrNotFound)
			}
			list, err = s.ListUserSessions(ctx, u2.ID)
			mustOK(t, "ListUserSessions(u2)", err)
			checkSet(t, "ListUserSessions of another user", list, []store.Session{c}, sessionKey)
			if err := s.DeleteUserSessions(ctx, u1.ID); err != nil {
				t.Errorf("DeleteUserSessions with none left: got %v, want nil", err)
			}
		}},
	}
}
