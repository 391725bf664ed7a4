//go:build bigfoot_overlay

package guard

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

// hookTestV is the verifier whose sandbox the claimants below answer; they
// pass on everything else (other tests' sandboxes).
var hookTestV atomic.Pointer[core.Verifier]

func init() {
	ClaimDial(DialClaim{Name: "hooktest", Layer: LayerRequest + 1, Claim: func(ctx context.Context, v *core.Verifier, network, address string) (Decision, net.Conn, error) {
		if v != hookTestV.Load() || address != "guard.invalid:1" {
			return Pass, nil, nil
		}
		client, server := net.Pipe()
		go func() { io.WriteString(server, "hooked"); server.Close() }()
		return Answer, client, nil
	}})
	ClaimRoundTrip(RoundTripClaim{Name: "hooktest", Layer: LayerRequest + 1, Claim: func(v *core.Verifier, t *http.Transport, req *http.Request) (Decision, *http.Response, error) {
		if v != hookTestV.Load() || req.URL.Host != "rt.invalid" {
			return Pass, nil, nil
		}
		return Answer, &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("answered")), Request: req}, nil
	}})
}

// TestHookInterceptsDial runs only under the overlay (cmd/bigfoot's tests
// run it): net.Dial and http.Get inside a sandbox reach the claimants.
func TestHookInterceptsDial(t *testing.T) {
	v := core.New(t)
	hookTestV.Store(v)
	v.Sandbox(func() {
		c, err := net.Dial("tcp", "guard.invalid:1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(c)
		if string(b) != "hooked" {
			t.Errorf("read %q from the claimed dial", b)
		}
		resp, err := http.Get("http://rt.invalid/x")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "answered" {
			t.Errorf("http.Get read %q, want the round-trip claimant's answer", b)
		}
	})
}
