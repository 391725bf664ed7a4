package socket_test

import (
	"context"
	"errors"
	"go/parser"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
	"github.com/bigfoot-go/bigfoot/socket"
)

// line returns the file:line of the line after the caller's, to check
// messages that point at an Expect call.
func line(t *testing.T) string {
	t.Helper()
	_, file, ln, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(ln+1)
}

func mustContain(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message lacks %q:\n%s", p, msg)
		}
	}
}

func pingPong(bf *bigfoot.StrictVerifier) {
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong")).
		Expect("close", nil)
}

func TestDesignExample(t *testing.T) {
	bf := bigfoot.New(t)
	pingPong(bf)
	var got []byte
	bf.Sandbox(func() {
		conn, err := bf.Socket().Dial("tcp", "127.0.0.1:9999")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1024)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = buf[:n]
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
	})
	if string(got) != "pong" {
		t.Fatalf("read %q, want pong", got)
	}
	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertSendall([]byte("ping"))
	bf.Socket().AssertRecv(1024, []byte("pong"))
	bf.Socket().AssertClose()
}

// misuse runs body against a fake test and returns the fatal message.
func misuse(t *testing.T, body func(bf *bigfoot.StrictVerifier)) string {
	t.Helper()
	ft := bftest.New(t)
	ft.Run(func() { body(bigfoot.New(ft)) })
	if len(ft.Fatals()) != 1 {
		t.Fatalf("want exactly one fatal failure, got errors %q fatals %q", ft.Errors(), ft.Fatals())
	}
	return ft.Fatals()[0]
}

// panicOf runs body and returns the value it panicked with.
func panicOf(body func()) (v any) {
	defer func() { v = recover() }()
	body()
	return nil
}

func TestExpectRejectsUnknownStep(t *testing.T) {
	msg := misuse(t, func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().Expect("conect", nil)
	})
	mustContain(t, msg, `socket has no step "conect"`, `valid steps: ["connect" "send" "sendall" "recv" "close"]`, `Expect("connect", nil)`)

	p := panicOf(func() { bigfoot.NewStrictVerifier().Socket().NewSession().Expect("recieve", nil) })
	var e *bigfoot.UnknownStepError
	if err, _ := p.(error); !errors.As(err, &e) || e.Step != "recieve" {
		t.Fatalf("manual misuse panicked with %#v, want *UnknownStepError", p)
	}
	mustContain(t, e.Error(), `Expect("recv", []byte("data"))`)
}

func TestExpectRejectsWrongReturnsType(t *testing.T) {
	cases := []struct {
		step    string
		returns any
		want    []string
	}{
		{"recv", "pong", []string{`step "recv" returns []byte, or func(written []byte) []byte, got a value of type string`, `Expect("recv", []byte("data"))`}},
		{"send", nil, []string{`step "send" returns int (the number of bytes written), got a value of type nil`, `Expect("send", 5)`}},
		{"send", -1, []string{`got a value of type int`}},
		{"connect", 0, []string{`step "connect" returns nil, got a value of type int`, `Expect("connect", nil)`}},
		{"close", []byte{}, []string{`got a value of type []uint8`}},
	}
	for _, c := range cases {
		msg := misuse(t, func(bf *bigfoot.StrictVerifier) {
			bf.Socket().NewSession().Expect("connect", nil).Expect(c.step, c.returns)
		})
		mustContain(t, msg, c.want...)
	}
	// A step that raises needs no returns value.
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().Expect("connect", nil, bigfoot.Raises(errors.New("refused")))
}

