package examples_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// fetchStatus is the code under test of the "Full example": it asks a
// monitoring server for its status line.
func fetchStatus(dial func(network, address string) (net.Conn, error), host string, port int) (string, error) {
	conn, err := dial("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte("STATUS\r\n")); err != nil {
		conn.Close()
		return "", err
	}
	response := make([]byte, 4096)
	n, err := conn.Read(response)
	if err != nil {
		conn.Close()
		return "", err
	}
	if err := conn.Close(); err != nil {
		return "", err
	}
	return string(response[:n]), nil
}

// TestFetchStatus is the "Full example". The host name is recorded as given:
// bigfoot never resolves it.
func TestFetchStatus(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("OK 200\r\n")).
		Expect("close", nil)

	var result string
	var err error
	bf.Sandbox(func() {
		result, err = fetchStatus(bf.Socket().Dial, "monitoring.internal", 5000)
	})

	if err != nil {
		t.Fatalf("fetchStatus: %v", err)
	}
	if result != "OK 200\r\n" {
		t.Fatalf("fetchStatus = %q, want %q", result, "OK 200\r\n")
	}

	bf.Socket().AssertConnect("monitoring.internal", 5000)
	bf.Socket().AssertSendall([]byte("STATUS\r\n"))
	bf.Socket().AssertRecv(4096, []byte("OK 200\r\n"))
	bf.Socket().AssertClose()
}
