//go:build bigfoot_overlay

package transparent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// The proof that every entry point of package net meets the firewall
// (issue 10). The tests run in a network namespace with loopback alone
// (TestMain), so nothing can leave the machine; to see whether a call
// would have left it, they give loopback an extra address that stands in
// for the outside (standInIP, from TEST-NET-3) and put witness servers on
// it that count what arrives. The firewall does not take that address for
// loopback, so each entry point must refuse it, inside a sandbox and out,
// while the witnesses count nothing; a control run with a firewall rule
// shows that the witnesses do count what reaches them.

// standInIP is the outside stand-in, added to the namespace's loopback
// interface for the tests that need it.
const standInIP = "203.0.113.7"

// rawProto is the IP protocol of the raw-socket rows: 253 is reserved for
// experiments (RFC 3692), so nothing in the namespace speaks it.
const rawProto = "253"

// witness counts what reaches one server.
type witness struct {
	name string
	n    atomic.Int64
}

func (w *witness) String() string { return w.name }

// witnesses are the servers on the stand-in address (and the DNS servers
// of resolv.conf, which no entry point may reach either).
type witnesses struct {
	tcp, udp, raw, stream, gram, dns *witness
	streamPath, gramPath             string
	nameservers                      []string // host:53
}

// all returns every witness.
func (ws *witnesses) all() []*witness {
	return []*witness{ws.tcp, ws.udp, ws.raw, ws.stream, ws.gram, ws.dns}
}

// counts returns each witness's count, by name.
func (ws *witnesses) counts() map[string]int64 {
	out := map[string]int64{}
	for _, w := range ws.all() {
		out[w.name] = w.n.Load()
	}
	return out
}

// settle gives packets already sent time to arrive: loopback delivers
// within microseconds, so a packet that has not arrived after this never
// left.
func settle() { time.Sleep(50 * time.Millisecond) }

// standIn adds the stand-in address (and the nameservers' addresses) to
// loopback and starts the witnesses, all undone when t ends, so that the
// other tests of the package find the namespace as TestMain made it. It
// fails the test where it cannot.
func standIn(t *testing.T) *witnesses {
	t.Helper()
	var undo []func()
	t.Cleanup(func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	})
	addr := func(ip string) {
		t.Helper()
		remove, err := addToLoopback(ip)
		if err != nil {
			t.Fatalf("setting up the outside stand-in: %v", err)
		}
		undo = append(undo, remove)
	}
	serve := func(w *witness, network, address string, answer bool) {
		t.Helper()
		closer, err := startWitness(w, network, address, answer)
		if err != nil {
			t.Fatalf("setting up the outside stand-in: %v", err)
		}
		undo = append(undo, func() { closer.Close() })
	}

	dir := t.TempDir()
	ws := &witnesses{
		tcp: &witness{name: "tcp " + standInIP + ":80"}, udp: &witness{name: "udp " + standInIP + ":53"},
		raw: &witness{name: "ip4:" + rawProto + " " + standInIP}, stream: &witness{name: "unix stream"},
		gram: &witness{name: "unixgram"}, dns: &witness{name: "the nameservers of /etc/resolv.conf"},
		streamPath: filepath.Join(dir, "stream.sock"), gramPath: filepath.Join(dir, "gram.sock"),
	}
	addr(standInIP)
	serve(ws.tcp, "tcp", standInIP+":80", false)
	serve(ws.udp, "udp", standInIP+":53", true)
	serve(ws.raw, "ip4:"+rawProto, standInIP, false)
	serve(ws.stream, "unix", ws.streamPath, false)
	serve(ws.gram, "unixgram", ws.gramPath, false)
	// Whatever nameserver the resolver would ask, a witness answers there
	// (no such host, at once): no entry point, nor the firewall deciding
	// one, may send it a query.
	ws.nameservers = nameservers()
	for _, ns := range ws.nameservers {
		host, _, _ := net.SplitHostPort(ns)
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
			addr(host)
		}
		serve(ws.dns, "udp", ns, true)
		serve(ws.dns, "tcp", ns, false)
	}
	return ws
}

