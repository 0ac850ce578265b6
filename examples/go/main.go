// kohakuvault from Go: database/sql + github.com/mattn/go-sqlite3.
//
// Debian's golang-github-mattn-go-sqlite3-dev has no bundled SQLite, so build
// with -tags libsqlite3 (uses the system SQLite); offline, in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -tags libsqlite3 -o kv_example main.go
//	./kv_example [path/to/kohakuvault]
//
// With Go modules: `go get github.com/mattn/go-sqlite3` and the same code.
package main

import (
	"database/sql"
	"fmt"
	"log"
	"os"

	sqlite3 "github.com/mattn/go-sqlite3"
)

func main() {
	module := os.Getenv("KV_MODULE")
	if len(os.Args) > 1 {
		module = os.Args[1]
	}
	if module == "" {
		module = "./build/kohakuvault"
	}
	// Every connection this driver opens loads the extension.
	sql.Register("sqlite3_kohakuvault", &sqlite3.SQLiteDriver{Extensions: []string{module}})
	db, err := sql.Open("sqlite3_kohakuvault", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	var version, sqliteVersion string
	if err := db.QueryRow("select kohakuvault_version(), sqlite_version()").Scan(&version, &sqliteVersion); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("kohakuvault %s in SQLite %s\n", version, sqliteVersion)

	var packed []byte
	var value int64
	if err := db.QueryRow("select kv_pack('i32', 7)").Scan(&packed); err != nil {
		log.Fatal(err)
	}
	if err := db.QueryRow("select kv_unpack('i32', ?)", packed).Scan(&value); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("kv_pack('i32', 7) = %X -> %d\n", packed, value)

	var ignored any
	err = db.QueryRow("select kv_pack('i8', 300)").Scan(&ignored)
	if err == nil {
		log.Fatal("expected an error")
	}
	fmt.Println("error:", err) // kohakuvault: ...
}
