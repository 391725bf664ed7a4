package bfpg

import (
	"bytes"
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

// TestTextArray checks the quoting of text array elements (pgwire's
// tests cover the numeric encoding that encode uses).
func TestTextArray(t *testing.T) {
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
