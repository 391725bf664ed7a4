//go:build bigfoot_overlay

package transparent

// Cross-talk between tests in transparent mode (issue 6): a call is routed
// only to a sandbox it provably belongs to.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/socket"
)

// A goroutine that a sandbox started and left running dials after the
// sandbox closed: the dial is refused as post-sandbox, naming the test, and
// fails that test while it still runs.
func TestLeakedGoroutineDialIsPostSandbox(t *testing.T) {
	fake := bftest.New(t)
	var got error
	fake.Run(func() {
		bf := bigfoot.New(fake)
		release, done := make(chan struct{}), make(chan struct{})
		bf.Sandbox(func() {
			go func() {
				defer close(done)
				<-release
				_, got = net.Dial("tcp", "leak.invalid:9")
			}()
		})
		close(release)
		<-done
	})
	var post *bigfoot.PostSandboxInteractionError
	if !errors.As(got, &post) || post.Test != t.Name() {
		t.Fatalf("leaked goroutine's dial: %v, want *bigfoot.PostSandboxInteractionError naming %s", got, t.Name())
	}
	if msg := fake.All(); !strings.Contains(msg, "made after the sandbox of "+t.Name()+" closed") || !strings.Contains(msg, "crosstalk_test.go:") {
		t.Errorf("the test was not failed with the call's site:\n%s", msg)
	}
}

// A bf.Context used after its sandbox closed is refused the same way.
func TestContextOfClosedSandboxIsPostSandbox(t *testing.T) {
	fake := bftest.New(t)
	var got error
	fake.Run(func() {
		bf := bigfoot.New(fake)
		ctx := bf.Context(context.Background())
		bf.Sandbox(func() {})
		_, got = (&net.Dialer{}).DialContext(ctx, "tcp", "late.invalid:9")
	})
	var post *bigfoot.PostSandboxInteractionError
	if !errors.As(got, &post) || post.Test != t.Name() {
		t.Fatalf("dial with a closed sandbox's context: %v", got)
	}
}

// A connection dialed in one test's sandbox and used from another's is
// refused, naming both tests, and fails both.
func TestConnectionUsedInAnotherSandboxIsRefused(t *testing.T) {
	owner, user := bftest.New(t), bftest.New(t)
	bfA, bfB := bigfoot.New(owner), bigfoot.New(user)
	bfA.Socket().NewSession().Expect("connect", nil).Expect("sendall", nil, bigfoot.Optional()).Expect("close", nil)
	conns, release, doneA := make(chan net.Conn), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(doneA)
		bfA.Sandbox(func() {
			c, err := net.Dial("tcp", "pooled.invalid:80")
			if err != nil {
				t.Error(err)
				close(conns)
				return
			}
			conns <- c
			<-release
			c.Close()
		})
	}()
	c := <-conns
	var werr error
	bfB.Sandbox(func() { _, werr = c.Write([]byte("GET / HTTP/1.1\r\n\r\n")) })
	close(release)
	<-doneA
	var mm *bigfoot.SandboxMismatchError
	if !errors.As(werr, &mm) {
		t.Fatalf("write from another sandbox: %v, want *bigfoot.SandboxMismatchError", werr)
	}
	for _, f := range []*bftest.Reporter{owner, user} {
		if msg := f.All(); !strings.Contains(msg, "uses a connection made in the sandbox of") {
			t.Errorf("a test was not failed by the shared connection: %q", msg)
		}
	}
}

// Parallel tests share http.DefaultClient, each scripting its own
// connection: none takes another's response, because each sandbox's
// requests are carried by its own copy of the transport. (The first
// version reused a connection dialed in one sandbox inside another.)
func TestParallelTestsShareTheDefaultClient(t *testing.T) {
	const n = 4
	open := newBarrier(n)
	concurrently(t, n, func(i int) string { return fmt.Sprint("client", i) }, func(t *testing.T, i int) {
		{
			bf := bigfoot.New(t)
			body := fmt.Sprintf("reply %d", i)
			response := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			// Two requests: the second reuses the first's pooled connection.
			bf.Socket().NewSession().
				Expect("connect", nil).
				Expect("sendall", nil).Expect("recv", []byte(response)).
				Expect("sendall", nil).Expect("recv", []byte(response)).
				Expect("close", nil)
			var got []string
			bf.Sandbox(func() {
				open.arrive()
				open.wait()
				for range 2 {
					resp, err := http.Get("http://shared.invalid/")
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					got = append(got, string(b))
				}
				http.DefaultClient.CloseIdleConnections()
			})
			if len(got) != 2 || got[0] != body || got[1] != body {
				t.Errorf("got %q, want %q twice", got, body)
			}
			bf.Socket().AssertConnect("shared.invalid", 80)
			for range 2 {
				bf.AssertInteraction(socket.Sendall, bigfoot.Fields{"data": bigfoot.HasPrefix("GET / HTTP/1.1\r\n")})
				bf.Socket().AssertRecv(4096, []byte(response))
			}
			bf.Socket().AssertClose()
		}
	})
}

