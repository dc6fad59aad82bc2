package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func newInvite(t *testing.T, s store.Store, name string, expires time.Time) store.Invite {
	t.Helper()
	inv := store.Invite{
		Hash:      hash("invite " + name),
		Email:     name + "@example.com",
		Role:      store.RoleAuthor,
		CreatedAt: at(0),
		ExpiresAt: expires,
	}
	mustOK(t, "CreateInvite "+name, s.CreateInvite(t.Context(), inv))
	return inv
}

func inviteCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			admin := newUser(t, s, "admin@example.com")
			for _, want := range []store.Invite{
				{
					Hash: hash("invite"), Email: "newcomer@example.com", Role: store.RoleEditor,
					CreatedBy: admin.ID, CreatedAt: at(0), ExpiresAt: at(7 * 24 * time.Hour),
				},
				{
					// The first-run setup link: nobody created it, anyone may use it.
					Hash: append(hash("setup"), binaryBlob...), Role: store.RoleAdmin,
					CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour),
				},
				{
					Hash: hash("used"), Email: "used@example.com", Role: store.RoleViewer, CreatedBy: admin.ID,
					CreatedAt: at(0), ExpiresAt: at(time.Hour), UsedAt: at(3 * time.Minute),
				},
			} {
				mustOK(t, "CreateInvite", s.CreateInvite(ctx, want))
				got, err := s.GetInvite(ctx, want.Hash)
				mustOK(t, "GetInvite", err)
				checkEqual(t, "GetInvite", got, want)
			}
		}},

		{"unknown invite is not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			newInvite(t, s, "known", at(time.Hour))
			_, err := s.GetInvite(ctx, hash("invite unknown"))
			wantErr(t, "GetInvite(unknown)", err, store.ErrNotFound)
			_, err = s.UseInvite(ctx, hash("invite unknown"), at(0))
			wantErr(t, "UseInvite(unknown)", err, store.ErrNotFound)
		}},

		{"duplicate hash conflicts", func(t *testing.T, s store.Store) {
			inv := newInvite(t, s, "one", at(time.Hour))
			inv.Email = "other@example.com"
			wantErr(t, "CreateInvite(same hash)", s.CreateInvite(t.Context(), inv), store.ErrConflict)
		}},

		{"use once, then conflict with the record", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			want := newInvite(t, s, "one", at(time.Hour))
			now := at(10*time.Minute + time.Nanosecond)
			want.UsedAt = now
			got, err := s.UseInvite(ctx, want.Hash, now)
			mustOK(t, "UseInvite", err)
			checkEqual(t, "UseInvite returned", got, want)
			got, err = s.GetInvite(ctx, want.Hash)
			mustOK(t, "GetInvite", err)
			checkEqual(t, "GetInvite after use", got, want)

			got, err = s.UseInvite(ctx, want.Hash, at(20*time.Minute))
			wantErr(t, "UseInvite(second time)", err, store.ErrConflict)
			checkEqual(t, "UseInvite(second time) returned", got, want)
			got, err = s.GetInvite(ctx, want.Hash)
			mustOK(t, "GetInvite", err)
			checkEqual(t, "GetInvite after a replay", got, want)
		}},

		{"expired invite cannot be used", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			for _, tc := range []struct {
				name string
				now  time.Duration // relative to ExpiresAt
			}{
				{"at expiry", 0},
				{"after expiry", time.Nanosecond},
				{"a day after expiry", 24 * time.Hour},
			} {
				inv := newInvite(t, s, tc.name, at(time.Hour))
				_, err := s.UseInvite(ctx, inv.Hash, inv.ExpiresAt.Add(tc.now))
				wantErr(t, "UseInvite "+tc.name, err, store.ErrNotFound)
				got, err := s.GetInvite(ctx, inv.Hash)
				mustOK(t, "GetInvite", err)
				checkEqual(t, "GetInvite after using it "+tc.name, got, inv)
			}
			inv := newInvite(t, s, "just before expiry", at(time.Hour))
			_, err := s.UseInvite(ctx, inv.Hash, inv.ExpiresAt.Add(-time.Nanosecond))
			mustOK(t, "UseInvite one nanosecond before expiry", err)
		}},

		{"concurrent use has exactly one winner", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			inv := newInvite(t, s, "race", at(time.Hour))
			nows := make([]time.Time, concurrency)
			results := make([]store.Invite, concurrency)
			for i := range nows {
				nows[i] = at(time.Minute + time.Duration(i)*time.Millisecond)
			}
			errs := race(concurrency, func(i int) error {
				var err error
				results[i], err = s.UseInvite(ctx, inv.Hash, nows[i])
				return err
			})
			w := oneWinner(t, "UseInvite", errs)
			if w < 0 {
				return
			}
			want := inv
			want.UsedAt = nows[w]
			stored, err := s.GetInvite(ctx, inv.Hash)
			mustOK(t, "GetInvite", err)
			checkEqual(t, "GetInvite after the race", stored, want)
			for i, got := range results {
				checkEqual(t, fmt.Sprintf("UseInvite call %d returned", i), got, want)
			}
		}},
	}
}
