package socket_test

// Tests for the findings of the plugin-kit review (issue 6), each written to
// fail before its fix. Tests of waits are bounded: they fail, rather than
// hang, if bigfoot hangs.

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/socket"
)

// within fails t if fn does not return within d.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v: bigfoot hangs", what, d)
	}
}

func TestRaisesOnSendDoesNotPanicOrHang(t *testing.T) {
	boom := errors.New("connection reset")
	var werr error
	within(t, 5*time.Second, "a Write meeting a raising send step", func() {
		ft := bftest.New(t)
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.Socket().NewSession().Expect("connect", nil).Expect("send", nil, bigfoot.Raises(boom))
			bf.Sandbox(func() {
				c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
				_, werr = c.Write([]byte("x"))
			})
			bf.Socket().AssertConnect("10.0.0.1", 1)
			bf.Socket().AssertSend([]byte("x"))
		})
		if ft.Failed() {
			t.Errorf("unexpected failure: %s", ft.All())
		}
	})
	if !errors.Is(werr, boom) {
		t.Errorf("Write returned %v, want the raised error", werr)
	}
}

func TestPanickingMatcherReachesTheTestAndFreesTheTimeline(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().Expect("connect", nil).Expect("sendall", nil)
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
		c.Write([]byte("ab"))
	})
	bf.Socket().AssertConnect("10.0.0.1", 1)
	var p any
	func() {
		defer func() { p = recover() }()
		bf.AssertInteraction(socket.Sendall, bigfoot.Fields{"data": bigfoot.Satisfies("third byte is c", func(b []byte) bool { return b[2] == 'c' })})
	}()
	if p == nil || !strings.Contains(strings.ToLower(fmtAny(p)), "index out of range") {
		t.Fatalf("the matcher's panic did not reach the test with its own text: %v", p)
	}
	within(t, 5*time.Second, "an assertion after a panicking matcher", func() {
		if err := bf.Socket().AssertSendall([]byte("ab")); err != nil {
			t.Error(err)
		}
		if err := bf.VerifyAll(); err != nil {
			t.Error(err)
		}
	})
}

func fmtAny(x any) string {
	if e, ok := x.(error); ok {
		return e.Error()
	}
	if s, ok := x.(string); ok {
		return s
	}
	return ""
}

func TestReadMeetingCloseFailsAfterTheStall(t *testing.T) {
	ft := bftest.New(t)
	var rerr error
	within(t, 5*time.Second, "a Read meeting close with nothing else to close", func() {
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.Socket().StallTimeout = 50 * time.Millisecond
			bf.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
			bf.Sandbox(func() {
				c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
				_, rerr = c.Read(make([]byte, 8)) // the script lacks this recv
				c.Close()
			})
			bf.Socket().AssertConnect("10.0.0.1", 1)
			bf.Socket().AssertClose()
		})
	})
	var mm *bigfoot.StepMismatchError
	if !errors.As(rerr, &mm) {
		t.Fatalf("Read returned %v, want *StepMismatchError", rerr)
	}
	mustContain(t, ft.All(), "the code reads more than the script gives; add a recv before close", `Expect("recv", []byte("data"))`)
}

func TestStallIsPaidOncePerExchange(t *testing.T) {
	ft := bftest.New(t)
	var second time.Duration
	within(t, 5*time.Second, "reads meeting a write step nobody takes", func() {
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.Socket().StallTimeout = 200 * time.Millisecond
			bf.Socket().NewSession().Expect("connect", nil).Expect("sendall", nil).Expect("recv", []byte("x")).Expect("close", nil)
			bf.Sandbox(func() {
				c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
				c.Read(make([]byte, 8)) // waits the stall, then fails
				start := time.Now()
				c.Read(make([]byte, 8)) // the same exchange: fails at once
				second = time.Since(start)
				c.Write([]byte("q"))
				c.Read(make([]byte, 8))
				c.Close()
			})
		})
	})
	if second > 100*time.Millisecond {
		t.Errorf("the second Read of a stalled exchange waited %v; the stall is paid once", second)
	}
}

func TestZeroLengthWriteTakesNoStep(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "10.0.0.1:4222")
		if n, err := c.Write(nil); n != 0 || err != nil {
			t.Errorf("Write(nil) = %d, %v", n, err)
		}
		c.Close()
	})
	bf.Socket().AssertConnect("10.0.0.1", 4222)
	bf.Socket().AssertClose()
}

func TestWriteMismatchShowsTheBytes(t *testing.T) {
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().Expect("connect", nil).Expect("recv", []byte("x"), bigfoot.Optional()).Expect("close", nil)
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
			c.Write([]byte("HELO example\r\n"))
			c.Close()
		})
	})
	all := strings.Join(append(errs, fatals...), "\n")
	mustContain(t, all, `Write of 14 bytes []byte("HELO example\r\n")`, "script the call before it")
}