// addToLoopback gives the namespace's loopback interface the address ip,
// with the ip command (iproute2), as TestMain's namespace set-up does,
// and returns what takes it away again.
func addToLoopback(ip string) (remove func(), err error) {
	prefix := ip + "/32"
	if strings.Contains(ip, ":") {
		prefix = ip + "/128"
	}
	if out, err := exec.Command("ip", "addr", "add", prefix, "dev", "lo").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip addr add %s dev lo: %v: %s", prefix, err, out)
	}
	return func() { exec.Command("ip", "addr", "del", prefix, "dev", "lo").Run() }, nil
}

// nameservers returns the servers Go's resolver would query, as
// host:53, from /etc/resolv.conf (Go's default when it names none).
func nameservers() []string {
	var out []string
	if data, err := os.ReadFile("/etc/resolv.conf"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if len(fields) >= 2 && fields[0] == "nameserver" {
				if ip, err := netip.ParseAddr(fields[1]); err == nil {
					out = append(out, netip.AddrPortFrom(ip.WithZone(""), 53).String())
				}
			}
		}
	}
	if len(out) == 0 {
		out = []string{"127.0.0.1:53", "[::1]:53"}
	}
	return out
}

// startWitness serves network at address, counting for w every
// connection accepted or packet read. With answer, a packet that looks
// like a DNS query is answered "no such host" at once, so that resolvers
// fail fast instead of waiting for their timeout; the answer is sent
// with sendto(2) on the socket itself, below package net, whose firewall
// would refuse it (the stand-in is not loopback).
func startWitness(w *witness, network, address string, answer bool) (io.Closer, error) {
	switch network {
	case "tcp", "unix":
		ln, err := net.Listen(network, address)
		if err != nil {
			return nil, fmt.Errorf("witness %s: %v", w, err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				w.n.Add(1)
				c.Close()
			}
		}()
		return ln, nil
	}
	pc, err := net.ListenPacket(network, address)
	if err != nil {
		return nil, fmt.Errorf("witness %s: %v", w, err)
	}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			w.n.Add(1)
			if answer && n >= 12 {
				answerNoSuchHost(pc, buf[:n], from)
			}
		}
	}()
	return pc, nil
}

// answerNoSuchHost answers the DNS query q from from with NXDOMAIN: the
// query itself, marked as a response with that code.
func answerNoSuchHost(pc net.PacketConn, q []byte, from net.Addr) {
	ua, ok := from.(*net.UDPAddr)
	uc, ok2 := pc.(*net.UDPConn)
	if !ok || !ok2 {
		return
	}
	resp := append([]byte(nil), q...)
	resp[2] |= 0x80                   // QR: a response
	resp[3] = resp[3]&0x70 | 0x80 | 3 // RA, and RCODE 3: no such name
	var sa syscall.Sockaddr
	if ip4 := ua.IP.To4(); ip4 != nil {
		sa4 := &syscall.SockaddrInet4{Port: ua.Port}
		copy(sa4.Addr[:], ip4)
		sa = sa4
	} else {
		sa6 := &syscall.SockaddrInet6{Port: ua.Port}
		copy(sa6.Addr[:], ua.IP.To16())
		sa = sa6
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return
	}
	raw.Write(func(fd uintptr) bool {
		syscall.Sendto(int(fd), resp, 0, sa)
		return true
	})
}

// entryRow is one entry point, called toward the stand-in.
type entryRow struct {
	name string
	// call makes the call with ctx and returns its error; it sends one
	// message where the entry point alone sends none (a dial).
	call func(ctx context.Context, ws *witnesses) error
	// witness is the server the call would reach.
	witness func(ws *witnesses) *witness
	// takesCtx: the entry point takes a context, so a call outside a
	// sandbox can be tied to its test with bf.Context.
	takesCtx bool
	// local: unix sockets, which the firewall lets through outside
	// sandboxes by default (local IPC); inside one they are refused.
	local bool
	// wraps: net wraps the hook's error in a type of its own that keeps
	// only its text (the resolver's *net.DNSError).
	wraps bool
}

var (
	standInTCP = netip.MustParseAddrPort(standInIP + ":80")
	standInUDP = netip.MustParseAddrPort(standInIP + ":53")
	standInRaw = netip.MustParseAddr(standInIP)
)

var payload = []byte("bigfoot witness\n")

// write sends payload on c, the connection an entry point returned, and
// closes it, returning the dial's error: what the witness makes of the
// payload (a stream witness closes at once) is not the entry point's.
func write(c net.Conn, err error) error {
	if err != nil {
		return err
	}
	defer c.Close()
	c.Write(payload)
	return nil
}

