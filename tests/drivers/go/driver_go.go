// Driver check: Go database/sql + mattn/go-sqlite3 (Debian's
// golang-github-mattn-go-sqlite3-dev). Debian ships that package without the
// bundled SQLite amalgamation, so it is built with `-tags libsqlite3` and uses
// the system SQLite; extensions load through SQLiteDriver.Extensions.
// Runs checks.tsv (format described there). Built by tests/drivers/run.sh.
package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// first returns the first column of the first row as text ("NULL" for NULL).
func first(db *sql.DB, query string, args ...any) (string, error) {
	var v any
	if err := db.QueryRow(query, args...).Scan(&v); err != nil {
		return "", err
	}
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case []byte:
		return string(x), nil
	default:
		return fmt.Sprint(x), nil
	}
}

func checkOne(db *sql.DB, kind, query, query2, expected string) string {
	var got string
	var err error
	switch kind {
	case "exec":
		if _, err = db.Exec(query); err != nil {
			return "raised: " + err.Error()
		}
		return ""
	case "eq":
		got, err = first(db, query)
	case "bind":
		var blob []byte
		if err = db.QueryRow(query).Scan(&blob); err != nil {
			return "raised: " + err.Error()
		}
		got, err = first(db, query2, blob)
	case "error":
		_, err = db.Exec(query)
		if err == nil {
			return "succeeded, expected an error"
		}
		if !strings.Contains(err.Error(), expected) {
			return fmt.Sprintf("error %q does not contain %q", err.Error(), expected)
		}
		return ""
	default:
		return "unknown kind " + kind
	}
	if err != nil {
		return "raised: " + err.Error()
	}
	if got != expected {
		return fmt.Sprintf("got %q, expected %q", got, expected)
	}
	return ""
}

func main() {
	here := env("KV_SOURCE_DIR", ".") + "/tests/drivers"
	module := env("KV_MODULE", filepath.Join(here, "..", "..", "build", "kohakuvault"))
	checks := env("KV_DRIVER_CHECKS", filepath.Join(here, "checks.tsv"))

	sql.Register("sqlite3_kohakuvault", &sqlite3.SQLiteDriver{Extensions: []string{module}})
	db, err := sql.Open("sqlite3_kohakuvault", ":memory:")
	if err != nil {
		fmt.Println("FAIL open:", err)
		os.Exit(1)
	}
	db.SetMaxOpenConns(1) // one connection: every check sees the same :memory: database
	defer db.Close()

	f, err := os.Open(checks)
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
	defer f.Close()
	passed, failed, skipped := 0, 0, 0
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 6 {
			fmt.Printf("FAIL checks file: expected 6 fields: %q\n", line)
			failed++
			continue
		}
		kind, requires, name, query, query2, expected := fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]
		if requires != "-" {
			var n int
			err := db.QueryRow("select (select count(*) from pragma_function_list where name = ?1)"+
				" + (select count(*) from pragma_module_list where name = ?1)", requires).Scan(&n)
			if err == nil && n == 0 {
				fmt.Printf("skip %s (%s not registered)\n", name, requires)
				skipped++
				continue
			}
		}
		if problem := checkOne(db, kind, query, query2, expected); problem == "" {
			fmt.Println("ok", name)
			passed++
		} else {
			fmt.Printf("FAIL %s: %s\n", name, problem)
			failed++
		}
	}
	fmt.Printf("go: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 {
		os.Exit(1)
	}
}
