package bfredis

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

func TestParseCommand(t *testing.T) {
	cases := []struct {
		in   string
		args []string
		n    int
		err  string
	}{
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", []string{"GET", "k"}, 20, ""},
		{"*2\r\n$3\r\nGET\r\n$1\r\nk", nil, 0, ""}, // not complete yet
		{"*2\r\n$3\r\nGET\r\n", nil, 0, ""},        // not complete yet
		{"PING\r\n", []string{"PING"}, 6, ""},      // inline
		{"  set a  b\n", []string{"set", "a", "b"}, 11, ""},
		{"\r\n", nil, 2, ""},                       // empty line: skipped
		{"*0\r\n", nil, 4, ""},                     // empty array: skipped
		{"*1\r\n$0\r\n\r\n", []string{""}, 10, ""}, // an empty argument
		{"*1\r\n$x\r\n", nil, 0, "invalid bulk length"},
		{"*1\r\n:1\r\n", nil, 0, "expected '$', got ':'"},
		{"*99999999999\r\n", nil, 0, "invalid multibulk length"},
		{"*1\r\n$600000000\r\n", nil, 0, "invalid bulk length"},
		{"*1\r\n$1\r\nab\r\n", nil, 0, "bulk string not followed by CRLF"},
		{"*1\r\n$-1\r\n", nil, 0, "invalid bulk length"},
		{"*123456789012345678901234567890123", nil, 0, "invalid multibulk length"}, // no CR in sight
	}
	for _, tc := range cases {
		args, n, err := parseCommand([]byte(tc.in))
		if tc.err != "" {
			pe, ok := err.(*ProtocolError)
			if !ok || pe.Reason != tc.err {
				t.Errorf("parseCommand(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || n != tc.n || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("parseCommand(%q) = %q, %d, %v; want %q, %d", tc.in, args, n, err, tc.args, tc.n)
		}
	}
}

func TestWriterBothProtocols(t *testing.T) {
	reply := []any{nil, "s", 1, 1.5, true, Set{"a"}, map[string]any{"k": "v"}, NilArray, Status("OK"), Error("ERR x\r\ny")}
	for resp3, want := range map[bool]string{
		false: "*10\r\n$-1\r\n$1\r\ns\r\n:1\r\n$3\r\n1.5\r\n:1\r\n*1\r\n$1\r\na\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n*-1\r\n+OK\r\n-ERR x y\r\n",
		true:  "*10\r\n_\r\n$1\r\ns\r\n:1\r\n,1.5\r\n#t\r\n~1\r\n$1\r\na\r\n%1\r\n$1\r\nk\r\n$1\r\nv\r\n_\r\n+OK\r\n-ERR x y\r\n",
	} {
		w := writer{resp3: resp3}
		w.value(reply)
		if string(w.b) != want {
			t.Errorf("resp3=%v:\n got %q\nwant %q", resp3, w.b, want)
		}
	}
}

// FuzzParseCommand checks the decoder on any bytes: it never panics,
// never claims more bytes than it has, and what it decodes from an array
// encodes back to the same command.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "PING\r\n", "\r\n", "*0\r\n",
		"*1\r\n$x\r\n", "*-1\r\n", "*1\r\n$0\r\n\r\n", "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*1\r\n$4\r\nPING\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		args, n, err := parseCommand(b)
		if err != nil {
			if n != 0 || args != nil {
				t.Fatalf("error %v with n=%d args=%q", err, n, args)
			}
			if _, ok := err.(*ProtocolError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if n < 0 || n > len(b) {
			t.Fatalf("n = %d of %d bytes", n, len(b))
		}
		if n == 0 {
			if args != nil {
				t.Fatalf("args %q without bytes", args)
			}
			return
		}
		again, n2, err2 := parseCommand(b[:n])
		if err2 != nil || n2 != n || !reflect.DeepEqual(again, args) {
			t.Fatalf("prefix parses differently: %q %d %v", again, n2, err2)
		}
		if b[0] == '*' && len(args) > 0 {
			enc := encodeCommand(args...)
			back, m, err := parseCommand(enc)
			if err != nil || m != len(enc) || !reflect.DeepEqual(back, args) {
				t.Fatalf("re-encoded %q parses to %q, %d, %v", enc, back, m, err)
			}
			if !bytes.Equal(enc, b[:n]) && bytes.Count(b[:n], []byte("\r\n")) == bytes.Count(enc, []byte("\r\n")) && bytes.IndexAny(b[:n], "+-0") < 0 {
				// Only leading zeros or signs can make two encodings of one command differ.
				t.Fatalf("%q and %q encode one command differently", b[:n], enc)
			}
		}
	})
}

// FuzzServer writes any bytes to a served connection, in a manual
// verifier's sandbox with one command scripted: the server never panics,
// never blocks a Write, and always answers or closes.
func FuzzServer(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n", "*4\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n",
		"*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n", "MULTI\r\nGET k\r\nEXEC\r\n", "SUBSCRIBE a\r\nPING\r\nUNSUBSCRIBE\r\n", "QUIT\r\nGET k\r\n",
		"CLUSTER SLOTS\r\n", "*1\r\n$x\r\n", "HELLO 4\r\n", "AUTH a b c\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := core.New(nil)
		p := For(v)
		p.Expect("GET", "k").Reply("v", core.Optional())
		v.Sandbox(func() {
			c := p.newConn("tcp", "localhost:6379")
			defer c.Close()
			if _, err := c.Write(b); err != nil {
				t.Fatalf("Write: %v", err)
			}
			c.mu.Lock()
			answered := len(c.out) > 0 || c.serverDone || len(c.in) > 0 || len(bytes.TrimSpace(b)) == 0
			c.mu.Unlock()
			if !answered && bytes.HasSuffix(b, []byte("\n")) && b[0] != '*' {
				t.Fatalf("an inline line got no reply: %q", b)
			}
		})
		v.VerifyAll()
	})
}
