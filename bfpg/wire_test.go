package bfpg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/core"
)

// rawSession dials the plugin of a manual verifier inside a sandbox and
// hands fn the connection.
func rawSession(t *testing.T, fn func(c net.Conn)) *core.Verifier {
	t.Helper()
	v := core.New(nil)
	p := For(v)
	v.Sandbox(func() {
		c := p.dial("tcp", "db:5432")
		defer c.Close()
		fn(c)
	})
	return v
}

func readAll(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("read: %v", err)
			}
			return out
		}
	}
}

func TestGarbageGetsAFatalProtocolError(t *testing.T) {
	rawSession(t, func(c net.Conn) {
		c.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}) // SSLRequest
		one := make([]byte, 1)
		if _, err := io.ReadFull(c, one); err != nil || one[0] != 'N' {
			t.Fatalf("SSLRequest answered %q, %v", one, err)
		}
		c.Write([]byte{0xff, 0xff, 0xff, 0xff, 0, 3, 0, 0})
		out := readAll(t, c)
		if len(out) == 0 || out[0] != 'E' || !bytes.Contains(out, []byte("C08P01\x00")) || !bytes.Contains(out, []byte("SFATAL\x00")) ||
			!bytes.Contains(out, []byte("pg protocol violation in StartupMessage: its length 4294967295 is out of range")) {
			t.Fatalf("server answered %q", out)
		}
		if _, err := c.Write([]byte("Q")); err == nil {
			t.Fatal("a write after the server closed succeeded")
		}
	})
}

func TestReadHonoursItsDeadline(t *testing.T) {
	rawSession(t, func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := c.Read(make([]byte, 10))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestVerificationEndsAWaitingRead(t *testing.T) {
	v := core.New(nil)
	p := For(v)
	var c *conn
	v.Sandbox(func() { c = p.dial("tcp", "db:5432") })
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	v.VerifyAll()
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a Read outlived verification")
	}
}

func TestCountParams(t *testing.T) {
	for q, want := range map[string]int{
		"SELECT $1, $2":                  2,
		"SELECT '$3', \"$4\", $1":        1,
		"SELECT $body$ $9 $body$, $2":    2,
		"SELECT 1 -- $5\n, $1":           1,
		"SELECT /* $7 */ $3":             3,
		"SELECT a$1 FROM t":              0,
		"INSERT INTO t VALUES ($10, $2)": 10,
	} {
		if got := countParams(q); got != want {
			t.Errorf("countParams(%q) = %d, want %d", q, got, want)
		}
	}
}

func TestTxKind(t *testing.T) {
	for q, want := range map[string]txStatement{
		"begin": txBegin, "BEGIN READ WRITE": txBegin, "start transaction isolation level serializable": txBegin,
		"commit": txCommit, "END": txCommit, "rollback": txRollback, "ABORT;": txRollback,
		"rollback to savepoint sp": txNone, "commit prepared 'x'": txNone, "select 1": txNone, "beginning": txNone,
		"-- c\nbegin": txBegin, "startup": txNone,
	} {
		if got := txKind(q); got != want {
			t.Errorf("txKind(%q) = %d, want %d", q, got, want)
		}
	}
}

func TestNumericBinary(t *testing.T) {
	for s, want := range map[string][]int16{
		"0":          {0, 0, 0, 0},
		"12345.678":  {3, 1, 0, 3, 1, 2345, 6780},
		"-0.0001":    {1, -1, 0x4000, 4, 1},
		"1000000":    {1, 1, 0, 0, 100},
		"10000.5000": {3, 1, 0, 4, 1, 0, 5000}, // the zero between is a digit
	} {
		b := appendNumeric(nil, s)
		got := make([]int16, len(b)/2)
		for i := range got {
			got[i] = int16(binary.BigEndian.Uint16(b[2*i:]))
		}
		if len(got) != len(want) {
			t.Errorf("numeric %s = %v, want %v", s, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("numeric %s = %v, want %v", s, got, want)
				break
			}
		}
	}
	if !strings.Contains(string(appendText(nil, []string{`a"b`, `c\d`})), `{"a\"b","c\\d"}`) {
		t.Errorf("text array = %s", appendText(nil, []string{`a"b`, `c\d`}))
	}
}

func TestCommandTagOfDDL(t *testing.T) {
	for q, want := range map[string]string{
		"CREATE TABLE t (id int)":                "CREATE TABLE",
		"create temp table t (id int)":           "CREATE TABLE",
		"CREATE UNIQUE INDEX i ON t (id)":        "CREATE INDEX",
		"CREATE OR REPLACE FUNCTION f() ...":     "CREATE FUNCTION",
		"CREATE MATERIALIZED VIEW v AS SELECT 1": "CREATE MATERIALIZED VIEW",
		"DROP TABLE IF EXISTS t":                 "DROP TABLE",
		"ALTER TABLE t ADD COLUMN c int":         "ALTER TABLE",
		"CREATE UNLOGGED TABLE u (id int)":       "CREATE TABLE",
		"CREATE":                                 "CREATE",
	} {
		if got := commandTag(q, bfsql.Result{}); got != want {
			t.Errorf("commandTag(%q) = %q, want %q", q, got, want)
		}
	}
}