// udpSocket, rawSocket and gramSocket open the unconnected sockets the
// packet rows send from (listening is not an entry point: it reaches out
// to nothing).
func udpSocket() (*net.UDPConn, error) {
	return net.ListenUDP("udp4", &net.UDPAddr{})
}

func rawSocket() (*net.IPConn, error) {
	return net.ListenIP("ip4:"+rawProto, &net.IPAddr{IP: net.IPv4zero})
}

func gramSocket() (*net.UnixConn, string, error) {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("bigfoot-client-%d-%d.sock", os.Getpid(), clientSeq.Add(1)))
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	return c, path, err
}

var clientSeq atomic.Int64

func sendFrom[C interface{ Close() error }](c C, err error, send func(C) error) error {
	if err != nil {
		return err
	}
	defer c.Close()
	return send(c)
}

func sendFromGram(send func(*net.UnixConn) error) error {
	c, path, err := gramSocket()
	if err != nil {
		return err
	}
	defer os.Remove(path)
	defer c.Close()
	return send(c)
}

// entryRows are the entry points of package net that bypass
// (*net.Dialer).DialContext, plus the two ways of reaching them that the
// issue found open (a custom Transport.DialContext or Resolver.Dial built
// on them).
var entryRows = []entryRow{
	{name: "net.DialTCP", witness: tcpW, call: func(ctx context.Context, ws *witnesses) error {
		return write(net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(standInTCP)))
	}},
	{name: "net.DialUDP", witness: udpW, call: func(ctx context.Context, ws *witnesses) error {
		return write(net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(standInUDP)))
	}},
	{name: "net.DialIP", witness: rawW, call: func(ctx context.Context, ws *witnesses) error {
		return write(net.DialIP("ip4:"+rawProto, nil, &net.IPAddr{IP: standInRaw.AsSlice()}))
	}},
	{name: "net.DialUnix", witness: streamW, local: true, call: func(ctx context.Context, ws *witnesses) error {
		return write(net.DialUnix("unix", nil, &net.UnixAddr{Name: ws.streamPath, Net: "unix"}))
	}},

	{name: "net.ListenPacket + WriteTo", witness: udpW, call: func(ctx context.Context, ws *witnesses) error {
		pc, err := net.ListenPacket("udp4", ":0")
		return sendFrom(pc, err, func(pc net.PacketConn) error {
			_, err := pc.WriteTo(payload, net.UDPAddrFromAddrPort(standInUDP))
			return err
		})
	}},
	{name: "(*net.UDPConn).WriteToUDP", witness: udpW, call: func(ctx context.Context, ws *witnesses) error {
		c, err := udpSocket()
		return sendFrom(c, err, func(c *net.UDPConn) error {
			_, err := c.WriteToUDP(payload, net.UDPAddrFromAddrPort(standInUDP))
			return err
		})
	}},
	{name: "(*net.UDPConn).WriteToUDPAddrPort", witness: udpW, call: func(ctx context.Context, ws *witnesses) error {
		c, err := udpSocket()
		return sendFrom(c, err, func(c *net.UDPConn) error {
			_, err := c.WriteToUDPAddrPort(payload, standInUDP)
			return err
		})
	}},
	{name: "(*net.UDPConn).WriteMsgUDP", witness: udpW, call: func(ctx context.Context, ws *witnesses) error {
		c, err := udpSocket()
		return sendFrom(c, err, func(c *net.UDPConn) error {
			_, _, err := c.WriteMsgUDP(payload, nil, net.UDPAddrFromAddrPort(standInUDP))
			return err
		})
	}},
	{name: "(*net.UDPConn).WriteMsgUDPAddrPort", witness: udpW, call: func(ctx context.Context, ws *witnesses) error {
		c, err := udpSocket()
		return sendFrom(c, err, func(c *net.UDPConn) error {
			_, _, err := c.WriteMsgUDPAddrPort(payload, nil, standInUDP)
			return err
		})
	}},
	{name: "(*net.IPConn).WriteTo", witness: rawW, call: func(ctx context.Context, ws *witnesses) error {
		c, err := rawSocket()
		return sendFrom(c, err, func(c *net.IPConn) error {
			_, err := c.WriteTo(payload, &net.IPAddr{IP: standInRaw.AsSlice()})
			return err
		})
	}},
	{name: "(*net.IPConn).WriteToIP", witness: rawW, call: func(ctx context.Context, ws *witnesses) error {
		c, err := rawSocket()
		return sendFrom(c, err, func(c *net.IPConn) error {
			_, err := c.WriteToIP(payload, &net.IPAddr{IP: standInRaw.AsSlice()})
			return err
		})
	}},
	{name: "(*net.IPConn).WriteMsgIP", witness: rawW, call: func(ctx context.Context, ws *witnesses) error {
		c, err := rawSocket()
		return sendFrom(c, err, func(c *net.IPConn) error {
			_, _, err := c.WriteMsgIP(payload, nil, &net.IPAddr{IP: standInRaw.AsSlice()})
			return err
		})
	}},
	{name: "(*net.UnixConn).WriteTo", witness: gramW, local: true, call: func(ctx context.Context, ws *witnesses) error {
		return sendFromGram(func(c *net.UnixConn) error {
			_, err := c.WriteTo(payload, &net.UnixAddr{Name: ws.gramPath, Net: "unixgram"})
			return err
		})
	}},
	{name: "(*net.UnixConn).WriteToUnix", witness: gramW, local: true, call: func(ctx context.Context, ws *witnesses) error {
		return sendFromGram(func(c *net.UnixConn) error {
			_, err := c.WriteToUnix(payload, &net.UnixAddr{Name: ws.gramPath, Net: "unixgram"})
			return err
		})
	}},
	{name: "(*net.UnixConn).WriteMsgUnix", witness: gramW, local: true, call: func(ctx context.Context, ws *witnesses) error {
		return sendFromGram(func(c *net.UnixConn) error {
			_, _, err := c.WriteMsgUnix(payload, nil, &net.UnixAddr{Name: ws.gramPath, Net: "unixgram"})
			return err
		})
	}},

	{name: "http.Transport.DialContext on net.DialTCP", witness: tcpW, call: func(ctx context.Context, ws *witnesses) error {
		tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
			return net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(standInTCP))
		}}
		defer tr.CloseIdleConnections()
		req, err := http.NewRequestWithContext(ctx, "GET", "http://api.invalid/", nil)
		if err != nil {
			return err
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}},
	{name: "net.Resolver.Dial on net.DialUDP", witness: udpW, wraps: true, call: func(ctx context.Context, ws *witnesses) error {
		r := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
			return net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(standInUDP))
		}}
		_, err := r.LookupHost(ctx, "api.invalid")
		return err
	}},
}

