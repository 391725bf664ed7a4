package socket

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// ShortBufferError is returned by a Read whose buffer is smaller than the
// data its scripted recv step returns. One recv answers one Read; bigfoot
// never truncates scripted data silently. errors.Is(err, io.ErrShortBuffer) holds.
type ShortBufferError struct {
	Size int    // len of the buffer the code passed to Read
	Data []byte // the scripted data
	Site string // file:line of the recv step
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ShortBufferError) Error() string {
	n := e.Size
	if n <= 0 {
		n = 1
	}
	return "bigfoot: socket Read with a " + strconv.Itoa(e.Size) + "-byte buffer met a recv step of " +
		strconv.Itoa(len(e.Data)) + " bytes (registered at " + e.Site + "); one recv answers one Read\n" +
		"fix: split the step into reads that fit the buffer:\n\t" +
		"Expect(\"recv\", " + core.Bytes(e.Data[:min(n, len(e.Data))]).GoString() + ").\n\t" +
		"Expect(\"recv\", " + core.Bytes(e.Data[min(n, len(e.Data)):]).GoString() + ")"
}

// Unwrap makes errors.Is(err, io.ErrShortBuffer) true.
func (e *ShortBufferError) Unwrap() error { return io.ErrShortBuffer }

// SendCountError is returned by a Write whose scripted send step claims more
// bytes written than the Write was given, which io.Writer forbids.
type SendCountError struct {
	Len  int // len of the buffer passed to Write
	N    int // the scripted count
	Site string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *SendCountError) Error() string {
	return "bigfoot: socket Write of " + strconv.Itoa(e.Len) + " bytes met a send step returning " + strconv.Itoa(e.N) +
		" (registered at " + e.Site + "); a Write cannot report more bytes than it was given\n" +
		"fix:\n\tExpect(\"send\", " + strconv.Itoa(e.Len) + ")"
}

var (
	recvCall = []string{StepRecv}
	// readsPastScript is the fix for a Read that waits for a close nothing else makes.
	readsPastScript = "the code reads more than the script gives; add a recv before close"
	closed          = []string{"closed"}
	writeCall       = []string{StepSendall, StepSend}
	closeCall       = []string{StepClose}
	patient         = []string{StepClose}
)

// conn is a scripted net.Conn. Its methods are safe for concurrent use, as
// net.Conn requires: the session serializes them.
type conn struct {
	p             *Plugin
	s             *core.Session
	network       string
	host          string
	port          int
	localPort     int          // addresses are made when asked for: most code never asks
	readDeadline  atomic.Int64 // UnixNano; 0 for none
	writeDeadline atomic.Int64
	// computed is set when the script has recv steps computed from what the
	// connection wrote; written then keeps every byte written (guarded by
	// the session, which serializes the calls that touch it).
	computed bool
	written  []byte
}

// String describes the connection in messages.
func (c *conn) String() string {
	return c.network + " " + c.RemoteAddr().String() + " (socket session " + strconv.Itoa(c.s.Number()) + ")"
}

func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network, Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// guard refuses I/O once no sandbox is open (calls are answered only
// inside one), and I/O from another test's sandbox (a pooled connection
// shared between parallel tests).
func (c *conn) guard(op string) error {
	if !c.p.v.InSandbox() {
		n := core.CurrentNames()
		err := &core.GuardedCallError{Plugin: "socket", Op: op, Network: c.network, Address: c.RemoteAddr().String(),
			Reason: "the sandbox is closed; a connection is answered only while " + n.Verifier + ".Sandbox runs",
			Fix:    "// finish with the connection (and Close it) inside the sandbox:\n" + n.Verifier + ".Sandbox(func() {\n\t// use and close the connection here\n})"}
		c.p.v.Report(err)
		return err
	}
	if core.OtherSandboxOpen(c.p.v) {
		if o := core.SandboxOwner(nil); o.Open && o.Verifier != c.p.v {
			err := &core.SandboxMismatchError{Plugin: "socket", Call: op + " on " + c.network + " " + c.RemoteAddr().String(),
				Owner: c.p.v.Name(), User: o.Name}
			c.p.v.Report(err)
			o.Verifier.Report(err)
			return err
		}
	}
	return nil
}

