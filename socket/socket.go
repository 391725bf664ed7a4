// Package socket is bigfoot's socket plugin: scripted net.Conn connections.
//
// The plugin is a dialer (Dial, DialContext) whose connections are answered
// from sessions the test scripts with NewSession().Expect(...), one session
// per connection in registration order. Every call is recorded on the
// verifier's timeline and must be asserted with the Assert helpers after the
// sandbox. A dial never resolves a host name and never touches the network.
//
// Steps and the net.Conn calls that take them:
//
//	connect  Dial, DialContext             returns nil
//	send     Write(p)                      returns int n: Write returns n (and io.ErrShortWrite if n < len(p))
//	sendall  Write(p)                      returns nil: Write returns len(p), nil
//	recv     Read(p)                       returns []byte, copied into p; nil or empty means the peer closed (0, io.EOF)
//	close    Close()                       returns nil
//
// The state machine is disconnected --connect--> connected --send/sendall/recv-->
// connected --close--> closed; a call from another state fails with
// *bigfoot.InvalidStateError, which wraps net.ErrClosed. Writing after Close
// fails the test (the data is lost); a Read or a second Close after Close
// does not, because a real connection answers them with net.ErrClosed and
// correct clients rely on that (net/http's read loop may read a connection
// just closed as idle; smtp.SendMail closes twice).
package socket

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// The step names, as Expect takes them.
const (
	StepConnect = "connect"
	StepSend    = "send"
	StepSendall = "sendall"
	StepRecv    = "recv"
	StepClose   = "close"
)

// Sources of the socket plugin's interactions, for the generic
// AssertInteraction form, e.g.
//
//	bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": []byte("pong")})
var (
	Connect = &core.Source{Plugin: "socket", Name: StepConnect, Fields: []string{"host", "port"}, GoExpr: "socket.Connect",
		Hint: func(v []core.Value) string {
			return "bf.Socket().AssertConnect(" + v[0].GoString() + ", " + v[1].GoString() + ")"
		}}
	Send = &core.Source{Plugin: "socket", Name: StepSend, Fields: []string{"data"}, GoExpr: "socket.Send",
		Hint: func(v []core.Value) string { return "bf.Socket().AssertSend(" + v[0].GoString() + ")" }}
	Sendall = &core.Source{Plugin: "socket", Name: StepSendall, Fields: []string{"data"}, GoExpr: "socket.Sendall",
		Hint: func(v []core.Value) string { return "bf.Socket().AssertSendall(" + v[0].GoString() + ")" }}
	Recv = &core.Source{Plugin: "socket", Name: StepRecv, Fields: []string{"size", "data"}, GoExpr: "socket.Recv",
		Hint: func(v []core.Value) string {
			return "bf.Socket().AssertRecv(" + v[0].GoString() + ", " + v[1].GoString() + ")"
		}}
	Close = &core.Source{Plugin: "socket", Name: StepClose, GoExpr: "socket.Close",
		Hint: func([]core.Value) string { return "bf.Socket().AssertClose()" }}
)

var connected = []string{"connected"}

func isNil(x any) bool { return x == nil }

var spec = &core.Spec{
	Plugin:   "socket",
	Initial:  "disconnected",
	Accessor: "bf.Socket()",
	Steps: []core.StepSpec{
		{Name: StepConnect, From: []string{"disconnected"}, To: "connected", Returns: "nil", Example: "nil", Check: isNil},
		{Name: StepSend, From: connected, To: "connected", Returns: "int (the number of bytes written)", Example: "5",
			Check: func(x any) bool { n, ok := x.(int); return ok && n >= 0 }},
		{Name: StepSendall, From: connected, To: "connected", Returns: "nil", Example: "nil", Check: isNil},
		{Name: StepRecv, From: connected, To: "connected", Returns: "[]byte, or func(written []byte) []byte", Example: `[]byte("data")`,
			Check: func(x any) bool {
				switch x.(type) {
				case []byte, func([]byte) []byte, nil:
					return true
				}
				return false
			}},
		{Name: StepClose, From: connected, To: "closed", Returns: "nil", Example: "nil", Check: isNil},
	},
	StateErrors: map[string]error{"closed": net.ErrClosed},
	UnusedNote:  unusedNote,
	// net/http closes a connection from its own goroutine after the body's
	// EOF (Connection: close); the sandbox waits for that close.
	Settle: []string{StepClose},
}

