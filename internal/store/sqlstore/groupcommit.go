package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// maxBatch bounds the write transactions that share one commit.
const maxBatch = 64

// committer runs the write transactions of a single-connection writer pool
// (SQLite) in batches that share one COMMIT: with synchronous=FULL every
// commit is an fsync of the WAL, and the fsync, not the SQL, is what a
// write costs. Concurrent writers therefore pay for one fsync together
// instead of queueing for one each.
//
// There is no background goroutine. A caller queues its job; if no batch
// is running it becomes the leader: it takes every queued job (up to
// maxBatch, its own first), runs them in one transaction, commits, reports
// to each caller, and hands the lead to the first job queued meanwhile. So
// a lone writer commits at once, exactly as before, and under load the
// jobs that arrive while one batch syncs form the next batch.
//
// Isolation between the jobs of a batch: each job runs inside its own
// SAVEPOINT, so a job that fails is rolled back to its savepoint alone and
// gets its own error, while the others go on. Every caller is told its
// outcome only after the shared COMMIT returned, and a failing COMMIT (or
// BEGIN) fails every job of the batch. If the transaction itself is lost
// in the middle of a batch (SQLite rolls a whole transaction back on
// errors such as SQLITE_FULL or an interrupt, which the failed release of
// the savepoint reveals), the batch stops and every job of it fails. A job
// that panics is rolled back to its savepoint and the panic is raised again
// in its caller's goroutine. A job whose context is already done when its
// turn comes is not run.
//
// A batch of one job runs without savepoints: BEGIN, the job, COMMIT or
// ROLLBACK, as inTx always did.
type committer struct {
	p *pool

	mu      sync.Mutex
	queue   []*job
	leading bool // a leader is running (or about to run) a batch

	batches atomic.Int64 // transactions run, for tests
}

// job is one caller's write transaction.
type job struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	wake chan wakeup // one value: done, or lead (then later done)

	err      error
	panicked any // the value fn panicked with, re-raised by the caller
	didPanic bool
}

type wakeup int

const (
	wakeDone wakeup = iota // the job's outcome is set
	wakeLead               // the job is first in the queue: run the next batch
)

func newCommitter(p *pool) *committer { return &committer{p: p} }

// do runs fn in a write transaction, possibly shared with other callers'
// (see committer), and returns once the outcome is durable: nil after the
// shared COMMIT succeeded, fn's error when fn failed (its work rolled back),
// or the error that made the batch fail. fn's errors are returned
// unwrapped, BEGIN and COMMIT errors wrapped as inTx always did.
func (c *committer) do(ctx context.Context, fn func(tx *sql.Tx) error) error {
	j := &job{ctx: ctx, fn: fn, wake: make(chan wakeup, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, j)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()
	if !lead {
		if <-j.wake == wakeDone {
			return j.result()
		}
	}
	// Leader: j is first in the queue (a new leader only arises with an
	// empty queue, and a handed lead goes to the queue's head). Let the
	// goroutines that are ready to run go first: those about to write
	// queue their jobs and join this batch instead of waiting for the next
	// commit; with nothing else runnable this returns at once.
	runtime.Gosched()
	c.mu.Lock()
	n := min(len(c.queue), maxBatch)
	batch := make([]*job, n)
	copy(batch, c.queue)
	rest := copy(c.queue, c.queue[n:])
	clear(c.queue[rest:])
	c.queue = c.queue[:rest]
	c.mu.Unlock()

	c.run(batch)

	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].wake <- wakeLead
	} else {
		c.leading = false
	}
	c.mu.Unlock()
	for _, b := range batch {
		b.wake <- wakeDone
	}
	<-j.wake
	return j.result()
}

func (j *job) result() error {
	if j.didPanic {
		panic(j.panicked)
	}
	return j.err
}

// call runs the job's fn, turning a panic into didPanic.
func (j *job) call(tx *sql.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			j.panicked, j.didPanic = v, true
			err = fmt.Errorf("sqlstore: write transaction panicked: %v", v)
		}
	}()
	return j.fn(tx)
}

// run executes batch in one transaction and sets every job's outcome.
func (c *committer) run(batch []*job) {
	c.batches.Add(1)
	// The batch is not any one caller's: a cancelled caller must not end
	// the transaction of the others (database/sql rolls a transaction back
	// when its BeginTx context is done).
	tx, err := c.p.BeginTx(context.Background(), nil)
	if err != nil {
		for _, j := range batch {
			j.err = fmt.Errorf("begin: %w", err)
		}
		return
	}
	if len(batch) == 1 {
		j := batch[0]
		if err := j.ctx.Err(); err != nil {
			j.err = err
			_ = tx.Rollback()
			return
		}
		if j.err = j.call(tx); j.err != nil {
			_ = tx.Rollback()
			return
		}
		if err := tx.Commit(); err != nil {
			j.err = fmt.Errorf("commit: %w", err)
		}
		return
	}
	// The savepoint statements go through the statement cache; preparing
	// one needs the connection the transaction holds, so that happens
	// after the transaction ended (the first time only).
	st := &stmtTx{Tx: tx, p: c.p}
	defer st.prepareMissing(context.Background())
	exec := func(q string) error {
		_, err := st.ExecContext(context.Background(), q)
		return err
	}
	var ran []*job // jobs whose work is in the transaction
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if err := exec(`SAVEPOINT batch_job`); err != nil {
			c.abort(tx, batch[i:], ran, fmt.Errorf("savepoint: %w", err))
			return
		}
		j.err = j.call(tx)
		if j.err != nil {
			if err := exec(`ROLLBACK TO batch_job`); err != nil {
				c.abort(tx, batch[i+1:], ran, fmt.Errorf("rollback to savepoint after %w: %w", j.err, err))
				return
			}
		}
		if err := exec(`RELEASE batch_job`); err != nil {
			if j.err == nil {
				ran = append(ran, j)
			}
			c.abort(tx, batch[i+1:], ran, fmt.Errorf("release savepoint: %w", err))
			return
		}
		if j.err == nil {
			ran = append(ran, j)
		}
	}
	if len(ran) == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
		for _, j := range ran {
			j.err = err
		}
	}
}

// abort rolls the batch's transaction back after it was lost or broken:
// the jobs whose work was in it (ran) and those not run yet (rest) fail
// with err; jobs that failed on their own keep their error.
func (c *committer) abort(tx *sql.Tx, rest, ran []*job, err error) {
	_ = tx.Rollback()
	err = errors.Join(errBatchAborted, err)
	for _, j := range ran {
		j.err = err
	}
	for _, j := range rest {
		j.err = err
	}
}

// errBatchAborted is wrapped by the error of every job of a batch whose
// transaction was lost before its commit.
var errBatchAborted = errors.New("write batch aborted; nothing of it was committed")

// wExec runs one write statement through write1.
func (db *DB) wExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.write1(ctx, func(q querier) error {
		var err error
		res, err = q.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// wRow is a one-row write statement (INSERT or UPDATE ... RETURNING) run
// through write1 when it is scanned: the row is read inside the
// transaction, and Scan returns once the write is durable (or failed).
func (db *DB) wRow(ctx context.Context, query string, args ...any) scanner {
	return writeRow{db: db, ctx: ctx, query: query, args: args}
}

type writeRow struct {
	db    *DB
	ctx   context.Context
	query string
	args  []any
}

func (r writeRow) Scan(dest ...any) error {
	return r.db.write1(r.ctx, func(q querier) error {
		return q.QueryRowContext(r.ctx, r.query, r.args...).Scan(dest...)
	})
}
