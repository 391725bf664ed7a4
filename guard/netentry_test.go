package guard

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// netEntry is one hook of netentry.go, called the way its statement in
// package net calls it, with the given context (nil where net has none)
// and a remote address.
type netEntry struct {
	name    string // as messages name the function
	network string // as the refusal names it
	call    func(ctx context.Context, addr string) error
}

// netEntries are every hook of netentry.go. addr is host:port for tcp
// and udp, an IP for ip, a path for unix.
var netEntries = []netEntry{
	{"net.DialTCP", "tcp", func(ctx context.Context, a string) error {
		return dialTCPHook(ctx, false, "tcp", net.TCPAddrFromAddrPort(netip.MustParseAddrPort(a)))
	}},
	{"(*net.Dialer).DialTCP", "tcp", func(ctx context.Context, a string) error {
		return dialTCPHook(ctx, true, "tcp", net.TCPAddrFromAddrPort(netip.MustParseAddrPort(a)))
	}},
	{"net.DialUDP", "udp", func(ctx context.Context, a string) error {
		return dialUDPHook(ctx, false, "udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(a)))
	}},
	{"(*net.Dialer).DialIP", "ip4:1", func(ctx context.Context, a string) error {
		return dialIPHook(ctx, true, "ip4:1", &net.IPAddr{IP: net.ParseIP(ipOf(a))})
	}},
	{fnUDPWriteTo, "udp", func(_ context.Context, a string) error {
		return udpWriteToHook(net.UDPAddrFromAddrPort(netip.MustParseAddrPort(a)))
	}},
	{fnUDPWriteToUDP, "udp", func(_ context.Context, a string) error {
		return udpSend(fnUDPWriteToUDP, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(a)))
	}},
	{fnUDPWriteMsgUDP, "udp", func(_ context.Context, a string) error {
		return udpSend(fnUDPWriteMsgUDP, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(a)))
	}},
	{fnUDPWriteToUDPAddrPort, "udp", func(_ context.Context, a string) error {
		return udpSendAddrPort(fnUDPWriteToUDPAddrPort, netip.MustParseAddrPort(a))
	}},
	{fnUDPWriteMsgUDPAddrPort, "udp", func(_ context.Context, a string) error {
		return udpSendAddrPort(fnUDPWriteMsgUDPAddrPort, netip.MustParseAddrPort(a))
	}},
	{fnIPWriteToIP, "ip", func(_ context.Context, a string) error {
		return ipSend(fnIPWriteToIP, &net.IPAddr{IP: net.ParseIP(ipOf(a))})
	}},
	{fnIPWriteMsgIP, "ip", func(_ context.Context, a string) error {
		return ipSend(fnIPWriteMsgIP, &net.IPAddr{IP: net.ParseIP(ipOf(a))})
	}},
}

// udpWriteToHook is the hook set for (*net.UDPConn).WriteTo, as init
// sets it.
func udpWriteToHook(addr net.Addr) error {
	a, ok := addr.(*net.UDPAddr)
	if !ok {
		return nil
	}
	return udpSend(fnUDPWriteTo, a)
}

func ipOf(hostport string) string {
	return netip.MustParseAddrPort(hostport).Addr().String()
}

// addressOf is how a refusal names addr for e's network.
func addressOf(e netEntry, addr string) string {
	if strings.HasPrefix(e.network, "ip") {
		return ipOf(addr)
	}
	return addr
}

// TestNetEntriesInsideSandbox: every entry point is refused as unmocked
// inside a sandbox, loopback included, failing the sandbox's test, with a
// fix that parses.
func TestNetEntriesInsideSandbox(t *testing.T) {
	resetFirewall(t)
	for _, e := range netEntries {
		t.Run(e.name, func(t *testing.T) {
			for _, addr := range []string{"203.0.113.7:53", "127.0.0.1:53"} {
				ft := bftest.New(t)
				v := core.New(ft)
				var err error
				v.Sandbox(func() { err = e.call(context.Background(), addr) })
				var unmocked *core.UnmockedInteractionError
				if !errors.As(err, &unmocked) || unmocked.Plugin != "socket" {
					t.Fatalf("%s to %s inside a sandbox: %v, want a *core.UnmockedInteractionError", e.name, addr, err)
				}
				if !strings.HasPrefix(unmocked.Call, e.name+" ") || !strings.Contains(unmocked.Call, addressOf(e, addr)) {
					t.Errorf("Call = %q, want it to name %s and %s", unmocked.Call, e.name, addr)
				}
				if errs := ft.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "unmocked socket call") {
					t.Errorf("the sandbox's test reported %q, want the unmocked call", errs)
				}
				checkFixParses(t, err.Error())
			}
		})
	}
}