func TestExpectRejectsImpossibleScript(t *testing.T) {
	msg := misuse(t, func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().Expect("recv", []byte("x"))
	})
	if want := "'recv' called in state 'disconnected'; valid from: [connected]"; msg != want {
		t.Fatalf("message %q, want %q", msg, want)
	}
	p := panicOf(func() {
		bigfoot.NewStrictVerifier().Socket().NewSession().Expect("connect", nil).Expect("close", nil).Expect("send", 1)
	})
	var e *bigfoot.InvalidStateError
	if err, _ := p.(error); !errors.As(err, &e) || e.Method != "send" || e.State != "closed" || len(e.ValidFrom) != 1 || e.ValidFrom[0] != "connected" {
		t.Fatalf("panic %#v, want InvalidStateError{send, closed, [connected]}", p)
	}
}

func TestExpectAfterSessionIsBound(t *testing.T) {
	msg := misuse(t, func(bf *bigfoot.StrictVerifier) {
		s := bf.Socket().NewSession().Expect("connect", nil)
		bf.Sandbox(func() { bf.Socket().Dial("tcp", "10.0.0.1:1") })
		s.Expect("close", nil)
	})
	mustContain(t, msg, `Expect("close", ...) on a socket session that is already bound to a connection`,
		"bf.Socket().NewSession().\n\t\tExpect(\"close\", nil)")
}

func TestSecondPluginIsRejected(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	if _, err := socket.NewPlugin(v); err != nil {
		t.Fatal(err)
	}
	_, err := socket.NewPlugin(v)
	if !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Fatalf("second NewPlugin: %v, want ErrPluginExists", err)
	}
	mustContain(t, err.Error(), "a socket plugin is already registered", "bf.Socket()")
	// The front door finds the existing plugin rather than making another.
	v2 := bigfoot.NewStrictVerifier()
	first := v2.Socket()
	if _, err := socket.NewPlugin(v2); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Fatalf("NewPlugin after Socket(): %v", err)
	}
	if v2.Socket() != first {
		t.Fatal("Socket() returned a different plugin")
	}
}

func TestAssertionInsideSandbox(t *testing.T) {
	msg := misuse(t, func(bf *bigfoot.StrictVerifier) {
		bf.Sandbox(func() { bf.Socket().AssertClose() })
	})
	mustContain(t, msg, "assertion on socket.Close made inside the sandbox", "move the assertion after the sandbox")
}

func TestMissingUnknownAndWildcardFields(t *testing.T) {
	msg := misuse(t, func(bf *bigfoot.StrictVerifier) {
		bf.AssertInteraction(socket.Recv, bigfoot.Fields{"data": []byte("x"), "sise": 3})
	})
	mustContain(t, msg, `assertion on socket.Recv is missing field(s) ["size"] and names unknown field(s) ["sise"]`,
		`bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": bigfoot.Any()})`)
	msg = misuse(t, func(bf *bigfoot.StrictVerifier) {
		bf.AssertInteraction(socket.Recv, bigfoot.Fields{"data": bigfoot.Any(), "size": bigfoot.Any()})
	})
	mustContain(t, msg, "uses bigfoot.Any() for every field, so it proves nothing")

	v := bigfoot.NewStrictVerifier()
	var e *bigfoot.MissingAssertionFieldsError
	if err := v.AssertInteraction(socket.Connect, bigfoot.Fields{"host": "h"}); !errors.As(err, &e) || e.Missing[0] != "port" {
		t.Fatalf("got %v", err)
	}
}

func TestUnmockedDialFailsEvenWhenErrorIsDropped(t *testing.T) {
	ft := bftest.New(t)
	var err error
	var dialSite string
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Sandbox(func() {
			dialSite = line(t)                                   // the Dial below is on the next line
			_, err = bf.Socket().Dial("tcp", "db.internal:5432") // a careless caller drops this
		})
	})
	var e *bigfoot.UnmockedInteractionError
	if !errors.As(err, &e) || e.Step != "connect" {
		t.Fatalf("Dial returned %v, want *UnmockedInteractionError", err)
	}
	if len(ft.Errors()) != 1 {
		t.Fatalf("the fake test was not failed exactly once: %q", ft.Errors())
	}
	mustContain(t, ft.Errors()[0], `unmocked socket call "connect": Dial("tcp", "db.internal:5432")`,
		"no scripted session is left", "bf.Socket().NewSession().\n\t\tExpect(\"connect\", nil)",
		"called at "+dialSite)
}

