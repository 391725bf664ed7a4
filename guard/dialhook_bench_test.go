package guard

import (
	"context"
	"net"
	"testing"
)

// The cost of transparent mode for code that dials outside every sandbox,
// as tests that start httptest servers do. Run the same benchmarks without
// and with the overlay and compare (BENCH-overlay.md has the figures):
//
//	go test -run '^$' -bench 'LoopbackDial|DialHook' -count 10 ./guard
//	go run ./cmd/bigfoot test -run '^$' -bench 'LoopbackDial|DialHook' -count 10 ./guard

// BenchmarkLoopbackDial dials a real loopback listener and closes the
// connection, with no sandbox open: with the overlay, every dial passes
// through dialHook first.
func BenchmarkLoopbackDial(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	b.ReportAllocs()
	for b.Loop() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkDialHook calls the hook alone, with no sandbox open: for loopback
// addresses (let through on the fast path; 127.0.0.1 is checked first) and
// for an address the firewall refuses.
func BenchmarkDialHook(b *testing.B) {
	ctx := context.Background()
	b.Run("loopback", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if handled, _, _, _ := dialHook(ctx, "tcp", "127.0.0.1:8080"); handled {
				b.Fatal("loopback dial handled")
			}
		}
	})
	b.Run("loopback-ipv6", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if handled, _, _, _ := dialHook(ctx, "tcp", "[::1]:8080"); handled {
				b.Fatal("loopback dial handled")
			}
		}
	})
	b.Run("refused", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if handled, _, _, _ := dialHook(ctx, "tcp", "192.0.2.1:80"); !handled {
				b.Fatal("dial to 192.0.2.1 let through")
			}
		}
	})
}

// TestDialHookFastPathAllocs keeps the no-sandbox loopback path free of
// allocations.
func TestDialHookFastPathAllocs(t *testing.T) {
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { dialHook(ctx, "tcp", "127.0.0.1:8080") }); n != 0 {
		t.Errorf("dialHook allocates %v times for a loopback dial with no sandbox open", n)
	}
}
