package iomock_test

import (
	"io"
	"testing"

	"example.com/mockcorpus/iomock"
	"github.com/bigfoot-go/bigfoot"
)

// The standard library's io.ReadCloser, mocked, read by io.ReadAll.
func TestReadCloser(t *testing.T) {
	bf := bigfoot.New(t)
	rc := iomock.NewMockReadCloser(bf)
	rc.ExpectReadMatch(bigfoot.Any()).Does(func(p []byte) (int, error) { return copy(p, "hello"), io.EOF })
	rc.ExpectClose().Returns(nil)

	var body []byte
	bf.Sandbox(func() {
		body, _ = io.ReadAll(rc)
		rc.Close()
	})
	if string(body) != "hello" {
		t.Fatalf("body = %q", body)
	}
	// Read's buffer is recorded as the call received it.
	rc.AssertReadMatch(bigfoot.Satisfies("a 512-byte buffer", func(p []byte) bool { return len(p) == 512 }))
	rc.AssertClose()
}