func TestRecvBeyondScript(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Socket().NewSession().Expect("connect", nil)
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "127.0.0.1:1")
			_, err = c.Read(make([]byte, 8))
		})
		bf.Socket().AssertConnect("127.0.0.1", 1)
	})
	var e *bigfoot.UnmockedInteractionError
	if !errors.As(err, &e) || e.Step != "recv" {
		t.Fatalf("Read returned %v", err)
	}
	mustContain(t, ft.All(), `unmocked socket call "recv": on tcp 127.0.0.1:1 (socket session 1)`, "its script: [connect]", `Expect("recv", []byte("data"))`)
}

func TestShortReadBuffer(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Socket().NewSession().Expect("connect", nil).Expect("recv", []byte("hello world"), bigfoot.Optional())
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "127.0.0.1:1")
			_, err = c.Read(make([]byte, 5))
		})
		bf.Socket().AssertConnect("127.0.0.1", 1)
	})
	var e *socket.ShortBufferError
	if !errors.As(err, &e) || !errors.Is(err, io.ErrShortBuffer) {
		t.Fatalf("Read returned %v", err)
	}
	mustContain(t, ft.All(), "Read with a 5-byte buffer met a recv step of 11 bytes",
		"Expect(\"recv\", []byte(\"hello\")).\n\tExpect(\"recv\", []byte(\" world\"))")
}

func TestWriteMeetingRecvFailsAtOnce(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Socket().NewSession().Expect("connect", nil).Expect("recv", []byte("hi"), bigfoot.Optional()).Expect("recv", []byte("x"))
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "127.0.0.1:1")
			_, err = c.Write([]byte("early"))
		})
	})
	var e *bigfoot.StepMismatchError
	if !errors.As(err, &e) || e.Call != "sendall" || e.Step != "recv" {
		t.Fatalf("Write returned %v", err)
	}
	mustContain(t, ft.All(), `socket call "sendall" met scripted step "recv"`, "script left in this session: [recv recv]", "socket_test.go:")
}

func TestCallAfterClose(t *testing.T) {
	ft := bftest.New(t)
	var readErr, closeErr, writeErr error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "127.0.0.1:1")
			c.Close()
			_, readErr = c.Read(make([]byte, 8))
			closeErr = c.Close()
			_, writeErr = c.Write([]byte("lost"))
		})
		bf.Socket().AssertConnect("127.0.0.1", 1)
		bf.Socket().AssertClose()
	})
	var e *bigfoot.InvalidStateError
	if !errors.As(readErr, &e) || e.Error() != "'recv' called in state 'closed'; valid from: [connected]" {
		t.Fatalf("Read after Close: %v", readErr)
	}
	for _, err := range []error{readErr, closeErr, writeErr} {
		if !errors.As(err, &e) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("%v: want *InvalidStateError wrapping net.ErrClosed", err)
		}
	}
	// Only the Write fails the test; a real connection answers the Read and
	// the second Close with net.ErrClosed, and correct clients rely on it.
	if len(ft.Errors()) != 1 || !strings.Contains(ft.Errors()[0], "'sendall' called in state 'closed'") {
		t.Fatalf("want one failure, for the Write; got %q", ft.Errors())
	}
}

func TestUnassertedInteractionsAtCleanup(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		pingPong(bf)
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "example.com:80")
			c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
			c.Read(make([]byte, 512))
			c.Close()
		})
		bf.Socket().AssertConnect("example.com", 80)
	})
	msg := ft.All()
	mustContain(t, msg, "3 recorded interaction(s) were never asserted",
		`#2 socket sendall data=[]byte("GET / HTTP/1.0\r\n\r\n")`,
		`bf.Socket().AssertSendall([]byte("GET / HTTP/1.0\r\n\r\n"))`,
		`bf.Socket().AssertRecv(512, []byte("pong"))`,
		`bf.Socket().AssertClose()`)
	// Every printed hint is Go code that parses.
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "bf.") {
			if _, err := parser.ParseExpr(l); err != nil {
				t.Errorf("hint %q does not parse: %v", l, err)
			}
		}
	}
}

