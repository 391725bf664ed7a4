package bfpg

import (
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// conn is the client's end of a connection to the plugin's server. The
// server runs inside Write: each whole message the client writes is
// answered at once, and the answer waits in out for the client's Reads.
// Writes never block, so a client that writes a whole batch before it
// reads (pgx's Batch, pipelining) cannot deadlock against the server.
type conn struct {
	srv    *server
	remote net.Addr
	local  net.Addr

	wmu sync.Mutex // serializes Writes, and so the server's state (srv)

	// mu guards the fields below.
	mu            sync.Mutex
	out           []byte // the server's answers not yet read
	spare         []byte // the buffer out was cut from, reused once out is read
	closed        bool   // the client closed it
	eof           bool   // the server closed it: Reads return io.EOF once out is read
	readDeadline  time.Time
	writeDeadline time.Time
	wake          chan struct{} // closed when out grows, the conn closes or a deadline changes
}

var nextPort struct {
	mu sync.Mutex // guards n
	n  int
}

func newConn(srv *server, network, address string) *conn {
	nextPort.mu.Lock()
	nextPort.n++
	port := 40000 + nextPort.n%20000
	nextPort.mu.Unlock()
	c := &conn{srv: srv, remote: &addr{network: network, s: address},
		local: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
	srv.c = c
	return c
}

// addr is the server's address as the client dialed it (never resolved).
type addr struct{ network, s string }

func (a *addr) Network() string { return a.network }
func (a *addr) String() string  { return a.s }

func (c *conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: c.remote.Network(), Source: c.local, Addr: c.remote, Err: err}
}

// Read returns the server's answers. With none waiting it blocks, as a
// real connection does, until the server answers a Write, the connection
// closes (verification closes every connection, so no Read outlives the
// test), or the read deadline passes.
func (c *conn) Read(p []byte) (int, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		c.mu.Lock()
		switch {
		case c.closed:
			c.mu.Unlock()
			return 0, c.opErr("read", net.ErrClosed)
		case len(c.out) > 0:
			n := copy(p, c.out)
			c.out = c.out[n:]
			c.mu.Unlock()
			return n, nil
		case c.eof:
			c.mu.Unlock()
			return 0, io.EOF
		case !c.readDeadline.IsZero() && !time.Now().Before(c.readDeadline):
			c.mu.Unlock()
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		if len(p) == 0 {
			c.mu.Unlock()
			return 0, nil
		}
		if c.wake == nil {
			c.wake = make(chan struct{})
		}
		wake, until := c.wake, c.readDeadline
		c.mu.Unlock()
		var timeout <-chan time.Time
		if !until.IsZero() {
			if timer == nil {
				timer = time.NewTimer(time.Until(until))
			} else {
				timer.Reset(time.Until(until))
			}
			timeout = timer.C
		}
		select {
		case <-wake:
		case <-timeout:
		}
	}
}

// Write hands p to the server, which answers every whole message in it.
func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	closed, eof, dl := c.closed, c.eof, c.writeDeadline
	c.mu.Unlock()
	switch {
	case closed:
		return 0, c.opErr("write", net.ErrClosed)
	case eof:
		return 0, c.opErr("write", io.ErrClosedPipe)
	case !dl.IsZero() && !time.Now().Before(dl):
		return 0, c.opErr("write", os.ErrDeadlineExceeded)
	}
	c.srv.feed(p)
	return len(p), nil
}

// send queues the server's answer for the client.
func (c *conn) send(b []byte) {
	if len(b) == 0 {
		return
	}
	c.mu.Lock()
	if len(c.out) == 0 {
		c.out = c.spare[:0] // every byte was read: reuse the buffer
	}
	c.out = append(c.out, b...)
	c.spare = c.out[:0]
	c.notify()
	c.mu.Unlock()
}

// hangUp is the server closing its end: what is queued can still be read.
func (c *conn) hangUp() {
	c.mu.Lock()
	c.eof = true
	c.notify()
	c.mu.Unlock()
}

// notify wakes a waiting Read; call with c.mu held.
func (c *conn) notify() {
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
}

// Close closes the client's end; it is not an interaction (the protocol's
// Terminate, sent before it, is part of the connection's life, like the
// handshake).
func (c *conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("close", net.ErrClosed)
	}
	c.closed = true
	c.notify()
	c.srv.p.forget(c)
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline, c.writeDeadline = t, t
	c.notify()
	return nil
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	c.notify()
	return nil
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeDeadline = t
	return nil
}

// String describes the connection for messages.
func (c *conn) String() string {
	if c.srv.number == 0 {
		return "pg connection to " + c.remote.String()
	}
	return "pg connection " + strconv.Itoa(c.srv.number) + " to " + c.remote.String()
}
