package bench

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/socket"
)

// TestStressConcurrentSessions runs many goroutines, each dialing many
// scripted connections, on one manual verifier inside one sandbox, then checks
// the timeline: every interaction recorded once, sequence numbers 1..N in
// order, per connection connect < sendall < recv (< close, see below), and
// that asserting all of them in any order leaves VerifyAll with nothing to say.
// Run it under the race detector:
//
//	go test -race -run Stress ./bench/
//
// Sessions are taken by dials in registration order, so every session has
// the same script and no goroutine knows which one it will get. Each
// connection marks its interactions instead: its dial port, its payload and
// its Read buffer size are unique, so its connect, sendall and recv can be
// found on the timeline. Close records no field; for it the test checks the
// strongest property the timeline can show, that for every k the k-th close
// comes after the k-th recv (each close can be matched to an earlier recv of
// its own). Within one connection the calls are sequential and each is
// recorded while it holds its session, so that is all a close can show.
func TestStressConcurrentSessions(t *testing.T) {
	goroutines, perG := 32, 200
	if testing.Short() {
		goroutines, perG = 8, 50
	}
	total := goroutines * perG
	const basePort, baseSize = 10_000, 1_024

	before := runtime.NumGoroutine()

	bf := bigfoot.NewStrictVerifier()
	sock, err := socket.NewPlugin(bf)
	if err != nil {
		t.Fatal(err)
	}
	for range total {
		sock.NewSession().
			Expect("connect", nil).
			Expect("sendall", nil).
			Expect("recv", pong).
			Expect("close", nil)
	}

	id := func(g, i int) int { return g*perG + i }
	payload := func(k int) []byte { return []byte("payload-" + strconv.Itoa(k)) }

	errs := make(chan error, total)
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range perG {
					k := id(g, i)
					if err := oneSession(sock, basePort+k, payload(k), baseSize+k); err != nil {
						errs <- fmt.Errorf("connection %d: %w", k, err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	// The timeline.
	ins := bf.Core().Interactions()
	if got, want := len(ins), 4*total; got != want {
		t.Fatalf("timeline has %d interactions, want %d", got, want)
	}
	connectAt := make([]int, total) // seq per connection; 0 = not seen
	sendAt := make([]int, total)
	recvAt := make([]int, total)
	var recvSeqs, closeSeqs []int
	counts := map[string]int{}
	for i, in := range ins {
		if in.Seq != uint64(i+1) {
			t.Fatalf("interaction %d has Seq %d; want 1..N strictly increasing", i, in.Seq)
		}
		counts[in.Source.Name]++
		seen := func(at []int, k int, what string) {
			if k < 0 || k >= total {
				t.Fatalf("%v: %s names no connection", in, what)
			}
			if at[k] != 0 {
				t.Fatalf("%v: connection %d's %s recorded twice (first #%d)", in, k, what, at[k])
			}
			at[k] = int(in.Seq)
		}
		switch in.Source {
		case socket.Connect:
			if h := in.Field("host"); h != "127.0.0.1" {
				t.Fatalf("%v: host %v", in, h)
			}
			seen(connectAt, in.Field("port").(int)-basePort, "connect")
		case socket.Sendall:
			data := in.Field("data").([]byte)
			k, err := strconv.Atoi(strings.TrimPrefix(string(data), "payload-"))
			if err != nil || !bytes.Equal(data, payload(k)) {
				t.Fatalf("%v: payload not sent by any connection", in)
			}
			seen(sendAt, k, "sendall")
		case socket.Recv:
			if d := in.Field("data").([]byte); !bytes.Equal(d, pong) {
				t.Fatalf("%v: recv data %q", in, d)
			}
			seen(recvAt, in.Field("size").(int)-baseSize, "recv")
			recvSeqs = append(recvSeqs, int(in.Seq))
		case socket.Close:
			closeSeqs = append(closeSeqs, int(in.Seq))
		default:
			t.Fatalf("unexpected interaction %v", in)
		}
	}
	for _, name := range []string{"connect", "sendall", "recv", "close"} {
		if counts[name] != total {
			t.Errorf("%d %s interactions, want %d", counts[name], name, total)
		}
	}
	for k := range total {
		if !(0 < connectAt[k] && connectAt[k] < sendAt[k] && sendAt[k] < recvAt[k]) {
			t.Errorf("connection %d: connect #%d, sendall #%d, recv #%d are not in order", k, connectAt[k], sendAt[k], recvAt[k])
		}
	}
	// recvSeqs and closeSeqs were collected in timeline order.
	if !sort.IntsAreSorted(recvSeqs) || !sort.IntsAreSorted(closeSeqs) {
		t.Fatal("recv or close sequence numbers out of order")
	}
	for i := range closeSeqs {
		if closeSeqs[i] < recvSeqs[i] {
			t.Fatalf("close #%d is the %d-th close but comes before the %d-th recv (#%d)", closeSeqs[i], i+1, i+1, recvSeqs[i])
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Assert everything, in any order, with exact values.
	bf.InAnyOrder(func() {
		for k := total - 1; k >= 0; k-- {
			must(t, sock.AssertClose())
			must(t, sock.AssertRecv(baseSize+k, pong))
			must(t, sock.AssertSendall(payload(k)))
			must(t, sock.AssertConnect("127.0.0.1", basePort+k))
		}
	})
	if err := bf.VerifyAll(); err != nil {
		t.Fatalf("VerifyAll: %v", err)
	}

	// No goroutine may outlive the test.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// oneSession dials port, writes payload, reads with a buffer of size bytes,
// and closes.
func oneSession(sock *socket.Plugin, port int, payload []byte, size int) error {
	conn, err := sock.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	if n, err := conn.Write(payload); err != nil || n != len(payload) {
		return fmt.Errorf("write: %d, %v", n, err)
	}
	buf := make([]byte, size)
	n, err := conn.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], pong) {
		return fmt.Errorf("read: %q, %v", buf[:n], err)
	}
	return conn.Close()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
