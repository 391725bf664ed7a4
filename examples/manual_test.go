package examples_test

import (
	"errors"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/socket"
)

// TestManualVerifier is the example of manual use: a verifier made without a
// test (bigfoot.NewStrictVerifier), its socket plugin made explicitly with
// socket.NewPlugin, and every check returned as an error instead of failing
// a test. It is a test here only so that it runs; nothing in it uses t
// except to report what the verifier returned.
func TestManualVerifier(t *testing.T) {
	verifier := bigfoot.NewStrictVerifier()
	sock, err := socket.NewPlugin(verifier)
	if err != nil {
		t.Fatalf("socket.NewPlugin: %v", err)
	}

	// Each verifier has at most one socket plugin.
	second, err := socket.NewPlugin(verifier)
	if !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Fatalf("second socket.NewPlugin: err = %v, want one wrapping bigfoot.ErrPluginExists", err)
	}
	if second != nil {
		t.Fatalf("second socket.NewPlugin returned a plugin: %v", second)
	}
	// The front door's accessor returns the plugin made above.
	if verifier.Socket() != sock {
		t.Fatalf("verifier.Socket() is not the plugin socket.NewPlugin made")
	}

	sock.NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong")).
		Expect("close", nil)

	var data []byte
	verifier.Sandbox(func() {
		data, err = echo(sock.Dial, "127.0.0.1:9999", []byte("ping"))
	})
	if err != nil {
		t.Fatalf("echo: %v", err)
	}
	if string(data) != "pong" {
		t.Fatalf("echo returned %q, want %q", data, "pong")
	}

	for _, err := range []error{
		sock.AssertConnect("127.0.0.1", 9999),
		sock.AssertSendall([]byte("ping")),
		sock.AssertRecv(1024, []byte("pong")),
		sock.AssertClose(),
	} {
		if err != nil {
			t.Fatalf("assertion: %v", err)
		}
	}
	if err := verifier.VerifyAll(); err != nil {
		t.Fatalf("VerifyAll: %v", err)
	}
}
