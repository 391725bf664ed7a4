package bench

import (
	"fmt"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/socket"
)

var assertSizes = []int{1_000, 10_000, 100_000}

// payloads returns n distinct sendall payloads.
func payloads(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "payload-%07d", i)
	}
	return out
}

// BenchmarkAssert records N interactions (N/4 round trips, each with its own
// payload) on a fresh verifier with the timer stopped, then times asserting
// all N in order. ns/assertion should not grow with N.
func BenchmarkAssert(b *testing.B) {
	for _, n := range assertSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			trips := n / interactionsPerRoundTrip
			data := payloads(trips)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				v := core.New(nil)
				sock := socket.For(v)
				recordRoundTrips(v, trips, data)
				b.StartTimer()
				for i := range trips {
					if err := sock.AssertConnect("127.0.0.1", 9999); err != nil {
						b.Fatal(err)
					}
					if err := sock.AssertSendall(data[i]); err != nil {
						b.Fatal(err)
					}
					if err := sock.AssertRecv(1024, pong); err != nil {
						b.Fatal(err)
					}
					if err := sock.AssertClose(); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if err := v.VerifyAll(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			reportPer(b, n, "assertion")
		})
	}
}

// BenchmarkAssertInAnyOrder is BenchmarkAssert with every assertion (exact
// values) made in reverse order inside InAnyOrder. The first assertion
// builds the index over all N, inside the timed region.
func BenchmarkAssertInAnyOrder(b *testing.B) {
	for _, n := range assertSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			trips := n / interactionsPerRoundTrip
			data := payloads(trips)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				v := core.New(nil)
				sock := socket.For(v)
				recordRoundTrips(v, trips, data)
				b.StartTimer()
				v.InAnyOrder(func() {
					for i := trips - 1; i >= 0; i-- {
						if err := sock.AssertClose(); err != nil {
							b.Fatal(err)
						}
						if err := sock.AssertRecv(1024, pong); err != nil {
							b.Fatal(err)
						}
						if err := sock.AssertSendall(data[i]); err != nil {
							b.Fatal(err)
						}
						if err := sock.AssertConnect("127.0.0.1", 9999); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.StopTimer()
				if err := v.VerifyAll(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			reportPer(b, n, "assertion")
		})
	}
}
