package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/store"
)

func userKey(u store.User) string { return u.Email }

func userCases() []testCase {
	return []testCase{
		{"create and read back every field", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			want := store.User{
				Email:        "zoe@example.com",
				Name:         hostileText,
				Role:         store.RoleEditor,
				PasswordHash: "$argon2id$v=19$m=65536,t=2,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
				Disabled:     true,
				CreatedAt:    at(0),
				UpdatedAt:    at(time.Hour + time.Minute),
			}
			got, err := s.CreateUser(ctx, want)
			mustOK(t, "CreateUser", err)
			if got.ID <= 0 {
				t.Fatalf("CreateUser: got ID %d, want > 0", got.ID)
			}
			want.ID = got.ID
			checkEqual(t, "CreateUser returned", got, want)

			got, err = s.GetUser(ctx, want.ID)
			mustOK(t, "GetUser", err)
			checkEqual(t, "GetUser", got, want)

			got, err = s.GetUserByEmail(ctx, want.Email)
			mustOK(t, "GetUserByEmail", err)
			checkEqual(t, "GetUserByEmail", got, want)

			list, err := s.ListUsers(ctx)
			mustOK(t, "ListUsers", err)
			checkSet(t, "ListUsers", list, []store.User{want}, userKey)
		}},

		{"zero times are set on create", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			before := time.Now()
			got, err := s.CreateUser(ctx, store.User{Email: "new@example.com", Role: store.RoleViewer})
			mustOK(t, "CreateUser", err)
			for name, tm := range map[string]time.Time{"CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt} {
				if tm.IsZero() || tm.Before(before.Add(-time.Hour)) || tm.After(time.Now().Add(time.Hour)) {
					t.Errorf("CreateUser: got %s %v, want about %v", name, tm, before)
				}
			}
			stored, err := s.GetUser(ctx, got.ID)
			mustOK(t, "GetUser", err)
			checkEqual(t, "GetUser after create with zero times", stored, got)
		}},

		{"email is stored lower-case and looked up case-insensitively", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			got, err := s.CreateUser(ctx, store.User{Email: "Mixed.Case@Example.COM", Role: store.RoleAuthor, CreatedAt: at(0), UpdatedAt: at(0)})
			mustOK(t, "CreateUser", err)
			if want := "mixed.case@example.com"; got.Email != want {
				t.Errorf("CreateUser: got Email %q, want %q", got.Email, want)
			}
			stored, err := s.GetUser(ctx, got.ID)
			mustOK(t, "GetUser", err)
			if want := "mixed.case@example.com"; stored.Email != want {
				t.Errorf("GetUser: got Email %q, want %q", stored.Email, want)
			}
			for _, email := range []string{"mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM", "Mixed.Case@Example.COM"} {
				u, err := s.GetUserByEmail(ctx, email)
				if err != nil {
					t.Errorf("GetUserByEmail(%q): got error %v, want the user", email, err)
					continue
				}
				if u.ID != got.ID {
					t.Errorf("GetUserByEmail(%q): got user %d, want %d", email, u.ID, got.ID)
				}
			}
		}},

		{"duplicate email conflicts", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			newUser(t, s, "taken@example.com")
			for _, email := range []string{"taken@example.com", "Taken@Example.com", "TAKEN@EXAMPLE.COM"} {
				_, err := s.CreateUser(ctx, store.User{Email: email, Role: store.RoleViewer, CreatedAt: at(0), UpdatedAt: at(0)})
				wantErr(t, "CreateUser("+email+")", err, store.ErrConflict)
			}
			n, err := s.CountUsers(ctx)
			mustOK(t, "CountUsers", err)
			if n != 1 {
				t.Errorf("CountUsers after rejected duplicates: got %d, want 1", n)
			}
		}},

		{"unknown keys are not found", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			u := newUser(t, s, "known@example.com")
			_, err := s.GetUser(ctx, u.ID+1000)
			wantErr(t, "GetUser(unknown)", err, store.ErrNotFound)
			_, err = s.GetUserByEmail(ctx, "nobody@example.com")
			wantErr(t, "GetUserByEmail(unknown)", err, store.ErrNotFound)
			_, err = s.UpdateUser(ctx, store.User{ID: u.ID + 1000, Email: "ghost@example.com", Role: store.RoleViewer})
			wantErr(t, "UpdateUser(unknown)", err, store.ErrNotFound)
		}},

		{"update writes email, name, role, password hash and disabled", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			orig, err := s.CreateUser(ctx, store.User{
				Email: "old@example.com", Name: "Old", Role: store.RoleAuthor,
				PasswordHash: "$argon2id$old", CreatedAt: at(0), UpdatedAt: at(0),
			})
			mustOK(t, "CreateUser", err)

			in := orig
			in.Email = "New@Example.com"
			in.Name = hostileText
			in.Role = store.RoleAdmin
			in.PasswordHash = ""
			in.Disabled = true
			in.CreatedAt = at(99 * time.Hour) // not one of the written fields
			got, err := s.UpdateUser(ctx, in)
			mustOK(t, "UpdateUser", err)

			want := orig
			want.Email = "new@example.com"
			want.Name = hostileText
			want.Role = store.RoleAdmin
			want.PasswordHash = ""
			want.Disabled = true
			want.UpdatedAt = got.UpdatedAt // the store's choice, checked below
			checkEqual(t, "UpdateUser returned", got, want)
			if got.UpdatedAt.IsZero() {
				t.Errorf("UpdateUser: got zero UpdatedAt, want it set")
			}

			stored, err := s.GetUser(ctx, orig.ID)
			mustOK(t, "GetUser", err)
			checkEqual(t, "GetUser after update", stored, got)

			_, err = s.GetUserByEmail(ctx, "old@example.com")
			wantErr(t, "GetUserByEmail(old email)", err, store.ErrNotFound)
			byNew, err := s.GetUserByEmail(ctx, "new@example.com")
			mustOK(t, "GetUserByEmail(new email)", err)
			if byNew.ID != orig.ID {
				t.Errorf("GetUserByEmail(new email): got user %d, want %d", byNew.ID, orig.ID)
			}

			// Re-enabling must also be written (false is a value, not "unset").
			got.Disabled = false
			_, err = s.UpdateUser(ctx, got)
			mustOK(t, "UpdateUser(enable)", err)
			stored, err = s.GetUser(ctx, orig.ID)
			mustOK(t, "GetUser", err)
			if stored.Disabled {
				t.Errorf("GetUser after re-enabling: got Disabled true, want false")
			}
		}},

		{"update to a taken email conflicts", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			newUser(t, s, "first@example.com")
			second := newUser(t, s, "second@example.com")
			in := second
			in.Email = "FIRST@example.com"
			in.Name = "changed"
			_, err := s.UpdateUser(ctx, in)
			wantErr(t, "UpdateUser(email of another user)", err, store.ErrConflict)
			stored, err := s.GetUser(ctx, second.ID)
			mustOK(t, "GetUser", err)
			checkEqual(t, "GetUser after rejected update", stored, second)
		}},

		{"concurrent creates of one email have exactly one winner", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			errs := race(concurrency, func(i int) error {
				email := "racer@example.com"
				if i%2 == 1 {
					email = "Racer@Example.com"
				}
				_, err := s.CreateUser(ctx, store.User{Email: email, Name: fmt.Sprint("racer ", i), Role: store.RoleViewer,
					CreatedAt: at(0), UpdatedAt: at(0)})
				return err
			})
			oneWinner(t, "CreateUser", errs)
			n, err := s.CountUsers(ctx)
			mustOK(t, "CountUsers", err)
			if n != 1 {
				t.Errorf("CountUsers after the race: got %d, want 1", n)
			}
		}},

		{"list and count", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			list, err := s.ListUsers(ctx)
			mustOK(t, "ListUsers(empty)", err)
			if len(list) != 0 {
				t.Errorf("ListUsers on an empty store: got %d users, want 0", len(list))
			}
			n, err := s.CountUsers(ctx)
			mustOK(t, "CountUsers(empty)", err)
			if n != 0 {
				t.Errorf("CountUsers on an empty store: got %d, want 0", n)
			}
			want := []store.User{newUser(t, s, "a@example.com"), newUser(t, s, "b@example.com"), newUser(t, s, "c@example.com")}
			list, err = s.ListUsers(ctx)
			mustOK(t, "ListUsers", err)
			checkSet(t, "ListUsers", list, want, userKey)
			n, err = s.CountUsers(ctx)
			mustOK(t, "CountUsers", err)
			if n != 3 {
				t.Errorf("CountUsers: got %d, want 3", n)
			}
		}},
	}
}
