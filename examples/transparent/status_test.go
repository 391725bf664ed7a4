//go:build bigfoot_overlay

package transparent

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// TestFetchStatus is the reference page's "Full example" with production
// code that calls net.DialTimeout itself.
func TestFetchStatus(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("OK 200\r\n")).
		Expect("close", nil)

	var status string
	var err error
	bf.Sandbox(func() {
		status, err = FetchStatus("monitoring.internal:5000")
	})

	if err != nil || status != "OK 200\r\n" {
		t.Fatalf("FetchStatus = %q, %v; want %q, nil", status, err, "OK 200\r\n")
	}
	bf.Socket().AssertConnect("monitoring.internal", 5000)
	bf.Socket().AssertSendall([]byte("STATUS\r\n"))
	bf.Socket().AssertRecv(4096, []byte("OK 200\r\n"))
	bf.Socket().AssertClose()
}