// TestNetEntriesOutsideSandbox: outside every sandbox the firewall lets
// loopback through and refuses the rest with *core.GuardedCallError; a
// call of a closed sandbox is a post-sandbox call; warn and off let the
// refused ones through.
func TestNetEntriesOutsideSandbox(t *testing.T) {
	resetFirewall(t)
	resetLevels(t)
	for _, e := range netEntries {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			if err := e.call(ctx, "127.0.0.1:53"); err != nil {
				t.Errorf("loopback outside sandboxes: %v", err)
			}
			if err := e.call(ctx, "[::1]:53"); err != nil {
				t.Errorf("IPv6 loopback outside sandboxes: %v", err)
			}

			err := e.call(ctx, "203.0.113.7:53")
			var g *core.GuardedCallError
			if !errors.As(err, &g) || g.Plugin != "socket" || g.Network != e.network || g.Address != addressOf(e, "203.0.113.7:53") {
				t.Fatalf("outside address: %v, want a *core.GuardedCallError naming %s %s", err, e.network, addressOf(e, "203.0.113.7:53"))
			}
			want := `bigfoot.AllowDial(t, "` + addressOf(e, "203.0.113.7:53") + `")`
			if !strings.Contains(g.Fix, want) {
				t.Errorf("fix lacks %s:\n%s", want, g.Fix)
			}
			checkFixParses(t, err.Error())

			// A rule lets it through.
			remove, err := AddDialRules("AllowDial in "+t.Name(), []string{"203.0.113.0/24"}, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.call(ctx, "203.0.113.7:53"); err != nil {
				t.Errorf("allowed by a rule: %v", err)
			}
			remove()

			// A call of a closed sandbox, through its context where the
			// entry has one and its goroutines otherwise.
			ft := bftest.New(t)
			v := core.New(ft)
			done := make(chan error)
			var leftover func()
			v.Sandbox(func() {
				release := make(chan struct{})
				go func() { <-release; done <- e.call(core.WithSandbox(context.Background(), v), "127.0.0.1:53") }()
				leftover = func() { close(release) }
			})
			leftover()
			err = <-done
			var post *core.PostSandboxInteractionError
			if !errors.As(err, &post) || post.Test != t.Name() || !strings.HasPrefix(post.Call, e.name) {
				t.Errorf("call of a closed sandbox: %v, want a *core.PostSandboxInteractionError naming %s", err, t.Name())
			}
			if !strings.Contains(ft.All(), "made after the sandbox of "+t.Name()+" closed") {
				t.Errorf("the post-sandbox call was not reported to its test: %q", ft.All())
			}
		})
	}
}