func tcpW(ws *witnesses) *witness    { return ws.tcp }
func udpW(ws *witnesses) *witness    { return ws.udp }
func rawW(ws *witnesses) *witness    { return ws.raw }
func streamW(ws *witnesses) *witness { return ws.stream }
func gramW(ws *witnesses) *witness   { return ws.gram }

// noArrivals checks that no witness counted anything since before.
func noArrivals(t *testing.T, ws *witnesses, before map[string]int64, what string) {
	t.Helper()
	settle()
	for name, n := range ws.counts() {
		if n != before[name] {
			t.Errorf("%s: %d arrived at the witness %s", what, n-before[name], name)
		}
	}
}

// TestEntryPointWitnessesCount is the control: with a firewall rule that
// allows the stand-in, every entry point reaches its witness. So the
// stand-in is reachable and the witnesses count, and the zero counts of
// the other tests mean that bigfoot stopped the calls.
func TestEntryPointWitnessesCount(t *testing.T) {
	ws := standIn(t)
	bigfoot.AllowDial(t, standInIP, "unix")
	for _, row := range entryRows {
		t.Run(row.name, func(t *testing.T) {
			w := row.witness(ws)
			before := w.n.Load()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err := row.call(ctx, ws)
			// The witnesses answer no HTTP request and no DNS question
			// of these: the two calls above them fail once they arrived.
			if err != nil && !strings.HasPrefix(row.name, "http.") && !row.wraps {
				t.Fatalf("allowed call: %v", err)
			}
			deadline := time.Now().Add(2 * time.Second)
			for w.n.Load() == before && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if w.n.Load() == before {
				t.Errorf("an allowed %s did not reach the witness %s", row.name, w)
			}
		})
	}
}