func TestUDPConnIsAPacketConnForTheResolver(t *testing.T) {
	bf := bigfoot.New(t)
	// The reply echoes the query's ID and question: a computed recv.
	reply := func(written []byte) []byte { return dnsAnswer(written, net.IPv4(10, 1, 2, 3)) }
	bf.Socket().NewSession().Expect("connect", nil).Expect("sendall", nil).Expect("recv", reply).Expect("close", nil)
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		return bf.Socket().DialContext(ctx, "udp", "10.0.0.53:53")
	}}
	var addrs []net.IP
	var err error
	bf.Sandbox(func() {
		addrs, err = r.LookupIP(context.Background(), "ip4", "db.internal.") // one A query
	})
	if err != nil || len(addrs) != 1 || addrs[0].String() != "10.1.2.3" {
		t.Fatalf("LookupIP = %v, %v", addrs, err)
	}
	bf.Socket().AssertConnect("10.0.0.53", 53)
	bf.AssertInteraction(socket.Sendall, bigfoot.Fields{"data": bigfoot.Contains("\x02db\x08internal\x00")})
	bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": bigfoot.Contains("\x0a\x01\x02\x03")})
	bf.Socket().AssertClose()
}

// dnsAnswer builds the response to a single-question DNS query with one A
// record; written is the query as the resolver sent it (a datagram).
func dnsAnswer(query []byte, ip net.IP) []byte {
	end := 12
	for query[end] != 0 {
		end += int(query[end]) + 1
	}
	end += 5 // the root label, QTYPE, QCLASS
	msg := append([]byte(nil), query[:end]...)
	msg[2], msg[3] = 0x81, 0x80               // response, recursion desired and available
	binary.BigEndian.PutUint16(msg[6:8], 1)   // one answer
	binary.BigEndian.PutUint16(msg[8:10], 0)  // no authority
	binary.BigEndian.PutUint16(msg[10:12], 0) // no additional
	msg = append(msg, 0xc0, 12, 0, 1, 0, 1)   // name pointer, A, IN
	msg = append(msg, 0, 0, 0, 60, 0, 4)      // TTL 60, length 4
	return append(msg, ip.To4()...)
}

func TestRetriedFailureIsPrintedOnceWithACount(t *testing.T) {
	errs, _ := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Sandbox(func() {
			for range 5 { // a client retrying
				bf.Socket().Dial("tcp", "10.0.0.1:1")
			}
		})
	})
	all := strings.Join(errs, "\n")
	if n := strings.Count(all, "no scripted session is left"); n != 1 {
		t.Errorf("the failure is printed %d times:\n%s", n, all)
	}
	mustContain(t, all, "happened 5 times in all")
}

func TestMessagesAreBounded(t *testing.T) {
	big := make([]byte, 8<<20)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().Expect("connect", nil).Expect("recv", big).Expect("close", nil)
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
		c.Read(make([]byte, len(big)))
		c.Close()
	})
	err := bf.VerifyAll()
	if err == nil {
		t.Fatal("VerifyAll passed with unasserted interactions")
	}
	if n := len(err.Error()); n > 64<<10 {
		t.Errorf("VerifyAll's message is %d bytes, want at most 64 KiB", n)
	}
	mustContain(t, err.Error(), "bytes elided ("+strconv.Itoa(len(big))+" in all)")
	// A mismatch of long values marks the first differing byte.
	other := append([]byte(nil), big...)
	other[300000] = '!'
	bf.Socket().AssertConnect("10.0.0.1", 1)
	aerr := bf.Socket().AssertRecv(len(big), other)
	if aerr == nil || len(aerr.Error()) > 64<<10 {
		t.Fatalf("mismatch of long values: %d bytes", len(aerr.Error()))
	}
	mustContain(t, aerr.Error(), "first difference at byte 300000")
}

func TestBadPortsAndNetworksAreRefusedAtTheDial(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Sandbox(func() {
		for _, addr := range []string{"10.0.0.1:65536", "10.0.0.1:-1"} {
			_, err := bf.Socket().Dial("tcp", addr)
			var ae *net.AddrError
			if !errors.As(err, &ae) || ae.Err != "invalid port" {
				t.Errorf("Dial(%q) = %v, want an invalid port error", addr, err)
			}
		}
		_, err := bf.Socket().Dial("tcpx", "10.0.0.1:80")
		var une net.UnknownNetworkError
		if !errors.As(err, &une) {
			t.Errorf("Dial(tcpx) = %v, want net.UnknownNetworkError", err)
		}
	})
}

