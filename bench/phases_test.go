package bench

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/socket"
)

// batch is how many round trips a phase benchmark prepares at a time, with
// the timer stopped.
const batch = 10_000

// BenchmarkPhases splits BenchmarkRoundTrip/bigfoot/shared-verifier into its
// parts, to show where the time and the allocations go. Each op is one round
// trip's worth of the phase (4 interactions).
func BenchmarkPhases(b *testing.B) {
	// A verifier's own life: create it and its socket plugin, verify it.
	b.Run("verifier-lifecycle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bf := bigfoot.NewStrictVerifier()
			bf.Socket()
			if err := bf.VerifyAll(); err != nil {
				b.Fatal(err)
			}
		}
	})

	// The first interaction recorded on a fresh verifier.
	b.Run("first-record", func(b *testing.B) {
		b.ReportAllocs()
		vs := make([]*core.Verifier, batch)
		for i := 0; b.Loop(); i++ {
			if i%batch == 0 {
				b.StopTimer()
				for j := range vs {
					vs[j] = core.New(nil)
				}
				b.StartTimer()
			}
			vs[i%batch].Record(socket.Connect, core.String("127.0.0.1"), core.Int(9999))
		}
	})

	// NewSession and four Expect calls.
	b.Run("script", func(b *testing.B) {
		b.ReportAllocs()
		sock := bigfoot.NewStrictVerifier().Socket()
		for i := 0; b.Loop(); i++ {
			if i > 0 && i%batch == 0 {
				b.StopTimer()
				sock = bigfoot.NewStrictVerifier().Socket() // unverified: its sessions are never dialed
				b.StartTimer()
			}
			sock.NewSession().
				Expect("connect", nil).
				Expect("sendall", nil).
				Expect("recv", pong).
				Expect("close", nil)
		}
	})

	// Entering and leaving an empty sandbox.
	b.Run("sandbox-empty", func(b *testing.B) {
		b.ReportAllocs()
		bf := bigfoot.NewStrictVerifier()
		for b.Loop() {
			bf.Sandbox(func() {})
		}
	})

	// Dial, Write, Read, Close inside a sandbox that stays open for a batch.
	b.Run("calls", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 1024)
		for more := true; more; {
			b.StopTimer()
			bf := bigfoot.NewStrictVerifier()
			sock := bf.Socket()
			for range batch {
				sock.NewSession().
					Expect("connect", nil).
					Expect("sendall", nil).
					Expect("recv", pong).
					Expect("close", nil)
			}
			b.StartTimer()
			bf.Sandbox(func() {
				for range batch {
					if !b.Loop() {
						more = false
						return
					}
					conn, err := sock.Dial("tcp", "127.0.0.1:9999")
					if err != nil {
						b.Fatal(err)
					}
					if _, err := conn.Write(ping); err != nil {
						b.Fatal(err)
					}
					if _, err := conn.Read(buf); err != nil {
						b.Fatal(err)
					}
					if err := conn.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
			if more {
				b.StopTimer()
			}
			// The last verifier has unused sessions; nobody verifies it.
			if more {
				b.StartTimer()
			}
		}
	})

	// The four Assert calls, on interactions recorded beforehand.
	b.Run("asserts", func(b *testing.B) {
		b.ReportAllocs()
		var sock *socket.Plugin
		for i := 0; b.Loop(); i++ {
			if i%batch == 0 {
				b.StopTimer()
				v := core.New(nil)
				sock = socket.For(v)
				recordRoundTrips(v, batch, nil)
				b.StartTimer()
			}
			if err := sock.AssertConnect("127.0.0.1", 9999); err != nil {
				b.Fatal(err)
			}
			if err := sock.AssertSendall(ping); err != nil {
				b.Fatal(err)
			}
			if err := sock.AssertRecv(1024, pong); err != nil {
				b.Fatal(err)
			}
			if err := sock.AssertClose(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTBHelper is the cost of one testing.TB.Helper call, which every
// Assert helper of a verifier bound to a test pays twice (the plugin's
// helper and core's AssertValues each call it).
func BenchmarkTBHelper(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.Helper()
	}
}

// recordRoundTrips records n round trips (connect, sendall, recv, close) on v
// directly, as the socket plugin records them. payloads, if not nil, gives
// the sendall data of each round trip; otherwise it is ping.
func recordRoundTrips(v *core.Verifier, n int, payloads [][]byte) {
	for i := range n {
		data := ping
		if payloads != nil {
			data = payloads[i]
		}
		v.Record(socket.Connect, core.String("127.0.0.1"), core.Int(9999))
		v.Record(socket.Sendall, core.Bytes(data))
		v.Record(socket.Recv, core.Int(1024), core.Bytes(pong))
		v.Record(socket.Close)
	}
}
