package sqldbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Pair is a PostgreSQL primary with a streaming replica of it, started for one
// test from the server's own binaries (initdb, pg_basebackup -R, pg_ctl).
type Pair struct {
	// Primary and Replica are the DSNs of the database "rulebook" on each.
	Primary, Replica string
	bin, dir         string
	asPostgres       bool
	// replica and rport are the replica's data directory and port.
	replica string
	rport   int
}

// StopReplica stops the replica at once (as a crash would), for a test of
// reads when it cannot be reached.
func (p *Pair) StopReplica(t testing.TB) {
	t.Helper()
	if _, err := p.run("pg_ctl", "-D", p.replica, "-m", "immediate", "-w", "stop"); err != nil {
		t.Fatal(err)
	}
}

// StartReplica starts the replica again after StopReplica.
func (p *Pair) StartReplica(t testing.TB) {
	t.Helper()
	if err := p.start(p.replica, p.rport); err != nil {
		t.Fatal(err)
	}
}

// NewPair starts a primary and a streaming replica of it in a temporary
// directory, on free ports of 127.0.0.1, and stops and removes both when the
// test ends. It skips the test when PostgreSQL's binaries are not installed,
// except under CI (CI=true), where that fails. PostgreSQL refuses to run as
// root: as root, the binaries run as the postgres user.
func NewPair(t testing.TB) *Pair {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL's binaries (initdb, pg_ctl, pg_basebackup) are required under CI: none in /usr/lib/postgresql/*/bin, $RULEBOOK_TEST_PGBIN or $PATH")
		}
		t.Skip("PostgreSQL's binaries (initdb, pg_ctl, pg_basebackup) not found: set RULEBOOK_TEST_PGBIN")
	}
	p := &Pair{bin: bin, asPostgres: os.Geteuid() == 0}
	// As root, in /tmp: the postgres user may not reach root's $TMPDIR.
	parent := ""
	if p.asPostgres {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "rulebook-replica-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if p.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL must run as the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	primary, replica := filepath.Join(dir, "primary"), filepath.Join(dir, "replica")
	pport, rport := freePort(t), freePort(t)
	// No fsync: the cluster lives for one test.
	if _, err := p.run("initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "-N"); err != nil {
		t.Fatal(err)
	}
	if err := p.start(primary, pport); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.run("pg_ctl", "-D", primary, "-m", "immediate", "-w", "stop") })
	if _, err := p.run("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(pport), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE rulebook"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(pport), "-U", "postgres", "-D", replica, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	p.replica, p.rport = replica, rport
	if err := p.start(replica, rport); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.run("pg_ctl", "-D", replica, "-m", "immediate", "-w", "stop") })
	dsn := func(port int) string {
		return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/rulebook?sslmode=disable", port)
	}
	p.Primary, p.Replica = dsn(pport), dsn(rport)
	return p
}

// start starts the server of data directory d on port, and waits until it
// takes connections (a hot standby: once it is consistent).
func (p *Pair) start(d string, port int) error {
	opts := fmt.Sprintf("-c port=%d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c wal_receiver_status_interval=1s", port, p.dir)
	_, err := p.run("pg_ctl", "-D", d, "-l", d+".log", "-o", opts, "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(d + ".log")
		return fmt.Errorf("%w\n%s", err, log)
	}
	return nil
}

func (p *Pair) run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	path := filepath.Join(p.bin, name)
	var cmd *exec.Cmd
	if p.asPostgres {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = p.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl's server keeps the output open: without WaitDelay, Wait would wait
	// for the server to end.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// postgresBin finds the directory of PostgreSQL's server binaries: the newest
// of Debian's /usr/lib/postgresql/*/bin, or $RULEBOOK_TEST_PGBIN, or $PATH.
func postgresBin() string {
	has := func(d string) bool {
		for _, n := range []string{"initdb", "pg_ctl", "pg_basebackup", "psql"} {
			if _, err := os.Stat(filepath.Join(d, n)); err != nil {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("RULEBOOK_TEST_PGBIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d
		}
	}
	if path, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(path)) {
		return filepath.Dir(path)
	}
	return ""
}

func pgMajor(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}

// freePort returns a port of 127.0.0.1 no one listens on just now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
