package main

// Node processes of the test cluster: examples/dqlite's node program, one
// process per node on 127.0.0.1, each with its own data directory and log
// file. Every child gets Pdeathsig=SIGKILL and is started from the main
// goroutine, which main() locks to the main OS thread for the whole run, so no
// child can outlive this process; every wait below is bounded.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/canonical/go-dqlite/client"
)

const waitBound = 30 * time.Second // every wait of the test is bounded by this

type node struct {
	name    string
	dir     string
	address string
	id      uint64
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the running process has been reaped
}

type cluster struct {
	binary    string // the node program (examples/dqlite)
	extension string // path of kohakuvault.so
	nodes     []*node
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func newCluster(binary, extension, workdir string, size int) (*cluster, error) {
	ports, err := freePorts(size)
	if err != nil {
		return nil, fmt.Errorf("pick ports: %w", err)
	}
	c := &cluster{binary: binary, extension: extension}
	for i := 0; i < size; i++ {
		name := fmt.Sprintf("node%d", i+1)
		c.nodes = append(c.nodes, &node{
			name:    name,
			dir:     filepath.Join(workdir, name),
			address: "127.0.0.1:" + strconv.Itoa(ports[i]),
		})
	}
	return c, nil
}

func (c *cluster) addresses() []string {
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.address)
	}
	return out
}

func (c *cluster) byAddress(address string) *node {
	for _, n := range c.nodes {
		if n.address == address {
			return n
		}
	}
	return nil
}

// start runs the node program and waits (bounded) for its "ready" line.
func (c *cluster) start(n *node, join string) error {
	args := []string{"-dir", n.dir, "-address", n.address, "-extension", c.extension}
	if join != "" {
		args = append(args, "-join", join)
	}
	logFile, err := os.OpenFile(n.dir+".log", os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	out, in, err := os.Pipe()
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(c.binary, args...)
	cmd.Stdout = in
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		in.Close()
		return fmt.Errorf("%s: %w", n.name, err)
	}
	in.Close()
	n.cmd = cmd
	n.exited = make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(n.exited)

	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		fields := strings.Fields(line)
		if len(fields) != 3 || fields[0] != "ready" {
			c.kill(n)
			return fmt.Errorf("%s did not start (printed %q); log:\n%s", n.name, line, tail(n.dir+".log"))
		}
		n.id, err = strconv.ParseUint(fields[1], 10, 64)
		return err
	case <-time.After(waitBound):
		c.kill(n)
		return fmt.Errorf("%s not ready within %v; log:\n%s", n.name, waitBound, tail(n.dir+".log"))
	}
}

// kill sends SIGKILL and reaps the process (bounded).
func (c *cluster) kill(n *node) error {
	if n.cmd == nil {
		return nil
	}
	n.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-n.exited:
		n.cmd = nil
		return nil
	case <-time.After(waitBound):
		return fmt.Errorf("%s (pid %d) still running %v after SIGKILL", n.name, n.cmd.Process.Pid, waitBound)
	}
}

// terminate stops n gracefully (SIGTERM: the node program hands its roles
// over and closes) and requires a clean exit within the bound.
func (c *cluster) terminate(n *node) error {
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(waitBound):
		return fmt.Errorf("%s still running %v after SIGTERM", n.name, waitBound)
	}
	state := n.cmd.ProcessState
	n.cmd = nil
	if !state.Success() {
		return fmt.Errorf("%s exited with %v after SIGTERM; log:\n%s", n.name, state, tail(n.dir+".log"))
	}
	return nil
}

// stopAll ends every node with SIGKILL and reaps it (bounded). The test's
// data is thrown away, and a graceful stop (SIGTERM: the node hands its roles
// over) of the last nodes would wait for a quorum that is gone.
func (c *cluster) stopAll() {
	for _, n := range c.nodes {
		c.kill(n)
	}
}

// leader returns the node that leads now (bounded retries).
func (c *cluster) leader(ctx context.Context) (*node, error) {
	ctx, cancel := context.WithTimeout(ctx, waitBound)
	defer cancel()
	var last error
	for attempt := 0; attempt < 300; attempt++ {
		if ctx.Err() != nil {
			break
		}
		info, err := c.leaderInfo(ctx)
		if err == nil {
			if n := c.byAddress(info.Address); n != nil {
				return n, nil
			}
			err = fmt.Errorf("leader %q is not a node of the test", info.Address)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("no leader within bound: %v", last)
}

func (c *cluster) leaderInfo(ctx context.Context) (*client.NodeInfo, error) {
	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cli, err := client.FindLeader(actx, c.store())
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	info, err := cli.Leader(actx)
	if err == nil && info == nil {
		err = fmt.Errorf("no leader yet")
	}
	return info, err
}

func (c *cluster) store() client.NodeStore {
	store := client.NewInmemNodeStore()
	var infos []client.NodeInfo
	for _, a := range c.addresses() {
		infos = append(infos, client.NodeInfo{Address: a})
	}
	store.Set(context.Background(), infos)
	return store
}

// ensureVoters waits (bounded) until every node is a voter, assigning the
// role itself when the app's own role adjustment has not done it yet.
func (c *cluster) ensureVoters(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, waitBound)
	defer cancel()
	var last error
	for attempt := 0; attempt < 300 && ctx.Err() == nil; attempt++ {
		last = c.assignVoters(ctx)
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not every node became a voter within %v: %v", waitBound, last)
}

func (c *cluster) assignVoters(ctx context.Context) error {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cli, err := client.FindLeader(actx, c.store())
	if err != nil {
		return err
	}
	defer cli.Close()
	infos, err := cli.Cluster(actx)
	if err != nil {
		return err
	}
	voters := 0
	for _, info := range infos {
		if info.Role == client.Voter {
			voters++
		} else {
			cli.Assign(actx, info.ID, client.Voter) // checked on the next round
		}
	}
	if voters != len(c.nodes) {
		return fmt.Errorf("%d of %d nodes are voters", voters, len(c.nodes))
	}
	return nil
}

// transferTo moves leadership to n and waits (bounded) until it leads.
func (c *cluster) transferTo(ctx context.Context, n *node) error {
	ctx, cancel := context.WithTimeout(ctx, waitBound)
	defer cancel()
	var last error
	for attempt := 0; attempt < 100 && ctx.Err() == nil; attempt++ {
		if info, err := c.leaderInfo(ctx); err == nil && info.Address == n.address {
			return nil
		}
		last = func() error {
			actx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			cli, err := client.FindLeader(actx, c.store())
			if err != nil {
				return err
			}
			defer cli.Close()
			return cli.Transfer(actx, n.id)
		}()
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("leadership did not move to %s within %v: %v", n.name, waitBound, last)
}

// tail returns the last lines of a log file, for failure messages.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