// guardOpen is guard for calls that a closed connection answers quietly
// (Read, Close): once the code has closed the connection, such a call gets
// the quiet state error from Take, sandbox or not, as a real connection
// answers it with net.ErrClosed.
func (c *conn) guardOpen(op string) error {
	if c.s.State() == "closed" {
		return nil
	}
	return c.guard(op)
}

func (c *conn) stall() time.Duration {
	if c.p.StallTimeout > 0 {
		return c.p.StallTimeout
	}
	return DefaultStallTimeout
}

// Read takes the next recv step and copies its data into b. A Read that meets
// a step of another kind waits (up to the stall timeout, or without limit for
// close) for another goroutine to take it, as a read on a real socket waits
// for the peer.
func (c *conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if err := c.guardOpen("read"); err != nil {
		return 0, err
	}
	var data []byte
	call := core.Call{Accept: recvCall, Wait: true, Patient: patient, PatientFix: readsPastScript, Quiet: closed,
		Stall: c.stall(), Deadline: &c.readDeadline, On: c, Op: "Read", Size: len(b)}
	st, err := c.s.Take(&call, func(st *core.Step) error {
		if st.Err == nil {
			switch r := st.Returns.(type) {
			case []byte:
				data, _ = st.Bytes()
			case func([]byte) []byte:
				// The reply is computed from what was written; it is what
				// gets recorded, and the code cannot change it later.
				data = append([]byte(nil), r(append([]byte(nil), c.written...))...)
			}
			if len(data) > len(b) {
				return &ShortBufferError{Size: len(b), Data: data, Site: st.Site()}
			}
		}
		c.p.v.Record(Recv, core.Int(len(b)), core.Bytes(data))
		return nil
	})
	if err != nil {
		return 0, c.ioError("read", err)
	}
	if st.Err != nil {
		return 0, st.Err
	}
	if len(data) == 0 {
		return 0, io.EOF
	}
	return copy(b, data), nil
}

// Write takes the next send or sendall step. sendall writes all of b; send
// writes its scripted count and, when short, returns io.ErrShortWrite. A
// Write of nothing takes no step: it sends nothing (nats.go writes one on
// Close).
func (c *conn) Write(b []byte) (int, error) {
	if err := c.guard("write"); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	call := core.Call{Accept: writeCall, Deadline: &c.writeDeadline, On: c, Op: "Write", Data: b}
	st, err := c.s.Take(&call, func(st *core.Step) error {
		src := Sendall
		if st.Name == StepSend {
			src = Send
			if st.Err == nil {
				if n := st.Returns.(int); n > len(b) {
					return &SendCountError{Len: len(b), N: n, Site: st.Site()}
				}
			}
		}
		data := append([]byte(nil), b...)
		if c.computed {
			c.written = append(c.written, b...)
		}
		c.p.v.Record(src, core.Bytes(data))
		return nil
	})
	if err != nil {
		return 0, c.ioError("write", err)
	}
	if st.Err != nil {
		return 0, st.Err
	}
	if st.Name == StepSend {
		if n := st.Returns.(int); n < len(b) {
			return n, io.ErrShortWrite
		}
	}
	return len(b), nil
}

// Close takes the close step. Reads waiting on the connection return an
// error wrapping net.ErrClosed, as on a real connection. Closing again
// returns *bigfoot.InvalidStateError wrapping net.ErrClosed without failing
// the test: `defer conn.Close()` after an explicit Close is common Go
// (smtp.SendMail does it).
func (c *conn) Close() error {
	if err := c.guardOpen("close"); err != nil {
		return err
	}
	call := core.Call{Accept: closeCall, Quiet: closed, On: c}
	st, err := c.s.Take(&call, func(*core.Step) error {
		c.p.v.Record(Close)
		return nil
	})
	if err != nil {
		return c.ioError("close", err)
	}
	return st.Err
}

