package guard

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/bigfoot-go/bigfoot/core"
)

// The entry points of package net that bypass net.(*Dialer).DialContext:
// the dials that return a concrete connection (net.DialTCP, DialUDP,
// DialIP, DialUnix and the (*net.Dialer) methods of the same names, through
// net's internal dialTCP, dialUDP, dialIP and dialUnix), the packets sent
// from unconnected sockets (the WriteTo, WriteToUDP, WriteToUDPAddrPort,
// WriteMsgUDP, WriteMsgUDPAddrPort, WriteToIP, WriteMsgIP, WriteToUnix and
// WriteMsgUnix methods), and net.ListenMulticastUDP, whose group join sends
// membership reports. The overlay puts a hook at the start of each (the
// table netEntryPatches in cmd/bigfoot); this file is the other end.
//
// None of them can be answered from a script: they return or write
// through *net.TCPConn, *net.UDPConn, *net.IPConn and *net.UnixConn, which
// only the kernel makes. So inside a sandbox each is refused as unmocked,
// failing the sandbox's test, with a fix that moves the code to net.Dial or
// a net.Dialer, which the socket plugin scripts; a call of a sandbox that
// has closed is a post-sandbox call (PostSandbox); outside every sandbox
// the firewall decides as for any dial, and then the guard level of dials.
//
// Each hook returns nil to let the call go on in net, or the error the
// call returns. With no sandbox open and a loopback address (or a unix
// socket) it decides without allocating: one profiler-label read and the
// firewall's fast check.

func init() {
	setDialTCPHook(dialTCPHook)
	setDialUDPHook(dialUDPHook)
	setDialIPHook(dialIPHook)
	setDialUnixHook(dialUnixHook)
	setUDPWriteToHook(func(addr net.Addr) error {
		a, ok := addr.(*net.UDPAddr)
		if !ok {
			return nil // net refuses it with EINVAL, sending nothing
		}
		return udpSend(fnUDPWriteTo, a)
	})
	setUDPWriteToUDPHook(func(addr *net.UDPAddr) error { return udpSend(fnUDPWriteToUDP, addr) })
	setUDPWriteMsgUDPHook(func(addr *net.UDPAddr) error { return udpSend(fnUDPWriteMsgUDP, addr) })
	setUDPWriteToUDPAddrPortHook(func(addr netip.AddrPort) error { return udpSendAddrPort(fnUDPWriteToUDPAddrPort, addr) })
	setUDPWriteMsgUDPAddrPortHook(func(addr netip.AddrPort) error { return udpSendAddrPort(fnUDPWriteMsgUDPAddrPort, addr) })
	setListenMulticastUDPHook(listenMulticastUDPHook)
	setIPWriteToHook(func(addr net.Addr) error {
		a, ok := addr.(*net.IPAddr)
		if !ok {
			return nil
		}
		return ipSend(fnIPWriteTo, a)
	})
	setIPWriteToIPHook(func(addr *net.IPAddr) error { return ipSend(fnIPWriteToIP, addr) })
	setIPWriteMsgIPHook(func(addr *net.IPAddr) error { return ipSend(fnIPWriteMsgIP, addr) })
	setUnixWriteToHook(func(addr net.Addr) error {
		a, ok := addr.(*net.UnixAddr)
		if !ok {
			return nil
		}
		return unixSend(fnUnixWriteTo, a)
	})
	setUnixWriteToUnixHook(func(addr *net.UnixAddr) error { return unixSend(fnUnixWriteToUnix, addr) })
	setUnixWriteMsgUnixHook(func(addr *net.UnixAddr) error { return unixSend(fnUnixWriteMsgUnix, addr) })
}

// The functions as messages name them.
const (
	fnUDPWriteTo             = "(*net.UDPConn).WriteTo"
	fnUDPWriteToUDP          = "(*net.UDPConn).WriteToUDP"
	fnUDPWriteMsgUDP         = "(*net.UDPConn).WriteMsgUDP"
	fnUDPWriteToUDPAddrPort  = "(*net.UDPConn).WriteToUDPAddrPort"
	fnUDPWriteMsgUDPAddrPort = "(*net.UDPConn).WriteMsgUDPAddrPort"
	fnIPWriteTo              = "(*net.IPConn).WriteTo"
	fnIPWriteToIP            = "(*net.IPConn).WriteToIP"
	fnIPWriteMsgIP           = "(*net.IPConn).WriteMsgIP"
	fnUnixWriteTo            = "(*net.UnixConn).WriteTo"
	fnUnixWriteToUnix        = "(*net.UnixConn).WriteToUnix"
	fnUnixWriteMsgUnix       = "(*net.UnixConn).WriteMsgUnix"
	fnListenMulticastUDP     = "net.ListenMulticastUDP"
)

