// Command dialprog checks that every way of dialing reaches the dial hook
// point that package guard owns, through a claimant registered the way a
// plugin registers one. TestOverlayIntercepts copies it into a
// scratch module and runs it with and without the bigfoot overlay.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// fakeAddr does not resolve (.invalid is reserved), so a dial that
// bypassed the hook would fail rather than reach a real host.
const fakeAddr = "example.invalid:80"

var (
	calls atomic.Int32 // every call of the claimant
	hits  atomic.Int32 // calls the claimant answered
)

func init() {
	guard.ClaimDial(guard.DialClaim{Name: "dialprog", Layer: guard.LayerProtocol, Claim: claim})
}

// claim answers dials to fakeAddr with an in-memory HTTP server and lets
// all others through.
func claim(ctx context.Context, v *core.Verifier, network, address string) (guard.Decision, net.Conn, error) {
	calls.Add(1)
	if address != fakeAddr {
		return guard.LetThrough, nil, nil
	}
	hits.Add(1)
	client, server := net.Pipe()
	go serveOne(server)
	return guard.Answer, client, nil
}

// serveOne answers one HTTP request with a body naming the request path.
func serveOne(c net.Conn) {
	defer c.Close()
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	body := "hooked " + req.URL.Path
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}

func main() {
	wantAvailable := flag.Bool("want-available", true, "whether the overlay is expected")
	flag.Parse()

	fmt.Printf("available=%v installed=%v\n", guard.Transparent(), guard.Transparent())
	if guard.Transparent() != *wantAvailable {
		fail("guard.Transparent disagrees with -want-available=%v", *wantAvailable)
	}
	if !*wantAvailable {
		// Without the hook the dials below would go to the real resolver.
		return
	}
	// Claimants decide the dials of an open sandbox.
	core.New(nil).Sandbox(dialAll)
	fmt.Println("PASS")
}

// dialAll dials in every way, inside the sandbox.
func dialAll() {
	dialers := []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"net.Dial", func() (net.Conn, error) { return net.Dial("tcp", fakeAddr) }},
		{"net.DialTimeout", func() (net.Conn, error) { return net.DialTimeout("tcp", fakeAddr, time.Second) }},
		{"Dialer.DialContext", func() (net.Conn, error) {
			return (&net.Dialer{}).DialContext(context.Background(), "tcp", fakeAddr)
		}},
		{"Dialer.Dial", func() (net.Conn, error) { return (&net.Dialer{}).Dial("tcp", fakeAddr) }},
	}
	for _, d := range dialers {
		before := hits.Load()
		c, err := d.dial()
		if err != nil {
			fail("%s: %v", d.name, err)
		}
		if hits.Load() != before+1 {
			fail("%s: hook not called", d.name)
		}
		fmt.Fprintf(c, "GET /%s HTTP/1.1\r\nHost: example.invalid\r\n\r\n", d.name)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			fail("%s: reading response: %v", d.name, err)
		}
		checkBody(d.name, resp, "hooked /"+d.name)
		c.Close()
		fmt.Printf("%s: ok\n", d.name)
	}

	before := hits.Load()
	resp, err := http.Get("http://example.invalid/get")
	if err != nil {
		fail("http.Get: %v", err)
	}
	if hits.Load() != before+1 {
		fail("http.Get: hook not called")
	}
	checkBody("http.Get", resp, "hooked /get")
	fmt.Println("http.Get: ok")

	// A dial the hook declines must still reach the network.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.WriteString(c, "real")
			c.Close()
		}
	}()
	callsBefore, hitsBefore := calls.Load(), hits.Load()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fail("unhandled dial: %v", err)
	}
	if calls.Load() != callsBefore+1 || hits.Load() != hitsBefore {
		fail("unhandled dial: hook calls %d->%d, handled %d->%d; want one declined call",
			callsBefore, calls.Load(), hitsBefore, hits.Load())
	}
	got, _ := io.ReadAll(c)
	if string(got) != "real" {
		fail("unhandled dial: read %q, want %q", got, "real")
	}
	fmt.Println("unhandled dial: ok")
}

func checkBody(name string, resp *http.Response, want string) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("%s: reading body: %v", name, err)
	}
	if got := strings.TrimSpace(string(b)); got != want {
		fail("%s: body %q, want %q", name, got, want)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}