func TestRawIPNetworkFailsAsUnmocked(t *testing.T) {
	errs, _ := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Sandbox(func() {
			_, err := bf.Socket().Dial("ip4:icmp", "10.0.0.1")
			var um *bigfoot.UnmockedInteractionError
			if !errors.As(err, &um) {
				panic("Dial(ip4:icmp) did not fail as unmocked: " + fmtAny(err))
			}
		})
	})
	mustContain(t, strings.Join(errs, "\n"), "raw IP sockets (ip4:icmp) cannot be scripted")
}

func TestExpectCopiesWhatItKeeps(t *testing.T) {
	bf := bigfoot.New(t)
	data := []byte("pong")
	bf.Socket().NewSession().Expect("connect", nil).Expect("recv", data).Expect("close", nil)
	copy(data, "XXXX") // the caller reuses its buffer
	var got string
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
		buf := make([]byte, 8)
		n, _ := c.Read(buf)
		got = string(buf[:n])
		c.Close()
	})
	if got != "pong" {
		t.Errorf("Read %q, want the data as it was at Expect", got)
	}
	bf.Socket().AssertConnect("10.0.0.1", 1)
	bf.Socket().AssertRecv(8, []byte("pong"))
	bf.Socket().AssertClose()
}

func TestAssertInteractionWithNilSourceIsTyped(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	err := bf.AssertInteraction(nil, bigfoot.Fields{"data": "x"})
	var ia *bigfoot.InvalidAssertionError
	if !errors.As(err, &ia) {
		t.Fatalf("AssertInteraction(nil, ...) = %v, want *InvalidAssertionError", err)
	}
}

func TestComputedReplyIsRecorded(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().Expect("connect", nil).Expect("sendall", nil).
		Expect("recv", func(written []byte) []byte { return append([]byte("ack "), written...) }).Expect("close", nil)
	var got string
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "10.0.0.1:1")
		io.WriteString(c, "id=42")
		buf := make([]byte, 32)
		n, _ := c.Read(buf)
		got = string(buf[:n])
		c.Close()
	})
	if got != "ack id=42" {
		t.Errorf("Read %q", got)
	}
	bf.Socket().AssertConnect("10.0.0.1", 1)
	bf.Socket().AssertSendall([]byte("id=42"))
	bf.Socket().AssertRecv(32, []byte("ack id=42"))
	bf.Socket().AssertClose()
}

// helperTB is a fake test that places failures as testing.T does: at the
// first frame that did not call Helper. It checks that a failed typed
// assertion points at the test's own line.
type helperTB struct {
	*bftest.Reporter
	helpers map[string]bool
	line    string
}

func (h *helperTB) Helper() {
	pc, _, _, _ := runtime.Caller(1)
	h.helpers[runtime.FuncForPC(pc).Name()] = true
}

func (h *helperTB) Fatalf(format string, args ...any) {
	var pcs [32]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	for {
		f, more := frames.Next()
		if !h.helpers[f.Function] {
			h.line = f.File + ":" + strconv.Itoa(f.Line)
			break
		}
		if !more {
			break
		}
	}
	h.Reporter.Fatalf(format, args...)
}

func TestFailedTypedAssertionPointsAtTheTest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		assert func(bf *bigfoot.StrictVerifier)
	}{
		{"AssertConnect", func(bf *bigfoot.StrictVerifier) { bf.Socket().AssertConnect("10.9.9.9", 2) }},
		{"AssertSendall", func(bf *bigfoot.StrictVerifier) { bf.Socket().AssertSendall([]byte("nope")) }},
		{"AssertClose", func(bf *bigfoot.StrictVerifier) { bf.Socket().AssertClose() }},
		{"AssertInteraction", func(bf *bigfoot.StrictVerifier) {
			bf.AssertInteraction(socket.Close, bigfoot.Fields{})
		}},
	} {
		h := &helperTB{Reporter: bftest.New(t), helpers: map[string]bool{}}
		var want string
		h.Run(func() {
			bf := bigfoot.New(h)
			bf.Socket().NewSession().Expect("connect", nil)
			bf.Sandbox(func() { bf.Socket().Dial("tcp", "10.0.0.1:1") })
			_, file, ln, _ := runtime.Caller(0)
			want = file + ":" + strconv.Itoa(ln+1)
			tc.assert(bf)
		})
		// The assertion runs inside tc.assert, a closure in this file: the
		// failure must name a line of this file, not socket.go or core.
		if !strings.HasSuffix(strings.SplitN(h.line, ":", 2)[0], "findings_test.go") {
			t.Errorf("%s: failure reported at %s, want a line of the test (near %s)", tc.name, h.line, want)
		}
	}
}
