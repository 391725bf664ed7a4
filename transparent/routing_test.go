//go:build bigfoot_overlay

package transparent

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/guard"
)

func TestAvailable(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("guard.Transparent() is false under the bigfoot_overlay tag")
	}
}

// scriptPing scripts one connection that is sent "ping\n" and answers reply.
func scriptPing(bf *bigfoot.StrictVerifier, reply string) {
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte(reply)).
		Expect("close", nil)
}

// assertPing asserts the interactions of a scriptPing connection.
func assertPing(bf *bigfoot.StrictVerifier, host string, port int, reply string) {
	bf.Socket().AssertConnect(host, port)
	bf.Socket().AssertSendall([]byte("ping\n"))
	bf.Socket().AssertRecv(64, []byte(reply))
	bf.Socket().AssertClose()
}

// ping writes "ping\n" on c, reads one reply of up to 64 bytes, and closes c.
func ping(c net.Conn) (string, error) {
	defer c.Close()
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	return string(buf[:n]), err
}

// TestEntryPoints dials through every entry point of package net, and the
// clients built on it, with no seam: each dial takes the scripted session.
func TestEntryPoints(t *testing.T) {
	dialers := map[string]func(addr string) (net.Conn, error){
		"net.Dial":        func(addr string) (net.Conn, error) { return net.Dial("tcp", addr) },
		"net.DialTimeout": func(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, time.Second) },
		"Dialer.Dial":     func(addr string) (net.Conn, error) { return (&net.Dialer{}).Dial("tcp", addr) },
		"Dialer.DialContext": func(addr string) (net.Conn, error) {
			return (&net.Dialer{Timeout: time.Second}).DialContext(context.Background(), "tcp", addr)
		},
	}
	for name, dial := range dialers {
		t.Run(name, func(t *testing.T) {
			bf := bigfoot.New(t)
			scriptPing(bf, "pong")
			var reply string
			bf.Sandbox(func() {
				c, err := dial("status.invalid:7000")
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				if reply, err = ping(c); err != nil {
					t.Fatalf("ping: %v", err)
				}
			})
			if reply != "pong" {
				t.Errorf("reply %q, want %q", reply, "pong")
			}
			assertPing(bf, "status.invalid", 7000, "pong")
		})
	}

	t.Run("loopback is scripted too", func(t *testing.T) {
		bf := bigfoot.New(t)
		scriptPing(bf, "scripted")
		var reply string
		bf.Sandbox(func() {
			c, err := net.Dial("tcp", "127.0.0.1:1")
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			reply, _ = ping(c)
		})
		if reply != "scripted" {
			t.Errorf("reply %q, want %q", reply, "scripted")
		}
		assertPing(bf, "127.0.0.1", 1, "scripted")
	})

	t.Run("http.Get", func(t *testing.T) {
		bf := bigfoot.New(t)
		const request = "GET /health HTTP/1.1\r\nHost: api.invalid\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\n\r\n"
		const response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("sendall", nil).
			Expect("recv", []byte(response)).
			Expect("close", nil)
		var body string
		bf.Sandbox(func() {
			resp, err := http.Get("http://api.invalid/health")
			if err != nil {
				t.Fatalf("http.Get: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			// The default transport keeps the connection for reuse; close
			// it inside the sandbox, where its close step is answered.
			http.DefaultClient.CloseIdleConnections()
		})
		if body != "ok" {
			t.Errorf("body %q, want %q", body, "ok")
		}
		bf.Socket().AssertConnect("api.invalid", 80)
		bf.Socket().AssertSendall([]byte(request))
		bf.Socket().AssertRecv(4096, []byte(response))
		bf.Socket().AssertClose()
	})

	t.Run("smtp.Dial", func(t *testing.T) {
		bf := bigfoot.New(t)
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("recv", []byte("220 mail.invalid ESMTP\r\n")).
			Expect("sendall", nil).
			Expect("recv", []byte("250 mail.invalid\r\n")).
			Expect("sendall", nil).
			Expect("recv", []byte("221 bye\r\n")).
			Expect("close", nil)
		bf.Sandbox(func() {
			c, err := smtp.Dial("mail.invalid:25")
			if err != nil {
				t.Fatalf("smtp.Dial: %v", err)
			}
			if err := c.Hello("client.invalid"); err != nil {
				t.Fatalf("Hello: %v", err)
			}
			if err := c.Quit(); err != nil {
				t.Fatalf("Quit: %v", err)
			}
		})
		bf.Socket().AssertConnect("mail.invalid", 25)
		bf.Socket().AssertRecv(4096, []byte("220 mail.invalid ESMTP\r\n"))
		bf.Socket().AssertSendall([]byte("EHLO client.invalid\r\n"))
		bf.Socket().AssertRecv(4096, []byte("250 mail.invalid\r\n"))
		bf.Socket().AssertSendall([]byte("QUIT\r\n"))
		bf.Socket().AssertRecv(4096, []byte("221 bye\r\n"))
		bf.Socket().AssertClose()
	})
}

// TestGoroutineGenerations dials from the third generation of goroutines
// started inside the sandbox, while another sandbox is open, so that only
// the goroutine's ancestry can route the dial.
func TestGoroutineGenerations(t *testing.T) {
	other := bigfoot.New(t)
	bf := bigfoot.New(t)
	scriptPing(bf, "deep")

	withOtherSandboxOpen(t, other, func() {
		bf.Sandbox(func() {
			result := make(chan string, 1)
			go func() { // generation 1
				go func() { // generation 2
					go func() { // generation 3
						c, err := net.Dial("tcp", "deep.invalid:9")
						if err != nil {
							result <- "dial: " + err.Error()
							return
						}
						reply, err := ping(c)
						if err != nil {
							reply = "ping: " + err.Error()
						}
						result <- reply
					}()
				}()
			}()
			if got := <-result; got != "deep" {
				t.Errorf("third-generation goroutine got %q, want %q", got, "deep")
			}
		})
	})
	assertPing(bf, "deep.invalid", 9, "deep")
}

// withOtherSandboxOpen runs fn while other's sandbox is open on another
// goroutine, so that two sandboxes are open and the single-sandbox fallback
// cannot route dials. other has no script: a dial routed to it fails.
func withOtherSandboxOpen(t *testing.T, other *bigfoot.StrictVerifier, fn func()) {
	t.Helper()
	opened, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		other.Sandbox(func() {
			close(opened)
			<-release
		})
	}()
	<-opened
	defer func() { close(release); <-done }()
	fn()
}