// Session is a scripted connection; build it with Expect and let a dial take it.
type Session = core.Session

// DefaultStallTimeout is how long a Read waits for another goroutine to take
// the write or other step scripted before its recv, before it fails as a
// mismatch. Reads wait because real clients (net/http among them) start
// reading before they write.
const DefaultStallTimeout = 2 * time.Second

// Plugin is the socket plugin of one verifier.
type Plugin struct {
	v        *core.Verifier
	sessions *core.Sessions

	// StallTimeout overrides DefaultStallTimeout when positive.
	StallTimeout time.Duration

	passThrough atomic.Pointer[guard.DialRules] // see PassThrough (transparent.go)
}

var key = core.NewKey[*Plugin]("socket", "bf.Socket()")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/socket")
	guard.ClaimDial(guard.DialClaim{Name: "socket", Layer: guard.LayerSocket, Claim: claimDial})
}

func newPlugin(v *core.Verifier) *Plugin {
	return &Plugin{v: v, sessions: core.NewSessions(v, spec)}
}

// NewPlugin creates the socket plugin of v. Each verifier has at most one: a
// second call returns an error for which errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(v core.Host) (*Plugin, error) { return key.New(v, newPlugin) }

// For returns the socket plugin of v, creating it on first use.
func For(v core.Host) *Plugin { return key.Of(v, newPlugin) }

// NewSession registers a new scripted connection. Sessions are taken by
// dials in the order they were registered.
func (p *Plugin) NewSession() *Session { return p.sessions.New() }

// Dial connects to address on network through the plugin. It is
// DialContext with context.Background().
func (p *Plugin) Dial(network, address string) (net.Conn, error) {
	return p.DialContext(context.Background(), network, address)
}

var connectCall = []string{StepConnect}

// DialContext takes the next scripted session and its connect step. It never
// resolves host names: the recorded host is the address as given. A context
// already done fails the dial with ctx.Err() (wrapped in *net.OpError), as a
// real dial would, and takes no step. An invalid address or an unknown
// network fails as package net fails it; a network the plugin cannot script
// (ip4:icmp) fails as unmocked.
func (p *Plugin) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if !p.v.InSandbox() {
		n := core.CurrentNames()
		err := &core.GuardedCallError{Plugin: "socket", Op: "dial", Network: network, Address: address,
			Reason: "no sandbox is open; calls are answered only inside " + n.Verifier + ".Sandbox",
			Fix:    n.Verifier + ".Sandbox(func() {\n\tconn, err := " + n.Verifier + ".Socket().Dial(" + strconv.Quote(network) + ", " + strconv.Quote(address) + ")\n\t// ...\n})"}
		// A guard level of warn or off cannot let it through: the
		// connection is the plugin's, with no peer behind it.
		return nil, guard.RefuseOutside(guard.KindDial, p.v, "socket dial "+network+" "+address, err,
			"the connection is the socket plugin's ("+n.Verifier+".Socket().Dial), with no peer behind it")
	}
	return p.dial(network, address)
}

