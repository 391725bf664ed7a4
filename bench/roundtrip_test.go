package bench

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/socket"
)

var (
	ping = []byte("ping")
	pong = []byte("pong")
)

// interactionsPerRoundTrip is connect, sendall, recv, close.
const interactionsPerRoundTrip = 4

// reportPer reports the timed nanoseconds per unit, for k units per op.
func reportPer(b *testing.B, k int, unit string) {
	if b.N == 0 {
		return
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(k), "ns/"+unit)
}

// roundTrip is one whole scripted cycle on sock's verifier: script a session,
// run the code under test in a sandbox, assert the four interactions.
func roundTrip(b *testing.B, v *core.Verifier, sock *socket.Plugin, buf []byte) {
	sock.NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", pong).
		Expect("close", nil)

	var failed error
	v.Sandbox(func() {
		conn, err := sock.Dial("tcp", "127.0.0.1:9999")
		if err != nil {
			failed = err
			return
		}
		if _, err := conn.Write(ping); err != nil {
			failed = err
			return
		}
		n, err := conn.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], pong) {
			failed = err
			return
		}
		failed = conn.Close()
	})
	if failed != nil {
		b.Fatal(failed)
	}

	if err := sock.AssertConnect("127.0.0.1", 9999); err != nil {
		b.Fatal(err)
	}
	if err := sock.AssertSendall(ping); err != nil {
		b.Fatal(err)
	}
	if err := sock.AssertRecv(len(buf), pong); err != nil {
		b.Fatal(err)
	}
	if err := sock.AssertClose(); err != nil {
		b.Fatal(err)
	}
}

// renewEvery is how many round trips a shared verifier serves before it is
// verified and replaced (with the timer stopped).
const renewEvery = 10_000

func BenchmarkRoundTrip(b *testing.B) {
	// A fresh verifier per round trip, verified at the end: what one small
	// test pays, verifier creation and VerifyAll included.
	b.Run("bigfoot/fresh-verifier", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 1024)
		for b.Loop() {
			bf := bigfoot.NewStrictVerifier()
			roundTrip(b, bf.Core(), bf.Socket(), buf)
			if err := bf.VerifyAll(); err != nil {
				b.Fatal(err)
			}
		}
		reportPer(b, interactionsPerRoundTrip, "interaction")
	})

	// One manual verifier for renewEvery round trips: the marginal cost of
	// one more scripted interaction cycle.
	b.Run("bigfoot/shared-verifier", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 1024)
		bf := bigfoot.NewStrictVerifier()
		sock, err := socket.NewPlugin(bf)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; b.Loop(); i++ {
			if i > 0 && i%renewEvery == 0 {
				b.StopTimer()
				if err := bf.VerifyAll(); err != nil {
					b.Fatal(err)
				}
				bf = bigfoot.NewStrictVerifier()
				sock, _ = socket.NewPlugin(bf)
				b.StartTimer()
			}
			roundTrip(b, bf.Core(), sock, buf)
		}
		b.StopTimer()
		if err := bf.VerifyAll(); err != nil {
			b.Fatal(err)
		}
		reportPer(b, interactionsPerRoundTrip, "interaction")
	})

	// The same, with the verifier bound to a testing.TB (here the *testing.B)
	// as bigfoot.New(t) binds it: every Assert helper then also pays for
	// tb.Helper(). bigfoot.New itself is not used because it registers a
	// t.Cleanup per verifier.
	b.Run("bigfoot/shared-verifier-bound-tb", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 1024)
		v := core.New(b)
		sock := socket.For(v)
		for i := 0; b.Loop(); i++ {
			if i > 0 && i%renewEvery == 0 {
				b.StopTimer()
				if err := v.VerifyAll(); err != nil {
					b.Fatal(err)
				}
				v = core.New(b)
				sock = socket.For(v)
				b.StartTimer()
			}
			roundTrip(b, v, sock, buf)
		}
		b.StopTimer()
		if err := v.VerifyAll(); err != nil {
			b.Fatal(err)
		}
		reportPer(b, interactionsPerRoundTrip, "interaction")
	})

	// net.Pipe with an echo peer goroutine per connection: the pipe's
	// creation stands for the dial, then write, read, close (4 "interactions").
	b.Run("net.Pipe", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 1024)
		for b.Loop() {
			c, s := net.Pipe()
			go pipePeer(s)
			if _, err := c.Write(ping); err != nil {
				b.Fatal(err)
			}
			n, err := c.Read(buf)
			if err != nil || !bytes.Equal(buf[:n], pong) {
				b.Fatal(n, err)
			}
			if err := c.Close(); err != nil {
				b.Fatal(err)
			}
		}
		reportPer(b, interactionsPerRoundTrip, "interaction")
	})

	// One net.Pipe and one peer for the whole run; each op is a write and
	// a read (2 interactions). This is the figure DESIGN §9 quotes.
	b.Run("net.Pipe-persistent", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 1024)
		c, s := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			var in [64]byte
			for {
				if _, err := s.Read(in[:]); err != nil {
					s.Close()
					return
				}
				if _, err := s.Write(pong); err != nil {
					return
				}
			}
		}()
		for b.Loop() {
			if _, err := c.Write(ping); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf[:len(pong)]); err != nil {
				b.Fatal(err)
			}
		}
		c.Close()
		<-done
		reportPer(b, 2, "interaction")
	})

	// A real TCP connection on the loopback interface per op.
	b.Run("loopback-tcp", func(b *testing.B) {
		b.ReportAllocs()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Skip("no loopback listener:", err)
		}
		go func() {
			for {
				s, err := ln.Accept()
				if err != nil {
					return
				}
				go pipePeer(s)
			}
		}()
		defer ln.Close()
		addr := ln.Addr().String()
		buf := make([]byte, 1024)
		for b.Loop() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Write(ping); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf[:len(pong)]); err != nil {
				b.Fatal(err)
			}
			if err := c.Close(); err != nil {
				b.Fatal(err)
			}
		}
		reportPer(b, interactionsPerRoundTrip, "interaction")
	})
}

// pipePeer answers one ping with pong, then waits for the client to close.
func pipePeer(s net.Conn) {
	defer s.Close()
	var in [64]byte
	if _, err := io.ReadFull(s, in[:len(ping)]); err != nil {
		return
	}
	if _, err := s.Write(pong); err != nil {
		return
	}
	for {
		if _, err := s.Read(in[:]); err != nil {
			return
		}
	}
}
