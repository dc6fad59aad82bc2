package storetest

import (
	"fmt"
	"maps"
	"testing"

	"github.com/portico-mcp/portico/internal/store"
)

func settingsCases() []testCase {
	return []testCase{
		{"empty store has an empty, non-nil map", func(t *testing.T, s store.Store) {
			got, err := s.GetSettings(t.Context())
			mustOK(t, "GetSettings", err)
			if got == nil || len(got) != 0 {
				t.Errorf("GetSettings on an empty store: got %#v, want an empty non-nil map", got)
			}
		}},

		{"concurrent puts all succeed", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			errs := race(concurrency, func(i int) error {
				return s.PutSettings(ctx, map[string]string{"shared": fmt.Sprint(i), fmt.Sprint("own-", i): "x"})
			})
			for i, err := range errs {
				if err != nil {
					t.Errorf("PutSettings call %d: got %v, want nil", i, err)
				}
			}
			got, err := s.GetSettings(ctx)
			mustOK(t, "GetSettings", err)
			if len(got) != concurrency+1 {
				t.Errorf("GetSettings after concurrent puts: got %d keys, want %d", len(got), concurrency+1)
			}
			for i := range concurrency {
				if got[fmt.Sprint("own-", i)] != "x" {
					t.Errorf("GetSettings after concurrent puts: key own-%d missing", i)
				}
			}
		}},

		{"put upserts", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			steps := []struct {
				put  map[string]string
				want map[string]string
			}{
				{
					map[string]string{"title": "My site", "tagline": hostileText, "timezone": "Europe/Copenhagen"},
					map[string]string{"title": "My site", "tagline": hostileText, "timezone": "Europe/Copenhagen"},
				},
				{
					map[string]string{"title": "Renamed", "footer": "multi\nline"},
					map[string]string{"title": "Renamed", "tagline": hostileText, "timezone": "Europe/Copenhagen", "footer": "multi\nline"},
				},
				{
					// An empty value is a value, not a deletion.
					map[string]string{"tagline": ""},
					map[string]string{"title": "Renamed", "tagline": "", "timezone": "Europe/Copenhagen", "footer": "multi\nline"},
				},
				{
					map[string]string{},
					map[string]string{"title": "Renamed", "tagline": "", "timezone": "Europe/Copenhagen", "footer": "multi\nline"},
				},
			}
			for i, step := range steps {
				mustOK(t, "PutSettings", s.PutSettings(ctx, step.put))
				got, err := s.GetSettings(ctx)
				mustOK(t, "GetSettings", err)
				if !maps.Equal(got, step.want) {
					t.Errorf("GetSettings after step %d: got %q, want %q", i, got, step.want)
				}
			}
			mustOK(t, "PutSettings(nil)", s.PutSettings(ctx, nil))
		}},
	}
}
