//go:build bigfoot_overlay

package transparent

import (
	"net/http"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// TestHealthy scripts the HTTP exchange of http.Get through the default
// transport: the exact request it writes and the response it reads.
func TestHealthy(t *testing.T) {
	const (
		request = "GET /healthz HTTP/1.1\r\n" +
			"Host: api.internal:8080\r\n" +
			"User-Agent: Go-http-client/1.1\r\n" +
			"Accept-Encoding: gzip\r\n" +
			"\r\n"
		response = "HTTP/1.1 200 OK\r\n" +
			"Content-Type: text/plain\r\n" +
			"Content-Length: 3\r\n" +
			"\r\n" +
			"ok\n"
	)
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte(response)).
		Expect("close", nil)

	var healthy bool
	var err error
	bf.Sandbox(func() {
		healthy, err = Healthy("http://api.internal:8080")
		// The default transport keeps the connection for the next request;
		// closing it here takes the close step while the sandbox is open.
		http.DefaultClient.CloseIdleConnections()
	})

	if err != nil || !healthy {
		t.Fatalf("Healthy = %v, %v; want true, nil", healthy, err)
	}
	bf.Socket().AssertConnect("api.internal", 8080)
	bf.Socket().AssertSendall([]byte(request))
	bf.Socket().AssertRecv(4096, []byte(response)) // the transport reads through a 4096-byte bufio.Reader
	bf.Socket().AssertClose()
}
