package examples_test

import (
	"bytes"
	"net"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// echo is the code under test: it sends msg to the echo server at addr and
// returns the reply. It receives its dial function, so production passes
// net.Dial and the test passes bf.Socket().Dial.
func echo(dial func(network, address string) (net.Conn, error), addr string, msg []byte) ([]byte, error) {
	conn, err := dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(msg); err != nil {
		conn.Close()
		return nil, err
	}
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Close(); err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// TestEchoClient is the example of "Setup": one scripted connection, the
// sandbox, the result checked, and every interaction asserted in order.
func TestEchoClient(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong")).
		Expect("close", nil)

	var data []byte
	var err error
	bf.Sandbox(func() {
		data, err = echo(bf.Socket().Dial, "127.0.0.1:9999", []byte("ping"))
	})

	if err != nil {
		t.Fatalf("echo: %v", err)
	}
	if !bytes.Equal(data, []byte("pong")) {
		t.Fatalf("echo returned %q, want %q", data, "pong")
	}

	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertSendall([]byte("ping"))
	bf.Socket().AssertRecv(1024, []byte("pong"))
	bf.Socket().AssertClose()
}
