package examples_test

import (
	"errors"
	"net"
	"slices"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/socket"
)

// lastWord is code under test with a bug: it closes the connection before
// sending its last word.
func lastWord(dial func(network, address string) (net.Conn, error), addr string) (string, error) {
	conn, err := dial("tcp", addr)
	if err != nil {
		return "", err
	}
	conn.Close() // the bug: too early
	_, err = conn.Write([]byte("BYE\r\n"))
	return "BYE", err
}

// TestInvalidStateError is the example of "InvalidStateError": a call made
// from a state the state machine does not allow fails at once. In Go a
// connection exists only once it is connected, so the way code reaches a
// wrong state is a call after Close. The manual verifier returns the typed
// error; a verifier from bigfoot.New(t) would fail the test as well.
func TestInvalidStateError(t *testing.T) {
	verifier := bigfoot.NewStrictVerifier()
	sock, err := socket.NewPlugin(verifier)
	if err != nil {
		t.Fatal(err)
	}
	sock.NewSession().
		Expect("connect", nil).
		Expect("close", nil)

	verifier.Sandbox(func() {
		_, err = lastWord(sock.Dial, "127.0.0.1:7000")
	})

	var stateErr *bigfoot.InvalidStateError
	if !errors.As(err, &stateErr) {
		t.Fatalf("lastWord: err = %v (%T), want a *bigfoot.InvalidStateError", err, err)
	}
	const want = "'sendall' called in state 'closed'; valid from: [connected]"
	if got := stateErr.Error(); got != want {
		t.Fatalf("error text:\n got %s\nwant %s", got, want)
	}
	if stateErr.Method != "sendall" || stateErr.State != "closed" || !slices.Equal(stateErr.ValidFrom, []string{"connected"}) {
		t.Fatalf("fields = %q, %q, %q; want sendall, closed, [connected]", stateErr.Method, stateErr.State, stateErr.ValidFrom)
	}
	// It is also what a real closed connection returns.
	if !errors.Is(err, net.ErrClosed) {
		t.Fatalf("errors.Is(err, net.ErrClosed) = false for %v", err)
	}

	// The calls that succeeded are on the timeline and must be asserted...
	if err := sock.AssertConnect("127.0.0.1", 7000); err != nil {
		t.Fatal(err)
	}
	if err := sock.AssertClose(); err != nil {
		t.Fatal(err)
	}
	// ...and verification still reports the failed call, so code that
	// drops the error cannot hide it.
	verr := verifier.VerifyAll()
	if !errors.As(verr, &stateErr) || stateErr.Error() != want {
		t.Fatalf("VerifyAll = %v, want it to report %q", verr, want)
	}
}

// TestInvalidStateErrorInScript is the reference page's own case, recv
// before connect: in Go a script that cannot run is refused when it is
// written, by Expect. In manual mode the mistake panics with the typed error
// (a verifier from bigfoot.New(t) stops the test with t.Fatalf instead).
func TestInvalidStateErrorInScript(t *testing.T) {
	sock := bigfoot.NewStrictVerifier().Socket()

	var recovered any
	func() {
		defer func() { recovered = recover() }()
		sock.NewSession().Expect("recv", []byte("pong")) // no connect first
	}()

	stateErr, ok := recovered.(*bigfoot.InvalidStateError)
	if !ok {
		t.Fatalf("recv before connect: recovered %v (%T), want a *bigfoot.InvalidStateError", recovered, recovered)
	}
	const want = "'recv' called in state 'disconnected'; valid from: [connected]"
	if stateErr.Error() != want {
		t.Fatalf("error text:\n got %s\nwant %s", stateErr.Error(), want)
	}
}
