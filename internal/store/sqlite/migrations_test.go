package sqlite

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// latestMigration is the highest version among the migration files, so tests
// do not need editing when a migration is added.
func latestMigration(t testing.TB) int64 {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var latest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		latest = max(latest, v)
	}
	if latest < 2 {
		t.Fatalf("found no migrations (latest %d)", latest)
	}
	return latest
}