// dialFunc names the public function that reached net's internal dialX:
// net.DialX, or the (*net.Dialer) method of that name.
func dialFunc(name string, viaDialer bool) string {
	if viaDialer {
		return "(*net.Dialer)." + name
	}
	return "net." + name
}

// ipAllowedFast reports, without allocating or locking, whether the
// firewall lets a call to ip through outside sandboxes without looking at
// any rule: it is off, or ip is loopback (or the local system: nil or
// unspecified) and loopback is not denied. When it reports false the full
// check decides.
func ipAllowedFast(ip net.IP) bool {
	switch policy().fastAllow {
	case fastOff:
		return true
	case fastLoopback:
		return len(ip) == 0 || ip.IsLoopback() || ip.IsUnspecified()
	}
	return false
}

func addrAllowedFast(a netip.Addr) bool {
	switch policy().fastAllow {
	case fastOff:
		return true
	case fastLoopback:
		return a.IsLoopback() || a.IsUnspecified()
	}
	return false
}

func dialTCPHook(ctx context.Context, viaDialer bool, network string, raddr *net.TCPAddr) error {
	switch {
	case raddr == nil || (network != "tcp" && network != "tcp4" && network != "tcp6"):
		return nil // net fails it with its own error, dialing nothing
	case core.Unowned(ctx) && ipAllowedFast(raddr.IP):
		return nil
	}
	return dialEntry(ctx, dialFunc("DialTCP", viaDialer), "*net.TCPConn", network, raddr.String())
}

func dialUDPHook(ctx context.Context, viaDialer bool, network string, raddr *net.UDPAddr) error {
	switch {
	case raddr == nil || (network != "udp" && network != "udp4" && network != "udp6"):
		return nil
	case core.Unowned(ctx) && ipAllowedFast(raddr.IP):
		return nil
	}
	return dialEntry(ctx, dialFunc("DialUDP", viaDialer), "*net.UDPConn", network, raddr.String())
}

func dialIPHook(ctx context.Context, viaDialer bool, network string, raddr *net.IPAddr) error {
	switch {
	case raddr == nil || !strings.HasPrefix(network, "ip"):
		return nil
	case core.Unowned(ctx) && ipAllowedFast(raddr.IP):
		return nil
	}
	return dialEntry(ctx, dialFunc("DialIP", viaDialer), "*net.IPConn", network, raddr.String())
}

func dialUnixHook(ctx context.Context, viaDialer bool, network string, raddr *net.UnixAddr) error {
	switch {
	case raddr == nil || !isUnixNetwork(network):
		return nil
	case core.Unowned(ctx):
		return nil // unix sockets are always allowed outside sandboxes
	}
	return dialEntry(ctx, dialFunc("DialUnix", viaDialer), "*net.UnixConn", network, raddr.Name)
}

// dialEntry decides a dial of one of net's concrete-connection entry
// points that the fast path did not let through.
func dialEntry(ctx context.Context, fn, connType, network, address string) error {
	owner := core.SandboxOwner(ctx)
	call := fn + " " + network + " " + address
	n := core.CurrentNames()
	switch {
	case owner.Open:
		fix := "// dial through a net.Dialer (or net.Dial), whose net.Conn " + n.Verifier + ".Socket() answers from a session:\n" +
			"conn, err := (&net.Dialer{}).DialContext(ctx, " + strconv.Quote(network) + ", " + strconv.Quote(address) + ")\n" +
			n.Verifier + ".Socket().NewSession().Expect(\"connect\", nil) // then a step for each call the code makes on conn"
		if strings.HasPrefix(network, "ip") {
			fix = "// a raw IP socket cannot be scripted: hand the code the dial as a value the test can replace\n" +
				"var dialIP = net.DialIP"
		}
		err := &core.UnmockedInteractionError{Plugin: "socket", Step: "connect", Call: call,
			Reason: fn + " returns a " + connType + ", which only the kernel makes, so no script can stand in for it; " +
				"inside a sandbox bigfoot scripts the net.Conn of net.Dial and net.Dialer",
			Fix: fix}
		owner.Verifier.Report(err)
		return err
	case owner.Closed:
		return PostSandbox(owner, "socket", call)
	}
	return checkOutside(ctx, owner, "socket", "dial", network, address,
		"// or script it: inside "+n.Verifier+".Sandbox, dial with net.Dial or a net.Dialer (the "+connType+" of "+fn+" cannot be scripted), answered by "+n.Verifier+".Socket().NewSession()")
}

