package bfhttp

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/bigfoot-go/bigfoot/core"
)

// errReadOnClosed is what net/http's response bodies return for a Read
// after Close; the text is net/http's.
var errReadOnClosed = errors.New("http: read on closed response body")

// body is a scripted response's Body. It reads the scripted bytes, fails
// with the request context's error once that context is done (as a real
// response body does when its request is cancelled), and remembers
// whether it was closed, for the check at the end of the sandbox.
type body struct {
	ctx    context.Context
	data   []byte
	off    int // next byte to read; Read is not called concurrently (io.Reader)
	closed atomic.Bool
	eof    atomic.Bool // read to its end, for the message

	// For the message when the body is never closed.
	method, url string
	at          *core.Stack // where the request was made (shared), resolved only if it is reported

	p   *Plugin // whose open set holds the body until it is closed
	idx int     // its index in p.open, -1 once out of it (guarded by p.mu)
}

var _ io.ReadCloser = (*body)(nil)

// Read reads the scripted body.
func (b *body) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, errReadOnClosed
	}
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.off >= len(b.data) {
		b.eof.Store(true)
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

// Close marks the body closed and drops it from the plugin's open set,
// so that closed bodies (the common case) are not kept until the sandbox
// ends. It may be called more than once, and concurrently with Read, as
// net/http allows.
func (b *body) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.p.forget(b)
	}
	return nil
}