// claimDial answers the dials of transparent mode that belong to v's open
// sandbox: the lowest layer, so it answers every dial no higher layer took.
func claimDial(ctx context.Context, v *core.Verifier, network, address string) (guard.Decision, net.Conn, error) {
	p, used := key.Get(v)
	if !used {
		if guard.Recording() {
			return guard.Pass, nil, nil // the recorder takes dials the test never scripted
		}
		p = For(v)
	}
	if _, ok := p.passThrough.Load().Match(network, address); ok {
		return guard.LetThrough, nil, nil
	}
	if err := ctx.Err(); err != nil {
		return guard.Answer, nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	c, err := p.dial(network, address)
	return guard.Answer, c, err
}

func (p *Plugin) dial(network, address string) (net.Conn, error) {
	if err := checkNetwork(network); err != nil {
		if _, ok := err.(*core.UnmockedInteractionError); ok {
			p.v.Report(err)
			return nil, err
		}
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	host, port, err := splitAddress(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	s := p.sessions.Bind()
	if s == nil {
		n := core.CurrentNames()
		err := &core.UnmockedInteractionError{
			Plugin: "socket", Step: StepConnect, Call: "Dial(" + strconv.Quote(network) + ", " + strconv.Quote(address) + ")",
			Reason: "no scripted session is left for this connection",
			Fix: "// script one session per connection, before the sandbox:\n" +
				n.Verifier + ".Socket().NewSession().\n\tExpect(\"connect\", nil).\n\tExpect(\"sendall\", nil).\n\tExpect(\"recv\", []byte(\"reply\")).\n\tExpect(\"close\", nil)",
		}
		p.v.Report(err)
		return nil, err
	}
	c := &conn{p: p, s: s, network: network, host: host, port: port, localPort: nextLocalPort(),
		computed: s.Any(func(st *core.Step) bool { _, ok := st.Returns.(func([]byte) []byte); return ok })}
	call := core.Call{Accept: connectCall, On: c}
	st, err := s.Take(&call, func(*core.Step) error {
		p.v.Record(Connect, core.String(host), core.Int(port))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.Err != nil {
		return nil, st.Err
	}
	if isUDP(network) {
		return &packetConn{conn: c}, nil
	}
	return c, nil
}

// checkNetwork accepts the networks the plugin scripts. An unknown network
// fails as in package net; a raw IP network, which net supports and the
// plugin does not, is an unmocked call.
func checkNetwork(network string) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix", "unixgram", "unixpacket":
		return nil
	}
	base, _, _ := strings.Cut(network, ":")
	switch base {
	case "ip", "ip4", "ip6":
		return &core.UnmockedInteractionError{Plugin: "socket", Step: StepConnect, Call: "Dial(" + strconv.Quote(network) + ", ...)",
			Reason: "the socket plugin scripts tcp, udp and unix connections; raw IP sockets (" + network + ") cannot be scripted",
			Fix:    "// dial \"tcp\" or \"udp\" in the code under test, or give it a dial function the test controls"}
	}
	return net.UnknownNetworkError(network)
}

func isUDP(network string) bool { return network == "udp" || network == "udp4" || network == "udp6" }

// splitAddress parses a dial address without resolving it.
func splitAddress(network, address string) (host string, port int, err error) {
	if isUnix(network) {
		return address, 0, nil
	}
	h, ps, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	port, err = strconv.Atoi(ps)
	if err != nil {
		// A service name such as "http" is looked up in the local services
		// table, never on the network.
		if port, err = net.LookupPort(network, ps); err != nil {
			return "", 0, err
		}
	}
	if port < 0 || port > 65535 {
		return "", 0, &net.AddrError{Err: "invalid port", Addr: address}
	}
	return h, port, nil
}

func isUnix(network string) bool {
	return network == "unix" || network == "unixgram" || network == "unixpacket"
}

// AssertConnect asserts that the next interaction is a connect to host and port.
func (p *Plugin) AssertConnect(host string, port int) error {
	err := p.v.CheckValues(Connect, core.String(host), core.Int(port))
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertSend asserts that the next interaction is a Write, scripted as send, of data.
func (p *Plugin) AssertSend(data []byte) error {
	err := p.v.CheckValues(Send, core.Bytes(data))
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertSendall asserts that the next interaction is a Write, scripted as sendall, of data.
func (p *Plugin) AssertSendall(data []byte) error {
	err := p.v.CheckValues(Sendall, core.Bytes(data))
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertRecv asserts that the next interaction is a Read with a buffer of
// size bytes that received data.
func (p *Plugin) AssertRecv(size int, data []byte) error {
	err := p.v.CheckValues(Recv, core.Int(size), core.Bytes(data))
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertClose asserts that the next interaction is a Close.
func (p *Plugin) AssertClose() error {
	err := p.v.CheckValues(Close)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

func unusedNote(unbound bool) string {
	if !unbound || guard.Transparent() {
		return ""
	}
	return "a scripted socket session was never dialed. Only bf.Socket().Dial/DialContext are intercepted under plain " +
		"`go test`; net.Dial, net.DialTimeout, (&net.Dialer{}).DialContext and http.Get in the code under test are " +
		"intercepted only under `go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test` (transparent mode). " +
		"Pass bf.Socket().DialContext to the code, or run the tests under bigfoot test."
}