// TestEntryPointsRefused calls every entry point toward the stand-in in
// each way a call can relate to a test, and asserts the three things of
// the issue: nothing reached a witness, the call returned the typed error,
// and the right test failed (a fake test, bftest, stands in for it).
func TestEntryPointsRefused(t *testing.T) {
	ws := standIn(t)
	for _, row := range entryRows {
		t.Run(row.name, func(t *testing.T) {
			t.Run("inside a sandbox", func(t *testing.T) {
				before := ws.counts()
				fake := bftest.New(t)
				bf := bigfoot.New(fake)
				var err error
				bf.Sandbox(func() { err = row.call(context.Background(), ws) })
				noArrivals(t, ws, before, "inside a sandbox")
				var unmocked *bigfoot.UnmockedInteractionError
				if !errors.As(err, &unmocked) && !(row.wraps && dnsErrorCarries(err, "bigfoot: unmocked ")) {
					t.Fatalf("returned %v, want a *bigfoot.UnmockedInteractionError", err)
				}
				if !strings.Contains(fake.All(), "bigfoot: unmocked ") {
					t.Errorf("the sandbox's test did not fail with the unmocked call; it reported %q", fake.All())
				}
			})

			t.Run("outside every sandbox", func(t *testing.T) {
				before := ws.counts()
				running := bftest.New(t) // a test running meanwhile, which must not be blamed
				bigfoot.New(running)
				err := row.call(context.Background(), ws)
				if row.local {
					// The firewall lets unix sockets through outside sandboxes.
					if err != nil {
						t.Fatalf("unix outside sandboxes: %v, want it let through", err)
					}
					settle()
					if w := row.witness(ws); w.n.Load() == before[w.name] {
						t.Errorf("the unix call did not reach its witness")
					}
					return
				}
				noArrivals(t, ws, before, "outside every sandbox")
				checkRefusal(t, row, err)
				if running.Failed() {
					t.Errorf("a call that belongs to no test failed a running one: %q", running.All())
				}
			})

			if row.takesCtx && !row.local {
				t.Run("outside, with the test's context", func(t *testing.T) {
					before := ws.counts()
					fake, other := bftest.New(t), bftest.New(t)
					bf := bigfoot.New(fake)
					bigfoot.New(other)
					err := row.call(bf.Context(context.Background()), ws)
					noArrivals(t, ws, before, "outside a sandbox, with a test's context")
					checkRefusal(t, row, err)
					if !strings.Contains(fake.All(), "refused") {
						t.Errorf("the test whose context the call carried did not fail; it reported %q", fake.All())
					}
					if other.Failed() {
						t.Errorf("another test failed: %q", other.All())
					}
				})
			}

			t.Run("after the sandbox closed", func(t *testing.T) {
				before := ws.counts()
				fake := bftest.New(t)
				bf := bigfoot.New(fake)
				release, done := make(chan struct{}), make(chan error, 1)
				bf.Sandbox(func() {
					go func() { <-release; done <- row.call(context.Background(), ws) }() // left running
				})
				close(release)
				var err error
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("the call of the closed sandbox's goroutine did not return")
				}
				noArrivals(t, ws, before, "after the sandbox")
				var post *bigfoot.PostSandboxInteractionError
				if !(errors.As(err, &post) && post.Test == t.Name()) && !(row.wraps && dnsErrorCarries(err, "made after the sandbox of "+t.Name())) {
					t.Fatalf("returned %v, want a *bigfoot.PostSandboxInteractionError naming %s", err, t.Name())
				}
				if !strings.Contains(fake.All(), "made after the sandbox of "+t.Name()+" closed") {
					t.Errorf("the sandbox's test did not fail with the post-sandbox call; it reported %q", fake.All())
				}
			})
		})
	}
	t.Run("no late arrivals", func(t *testing.T) {
		noArrivals(t, ws, ws.counts(), "after every call returned")
		if n := ws.dns.n.Load(); n != 0 {
			t.Errorf("%d queries reached the nameservers", n)
		}
	})
}

