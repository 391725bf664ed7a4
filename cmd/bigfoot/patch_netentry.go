package main

import "strings"

// netEntryPatches are the hook points of package net's entry points that
// bypass (*Dialer).DialContext: every other way package net opens a
// connection or sends a packet to an address. They are the internal
// dialTCP, dialUDP, dialIP and dialUnix, which net.DialTCP (and DialUDP,
// DialIP, DialUnix) and the (*Dialer) methods of those names call without
// passing through DialContext; the methods that send a packet from an
// unconnected socket (WriteTo and its typed forms on *UDPConn, *IPConn and
// *UnixConn); and ListenMulticastUDP, whose group join sends membership
// reports. Package guard (netentry.go) is the other end of each hook.
//
// Each statement hands the hook the call's context where there is one, the
// network and the address, never the caller's buffers or the Dialer (which
// would escape to the heap on every call), and returns the hook's error in
// place of the function's results. TestNetEntriesCoverNet parses the
// installed net package and fails, naming the function, when an entry
// point that reaches a socket is neither hooked nor known to need no hook.
var netEntryPatches = []hookPatch{
	netDialEntry("tcpsock.go", "dialTCP", "DialTCP", "TCP"),
	netDialEntry("udpsock.go", "dialUDP", "DialUDP", "UDP"),
	netDialEntry("iprawsock.go", "dialIP", "DialIP", "IP"),
	netDialEntry("unixsock.go", "dialUnix", "DialUnix", "Unix"),

	netSendEntry("udpsock.go", "UDPConn", "WriteTo", "UDPWriteTo", false, "Addr"),
	netSendEntry("udpsock.go", "UDPConn", "WriteToUDP", "UDPWriteToUDP", false, "*UDPAddr"),
	netSendEntry("udpsock.go", "UDPConn", "WriteToUDPAddrPort", "UDPWriteToUDPAddrPort", false, "netip.AddrPort"),
	netSendEntry("udpsock.go", "UDPConn", "WriteMsgUDP", "UDPWriteMsgUDP", true, "*UDPAddr"),
	netSendEntry("udpsock.go", "UDPConn", "WriteMsgUDPAddrPort", "UDPWriteMsgUDPAddrPort", true, "netip.AddrPort"),
	netSendEntry("iprawsock.go", "IPConn", "WriteTo", "IPWriteTo", false, "Addr"),
	netSendEntry("iprawsock.go", "IPConn", "WriteToIP", "IPWriteToIP", false, "*IPAddr"),
	netSendEntry("iprawsock.go", "IPConn", "WriteMsgIP", "IPWriteMsgIP", true, "*IPAddr"),
	netSendEntry("unixsock.go", "UnixConn", "WriteTo", "UnixWriteTo", false, "Addr"),
	netSendEntry("unixsock.go", "UnixConn", "WriteToUnix", "UnixWriteToUnix", false, "*UnixAddr"),
	netSendEntry("unixsock.go", "UnixConn", "WriteMsgUnix", "UnixWriteMsgUnix", true, "*UnixAddr"),

	newNetEntry(netEntrySpec{
		file: "udpsock.go", fn: "ListenMulticastUDP", stem: "ListenMulticastUDP",
		target:  "ListenMulticastUDP",
		params:  []param{{"network", "string"}, {"ifi", "*Interface"}, {"gaddr", "*UDPAddr"}},
		results: []string{"*UDPConn", "error"},
		hook:    "network string, gaddr *UDPAddr", args: "network, gaddr", zero: "nil",
	}),
}

func init() { hookPatches = append(hookPatches, netEntryPatches...) }

// netEntrySpec is one entry of netEntryPatches, from which newNetEntry
// writes the statement and the added file.
type netEntrySpec struct {
	file, recv, fn string // the function: file of net, receiver type (pointer) or "", name
	stem           string // names the hook: bigfoot<stem>Hook, bigfootSet<stem>Hook, bigfoot_<stem>hook.go
	target         string // the function as the added file's comment names it
	params         []param
	results        []string
	hook           string // the hook's parameters, in net's terms
	args           string // what the statement passes to the hook
	zero           string // the function's results before the hook's error: "nil", "0", "0, 0"
	imports        []string
}