// TestNetEntriesLevels: the guard level of dials applies to the new entry
// points as to dials: warn lets them through and counts them.
func TestNetEntriesLevels(t *testing.T) {
	resetFirewall(t)
	resetLevels(t)
	remove, err := SetTestLevel(t.Name(), KindDial, LevelWarn, "Guard in "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	out := captureStderr(t, func() {
		for _, e := range netEntries {
			if err := e.call(context.Background(), "203.0.113.9:53"); err != nil {
				t.Errorf("%s at warn: %v", e.name, err)
			}
		}
	})
	got := map[string]int{}
	for _, w := range Warnings() {
		got[w.Call] = w.Count
	}
	want := map[string]int{
		"socket dial tcp 203.0.113.9:53": 2, // net.DialTCP, (*net.Dialer).DialTCP
		"socket dial udp 203.0.113.9:53": 1,
		"socket dial ip4:1 203.0.113.9":  1,
		"socket send udp 203.0.113.9:53": 5, // the five UDP sends
		"socket send ip 203.0.113.9":     2,
	}
	if len(got) != len(want) {
		t.Errorf("warnings %v, want %v", got, want)
	}
	for call, n := range want {
		if got[call] != n {
			t.Errorf("%s let through %d times, want %d", call, got[call], n)
		}
	}
	if !strings.Contains(out, "bigfoot: warning: guard dial=warn (Guard in "+t.Name()+") let socket dial tcp 203.0.113.9:53 through") {
		t.Errorf("stderr:\n%s", out)
	}
}

// TestUnixEntries: unix sockets are allowed outside sandboxes and
// scripted (so refused) inside, as for dials.
func TestUnixEntries(t *testing.T) {
	resetFirewall(t)
	addr := &net.UnixAddr{Name: "/tmp/bigfoot-test.sock", Net: "unixgram"}
	for _, call := range []func() error{
		func() error { return dialUnixHook(context.Background(), false, "unixgram", addr) },
		func() error { return unixSend(fnUnixWriteToUnix, addr) },
		func() error { return unixSend(fnUnixWriteMsgUnix, addr) },
		func() error { return unixSend(fnUnixWriteTo, addr) },
	} {
		if err := call(); err != nil {
			t.Errorf("unix outside sandboxes: %v", err)
		}
		ft := bftest.New(t)
		v := core.New(ft)
		var err error
		v.Sandbox(func() { err = call() })
		var unmocked *core.UnmockedInteractionError
		if !errors.As(err, &unmocked) || !strings.Contains(unmocked.Call, "/tmp/bigfoot-test.sock") {
			t.Errorf("unix inside a sandbox: %v", err)
		}
		checkFixParses(t, err.Error())
	}
	// A bfcontext-owned caller outside its sandbox is still allowed.
	v := core.New(bftest.New(t))
	if err := dialUnixHook(core.WithSandbox(context.Background(), v), true, "unix", addr); err != nil {
		t.Errorf("unix dial with a verifier's context before its sandbox: %v", err)
	}
}

// TestNetEntriesLetNetReportItsOwnErrors: calls package net refuses by
// itself (no address, an unknown network, an address of the wrong type)
// reach net untouched, inside a sandbox too.
func TestNetEntriesLetNetReportItsOwnErrors(t *testing.T) {
	v := core.New(bftest.New(t))
	v.Sandbox(func() {
		for name, err := range map[string]error{
			"DialTCP nil":      dialTCPHook(context.Background(), false, "tcp", nil),
			"DialTCP bad net":  dialTCPHook(context.Background(), false, "udp", &net.TCPAddr{IP: net.IPv4(203, 0, 113, 7)}),
			"DialUDP nil":      dialUDPHook(context.Background(), false, "udp", nil),
			"DialIP bad net":   dialIPHook(context.Background(), false, "tcp", &net.IPAddr{IP: net.IPv4(203, 0, 113, 7)}),
			"DialUnix nil":     dialUnixHook(context.Background(), false, "unix", nil),
			"WriteTo TCPAddr":  udpWriteToHook(&net.TCPAddr{IP: net.IPv4(203, 0, 113, 7)}),
			"WriteToUDP nil":   udpSend(fnUDPWriteToUDP, nil),
			"AddrPort invalid": udpSendAddrPort(fnUDPWriteToUDPAddrPort, netip.AddrPort{}),
			"WriteToIP nil":    ipSend(fnIPWriteToIP, nil),
			"WriteToUnix nil":  unixSend(fnUnixWriteToUnix, nil),
			"multicast nil":    listenMulticastUDPHook("udp", nil),
			"multicast no IP":  listenMulticastUDPHook("udp", &net.UDPAddr{Port: 5353}),
		} {
			if err != nil {
				t.Errorf("%s: %v, want nil (net reports it)", name, err)
			}
		}
	})
}

// TestListenMulticastUDPEntry: joining a group is refused inside a
// sandbox and outside unless a rule names the group.
func TestListenMulticastUDPEntry(t *testing.T) {
	resetFirewall(t)
	group := &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	var g *core.GuardedCallError
	err := listenMulticastUDPHook("udp4", group)
	if !errors.As(err, &g) || g.Op != "join" || g.Address != "224.0.0.251:5353" || !strings.Contains(g.Reason, "the multicast group join is outside every sandbox") {
		t.Fatalf("join outside sandboxes: %v", err)
	}
	checkFixParses(t, err.Error())
	remove, err := AddDialRules("AllowDial in "+t.Name(), []string{"224.0.0.251"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := listenMulticastUDPHook("udp4", group); err != nil {
		t.Errorf("join allowed by a rule: %v", err)
	}
	remove()

	ft := bftest.New(t)
	v := core.New(ft)
	v.Sandbox(func() { err = listenMulticastUDPHook("udp4", group) })
	var unmocked *core.UnmockedInteractionError
	if !errors.As(err, &unmocked) || unmocked.Step != "join" || !ft.Failed() {
		t.Errorf("join inside a sandbox: %v (test failed: %v)", err, ft.Failed())
	}
	checkFixParses(t, err.Error())
}

// TestNetEntryFastPathAllocs keeps every hook free of allocations for a
// loopback address with no sandbox open.
func TestNetEntryFastPathAllocs(t *testing.T) {
	resetFirewall(t)
	ctx := context.Background()
	tcp := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	udp := &net.UDPAddr{IP: net.IPv6loopback, Port: 53}
	ap := netip.MustParseAddrPort("127.0.0.1:53")
	unix := &net.UnixAddr{Name: "/tmp/s", Net: "unixgram"}
	var a net.Addr = udp
	for name, fn := range map[string]func(){
		"dialTCP":    func() { dialTCPHook(ctx, false, "tcp", tcp) },
		"dialUnix":   func() { dialUnixHook(ctx, true, "unix", unix) },
		"WriteTo":    func() { udpWriteToHook(a) },
		"WriteToUDP": func() { udpSend(fnUDPWriteToUDP, udp) },
		"AddrPort":   func() { udpSendAddrPort(fnUDPWriteToUDPAddrPort, ap) },
		"unix send":  func() { unixSend(fnUnixWriteToUnix, unix) },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s allocates %v times on the fast path", name, n)
		}
	}
}

// BenchmarkNetEntryHook calls the hooks of the new entry points alone,
// with no sandbox open, for loopback addresses (the fast path).
func BenchmarkNetEntryHook(b *testing.B) {
	ctx := context.Background()
	tcp := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	udp := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	ap := netip.MustParseAddrPort("127.0.0.1:53")
	b.Run("dialTCP", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if dialTCPHook(ctx, false, "tcp", tcp) != nil {
				b.Fatal("refused")
			}
		}
	})
	b.Run("WriteToUDP", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if udpSend(fnUDPWriteToUDP, udp) != nil {
				b.Fatal("refused")
			}
		}
	})
	b.Run("WriteToUDPAddrPort", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if udpSendAddrPort(fnUDPWriteToUDPAddrPort, ap) != nil {
				b.Fatal("refused")
			}
		}
	})
}