// TestContextRouting dials from a goroutine that did not descend from the
// sandbox, with a context from bf.Context, while two sandboxes are open.
func TestContextRouting(t *testing.T) {
	other := bigfoot.New(t)
	bf := bigfoot.New(t)
	scriptPing(bf, "via ctx")

	ctx := bf.Context(context.Background())
	start, result := make(chan struct{}), make(chan string, 1)
	go func() { // started before, and outside, every sandbox
		<-start
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", "ctx.invalid:10")
		if err != nil {
			result <- "dial: " + err.Error()
			return
		}
		reply, err := ping(c)
		if err != nil {
			reply = "ping: " + err.Error()
		}
		result <- reply
	}()
	withOtherSandboxOpen(t, other, func() {
		bf.Sandbox(func() {
			close(start)
			if got := <-result; got != "via ctx" {
				t.Errorf("goroutine with bf.Context got %q, want %q", got, "via ctx")
			}
		})
	})
	assertPing(bf, "ctx.invalid", 10, "via ctx")
}

// TestNoFallbackToTheOnlySandbox dials from a goroutine unrelated to the
// sandbox, with no context, while exactly one sandbox is open: the dial
// does not provably belong to it, so it is not scripted by it (the first
// version gave it the only open sandbox, which took other tests' dials);
// it meets the firewall, whose refusal names the open sandbox and the fix.
func TestNoFallbackToTheOnlySandbox(t *testing.T) {
	fake := bftest.New(t)
	var got error
	fake.Run(func() {
		bf := bigfoot.New(fake)
		start, result := make(chan struct{}), make(chan error, 1)
		go func() {
			<-start
			_, err := net.Dial("tcp", "fallback.invalid:11")
			result <- err
		}()
		bf.Sandbox(func() {
			close(start)
			got = <-result
		})
	})
	var guarded *bigfoot.GuardedCallError
	if !errors.As(got, &guarded) {
		t.Fatalf("unrelated goroutine's dial: %v, want *bigfoot.GuardedCallError", got)
	}
	for _, want := range []string{"sandboxes are open (" + t.Name() + ")", "started by none of them", "bf.Context(ctx)"} {
		if !strings.Contains(got.Error(), want) {
			t.Errorf("refusal lacks %q:\n%v", want, got)
		}
	}
	if msg := fake.All(); msg != "" {
		t.Errorf("the open sandbox's test was failed by a dial that is not its own: %s", msg)
	}
}

