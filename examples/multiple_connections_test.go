package examples_test

import (
	"net"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// readBoth is the code under test: it opens one connection to each address,
// in order, then reads a message from each and closes them.
func readBoth(dial func(network, address string) (net.Conn, error), addr1, addr2 string) (first, second string, err error) {
	c1, err := dial("tcp", addr1)
	if err != nil {
		return "", "", err
	}
	c2, err := dial("tcp", addr2)
	if err != nil {
		c1.Close()
		return "", "", err
	}
	buf := make([]byte, 1024)
	n, err := c1.Read(buf)
	if err != nil {
		return "", "", err
	}
	first = string(buf[:n])
	n, err = c2.Read(buf)
	if err != nil {
		return "", "", err
	}
	second = string(buf[:n])
	if err := c1.Close(); err != nil {
		return "", "", err
	}
	if err := c2.Close(); err != nil {
		return "", "", err
	}
	return first, second, nil
}

// TestTwoConnections is the example of "Multiple connections": sessions are
// taken by connections in the order they were registered, so the first dial
// gets the session that answers "first".
func TestTwoConnections(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("recv", []byte("first")).
		Expect("close", nil)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("recv", []byte("second")).
		Expect("close", nil)

	var first, second string
	var err error
	bf.Sandbox(func() {
		first, second, err = readBoth(bf.Socket().Dial, "127.0.0.1:9001", "127.0.0.1:9002")
	})

	if err != nil {
		t.Fatalf("readBoth: %v", err)
	}
	if first != "first" || second != "second" {
		t.Fatalf("readBoth = %q, %q; want %q, %q", first, second, "first", "second")
	}

	// One timeline for both connections, in the order the calls happened.
	bf.Socket().AssertConnect("127.0.0.1", 9001)
	bf.Socket().AssertConnect("127.0.0.1", 9002)
	bf.Socket().AssertRecv(1024, []byte("first"))
	bf.Socket().AssertRecv(1024, []byte("second"))
	bf.Socket().AssertClose()
	bf.Socket().AssertClose()
}