func TestUnusedStepNamesItsSite(t *testing.T) {
	ft := bftest.New(t)
	var site string
	ft.Run(func() {
		bf := bigfoot.New(ft)
		s := bf.Socket().NewSession().Expect("connect", nil)
		site = line(t) // the Expect below is on the next line
		s.Expect("recv", []byte("never"))
		bf.Sandbox(func() { bf.Socket().Dial("tcp", "127.0.0.1:1") })
		bf.Socket().AssertConnect("127.0.0.1", 1)
	})
	mustContain(t, ft.All(), "1 scripted step(s) were never used", `socket session 1 step 2 "recv" registered at `+site,
		`Expect("recv", []byte("data"), bigfoot.Optional())`)
}

func TestUnusedSessionMentionsTransparentMode(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	v.Socket().NewSession().Expect("connect", nil)
	err := v.VerifyAll()
	var e *bigfoot.UnusedMocksError
	if !errors.As(err, &e) {
		t.Fatalf("VerifyAll: %v", err)
	}
	if guard.Transparent() {
		// Under bigfoot test net.Dial is intercepted: the note would mislead.
		if strings.Contains(err.Error(), "note:") {
			t.Errorf("transparent mode is on, yet the failure carries a note about it:\n%v", err)
		}
		return
	}
	mustContain(t, err.Error(), "net.Dial", "cmd/bigfoot test")
}

func TestBothUnassertedAndUnused(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	v.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
	v.Sandbox(func() { v.Socket().Dial("tcp", "127.0.0.1:1") })
	err := v.VerifyAll()
	var both *bigfoot.VerificationError
	var un *bigfoot.UnassertedInteractionsError
	var unused *bigfoot.UnusedMocksError
	if !errors.As(err, &both) || !errors.As(err, &un) || !errors.As(err, &unused) {
		t.Fatalf("VerifyAll: %v", err)
	}
	if len(un.Interactions) != 1 || len(unused.Steps) != 1 || unused.Steps[0].Step != "close" {
		t.Fatalf("parts: %v / %v", un, unused)
	}
}

func TestMismatchShowsDiffTimelineAndFix(t *testing.T) {
	msg := misuse(t, func(bf *bigfoot.StrictVerifier) {
		pingPong(bf)
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
			c.Write([]byte("ping"))
			c.Read(make([]byte, 64))
			c.Close()
		})
		bf.Socket().AssertConnect("127.0.0.1", 9998)
	})
	mustContain(t, msg, "expected: socket connect host=\"127.0.0.1\" port=9998",
		"actual:   #1 socket connect host=\"127.0.0.1\" port=9999",
		"field port:\n    - 9998\n    + 9999",
		"unasserted timeline:\n    #1 socket connect", "#4 socket close",
		"fix:\n\tbf.Socket().AssertConnect(\"127.0.0.1\", 9999)")
}

func TestManualModeReturnsErrors(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	sock, err := socket.NewPlugin(v)
	if err != nil {
		t.Fatal(err)
	}
	sock.NewSession().Expect("connect", nil).Expect("close", nil)
	v.Sandbox(func() {
		c, err := sock.Dial("tcp", "127.0.0.1:80")
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	})
	var e *bigfoot.InteractionMismatchError
	if err := sock.AssertClose(); !errors.As(err, &e) {
		t.Fatalf("out-of-order assertion: %v", err)
	}
	if err := sock.AssertConnect("127.0.0.1", 80); err != nil {
		t.Fatal(err)
	}
	if err := sock.AssertClose(); err != nil {
		t.Fatal(err)
	}
	if err := sock.AssertClose(); !errors.As(err, &e) || e.Actual != nil {
		t.Fatalf("assertion past the end: %v", err)
	}
	if err := v.VerifyAll(); err != nil {
		t.Fatal(err)
	}
}