// TestNetEntryVariantsMatch keeps netentry_plain.go and netentry_overlay.go
// in step, as TestVariantsMatch does for the dial hook: the same
// declarations with the same docs, opposite build constraints, and each
// setter of the overlay variant linked to package net's.
func TestNetEntryVariantsMatch(t *testing.T) {
	plain := readSource(t, "netentry_plain.go")
	linked := readSource(t, "netentry_overlay.go")
	if !bytes.HasPrefix(plain, []byte("//go:build !bigfoot_overlay\n")) {
		t.Error("netentry_plain.go does not start with //go:build !bigfoot_overlay")
	}
	if !bytes.HasPrefix(linked, []byte("//go:build bigfoot_overlay\n")) {
		t.Error("netentry_overlay.go does not start with //go:build bigfoot_overlay")
	}
	gotAPI := declarations(t, "netentry_overlay.go", linked)
	wantAPI := declarations(t, "netentry_plain.go", plain)
	if !slices.Equal(gotAPI, wantAPI) {
		t.Errorf("declarations of netentry_overlay.go:\n%s\nof netentry_plain.go:\n%s",
			strings.Join(gotAPI, "\n"), strings.Join(wantAPI, "\n"))
	}
	setters := 0
	for _, d := range gotAPI[1:] {
		i := strings.Index(d, "func set")
		if i < 0 {
			continue
		}
		setters++
		name := d[i+len("func ") : i+strings.IndexByte(d[i:], '(')]
		stem := strings.TrimSuffix(strings.TrimPrefix(name, "set"), "Hook")
		if !bytes.Contains(linked, []byte("\n//go:linkname "+name+" net.bigfootSet"+stem+"Hook\n")) {
			t.Errorf("netentry_overlay.go lacks //go:linkname %s net.bigfootSet%sHook", name, stem)
		}
	}
	if setters != 16 {
		t.Errorf("%d setters, want 16 (the entries of netEntryPatches)", setters)
	}
}

// BenchmarkLoopbackWriteToUDP sends real datagrams to a loopback socket
// from an unconnected one, with no sandbox open: under the overlay each
// goes through the WriteToUDP hook first. Compare a plain run with one
// under bigfoot test.
func BenchmarkLoopbackWriteToUDP(b *testing.B) {
	dst, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer dst.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			if _, _, err := dst.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	src, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	to := dst.LocalAddr().(*net.UDPAddr)
	msg := []byte("ping")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.WriteToUDP(msg, to); err != nil {
			b.Fatal(err)
		}
	}
}
