// A minimal dqlite node with kohakuvault: every node of the cluster runs one.
//
//	dqlite-node -dir DIR -address 127.0.0.1:9001 -extension build/kohakuvault.so
//	dqlite-node -dir DIR2 -address 127.0.0.1:9002 -join 127.0.0.1:9001 -extension ...
//
// The first node (no -join) bootstraps the cluster; the others join it and the
// go-dqlite app package promotes them to voters (three voters tolerate one
// failure). A restarted node reads its identity from DIR and takes -address
// again. Clients talk to the cluster with go-dqlite's database/sql driver
// (statements run on the leader, whose SQLite has the extension):
//
//	store := client.NewInmemNodeStore()
//	store.Set(ctx, []client.NodeInfo{{Address: "127.0.0.1:9001"}, ...})
//	drv, _ := driver.New(store)
//	sql.Register("dqlite", drv)
//	db, _ := sql.Open("dqlite", "app.db")
//	db.QueryRow("SELECT kohakuvault_version()")
//
// Build offline against Debian's packages (golang-github-canonical-go-dqlite-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode CGO_LDFLAGS_ALLOW='-Wl,-z,now' go build -o dqlite-node .
//
// When started, the node prints one line "ready <id> <address>" on stdout.
// SIGTERM or SIGINT hands its roles (leadership, vote) over to another node and
// stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/canonical/go-dqlite/app"
	"github.com/canonical/go-dqlite/client"
)

func main() {
	dir := flag.String("dir", "", "data directory of this node (created if missing)")
	address := flag.String("address", "", "host:port this node listens on, e.g. 127.0.0.1:9001")
	join := flag.String("join", "", "comma-separated addresses of existing nodes (empty: bootstrap a new cluster)")
	extension := flag.String("extension", "build/kohakuvault.so", "path of the kohakuvault module")
	latency := flag.Duration("latency", 50*time.Millisecond, "expected one-way network latency (sets Raft timeouts)")
	verbose := flag.Bool("verbose", false, "log dqlite's messages on stderr")
	flag.Parse()
	if *dir == "" || *address == "" {
		log.Fatal("dqlite-node: -dir and -address are required")
	}

	// First: every SQLite connection dqlite opens must have the extension.
	if err := registerExtension(*extension); err != nil {
		log.Fatalf("dqlite-node: %v", err)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatalf("dqlite-node: %v", err)
	}

	options := []app.Option{app.WithAddress(*address), app.WithNetworkLatency(*latency)}
	if *join != "" {
		options = append(options, app.WithCluster(strings.Split(*join, ",")))
	}
	if *verbose {
		options = append(options, app.WithLogFunc(func(l client.LogLevel, format string, a ...interface{}) {
			log.Printf("%s: %s", l, fmt.Sprintf(format, a...))
		}))
	}
	node, err := app.New(*dir, options...)
	if err != nil {
		log.Fatalf("dqlite-node: start: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err = node.Ready(ctx)
	cancel()
	if err != nil {
		log.Fatalf("dqlite-node: not ready after 30 s: %v", err)
	}
	fmt.Printf("ready %d %s\n", node.ID(), node.Address())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	if err := node.Handover(ctx); err != nil {
		log.Printf("dqlite-node: handover: %v", err)
	}
	cancel()
	if err := node.Close(); err != nil {
		log.Fatalf("dqlite-node: close: %v", err)
	}
}