func TestOptionalStepsAndRaises(t *testing.T) {
	bf := bigfoot.New(t)
	refused := errors.New("connection refused")
	bf.Socket().NewSession().Expect("connect", nil, bigfoot.Raises(refused))
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil, bigfoot.Optional()). // passed over by the Read
		Expect("recv", []byte("banner")).
		Expect("send", 2).
		Expect("recv", []byte(""), bigfoot.Raises(os.ErrDeadlineExceeded)).
		Expect("recv", []byte{}).
		Expect("close", nil, bigfoot.Optional())
	bf.Sandbox(func() {
		if _, err := bf.Socket().Dial("tcp", "10.1.1.1:25"); err != refused {
			t.Errorf("first dial: %v, want the scripted error itself", err)
		}
		c, err := bf.Socket().Dial("tcp", "10.1.1.1:25")
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 16)
		if n, err := c.Read(buf); err != nil || string(buf[:n]) != "banner" {
			t.Errorf("read %q %v", buf[:n], err)
		}
		if n, err := c.Write([]byte("HELO")); n != 2 || err != io.ErrShortWrite {
			t.Errorf("short send: %d %v", n, err)
		}
		if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("raised read: %v", err)
		}
		if n, err := c.Read(buf); n != 0 || err != io.EOF {
			t.Errorf("empty recv: %d %v, want 0 EOF", n, err)
		}
	})
	bf.Socket().AssertConnect("10.1.1.1", 25)
	bf.Socket().AssertConnect("10.1.1.1", 25)
	bf.Socket().AssertRecv(16, []byte("banner"))
	bf.Socket().AssertSend([]byte("HELO"))
	bf.Socket().AssertRecv(16, nil)
	bf.Socket().AssertRecv(16, []byte{})
}

func TestSendCountLargerThanWrite(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Socket().NewSession().Expect("connect", nil).Expect("send", 10, bigfoot.Optional())
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "127.0.0.1:1")
			_, err = c.Write([]byte("abc"))
		})
		bf.Socket().AssertConnect("127.0.0.1", 1)
	})
	var e *socket.SendCountError
	if !errors.As(err, &e) {
		t.Fatalf("Write: %v", err)
	}
	mustContain(t, ft.All(), "Write of 3 bytes met a send step returning 10", `Expect("send", 3)`)
}

// A reader goroutine that reads before the writer writes (as net/http's
// transport does) waits for its turn instead of failing.
func TestReadWaitsForConcurrentWrite(t *testing.T) {
	bf := bigfoot.New(t)
	pingPong(bf)
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
		got := make(chan string)
		go func() {
			buf := make([]byte, 32)
			n, err := c.Read(buf)
			if err != nil {
				t.Error(err)
			}
			got <- string(buf[:n])
		}()
		time.Sleep(20 * time.Millisecond) // let the reader get there first
		c.Write([]byte("ping"))
		if s := <-got; s != "pong" {
			t.Errorf("read %q", s)
		}
		c.Close()
	})
	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertSendall([]byte("ping"))
	bf.Socket().AssertRecv(32, []byte("pong"))
	bf.Socket().AssertClose()
}

// A read blocked on an idle connection ends with net.ErrClosed when another
// goroutine closes it, and that is not a failure.
func TestCloseUnblocksIdleRead(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
		errc := make(chan error)
		go func() {
			_, err := c.Read(make([]byte, 8))
			errc <- err
		}()
		time.Sleep(20 * time.Millisecond)
		c.Close()
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Errorf("blocked read: %v, want net.ErrClosed", err)
		}
	})
	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertClose()
}