// ioError maps what Take returned to what the net.Conn method returns:
// bigfoot's own failures as they are (so errors.As finds them), a deadline
// or an interrupted wait as the *net.OpError a real connection gives.
func (c *conn) ioError(op string, err error) error {
	var interrupted *core.Interrupted
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return c.opError(op, os.ErrDeadlineExceeded)
	case errors.As(err, &interrupted):
		return c.opError(op, net.ErrClosed)
	}
	return err
}

// LocalAddr returns a loopback address with the connection's own ephemeral port.
func (c *conn) LocalAddr() net.Addr { return localAddr(c.network, c.localPort) }

// RemoteAddr returns the dialed address, never resolved.
func (c *conn) RemoteAddr() net.Addr { return remoteAddr(c.network, c.host, c.port) }

// SetDeadline sets both deadlines; waiting calls look at them again.
func (c *conn) SetDeadline(t time.Time) error {
	c.readDeadline.Store(nanos(t))
	c.writeDeadline.Store(nanos(t))
	c.s.Notify()
	return nil
}

// SetReadDeadline sets the read deadline; a waiting Read looks at it again.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.readDeadline.Store(nanos(t))
	c.s.Notify()
	return nil
}

// SetWriteDeadline sets the write deadline.
func (c *conn) SetWriteDeadline(t time.Time) error {
	c.writeDeadline.Store(nanos(t))
	return nil
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Addr is the remote address of a connection dialed by host name: bigfoot
// never resolves names, so there is no IP to put in a *net.TCPAddr.
type Addr struct {
	Net  string // e.g. "tcp"
	Host string
	Port int
}

// Network returns the dial network.
func (a *Addr) Network() string { return a.Net }

// String returns host:port.
func (a *Addr) String() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

func remoteAddr(network, host string, port int) net.Addr {
	if isUnix(network) {
		return &net.UnixAddr{Name: host, Net: network}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &Addr{Net: network, Host: host, Port: port}
	}
	ap := netip.AddrPortFrom(ip, uint16(port))
	switch network {
	case "udp", "udp4", "udp6":
		return net.UDPAddrFromAddrPort(ap)
	}
	return net.TCPAddrFromAddrPort(ap)
}

var localPorts atomic.Uint32

// nextLocalPort picks an ephemeral port, distinct per connection (until the
// range wraps).
func nextLocalPort() int { return 49152 + int(localPorts.Add(1)%16384) }

// localAddr makes a plausible local address: loopback with the connection's
// ephemeral port.
func localAddr(network string, port int) net.Addr {
	switch network {
	case "unix", "unixgram", "unixpacket":
		return &net.UnixAddr{Name: "", Net: network}
	case "udp", "udp4", "udp6":
		return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	}
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
}

// packetConn is a scripted udp connection: Go's resolver, among others,
// frames messages on a net.PacketConn as datagrams and on anything else as
// a stream, so a dialed udp connection must be one. Each datagram written
// takes a send or sendall step, each read takes a recv step.
type packetConn struct {
	*conn
}

var _ net.PacketConn = (*packetConn)(nil)

// ReadFrom reads one datagram, from the dialed address.
func (c *packetConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, err := c.Read(p)
	return n, c.RemoteAddr(), err
}

// WriteTo writes one datagram; a connected udp socket sends only to the
// dialed address, and others fail as on a real connected socket.
func (c *packetConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if addr != nil && addr.String() != c.RemoteAddr().String() {
		return 0, c.opError("write", &net.AddrError{Err: "use of WriteTo with pre-connected connection", Addr: addr.String()})
	}
	return c.Write(p)
}
