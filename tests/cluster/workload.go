package main

// The write workload: concurrent writers, each running numbered transactions
// through go-dqlite's driver (they execute on whichever node leads). A
// transaction t writes the same facts into every table kind:
//
//	fx      kvcolumn(i64), bulk 'append' of t*16+0 .. t*16+k-1  (k = 1 + t%7)
//	vx      kvcolumn('str'), values "t<t>:0" and "t<t>:1:" + padding
//	        (every 5th transaction pads past 255 bytes: the long-record form)
//	ix_csb  kvindex(csbtree), key t -> "v<t>"
//	ix_skip kvindex(skiplist), key "k%08d" -> t
//	kv      kvault, key "t<t>" -> kv_pack('i64', t)
//
// and, inside a savepoint that is rolled back, junk rows (negative numbers,
// key 'junk') that must never appear. A transaction whose COMMIT returned
// success is acknowledged; any other outcome (an error anywhere, the leader
// dying in flight, "database is locked" from a concurrent writer: dqlite does
// not queue writers) is unknown: it must be whole or absent, never partial.
// No statement is retried, so nothing can be applied twice; a failed
// transaction is simply abandoned and the writer goes on with a new number.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const stride = 16 // fx values of transaction t are t*stride + j, j < appendCount(t)

func appendCount(t int64) int { return 1 + int(t%7) }

func fxValues(t int64) []int64 {
	var v []int64
	for j := 0; j < appendCount(t); j++ {
		v = append(v, t*stride+int64(j))
	}
	return v
}

func vxValues(t int64) []string {
	pad := 8
	if t%5 == 0 {
		pad = 300
	}
	return []string{fmt.Sprintf("t%d:0", t), fmt.Sprintf("t%d:1:", t) + strings.Repeat("x", pad)}
}

func csbValue(t int64) string  { return fmt.Sprintf("v%d", t) }
func skipKey(t int64) string   { return fmt.Sprintf("k%08d", t) }
func kvaultKey(t int64) string { return fmt.Sprintf("t%d", t) }

// ledger records what the writers attempted and what was acknowledged.
type ledger struct {
	mu        sync.Mutex
	attempted map[int64]bool
	acked     map[int64]bool
	firstAck  time.Time // first acknowledgement after markKill
	killedAt  time.Time
	ackCount  int64 // atomic mirror of len(acked)
	failures  map[string]int
	atCommit  int // failures of COMMIT itself: outcome unknown
}

func newLedger() *ledger {
	return &ledger{attempted: map[int64]bool{}, acked: map[int64]bool{}, failures: map[string]int{}}
}

func (l *ledger) markKill() {
	l.mu.Lock()
	l.killedAt = time.Now()
	l.mu.Unlock()
}

func (l *ledger) record(t int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempted[t] = true
	if err != nil {
		msg := err.Error()
		if len(msg) > 60 {
			msg = msg[:60]
		}
		l.failures[msg]++
		var ce *commitError
		if errors.As(err, &ce) {
			l.atCommit++
		}
		return
	}
	l.acked[t] = true
	atomic.AddInt64(&l.ackCount, 1)
	if !l.killedAt.IsZero() && l.firstAck.IsZero() {
		l.firstAck = time.Now()
	}
}

// failureSummary lists the failed attempts by message, most frequent first.
func (l *ledger) failureSummary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var msgs []string
	for m := range l.failures {
		msgs = append(msgs, m)
	}
	sort.Slice(msgs, func(i, j int) bool { return l.failures[msgs[i]] > l.failures[msgs[j]] })
	var parts []string
	for _, m := range msgs {
		parts = append(parts, fmt.Sprintf("%dx %q", l.failures[m], m))
	}
	return strings.Join(parts, ", ")
}

func (l *ledger) acks() int64 { return atomic.LoadInt64(&l.ackCount) }

// writers runs n concurrent writers until stop is closed, each at most
// maxPerWriter transactions (a bound on the loop whatever happens).
type writers struct {
	wg   sync.WaitGroup
	stop chan struct{}
}

func startWriters(db *sql.DB, l *ledger, n int, base int64, maxPerWriter int) *writers {
	w := &writers{stop: make(chan struct{})}
	for i := 0; i < n; i++ {
		w.wg.Add(1)
		go func(writer int64) {
			defer w.wg.Done()
			failed := 0
			for seq := int64(0); seq < int64(maxPerWriter); seq++ {
				select {
				case <-w.stop:
					return
				default:
				}
				t := base + writer*100000 + seq + 1
				err := writeTransaction(db, t)
				l.record(t, err)
				if err == nil {
					failed = 0
					continue
				}
				// Back off (bounded, growing with consecutive failures,
				// staggered by writer) so that the others can commit.
				if failed < 4 {
					failed++
				}
				time.Sleep(time.Duration(5<<failed+3*writer) * time.Millisecond)
			}
		}(int64(i))
	}
	return w
}

// halt stops the writers and waits for them (bounded: each transaction has a
// 5 s context).
func (w *writers) halt() error {
	close(w.stop)
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(waitBound):
		return fmt.Errorf("writers still running %v after stop", waitBound)
	}
}

func writeTransaction(db *sql.DB, t int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	exec := func(query string, args ...interface{}) error {
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, query, args...)
		if err != nil {
			err = fmt.Errorf("%s: %w", strings.Fields(query)[0], err)
		}
		return err
	}
	fx := fxValues(t)
	parts := make([]string, len(fx))
	for i, v := range fx {
		parts[i] = fmt.Sprint(v)
	}
	vx := vxValues(t)
	exec("INSERT INTO fx(fx, value) VALUES ('append', kv_pack_many('i64', ?))", "["+strings.Join(parts, ",")+"]")
	exec("INSERT INTO vx(value) VALUES (?), (?)", vx[0], vx[1])
	exec("SAVEPOINT junk")
	exec("INSERT INTO fx(value) VALUES (?)", -t)
	exec("INSERT INTO vx(value) VALUES ('junk')")
	exec("INSERT INTO ix_csb(key, value) VALUES (?, 'junk')", -t)
	exec("INSERT INTO ix_skip(key, value) VALUES ('junk', ?)", t)
	exec("INSERT INTO kv(key, value) VALUES ('junk', X'00')")
	exec("ROLLBACK TO junk")
	exec("RELEASE junk")
	exec("INSERT INTO ix_csb(key, value) VALUES (?, ?)", t, csbValue(t))
	exec("INSERT INTO ix_skip(key, value) VALUES (?, ?)", skipKey(t), t)
	exec("INSERT INTO kv(key, value) VALUES (?, kv_pack('i64', ?))", kvaultKey(t), t)
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return &commitError{err}
	}
	return nil
}

// commitError: COMMIT itself failed, so the outcome is unknown (the leader
// may have replicated the transaction before it died). Any earlier error
// means the transaction was never committed.
type commitError struct{ err error }

func (e *commitError) Error() string { return "COMMIT: " + e.err.Error() }
