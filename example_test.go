package bigfoot_test

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/socket"
)

// roundTrip is the code under test of these examples: it dials addr, writes
// msg, reads one reply into a 1024-byte buffer and closes the connection.
func roundTrip(dial func(network, address string) (net.Conn, error), addr, msg string) (string, error) {
	conn, err := dial("tcp", addr)
	if err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte(msg)); err != nil {
		conn.Close()
		return "", err
	}
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil {
		conn.Close()
		return "", err
	}
	return string(buf[:n]), conn.Close()
}

// A whole test in the manual form: script a connection, run the code in the
// sandbox, assert every interaction, verify. In a test, bigfoot.New(t) does
// the same with t failing on any error and VerifyAll run at cleanup.
func Example() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong")).
		Expect("close", nil)

	var reply string
	var err error
	bf.Sandbox(func() {
		reply, err = roundTrip(bf.Socket().Dial, "127.0.0.1:9999", "ping")
	})
	fmt.Printf("reply %q, err %v\n", reply, err)

	fmt.Println(bf.Socket().AssertConnect("127.0.0.1", 9999))
	fmt.Println(bf.Socket().AssertSendall([]byte("ping")))
	fmt.Println(bf.Socket().AssertRecv(1024, []byte("pong")))
	fmt.Println(bf.Socket().AssertClose())
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// reply "pong", err <nil>
	// <nil>
	// <nil>
	// <nil>
	// <nil>
	// VerifyAll: <nil>
}

// Calls are answered only inside the sandbox: the same dial outside it is
// refused with a *bigfoot.GuardedCallError.
func ExampleStrictVerifier_Sandbox() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("OK 200\r\n")).
		Expect("close", nil)

	_, err := bf.Socket().Dial("tcp", "monitoring.internal:5000")
	var guarded *bigfoot.GuardedCallError
	fmt.Println("outside the sandbox, refused:", errors.As(err, &guarded))

	var reply string
	bf.Sandbox(func() {
		reply, err = roundTrip(bf.Socket().Dial, "monitoring.internal:5000", "STATUS\r\n")
	})
	fmt.Printf("inside: %q, %v\n", reply, err)

	bf.Socket().AssertConnect("monitoring.internal", 5000)
	bf.Socket().AssertSendall([]byte("STATUS\r\n"))
	bf.Socket().AssertRecv(1024, []byte("OK 200\r\n"))
	bf.Socket().AssertClose()
	// The refused dial is a failure too: VerifyAll reports it.
	fmt.Println("VerifyAll reports the refused dial:", errors.As(bf.VerifyAll(), &guarded))
	// Output:
	// outside the sandbox, refused: true
	// inside: "OK 200\r\n", <nil>
	// VerifyAll reports the refused dial: true
}

// Raises makes a step's call return an error instead of its value: here the
// connection is refused. The refused dial is still an interaction to assert.
func ExampleRaises() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil, bigfoot.Raises(syscall.ECONNREFUSED))

	var err error
	bf.Sandbox(func() {
		_, err = roundTrip(bf.Socket().Dial, "127.0.0.1:9999", "ping")
	})
	fmt.Println("roundTrip:", err)
	fmt.Println("is ECONNREFUSED:", errors.Is(err, syscall.ECONNREFUSED))

	fmt.Println(bf.Socket().AssertConnect("127.0.0.1", 9999))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// roundTrip: connection refused
	// is ECONNREFUSED: true
	// <nil>
	// VerifyAll: <nil>
}

// Optional marks a step the code may skip: here a final read of the peer's
// end of stream, which this code never makes. The close that follows it in
// the script is taken directly, and the unused optional step is not an error.
func ExampleOptional() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong")).
		Expect("recv", []byte{}, bigfoot.Optional()). // end of stream (0, io.EOF), if read
		Expect("close", nil)

	var reply string
	var err error
	bf.Sandbox(func() {
		reply, err = roundTrip(bf.Socket().Dial, "127.0.0.1:9999", "ping")
	})
	fmt.Printf("reply %q, err %v\n", reply, err)

	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertSendall([]byte("ping"))
	bf.Socket().AssertRecv(1024, []byte("pong"))
	bf.Socket().AssertClose()
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// reply "pong", err <nil>
	// VerifyAll: <nil>
}

