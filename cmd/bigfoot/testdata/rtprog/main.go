// Command rtprog checks that requests through net/http's Transport reach
// the round-trip hook of the bigfoot overlay, which it installs by its own
// go:linkname (hook_overlay.go), and that a handled request never dials.
// TestOverlayInterceptsRoundTrip copies it into a scratch module and runs
// it with and without the overlay.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
)

// fakeHost does not resolve (.invalid is reserved), and every transport
// that requests it dials through noDial, so a request that bypassed the
// hook fails rather than reach a real host.
const fakeHost = "example.invalid"

// errHooked is the error the hook returns for the path /fail.
var errHooked = errors.New("refused by the hook")

var (
	calls     atomic.Int32                   // every call of the hook
	hits      atomic.Int32                   // calls the hook handled
	dials     atomic.Int32                   // dials through noDial
	transport atomic.Pointer[http.Transport] // the Transport of the last call
	installed = install(hook)
)

// hook answers requests to fakeHost with a response naming the method
// and path (or with errHooked for /fail) and lets all others through.
func hook(t *http.Transport, req *http.Request) (bool, *http.Response, error) {
	calls.Add(1)
	transport.Store(t)
	if req.URL.Hostname() != fakeHost {
		return false, nil, nil
	}
	hits.Add(1)
	if req.URL.Path == "/fail" {
		return true, nil, errHooked
	}
	body := "hooked " + req.Method + " " + req.URL.Path
	return true, &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"X-Hooked": {"yes"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// noDial counts and refuses a dial: the transports that request fakeHost
// must never get this far.
func noDial(ctx context.Context, network, address string) (net.Conn, error) {
	dials.Add(1)
	return nil, fmt.Errorf("rtprog: dial %s %s attempted", network, address)
}

func main() {
	wantAvailable := flag.Bool("want-available", true, "whether the overlay is expected")
	flag.Parse()

	fmt.Printf("installed=%v\n", installed)
	if installed != *wantAvailable {
		fail("install disagrees with -want-available=%v", *wantAvailable)
	}
	if !*wantAvailable {
		// Without the hook the requests below would go to the network.
		return
	}

	def := http.DefaultTransport.(*http.Transport)
	def.DialContext = noDial
	custom := &http.Transport{DialContext: noDial}
	customClient := &http.Client{Transport: custom}

	requests := []struct {
		name string
		want *http.Transport
		path string
		do   func(url string) (*http.Response, error)
	}{
		{"http.Get", def, "/x", http.Get},
		{"custom Transport", custom, "/custom", customClient.Get},
		{"Transport.RoundTrip", custom, "/direct", func(url string) (*http.Response, error) {
			req, err := http.NewRequest("POST", url, strings.NewReader("body"))
			if err != nil {
				return nil, err
			}
			return custom.RoundTrip(req)
		}},
	}
	for _, r := range requests {
		before := hits.Load()
		resp, err := r.do("http://" + fakeHost + r.path)
		if err != nil {
			fail("%s: %v", r.name, err)
		}
		if hits.Load() != before+1 {
			fail("%s: hook called %d times, want once", r.name, hits.Load()-before)
		}
		if got := transport.Load(); got != r.want {
			fail("%s: hook got Transport %p, want %p", r.name, got, r.want)
		}
		if resp.Header.Get("X-Hooked") != "yes" {
			fail("%s: response is not the hook's: %v", r.name, resp.Header)
		}
		checkBody(r.name, resp, "hooked "+resp.Request.Method+" "+r.path)
		fmt.Printf("%s: ok\n", r.name)
	}

	// The hook's error is the request's error: the named result err that
	// the inserted statement shadows does not swallow it.
	before := hits.Load()
	_, err := customClient.Get("http://" + fakeHost + "/fail")
	if !errors.Is(err, errHooked) || hits.Load() != before+1 {
		fail("hook error: got %v after %d calls, want %v", err, hits.Load()-before, errHooked)
	}
	fmt.Println("hook error: ok")

	if n := dials.Load(); n != 0 {
		fail("%d dials were attempted for handled requests", n)
	}

	// A request the hook declines must still reach the network.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "real "+r.URL.Path)
	}))
	through := &http.Transport{}
	callsBefore, hitsBefore := calls.Load(), hits.Load()
	resp, err := (&http.Client{Transport: through}).Get("http://" + ln.Addr().String() + "/real")
	if err != nil {
		fail("declined request: %v", err)
	}
	if calls.Load() != callsBefore+1 || hits.Load() != hitsBefore || transport.Load() != through {
		fail("declined request: hook calls %d->%d, handled %d->%d; want one declined call",
			callsBefore, calls.Load(), hitsBefore, hits.Load())
	}
	checkBody("declined request", resp, "real /real")
	through.CloseIdleConnections()
	fmt.Println("declined request: ok")
	fmt.Println("PASS")
}

// checkBody fails unless resp's body is want.
func checkBody(name string, resp *http.Response, want string) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("%s: reading body: %v", name, err)
	}
	if got := string(b); got != want {
		fail("%s: body %q, want %q", name, got, want)
	}
}

// fail reports a failed check and exits.
func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}
