package main

// Verification after a failover / leadership move, through the driver (so on
// the current leader, whose kvindex trees are rebuilt from storage there):
//
//   - every table holds, per transaction, either all of its rows or none, in
//     one contiguous run for the kvcolumns, and the same set of transactions
//     in every table (one transaction is one replicated commit);
//   - every acknowledged transaction is present, nothing unattempted is;
//   - no row written inside the rolled-back savepoint exists;
//   - kvcolumn_check is 'ok' for both columns, kvcolumns' length agrees;
//   - kvindex point lookups, ranges, ORDER BY key DESC LIMIT and IN answer as
//     a model (a sorted slice) does; kvault prefix scans count as the model.
//
// A check failure is a checkError (never retried); any other error is a
// transport problem (the connection lost its leader) and the whole
// verification is retried, a bounded number of times.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type checkError struct{ msg string }

func (e *checkError) Error() string { return e.msg }

func failf(format string, a ...interface{}) error { return &checkError{fmt.Sprintf(format, a...)} }

// verifyWithRetry runs verify until it passes, fails a check, or the bound is hit.
func verifyWithRetry(db *sql.DB, l *ledger) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	var last error
	for attempt := 0; attempt < 30 && ctx.Err() == nil; attempt++ {
		present, err := verify(ctx, db, l)
		var ce *checkError
		if err == nil || errors.As(err, &ce) {
			return present, err
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return 0, fmt.Errorf("verification kept failing on transport errors: %v", last)
}

func verify(ctx context.Context, db *sql.DB, l *ledger) (int, error) {
	q := &querier{ctx: ctx, db: db}

	fx, err := q.int64s("SELECT value FROM fx ORDER BY idx")
	if err != nil {
		return 0, err
	}
	fxSet, err := runsOf("fx", len(fx), func(i int) (int64, int, bool) {
		return fx[i] / stride, int(fx[i] % stride), fx[i] >= 0
	}, func(t int64) int { return appendCount(t) })
	if err != nil {
		return 0, err
	}

	vx, err := q.strings("SELECT value FROM vx ORDER BY idx")
	if err != nil {
		return 0, err
	}
	vxPattern := regexp.MustCompile(`^t(\d+):(\d)`)
	vxSet, err := runsOf("vx", len(vx), func(i int) (int64, int, bool) {
		m := vxPattern.FindStringSubmatch(vx[i])
		if m == nil {
			return 0, 0, false
		}
		t, _ := strconv.ParseInt(m[1], 10, 64)
		j, _ := strconv.Atoi(m[2])
		return t, j, vxValues(t)[j] == vx[i]
	}, func(int64) int { return 2 })
	if err != nil {
		return 0, err
	}

	csbKeys, csbVals, err := q.pairs("SELECT key, value FROM ix_csb ORDER BY key")
	if err != nil {
		return 0, err
	}
	csbSet := map[int64]bool{}
	for i, k := range csbKeys {
		t, perr := strconv.ParseInt(k, 10, 64)
		if perr != nil || t <= 0 || csbVals[i] != csbValue(t) {
			return 0, failf("ix_csb: unexpected row (%q, %q)", k, csbVals[i])
		}
		csbSet[t] = true
	}

	skipKeys, skipVals, err := q.pairs("SELECT key, value FROM ix_skip ORDER BY key")
	if err != nil {
		return 0, err
	}
	skipSet := map[int64]bool{}
	for i, k := range skipKeys {
		t, perr := strconv.ParseInt(skipVals[i], 10, 64)
		if perr != nil || k != skipKey(t) {
			return 0, failf("ix_skip: unexpected row (%q, %q)", k, skipVals[i])
		}
		skipSet[t] = true
	}

	kvKeys, kvVals, err := q.pairs("SELECT CAST(key AS TEXT), kv_unpack('i64', value) FROM kv")
	if err != nil {
		return 0, err
	}
	kvSet := map[int64]bool{}
	for i, k := range kvKeys {
		t, perr := strconv.ParseInt(kvVals[i], 10, 64)
		if perr != nil || k != kvaultKey(t) {
			return 0, failf("kv: unexpected row (%q, %q)", k, kvVals[i])
		}
		kvSet[t] = true
	}

	// One replicated commit per transaction: the same set everywhere.
	for name, set := range map[string]map[int64]bool{"vx": vxSet, "ix_csb": csbSet, "ix_skip": skipSet, "kv": kvSet} {
		if d := difference(fxSet, set); len(d) > 0 {
			return 0, failf("transactions %v are in fx but not in %s: a partial transaction", head(d), name)
		}
		if d := difference(set, fxSet); len(d) > 0 {
			return 0, failf("transactions %v are in %s but not in fx: a partial transaction", head(d), name)
		}
	}
	l.mu.Lock()
	lost := difference(l.acked, fxSet)
	phantom := difference(fxSet, l.attempted)
	l.mu.Unlock()
	if len(lost) > 0 {
		return 0, failf("%d acknowledged transactions are missing, e.g. %v", len(lost), head(lost))
	}
	if len(phantom) > 0 {
		return 0, failf("transactions %v were never attempted", head(phantom))
	}

	// Engine checks.
	for _, table := range []string{"fx", "vx"} {
		got, err := q.strings("SELECT kvcolumn_check(?)", table)
		if err != nil {
			return 0, err
		}
		if len(got) != 1 || got[0] != "ok" {
			return 0, failf("kvcolumn_check('%s') = %q", table, got)
		}
	}
	lengths, err := q.strings("SELECT length FROM kvcolumns WHERE name IN ('fx', 'vx') ORDER BY name")
	if err != nil {
		return 0, err
	}
	if want := []string{fmt.Sprint(len(fx)), fmt.Sprint(len(vx))}; strings.Join(lengths, ",") != strings.Join(want, ",") {
		return 0, failf("kvcolumns lengths %v, want %v", lengths, want)
	}

	// kvindex answers against the model.
	model := sortedKeys(fxSet)
	if err := q.checkIndexQueries(model); err != nil {
		return 0, err
	}
	// kvault prefix scan: keys "t1..." in the model.
	want := 0
	for _, t := range model {
		if strings.HasPrefix(kvaultKey(t), "t1") {
			want++
		}
	}
	got, err := q.strings("SELECT count(*) FROM kv WHERE prefix = 't1'")
	if err != nil {
		return 0, err
	}
	if got[0] != fmt.Sprint(want) {
		return 0, failf("kv prefix 't1': %s keys, want %d", got[0], want)
	}
	return len(fxSet), nil
}

// runsOf checks a kvcolumn read in idx order: every transaction is one
// contiguous run of its elements 0..count(t)-1, at most once; decode returns
// (t, j, valid).
func runsOf(table string, n int, decode func(int) (int64, int, bool), count func(int64) int) (map[int64]bool, error) {
	set := map[int64]bool{}
	for i := 0; i < n; {
		t, j, ok := decode(i)
		if !ok || t <= 0 || j != 0 {
			return nil, failf("%s idx %d: unexpected element (junk from a rolled-back savepoint or a partial run)", table, i)
		}
		if set[t] {
			return nil, failf("%s: transaction %d appears twice", table, t)
		}
		for k := 1; k < count(t); k++ {
			if i+k >= n {
				return nil, failf("%s: transaction %d is cut off at the end (element %d missing)", table, t, k)
			}
			t2, j2, ok2 := decode(i + k)
			if !ok2 || t2 != t || j2 != k {
				return nil, failf("%s idx %d: transaction %d is not whole (element %d missing)", table, i, t, k)
			}
		}
		set[t] = true
		i += count(t)
	}
	return set, nil
}

func (q *querier) checkIndexQueries(model []int64) error {
	if len(model) == 0 {
		return failf("no transaction is present")
	}
	// Point lookups: first, middle, last, and a key that is absent.
	for _, t := range []int64{model[0], model[len(model)/2], model[len(model)-1]} {
		got, err := q.strings("SELECT value FROM ix_csb WHERE key = ?", t)
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0] != csbValue(t) {
			return failf("ix_csb key = %d: %q", t, got)
		}
		got, err = q.strings("SELECT value FROM ix_skip WHERE key = ?", skipKey(t))
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0] != fmt.Sprint(t) {
			return failf("ix_skip key = %q: %q", skipKey(t), got)
		}
	}
	if got, err := q.strings("SELECT value FROM ix_csb WHERE key = 0"); err != nil || len(got) != 0 {
		return orFail(err, "ix_csb key = 0 (absent): %q", got)
	}
	// A range over the middle third, both backends.
	lo, hi := model[len(model)/3], model[2*len(model)/3]
	var want []string
	var wantSkip []string
	for _, t := range model {
		if t >= lo && t <= hi {
			want = append(want, fmt.Sprint(t))
			wantSkip = append(wantSkip, skipKey(t))
		}
	}
	got, err := q.strings("SELECT key FROM ix_csb WHERE key BETWEEN ? AND ? ORDER BY key", lo, hi)
	if err != nil {
		return err
	}
	if !equal(got, want) {
		return failf("ix_csb range [%d, %d]: %d keys, want %d", lo, hi, len(got), len(want))
	}
	got, err = q.strings("SELECT key FROM ix_skip WHERE key >= ? AND key <= ? ORDER BY key", skipKey(lo), skipKey(hi))
	if err != nil {
		return err
	}
	if !equal(got, wantSkip) {
		return failf("ix_skip range [%s, %s]: %d keys, want %d", skipKey(lo), skipKey(hi), len(got), len(wantSkip))
	}
	// ORDER BY key DESC LIMIT 5.
	var top, topSkip []string
	for i := len(model) - 1; i >= 0 && len(top) < 5; i-- {
		top = append(top, fmt.Sprint(model[i]))
		topSkip = append(topSkip, skipKey(model[i]))
	}
	if got, err = q.strings("SELECT key FROM ix_csb ORDER BY key DESC LIMIT 5"); err != nil || !equal(got, top) {
		return orFail(err, "ix_csb ORDER BY key DESC LIMIT 5: %v, want %v", got, top)
	}
	if got, err = q.strings("SELECT key FROM ix_skip ORDER BY key DESC LIMIT 5"); err != nil || !equal(got, topSkip) {
		return orFail(err, "ix_skip ORDER BY key DESC LIMIT 5: %v, want %v", got, topSkip)
	}
	// IN with a present and an absent key.
	if got, err = q.strings("SELECT key FROM ix_csb WHERE key IN (?, 0, -1) ORDER BY key", model[0]); err != nil ||
		!equal(got, []string{fmt.Sprint(model[0])}) {
		return orFail(err, "ix_csb IN: %v", got)
	}
	return nil
}