// concurrently runs n subtests at the same time, each named by name(i):
// t.Run may be called from several goroutines at once, so the subtests
// overlap whatever -parallel says (t.Parallel would run them one at a time
// under -parallel 1, and the test would prove nothing).
func concurrently(t *testing.T, n int, name func(int) string, body func(t *testing.T, i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(name(i), func(t *testing.T) { body(t, i) })
		}()
	}
	wg.Wait()
}

// A plain test that calls its own httptest server through
// http.DefaultClient runs beside bigfoot tests with open sandboxes: its
// calls belong to no sandbox, and loopback is allowed.
func TestPlainHTTPTestBesideBigfootTests(t *testing.T) {
	const n = 3
	open := newBarrier(n)
	name := func(i int) string {
		if i == 0 {
			return "plain"
		}
		return fmt.Sprint("bigfoot", i)
	}
	concurrently(t, n, name, func(t *testing.T, i int) {
		if i == 0 {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "real") }))
			defer srv.Close()
			open.arrive()
			open.wait()
			for range 5 {
				resp, err := http.Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != "real" {
					t.Fatalf("plain test read %q", b)
				}
			}
			return
		}
		bf := bigfoot.New(t)
		scriptPing(bf, "pong")
		bf.Sandbox(func() {
			open.arrive()
			open.wait()
			c, err := net.Dial("tcp", "svc.invalid:7")
			if err != nil {
				t.Fatal(err)
			}
			ping(c)
			time.Sleep(20 * time.Millisecond) // keep the sandbox open while the plain test calls
		})
		assertPing(bf, "svc.invalid", 7, "pong")
	})
}

// Calls whose owner cannot be proven while sandboxes are open (a worker
// started before the sandbox, a time.AfterFunc callback, code under
// pprof.Do with a fresh context) go to the firewall and fail no test: they
// are never scripted by, or blamed on, a test they may not belong to.
func TestUnprovableCallsFailNoTest(t *testing.T) {
	a, b := bftest.New(t), bftest.New(t)
	bfA, bfB := bigfoot.New(a), bigfoot.New(b)
	jobs := make(chan func())
	var workers sync.WaitGroup
	workers.Add(1)
	go func() { // a worker pool started before any sandbox
		defer workers.Done()
		for job := range jobs {
			job()
		}
	}()
	var mu sync.Mutex
	var errs []error
	record := func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	holdB, releaseB := make(chan struct{}), make(chan struct{})
	go bfB.Sandbox(func() { close(holdB); <-releaseB })
	<-holdB
	bfA.Sandbox(func() {
		done := make(chan struct{})
		jobs <- func() { _, err := net.Dial("tcp", "192.0.2.10:80"); record(err); close(done) }
		<-done
		fired := make(chan struct{})
		time.AfterFunc(time.Millisecond, func() { _, err := net.Dial("tcp", "192.0.2.11:80"); record(err); close(fired) })
		<-fired
		pprof.Do(context.Background(), pprof.Labels("job", "x"), func(context.Context) {
			_, err := net.Dial("tcp", "192.0.2.12:80")
			record(err)
		})
	})
	close(releaseB)
	close(jobs)
	workers.Wait()
	a.RunCleanups()
	b.RunCleanups()
	if len(errs) != 3 {
		t.Fatalf("%d dials recorded", len(errs))
	}
	for _, err := range errs {
		var g *bigfoot.GuardedCallError
		if !errors.As(err, &g) || !strings.Contains(g.Reason, "sandboxes are open") || !strings.Contains(g.Fix, "bf.Context(ctx)") {
			t.Errorf("unprovable dial: %v, want a refusal naming the open sandboxes and bf.Context", err)
		}
	}
	if msg := a.All() + b.All(); msg != "" {
		t.Errorf("a test was failed by a dial that cannot be proven its own:\n%s", msg)
	}
}