func TestReadThatNobodyUnblocksStalls(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Socket().StallTimeout = 30 * time.Millisecond
		pingPong(bf)
		bf.Sandbox(func() {
			c, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
			_, err = c.Read(make([]byte, 8)) // the script says write first
		})
	})
	var e *bigfoot.StepMismatchError
	if !errors.As(err, &e) || e.Call != "recv" || e.Step != "sendall" {
		t.Fatalf("Read: %v", err)
	}
	mustContain(t, ft.All(), "the call waited 30ms for another goroutine to take step \"sendall\" first")
}

func TestDeadlines(t *testing.T) {
	bf := bigfoot.New(t)
	pingPong(bf)
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
		c.SetReadDeadline(time.Now().Add(-time.Second))
		_, err := c.Read(make([]byte, 8))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read past deadline: %v", err)
		}
		// A read waiting for its turn gives up at its deadline, taking no step.
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := c.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("waiting read: %v", err)
		}
		c.SetDeadline(time.Time{})
		c.Write([]byte("ping"))
		c.Read(make([]byte, 8))
		c.Close()
	})
	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertSendall([]byte("ping"))
	bf.Socket().AssertRecv(8, []byte("pong"))
	bf.Socket().AssertClose()
}

func TestCallsOutsideSandboxAreRefused(t *testing.T) {
	ft := bftest.New(t)
	var dialErr, readErr error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		pingPong(bf)
		_, dialErr = bf.Socket().Dial("tcp", "127.0.0.1:9999")
		var c net.Conn
		bf.Sandbox(func() { c, _ = bf.Socket().Dial("tcp", "127.0.0.1:9999") })
		_, readErr = c.Read(make([]byte, 4))
		bf.Socket().AssertConnect("127.0.0.1", 9999)
	})
	var g *bigfoot.GuardedCallError
	if !errors.As(dialErr, &g) || !errors.As(readErr, &g) {
		t.Fatalf("dial %v / read %v, want *GuardedCallError", dialErr, readErr)
	}
	mustContain(t, ft.All(), "socket dial tcp 127.0.0.1:9999 refused: no sandbox is open", "bf.Sandbox(func() {",
		"socket read tcp 127.0.0.1:9999 refused: the sandbox is closed")
}

func TestCancelledContextTakesNoStep(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	v.Socket().NewSession().Expect("connect", nil, bigfoot.Optional())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v.Sandbox(func() {
		if _, err := v.Socket().DialContext(ctx, "tcp", "127.0.0.1:1"); !errors.Is(err, context.Canceled) {
			t.Errorf("dial: %v", err)
		}
	})
	if err := v.VerifyAll(); err != nil {
		t.Fatal(err)
	}
}

func TestAddresses(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	for range 4 {
		v.Socket().NewSession().Expect("connect", nil)
	}
	v.Sandbox(func() {
		for _, c := range []struct{ network, addr, remote, remoteNet string }{
			{"tcp", "192.0.2.1:80", "192.0.2.1:80", "tcp"},
			{"tcp", "[2001:db8::1]:443", "[2001:db8::1]:443", "tcp"},
			{"tcp", "monitoring.internal:http", "monitoring.internal:80", "tcp"},
			{"unix", "/run/app.sock", "/run/app.sock", "unix"},
		} {
			conn, err := v.Socket().Dial(c.network, c.addr)
			if err != nil {
				t.Fatal(err)
			}
			if conn.RemoteAddr().String() != c.remote || conn.RemoteAddr().Network() != c.remoteNet {
				t.Errorf("%s: remote %s/%s", c.addr, conn.RemoteAddr().Network(), conn.RemoteAddr())
			}
			if conn.LocalAddr() == nil {
				t.Errorf("%s: no local address", c.addr)
			}
		}
	})
	for _, want := range []struct {
		host string
		port int
	}{{"192.0.2.1", 80}, {"2001:db8::1", 443}, {"monitoring.internal", 80}, {"/run/app.sock", 0}} {
		if err := v.Socket().AssertConnect(want.host, want.port); err != nil {
			t.Fatal(err)
		}
	}
}

