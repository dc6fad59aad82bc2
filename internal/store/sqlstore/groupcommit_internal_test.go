package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// gcFixture is a committer on a single-connection SQLite writer, as
// sqlite.Open configures it, and a separate connection that checks what
// is durable (committed) from outside the batch.
type gcFixture struct {
	c     *committer
	check *sql.DB
}

func newGCFixture(t *testing.T) gcFixture {
	t.Helper()
	uri := "file:" + filepath.Join(t.TempDir(), "gc.db") + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	w, err := sql.Open("sqlite", uri+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	// parent/child with a deferred foreign key: a child without its parent
	// is accepted by the statement and refused by COMMIT.
	if _, err := w.Exec(`CREATE TABLE parent (id TEXT PRIMARY KEY);
		CREATE TABLE child (id TEXT PRIMARY KEY,
			parent TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	r, err := sql.Open("sqlite", uri)
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(w, true)
	t.Cleanup(func() { r.Close(); p.Close() })
	return gcFixture{c: newCommitter(p), check: r}
}

// committed reports whether the row parent(id) is visible outside the
// writer, i.e. committed.
func (f gcFixture) committed(t *testing.T, id string) bool {
	t.Helper()
	var n int
	if err := f.check.QueryRow(`SELECT COUNT(*) FROM parent WHERE id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func insert(id string) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO parent (id) VALUES (?)`, id)
		return err
	}
}

// batch runs one job per fn, all queued behind a blocked batch so that
// they share the next transaction, and returns each caller's error (or
// recovered panic). It fails the test unless they ran as one batch.
func (f gcFixture) batch(t *testing.T, fns ...func(tx *sql.Tx) error) []error {
	t.Helper()
	release := make(chan struct{})
	blocked := make(chan struct{})
	go func() {
		_ = f.c.do(t.Context(), func(tx *sql.Tx) error {
			close(blocked)
			<-release
			return nil
		})
	}()
	<-blocked
	before := f.c.batches.Load()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("panic: %v", v)
				}
			}()
			errs[i] = f.c.do(t.Context(), fn)
		})
		waitQueued(t, f.c, i+1) // in order
	}
	close(release)
	wg.Wait()
	if got := f.c.batches.Load() - before; got != 1 {
		t.Fatalf("the %d queued jobs ran in %d transactions, want 1", len(fns), got)
	}
	return errs
}

// Concurrent callers share one commit, each is told of success only once
// its write is committed (visible from another connection at the moment
// its call returns, although a later job of the batch keeps the
// transaction open for a while), and every write is there.
func TestGroupCommitSharesOneCommit(t *testing.T) {
	f := newGCFixture(t)
	var fns []func(tx *sql.Tx) error
	visible := make([]bool, 8)
	for i := range 8 {
		id := fmt.Sprint("job", i)
		fns = append(fns, func(tx *sql.Tx) error {
			if err := insert(id)(tx); err != nil {
				return err
			}
			if i == 7 { // the last job holds the transaction open
				time.Sleep(50 * time.Millisecond)
			}
			return nil
		})
	}
	// Each caller checks visibility the moment do returns.
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	release := make(chan struct{})
	blocked := make(chan struct{})
	go func() {
		_ = f.c.do(t.Context(), func(*sql.Tx) error { close(blocked); <-release; return nil })
	}()
	<-blocked
	for i := range fns {
		wg.Go(func() {
			errs[i] = f.c.do(t.Context(), fns[i])
			visible[i] = f.committed(t, fmt.Sprint("job", i))
		})
		waitQueued(t, f.c, i+1) // in order: the slow job last
	}
	before := f.c.batches.Load()
	close(release)
	wg.Wait()
	if got := f.c.batches.Load() - before; got != 1 {
		t.Errorf("8 queued jobs ran in %d transactions, want 1", got)
	}
	for i := range fns {
		if errs[i] != nil {
			t.Errorf("job %d: %v", i, errs[i])
		}
		if !visible[i] {
			t.Errorf("job %d was acknowledged before its write was committed", i)
		}
	}
}

func waitQueued(t *testing.T, c *committer, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		got := len(c.queue)
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs queued", got, n)
		}
	}
}

// A failing job of a batch is rolled back alone and gets its own error;
// the others commit.
func TestGroupCommitOneJobFails(t *testing.T) {
	f := newGCFixture(t)
	mine := errors.New("job 2 refuses")
	errs := f.batch(t,
		insert("a"),
		insert("b"),
		func(tx *sql.Tx) error { // writes, then fails: its write must go
			if err := insert("c")(tx); err != nil {
				return err
			}
			return mine
		},
		insert("a"), // a constraint violation: fails alone too
		insert("d"),
	)
	for i, want := range []error{nil, nil, mine, nil, nil} {
		switch {
		case i == 3:
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "UNIQUE") {
				t.Errorf("job 3 (duplicate key): got %v, want the unique violation", errs[i])
			}
		case !errors.Is(errs[i], want) || (want == nil && errs[i] != nil):
			t.Errorf("job %d: got %v, want %v", i, errs[i], want)
		}
	}
	for id, want := range map[string]bool{"a": true, "b": true, "c": false, "d": true} {
		if got := f.committed(t, id); got != want {
			t.Errorf("row %q committed = %v, want %v", id, got, want)
		}
	}
}

// A failing COMMIT fails every job of the batch, and none of their writes
// is there.
func TestGroupCommitCommitFails(t *testing.T) {
	f := newGCFixture(t)
	errs := f.batch(t,
		insert("x"),
		func(tx *sql.Tx) error { // accepted now, refused by COMMIT (deferred FK)
			_, err := tx.Exec(`INSERT INTO child (id, parent) VALUES ('orphan', 'missing')`)
			return err
		},
		insert("y"),
	)
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "commit") {
			t.Errorf("job %d: got %v, want the commit error", i, err)
		}
	}
	for _, id := range []string{"x", "y"} {
		if f.committed(t, id) {
			t.Errorf("row %q committed although the commit failed", id)
		}
	}
	// The writer is usable afterwards.
	if err := f.c.do(t.Context(), insert("after")); err != nil || !f.committed(t, "after") {
		t.Fatalf("write after a failed commit: %v", err)
	}
}

// A job that loses the whole transaction (here by ending it itself; in
// production SQLite does so on e.g. SQLITE_FULL) fails the batch: the
// jobs before it are not acknowledged, those after it not run.
func TestGroupCommitLostTransaction(t *testing.T) {
	f := newGCFixture(t)
	ranAfter := false
	errs := f.batch(t,
		insert("before"),
		func(tx *sql.Tx) error {
			_, err := tx.Exec(`ROLLBACK`)
			return err
		},
		func(tx *sql.Tx) error {
			ranAfter = true
			return insert("after")(tx)
		},
	)
	for i, err := range errs {
		if !errors.Is(err, errBatchAborted) {
			t.Errorf("job %d: got %v, want %v", i, err, errBatchAborted)
		}
	}
	if ranAfter {
		t.Error("a job after the lost transaction ran")
	}
	for _, id := range []string{"before", "after"} {
		if f.committed(t, id) {
			t.Errorf("row %q committed", id)
		}
	}
	if err := f.c.do(t.Context(), insert("later")); err != nil || !f.committed(t, "later") {
		t.Fatalf("write after an aborted batch: %v", err)
	}
}

// A job that panics is rolled back, its caller panics, the others commit;
// a job whose context is done before its turn is not run.
func TestGroupCommitPanicAndCancel(t *testing.T) {
	f := newGCFixture(t)
	release := make(chan struct{})
	blocked := make(chan struct{})
	go func() {
		_ = f.c.do(t.Context(), func(*sql.Tx) error { close(blocked); <-release; return nil })
	}()
	<-blocked
	cancelled, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var panicked any
	var errOK, errCancelled error
	wg.Go(func() {
		defer func() { panicked = recover() }()
		_ = f.c.do(t.Context(), func(tx *sql.Tx) error {
			_ = insert("p")(tx)
			panic("boom")
		})
	})
	waitQueued(t, f.c, 1)
	wg.Go(func() { errCancelled = f.c.do(cancelled, insert("cancelled")) })
	waitQueued(t, f.c, 2)
	wg.Go(func() { errOK = f.c.do(t.Context(), insert("ok")) })
	waitQueued(t, f.c, 3)
	cancel()
	close(release)
	wg.Wait()
	if panicked != "boom" {
		t.Errorf("caller of the panicking job recovered %v, want boom", panicked)
	}
	if !errors.Is(errCancelled, context.Canceled) {
		t.Errorf("cancelled job: got %v, want %v", errCancelled, context.Canceled)
	}
	if errOK != nil {
		t.Errorf("ok job: %v", errOK)
	}
	for id, want := range map[string]bool{"p": false, "cancelled": false, "ok": true} {
		if got := f.committed(t, id); got != want {
			t.Errorf("row %q committed = %v, want %v", id, got, want)
		}
	}
}

// Many writers at once, each checking its write is committed when told so.
func TestGroupCommitStress(t *testing.T) {
	f := newGCFixture(t)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				id := fmt.Sprint(g, "-", i)
				if err := f.c.do(t.Context(), insert(id)); err != nil {
					t.Errorf("%s: %v", id, err)
					return
				}
				if !f.committed(t, id) {
					t.Errorf("%s acknowledged, not committed", id)
				}
			}
		})
	}
	wg.Wait()
	if b := f.c.batches.Load(); b >= 320 {
		t.Logf("320 writes in %d transactions (no batching happened on this run)", b)
	}
}