func udpSend(fn string, addr *net.UDPAddr) error {
	switch {
	case addr == nil:
		return nil // a connected socket's peer, dialed through a hook already
	case core.Unowned(nil) && ipAllowedFast(addr.IP):
		return nil
	}
	return sendEntry(fn, "udp", addr.String())
}

func udpSendAddrPort(fn string, addr netip.AddrPort) error {
	switch {
	case !addr.IsValid():
		return nil // the connected peer, or net's own error
	case core.Unowned(nil) && addrAllowedFast(addr.Addr()):
		return nil
	}
	return sendEntry(fn, "udp", addr.String())
}

func ipSend(fn string, addr *net.IPAddr) error {
	switch {
	case addr == nil:
		return nil
	case core.Unowned(nil) && ipAllowedFast(addr.IP):
		return nil
	}
	return sendEntry(fn, "ip", addr.String())
}

func unixSend(fn string, addr *net.UnixAddr) error {
	switch {
	case addr == nil:
		return nil
	case core.Unowned(nil):
		return nil // unix sockets are always allowed outside sandboxes
	}
	network := addr.Net
	if network == "" {
		network = "unixgram"
	}
	return sendEntry(fn, network, addr.Name)
}

// sendEntry decides a packet sent from an unconnected socket that the
// fast path did not let through.
func sendEntry(fn, network, address string) error {
	owner := core.SandboxOwner(nil)
	call := fn + " to " + network + " " + address
	n := core.CurrentNames()
	switch {
	case owner.Open:
		dialNet := network
		if network == "unix" {
			dialNet = "unixgram"
		}
		fix := "// send on a connection from net.Dial, whose datagrams " + n.Verifier + ".Socket() answers (one step each):\n" +
			"conn, err := net.Dial(" + strconv.Quote(dialNet) + ", " + strconv.Quote(address) + ")\n" +
			n.Verifier + ".Socket().NewSession().Expect(\"connect\", nil).Expect(\"sendall\", nil) // conn.Write(packet)"
		if network == "ip" {
			fix = "// a raw IP socket cannot be scripted: hand the code its socket as a value the test can replace\n" +
				"var listenIP = net.ListenIP"
		}
		err := &core.UnmockedInteractionError{Plugin: "socket", Step: "send", Call: call,
			Reason: "a packet sent with " + fn + " from an unconnected socket (net.ListenPacket, net.ListenUDP) goes through a socket only the kernel makes, so no script can stand in for it",
			Fix:    fix}
		owner.Verifier.Report(err)
		return err
	case owner.Closed:
		return PostSandbox(owner, "socket", call)
	}
	return checkOutside(nil, owner, "socket", "send", network, address,
		"// or script it: inside "+n.Verifier+".Sandbox, send on a connection from net.Dial("+strconv.Quote(network)+", ...), answered by "+n.Verifier+".Socket().NewSession()")
}

func listenMulticastUDPHook(network string, gaddr *net.UDPAddr) error {
	if gaddr == nil || gaddr.IP == nil || (network != "udp" && network != "udp4" && network != "udp6") {
		return nil // net fails it with its own error, joining nothing
	}
	owner := core.SandboxOwner(nil)
	address := gaddr.String()
	call := fnListenMulticastUDP + " " + network + " " + address
	n := core.CurrentNames()
	switch {
	case owner.Open:
		err := &core.UnmockedInteractionError{Plugin: "socket", Step: "join", Call: call,
			Reason: "joining a multicast group sends membership reports to the network, which no script can stand in for",
			Fix: "// join the group outside the sandbox, where the firewall decides it:\n" +
				n.Package + ".AllowDial(t, " + strconv.Quote(gaddr.IP.String()) + ")"}
		owner.Verifier.Report(err)
		return err
	case owner.Closed:
		return PostSandbox(owner, "socket", call)
	}
	return checkOutside(nil, owner, "socket", "join", network, address,
		"// a multicast group cannot be joined inside a sandbox: nothing there answers it")
}