// InAnyOrder asserts interactions whose order is not fixed: two goroutines
// query two servers at once, so their calls interleave differently from run
// to run. (Sessions go to connections in dial order, so both sessions here
// have the same script.)
func ExampleStrictVerifier_InAnyOrder() {
	bf := bigfoot.NewStrictVerifier()
	for range 2 {
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("sendall", nil).
			Expect("recv", []byte("ok")).
			Expect("close", nil)
	}

	var mu sync.Mutex
	var replies []string
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for _, addr := range []string{"a.internal:1", "b.internal:2"} {
			wg.Go(func() {
				reply, err := roundTrip(bf.Socket().Dial, addr, "hello "+addr)
				mu.Lock()
				replies = append(replies, fmt.Sprintf("%s: %q %v", addr, reply, err))
				mu.Unlock()
			})
		}
		wg.Wait()
	})
	sort.Strings(replies)
	for _, r := range replies {
		fmt.Println(r)
	}

	var errs []error
	bf.InAnyOrder(func() {
		errs = append(errs,
			bf.Socket().AssertConnect("b.internal", 2),
			bf.Socket().AssertConnect("a.internal", 1),
			bf.Socket().AssertSendall([]byte("hello a.internal:1")),
			bf.Socket().AssertSendall([]byte("hello b.internal:2")),
			bf.Socket().AssertRecv(1024, []byte("ok")),
			bf.Socket().AssertRecv(1024, []byte("ok")),
			bf.Socket().AssertClose(),
			bf.Socket().AssertClose(),
		)
	})
	fmt.Println("assertions:", errors.Join(errs...))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// a.internal:1: "ok" <nil>
	// b.internal:2: "ok" <nil>
	// assertions: <nil>
	// VerifyAll: <nil>
}

// The generic assertion takes a value or a matcher for every field the
// source declares. An assertion made only of wildcards proves nothing and
// is refused, as is one that leaves a field out.
func ExampleStrictVerifier_AssertInteraction() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("VALUE 42\r\n")).
		Expect("close", nil)

	bf.Sandbox(func() {
		roundTrip(bf.Socket().Dial, "cache.internal:11211", "GET answer\r\n")
	})

	fmt.Println(bf.AssertInteraction(socket.Connect, bigfoot.Fields{
		"host": bigfoot.Regexp(`^cache\.`),
		"port": 11211,
	}))
	fmt.Println(bf.AssertInteraction(socket.Sendall, bigfoot.Fields{
		"data": bigfoot.HasPrefix("GET "),
	}))

	// Refused: every field a wildcard, or a field missing.
	err := bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": bigfoot.Any()})
	var wildcard *bigfoot.AllWildcardAssertionError
	fmt.Println("all wildcards refused:", errors.As(err, &wildcard))
	err = bf.AssertInteraction(socket.Recv, bigfoot.Fields{"data": []byte("VALUE 42\r\n")})
	var missing *bigfoot.MissingAssertionFieldsError
	fmt.Println("missing field refused:", errors.As(err, &missing), missing.Missing)

	fmt.Println(bf.AssertInteraction(socket.Recv, bigfoot.Fields{
		"size": bigfoot.Any(),
		"data": bigfoot.Contains("42"),
	}))
	fmt.Println(bf.AssertInteraction(socket.Close, bigfoot.Fields{}))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// <nil>
	// <nil>
	// all wildcards refused: true
	// missing field refused: true [size]
	// <nil>
	// <nil>
	// VerifyAll: <nil>
}

// An interaction that is never asserted fails verification, and the message
// gives the assertion to paste for each one, in order.
func ExampleUnassertedInteractionsError() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong")).
		Expect("close", nil)

	bf.Sandbox(func() {
		roundTrip(bf.Socket().Dial, "127.0.0.1:9999", "ping")
	})
	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertSendall([]byte("ping"))

	err := bf.VerifyAll()
	var unasserted *bigfoot.UnassertedInteractionsError
	fmt.Println(errors.As(err, &unasserted))
	fmt.Println(err)
	// Output:
	// true
	// bigfoot: 2 recorded interaction(s) were never asserted:
	//   #3 socket recv size=1024 data=[]byte("pong")
	//   #4 socket close
	// fix: assert them after the sandbox, in this order:
	// 	bf.Socket().AssertRecv(1024, []byte("pong"))
	// 	bf.Socket().AssertClose()
}

// VerifyAll also reports scripted steps that were never used, naming the
// file:line of the Expect that registered each one.
func ExampleStrictVerifier_VerifyAll() {
	bf := bigfoot.NewStrictVerifier()
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong")).
		Expect("close", nil)
	// A second connection, which the code never makes:
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("close", nil)

	bf.Sandbox(func() {
		roundTrip(bf.Socket().Dial, "127.0.0.1:9999", "ping")
	})
	bf.Socket().AssertConnect("127.0.0.1", 9999)
	bf.Socket().AssertSendall([]byte("ping"))
	bf.Socket().AssertRecv(1024, []byte("pong"))
	bf.Socket().AssertClose()

	err := bf.VerifyAll()
	var unused *bigfoot.UnusedMocksError
	fmt.Println(errors.As(err, &unused))
	for _, st := range unused.Steps {
		file, _, _ := strings.Cut(filepath.Base(st.Site), ":")
		fmt.Printf("session %d step %d %q registered in %s\n", st.Session, st.Index, st.Step, file)
	}
	// Output:
	// true
	// session 2 step 1 "connect" registered in example_test.go
	// session 2 step 2 "close" registered in example_test.go
}