// netDialEntry is the entry for net's internal dialX(ctx, dialer, network,
// laddr, raddr), which the public DialX and (*Dialer).DialX call.
func netDialEntry(file, fn, public, kind string) hookPatch {
	return newNetEntry(netEntrySpec{
		file: file, fn: fn, stem: public,
		target: fn + ", behind " + public + " and (*Dialer)." + public,
		params: []param{{"ctx", "context.Context"}, {"dialer", "*Dialer"}, {"network", "string"},
			{"laddr", "*" + kind + "Addr"}, {"raddr", "*" + kind + "Addr"}},
		results: []string{"*" + kind + "Conn", "error"},
		hook:    "ctx context.Context, viaDialer bool, network string, raddr *" + kind + "Addr",
		args:    "ctx, dialer != nil, network, raddr", zero: "nil",
		imports: []string{"context"},
	})
}

// netSendEntry is the entry for a method of recv that sends one packet to
// an address of type addrType: (b []byte, addr) returning (int, error),
// or, msg, (b, oob []byte, addr) returning (n, oobn int, err error).
func netSendEntry(file, recv, fn, stem string, msg bool, addrType string) hookPatch {
	s := netEntrySpec{
		file: file, recv: recv, fn: fn, stem: stem,
		target:  "(*" + recv + ")." + fn,
		params:  []param{{"b", "[]byte"}, {"addr", addrType}},
		results: []string{"int", "error"},
		hook:    "addr " + addrType, args: "addr", zero: "0",
	}
	if msg {
		s.params = []param{{"b", "[]byte"}, {"oob", "[]byte"}, {"addr", addrType}}
		s.results = []string{"int", "int", "error"}
		s.zero = "0, 0"
	}
	if strings.HasPrefix(addrType, "netip.") {
		s.imports = []string{"net/netip"}
	}
	return newNetEntry(s)
}

// newNetEntry writes the statement and the added file of s, in the form
// TestHookPatchesTable checks: the hook variable's declaration and its
// setter pushed with a bare go:linkname, gofmt-formatted.
func newNetEntry(s netEntrySpec) hookPatch {
	hookVar := "bigfoot" + s.stem + "Hook"
	setter := "bigfootSet" + s.stem + "Hook"
	stmt := "\n\tif h := " + hookVar + "; h != nil {\n" +
		"\t\tif err := h(" + s.args + "); err != nil {\n" +
		"\t\t\treturn " + s.zero + ", err\n" +
		"\t\t}\n" +
		"\t}\n"

	imports := append(append([]string(nil), s.imports...), "unsafe")
	var imp string
	if len(imports) == 1 {
		imp = "import _ \"unsafe\" // for go:linkname\n"
	} else {
		imp = "import (\n"
		for _, p := range imports {
			if p == "unsafe" {
				imp += "\t_ \"unsafe\" // for go:linkname\n"
			} else {
				imp += "\t\"" + p + "\"\n"
			}
		}
		imp += ")\n"
	}
	hookType := "func(" + s.hook + ") error"
	decl := "// Code generated by the bigfoot command; DO NOT EDIT.\n\npackage net\n\n" + imp + "\n" +
		"// " + hookVar + " is consulted first thing in " + s.target + ".\n" +
		"var " + hookVar + " " + hookType + "\n\n" +
		"// " + setter + " is called by bigfoot, under the build tag\n" +
		"// bigfoot_overlay, to set " + hookVar + ".\n" +
		"//\n" +
		"//go:linkname " + setter + "\n" +
		"func " + setter + "(h " + hookType + ") {\n" +
		"\t" + hookVar + " = h\n" +
		"}\n"
	return hookPatch{
		Pkg: "net", File: s.file,
		Recv: s.recv, PtrRecv: s.recv != "", Func: s.fn,
		Params: s.params, Results: s.results,
		Stmt:    stmt,
		HookVar: hookVar, HookSetter: setter,
		AddedFile: "bigfoot_" + strings.ToLower(s.stem) + "hook.go", Decl: decl,
	}
}