func orFail(err error, format string, a ...interface{}) error {
	if err != nil {
		return err
	}
	return failf(format, a...)
}

// querier runs one-column or two-column queries, values as text.
type querier struct {
	ctx context.Context
	db  *sql.DB
}

func (q *querier) rows(query string, cols int, args ...interface{}) ([][]string, error) {
	rows, err := q.db.QueryContext(q.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", query, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]interface{}, cols)
		ptrs := make([]interface{}, cols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, cols)
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				row[i] = string(x)
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", query, err)
	}
	return out, nil
}

func (q *querier) strings(query string, args ...interface{}) ([]string, error) {
	rows, err := q.rows(query, 1, args...)
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out, err
}

func (q *querier) pairs(query string, args ...interface{}) ([]string, []string, error) {
	rows, err := q.rows(query, 2, args...)
	var a, b []string
	for _, r := range rows {
		a = append(a, r[0])
		b = append(b, r[1])
	}
	return a, b, err
}

func (q *querier) int64s(query string) ([]int64, error) {
	texts, err := q.strings(query)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(texts))
	for i, s := range texts {
		if out[i], err = strconv.ParseInt(s, 10, 64); err != nil {
			return nil, failf("%s: %q is not an integer", query, s)
		}
	}
	return out, nil
}

func difference(a, b map[int64]bool) []int64 {
	var out []int64
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sortedKeys(set map[int64]bool) []int64 {
	return difference(set, nil)
}

func head(v []int64) []int64 {
	if len(v) > 5 {
		return v[:5]
	}
	return v
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}
