package examples_test

import (
	"errors"
	"io"
	"net"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// greet is the code under test: it writes greeting with a single Write (no
// retry on a short write, so the count the Write reports matters) and
// returns the server's reply.
func greet(dial func(network, address string) (net.Conn, error), addr, greeting string) (sent int, reply string, err error) {
	conn, err := dial("tcp", addr)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	sent, err = conn.Write([]byte(greeting))
	if err != nil {
		return sent, "", err
	}
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil {
		return sent, "", err
	}
	return sent, string(buf[:n]), nil
}

// TestScriptingASession is the example of "Scripting a session": a "send"
// step returns the number of bytes written, here all 5 of "hello".
func TestScriptingASession(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("send", 5).
		Expect("recv", []byte("reply")).
		Expect("close", nil)

	var sent int
	var reply string
	var err error
	bf.Sandbox(func() {
		sent, reply, err = greet(bf.Socket().Dial, "127.0.0.1:8080", "hello")
	})

	if err != nil {
		t.Fatalf("greet: %v", err)
	}
	if sent != 5 || reply != "reply" {
		t.Fatalf("greet = %d, %q; want 5, %q", sent, reply, "reply")
	}

	bf.Socket().AssertConnect("127.0.0.1", 8080)
	bf.Socket().AssertSend([]byte("hello"))
	bf.Socket().AssertRecv(1024, []byte("reply"))
	bf.Socket().AssertClose()
}

// TestScriptingASessionShortSend scripts a send that writes only 3 of the 5
// bytes. Go's io.Writer contract makes such a Write return io.ErrShortWrite,
// and the code under test gives up.
func TestScriptingASessionShortSend(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("send", 3).
		Expect("close", nil)

	var sent int
	var err error
	bf.Sandbox(func() {
		sent, _, err = greet(bf.Socket().Dial, "127.0.0.1:8080", "hello")
	})

	if sent != 3 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("greet = %d, %v; want 3, io.ErrShortWrite", sent, err)
	}

	bf.Socket().AssertConnect("127.0.0.1", 8080)
	bf.Socket().AssertSend([]byte("hello")) // the data the code handed to Write
	bf.Socket().AssertClose()
}