// checkRefusal checks that err is the firewall's refusal of the
// stand-in: a *bigfoot.GuardedCallError, or, where net keeps only the
// text of the hook's error, that text.
func checkRefusal(t *testing.T, row entryRow, err error) {
	t.Helper()
	var g *bigfoot.GuardedCallError
	switch {
	case row.wraps:
		if !dnsErrorCarries(err, "bigfoot: socket dial udp "+standInIP+":53 refused") {
			t.Fatalf("returned %v, want the resolver's *net.DNSError carrying the refusal", err)
		}
	case !errors.As(err, &g):
		t.Fatalf("returned %v, want a *bigfoot.GuardedCallError", err)
	case g.Plugin != "socket" || !strings.Contains(g.Address, standInIP):
		t.Errorf("refusal names %s %s %s %s", g.Plugin, g.Op, g.Network, g.Address)
	case !strings.Contains(g.Fix, "bigfoot.AllowDial(t, "):
		t.Errorf("refusal's fix shows no rule:\n%s", g.Fix)
	}
}

// dnsErrorCarries reports whether err is the resolver's *net.DNSError
// carrying text: net keeps only the text of its Dial's error.
func dnsErrorCarries(err error, text string) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && strings.Contains(dnsErr.Err, text)
}

// TestListenMulticastUDPRefused: joining a multicast group sends
// membership reports, so ListenMulticastUDP is refused inside a sandbox
// and, without a rule, outside; no membership appears in the namespace.
func TestListenMulticastUDPRefused(t *testing.T) {
	group := &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	memberships := func() string {
		b, _ := os.ReadFile("/proc/net/igmp")
		return string(b)
	}
	before := memberships()

	fake := bftest.New(t)
	bf := bigfoot.New(fake)
	var err error
	bf.Sandbox(func() {
		var c *net.UDPConn
		c, err = net.ListenMulticastUDP("udp4", nil, group)
		if c != nil {
			c.Close()
		}
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) || unmocked.Step != "join" || !strings.Contains(fake.All(), "unmocked socket call \"join\"") {
		t.Errorf("inside a sandbox: %v; the test reported %q", err, fake.All())
	}

	c, err := net.ListenMulticastUDP("udp4", nil, group)
	if c != nil {
		c.Close()
	}
	var g *bigfoot.GuardedCallError
	if !errors.As(err, &g) || g.Op != "join" || g.Address != "224.0.0.251:5353" {
		t.Errorf("outside sandboxes: %v, want the firewall's refusal", err)
	}
	if after := memberships(); after != before {
		t.Errorf("group memberships changed:\n%s\nto\n%s", before, after)
	}
}

// TestLoopbackByName: only the exact name localhost is loopback, decided
// from the hosts file without any query; a name under .localhost is a
// name like any other, refused before it is resolved. No query reaches a
// nameserver either way (the issue found two leaving the machine for
// x.localhost).
func TestLoopbackByName(t *testing.T) {
	ws := standIn(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	dnsBefore := ws.dns.n.Load()

	for _, name := range []string{"exfil.localhost", "a.b.localhost", "localhost.localdomain"} {
		_, err := net.Dial("tcp", name+":"+port)
		refused(t, err, "tcp", name+":"+port)
		_, err = http.Get("http://" + name + ":" + port + "/")
		refusedHTTP(t, err, "GET", "http://"+name+":"+port+"/", name+":"+port)
	}
	c, err := net.Dial("tcp", "localhost:"+port)
	if err != nil {
		t.Fatalf("localhost outside sandboxes: %v", err)
	}
	c.Close()

	settle()
	if n := ws.dns.n.Load() - dnsBefore; n != 0 {
		t.Errorf("%d DNS queries reached a nameserver", n)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("the loopback server accepted %d connections, want 1 (the dial to localhost)", n)
	}
}

// TestNameserverWitnessCounts is the DNS witness's control: a lookup let
// through to the nameserver reaches it.
func TestNameserverWitnessCounts(t *testing.T) {
	ws := standIn(t)
	for _, ns := range ws.nameservers {
		bigfoot.AllowDial(t, ns)
	}
	before := ws.dns.n.Load()
	r := &net.Resolver{PreferGo: true}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r.LookupHost(ctx, "witness.invalid") // unanswered: it times out
	settle()
	if ws.dns.n.Load() == before {
		t.Errorf("a lookup let through did not reach the nameserver witness at %v", ws.nameservers)
	}
}

// TestGuardLevelsOutsideSandboxes: at level warn, dials the firewall
// refuses outside sandboxes go through (to the witness), every entry point
// alike, and are counted; at off they go through silently; inside a
// sandbox they are still scripted; when the test ends, refused again.
func TestGuardLevelsOutsideSandboxes(t *testing.T) {
	ws := standIn(t)
	addr := standInIP + ":80"
	call := "socket dial tcp " + addr
	count := func() int {
		for _, w := range bigfoot.GuardWarnings() {
			if w.Kind == bigfoot.GuardDial && w.Call == call {
				return w.Count
			}
		}
		return 0
	}

	t.Run("warn", func(t *testing.T) {
		bigfoot.Guard(t, bigfoot.GuardDial, bigfoot.Warn)
		before, warned := ws.tcp.n.Load(), count()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("net.Dial at warn: %v", err)
		}
		c.Close()
		tc, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(standInTCP))
		if err != nil {
			t.Fatalf("net.DialTCP at warn: %v", err)
		}
		tc.Close()
		settle()
		if n := ws.tcp.n.Load() - before; n != 2 {
			t.Errorf("%d dials reached the witness, want 2", n)
		}
		if n := count() - warned; n != 2 {
			t.Errorf("warn counted %d dials of %s, want 2", n, addr)
		}
		if l, by := bigfoot.GuardLevelOf(bigfoot.GuardDial); l != bigfoot.Warn || !strings.Contains(by, "bigfoot.Guard(t, bigfoot.GuardDial, bigfoot.Warn) in "+t.Name()) {
			t.Errorf("GuardLevelOf = %v, %q", l, by)
		}

		fake := bftest.New(t)
		bf := bigfoot.New(fake)
		before = ws.tcp.n.Load()
		bf.Sandbox(func() { _, err = net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(standInTCP)) })
		var unmocked *bigfoot.UnmockedInteractionError
		if !errors.As(err, &unmocked) || !fake.Failed() {
			t.Errorf("inside a sandbox at warn: %v, want the unmocked refusal", err)
		}
		noArrivals(t, ws, map[string]int64{ws.tcp.name: before, ws.udp.name: ws.udp.n.Load(), ws.raw.name: ws.raw.n.Load(),
			ws.stream.name: ws.stream.n.Load(), ws.gram.name: ws.gram.n.Load(), ws.dns.name: ws.dns.n.Load()}, "inside a sandbox at warn")
	})

	t.Run("off", func(t *testing.T) {
		bigfoot.Guard(t, bigfoot.GuardDial, bigfoot.Off)
		before, warned := ws.udp.n.Load(), count()
		c, err := net.ListenUDP("udp4", &net.UDPAddr{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.WriteToUDPAddrPort(payload, standInUDP); err != nil {
			t.Fatalf("WriteToUDPAddrPort at off: %v", err)
		}
		settle()
		if ws.udp.n.Load() == before || count() != warned {
			t.Errorf("at off: %d packets arrived, warnings %d -> %d; want one, no warning", ws.udp.n.Load()-before, warned, count())
		}
	})

	_, err := net.Dial("tcp", addr)
	refused(t, err, "tcp", addr)
}

// TestGuardFromEnvironment runs this test again in a child process with
// BIGFOOT_GUARD=dial=warn: the child's dial outside sandboxes goes
// through, with the warning on standard error.
func TestGuardFromEnvironment(t *testing.T) {
	const marker = "BIGFOOT_TEST_GUARD_ENV_CHILD"
	if os.Getenv(marker) == "1" {
		ws := standIn(t)
		c, err := net.Dial("tcp", standInIP+":80")
		if err != nil {
			t.Fatalf("dial with BIGFOOT_GUARD=dial=warn: %v", err)
		}
		c.Close()
		settle()
		if ws.tcp.n.Load() != 1 {
			t.Errorf("%d dials reached the witness, want 1", ws.tcp.n.Load())
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGuardFromEnvironment$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), marker+"=1", "BIGFOOT_GUARD=dial=warn", quickRaceExit())
	out, err := cmd.CombinedOutput()
	want := "bigfoot: warning: guard dial=warn (BIGFOOT_GUARD=dial=warn) let socket dial tcp " + standInIP + ":80 through (the first time; it is counted from now on)"
	if err != nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), "--- PASS: TestGuardFromEnvironment") {
		t.Errorf("child with BIGFOOT_GUARD=dial=warn: %v\n%s\nwant it to pass and print:\n%s", err, out, want)
	}
}