// TestParallelSandboxes runs parallel tests, each with its own sandbox
// open at the same time as the others, dialing from the test goroutine
// and from goroutines it starts: each gets its own script. Meanwhile an
// outsider goroutine, descended from no sandbox, dials too: its dial to a
// non-loopback address is refused by the firewall, not handed to one of
// the sandboxes, and its loopback dial reaches a real listener.
func TestParallelSandboxes(t *testing.T) {
	// All the subtests must run at once; -parallel (GOMAXPROCS by
	// default) caps how many do.
	n := min(3, parallelFlag(t))
	if n < 2 {
		t.Skipf("-parallel %d runs one parallel test at a time; this test needs 2", n)
	}
	allOpen := newBarrier(n)
	outsiderDone := make(chan struct{})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "real\n")
			c.Close()
		}
	}()

	// The outsider reports through a channel that a cleanup reads once the
	// subtests are over.
	outsider := make(chan string, 2)
	t.Cleanup(func() {
		for msg := range outsider {
			t.Error(msg)
		}
	})
	go func() {
		defer close(outsider)
		defer close(outsiderDone)
		if !allOpen.wait() {
			outsider <- "the sandboxes did not all open"
			return
		}
		_, err := net.Dial("tcp", "outsider.invalid:3")
		var guarded *bigfoot.GuardedCallError
		if !errors.As(err, &guarded) {
			outsider <- fmt.Sprintf("dial outside every sandbox while %d are open: %v, want a *bigfoot.GuardedCallError", n, err)
		} else if want := "the dialing goroutine was started by none of them"; !strings.Contains(guarded.Reason, want) || !strings.Contains(guarded.Reason, "sandboxes are open (") ||
			!strings.Contains(guarded.Fix, "bf.Context(ctx)") {
			outsider <- fmt.Sprintf("the refusal does not explain the open sandboxes and bf.Context:\n%v", guarded)
		}
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			outsider <- fmt.Sprintf("loopback dial outside every sandbox while %d are open: %v", n, err)
			return
		}
		got, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if got != "real\n" {
			outsider <- fmt.Sprintf("loopback dial outside every sandbox read %q, want %q from the real listener", got, "real\n")
		}
	}()

	for i := range n {
		name := string(rune('a' + i))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bf := bigfoot.New(t)
			scriptPing(bf, "main "+name)
			scriptPing(bf, "child "+name)
			var mainReply, childReply string
			bf.Sandbox(func() {
				allOpen.arrive()
				if !allOpen.wait() {
					t.Error("the sandboxes did not all open")
					return
				}
				c, err := net.Dial("tcp", name+".invalid:1")
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				mainReply, _ = ping(c)
				done := make(chan struct{})
				go func() {
					defer close(done)
					c, err := net.Dial("tcp", name+".invalid:2")
					if err != nil {
						t.Errorf("dial from a goroutine: %v", err)
						return
					}
					childReply, _ = ping(c)
				}()
				<-done
				<-outsiderDone // keep every sandbox open while the outsider dials
			})
			if mainReply != "main "+name || childReply != "child "+name {
				t.Errorf("replies %q and %q, want %q and %q", mainReply, childReply, "main "+name, "child "+name)
			}
			assertPing(bf, name+".invalid", 1, "main "+name)
			assertPing(bf, name+".invalid", 2, "child "+name)
		})
	}
}

// parallelFlag returns the value of go test's -parallel flag.
func parallelFlag(t *testing.T) int {
	f := flag.Lookup("test.parallel")
	if f == nil {
		t.Fatal("no -test.parallel flag")
	}
	n, err := strconv.Atoi(f.Value.String())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// barrier is passed once n goroutines have arrived.
type barrier struct {
	mu     sync.Mutex
	left   int
	passed chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{left: n, passed: make(chan struct{})} }

// arrive counts the caller in.
func (b *barrier) arrive() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left--; b.left == 0 {
		close(b.passed)
	}
}

// wait waits until every goroutine has arrived, and reports false if they
// do not within 30s: a failing test should not hang until go test's timeout.
func (b *barrier) wait() bool {
	select {
	case <-b.passed:
		return true
	case <-time.After(30 * time.Second):
		return false
	}
}

// TestCanceledContext fails a routed dial whose context is done, as net
// would, without taking a step.
func TestCanceledContext(t *testing.T) {
	bf := bigfoot.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	bf.Sandbox(func() {
		_, err := (&net.Dialer{}).DialContext(ctx, "tcp", "canceled.invalid:1")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("dial with a canceled context: %v, want context.Canceled", err)
		}
		if err != nil && strings.Contains(err.Error(), "bigfoot") {
			t.Errorf("dial with a canceled context blames bigfoot: %v", err)
		}
	})
}