// gomockStyle is a matcher with gomock's method set but none of bigfoot's types.
type gomockStyle struct{ n int }

func (m gomockStyle) Matches(x any) bool { b, ok := x.([]byte); return ok && len(b) == m.n }
func (m gomockStyle) String() string     { return "has length " + strconv.Itoa(m.n) }

func TestMatchersAndInAnyOrder(t *testing.T) {
	bf := bigfoot.New(t)
	for i := range 3 {
		bf.Socket().NewSession().Expect("connect", nil).Expect("sendall", nil).Expect("close", nil)
		_ = i
	}
	bf.Sandbox(func() {
		done := make(chan struct{})
		for i := range 3 {
			go func() {
				defer func() { done <- struct{}{} }()
				c, err := bf.Socket().Dial("tcp", "10.0.0."+strconv.Itoa(i+1)+":7")
				if err != nil {
					t.Error(err)
					return
				}
				c.Write([]byte("job-" + strconv.Itoa(i)))
				c.Close()
			}()
		}
		for range 3 {
			<-done
		}
	})
	bf.InAnyOrder(func() {
		for i := 2; i >= 0; i-- {
			bf.Socket().AssertConnect("10.0.0."+strconv.Itoa(i+1), 7)
			bf.AssertInteraction(socket.Sendall, bigfoot.Fields{"data": bigfoot.Regexp(`^job-` + strconv.Itoa(i) + `$`)})
		}
		for range 3 {
			bf.Socket().AssertClose()
		}
	})
}

// A connection that the code's own goroutine closes just after the sandbox
// function returned is closed inside the sandbox: it waits for such closes.
func TestSandboxWaitsForAsynchronousClose(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
	bf.Sandbox(func() {
		c, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
		go func() {
			time.Sleep(10 * time.Millisecond)
			if err := c.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
	})
	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertClose()
}

// net/http's transport closes a `Connection: close` connection from its
// read loop after the body's EOF, on its own schedule; the test needs no
// CloseIdleConnections and never sees that close outside the sandbox.
func TestHTTPConnectionCloseIsClosedInsideSandbox(t *testing.T) {
	const response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte(response)).
		Expect("close", nil)
	client := &http.Client{Transport: &http.Transport{DialContext: bf.Socket().DialContext}}
	var body []byte
	bf.Sandbox(func() {
		resp, err := client.Get("http://api.internal/health")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	})
	if string(body) != "ok" {
		t.Fatalf("body %q", body)
	}
	bf.Socket().AssertConnect("api.internal", 80)
	bf.AssertInteraction(socket.Sendall, bigfoot.Fields{"data": bigfoot.HasPrefix("GET /health HTTP/1.1\r\nHost: api.internal\r\n")})
	bf.Socket().AssertRecv(4096, []byte(response))
	bf.Socket().AssertClose()
}

// A session whose close never comes delays the sandbox by at most
// core.SettleTimeout, and verification reports the step.
func TestSandboxSettleIsBounded(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	v.Socket().NewSession().Expect("connect", nil).Expect("close", nil)
	start := time.Now()
	v.Sandbox(func() { v.Socket().Dial("tcp", "127.0.0.1:9999") })
	if d := time.Since(start); d < core.SettleTimeout || d > 10*core.SettleTimeout {
		t.Errorf("sandbox took %v, want about %v", d, core.SettleTimeout)
	}
	v.Socket().AssertConnect("127.0.0.1", 9999)
	var unused *bigfoot.UnusedMocksError
	if err := v.VerifyAll(); !errors.As(err, &unused) || unused.Steps[0].Step != "close" {
		t.Fatalf("VerifyAll: %v", err)
	}
}
