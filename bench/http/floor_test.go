package http_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// floorDouble is not a library: it is the least a strict HTTP double can
// do, written for these benchmarks as a lower bound. It keeps a map from
// method and path to the queue of scripted responses, answers each request
// from it, and records the method, path and Accept header of each call
// for the assertions, which check them in order. It keys by path alone
// (not scheme, host or query), takes no lock (one goroutine only), keeps
// no file:line of a script or an assertion, copies nothing of the request
// but those three strings, and formats no message: each thing bigfoot,
// httpmock or gock does and it leaves out makes a real double cost more.
type floorDouble struct {
	script map[floorKey][]floorAnswer
	calls  []floorCall
	next   int // the first call not yet asserted
}

type floorAnswer struct {
	status int
	body   []byte
}

type floorCall struct {
	method, path, accept string
}

// floorKey is a script's key: a struct, so that neither a script nor a
// request builds a string to look it up.
type floorKey struct{ method, path string }

var errFloorUnscripted = errors.New("floor: unscripted request")

func newFloor() *floorDouble { return &floorDouble{script: map[floorKey][]floorAnswer{}} }

func (f *floorDouble) expect(method, path string, status int, body []byte) {
	k := floorKey{method, path}
	f.script[k] = append(f.script[k], floorAnswer{status, body})
}

// RoundTrip answers req from the script and records it.
func (f *floorDouble) RoundTrip(req *http.Request) (*http.Response, error) {
	k := floorKey{req.Method, req.URL.Path}
	q := f.script[k]
	if len(q) == 0 {
		return nil, errFloorUnscripted
	}
	a := q[0]
	f.script[k] = q[1:]
	f.calls = append(f.calls, floorCall{req.Method, req.URL.Path, req.Header.Get("Accept")})
	return &http.Response{StatusCode: a.status, Status: http.StatusText(a.status), Header: http.Header{}, Request: req,
		Body: io.NopCloser(bytes.NewReader(a.body)), ContentLength: int64(len(a.body))}, nil
}

// assert checks the next recorded call.
func (f *floorDouble) assert(method, path, accept string) bool {
	if f.next >= len(f.calls) {
		return false
	}
	c := f.calls[f.next]
	f.next++
	return c == floorCall{method, path, accept}
}

// verify reports whether every call was asserted and every answer used.
func (f *floorDouble) verify() bool {
	for _, q := range f.script {
		if len(q) > 0 {
			return false
		}
	}
	return f.next == len(f.calls)
}

// runFloor: the floor double's expect per URL, each request sent, an
// assert per request in order, then verify.
func runFloor(b testing.TB, w *workload, send send, loops int) {
	paths := make([]string, len(w.urls))
	for i, u := range w.urls {
		paths[i] = strings.TrimPrefix(u, host)
	}
	for range loops {
		f := newFloor()
		for _, p := range paths {
			f.expect("GET", p, 200, respBody)
		}
		for _, req := range w.reqs {
			r, err := send(f, req)
			consume(b, r, err)
		}
		for _, p := range paths {
			if !f.assert("GET", p, "application/json") {
				b.Fatalf("floor: GET %s not asserted", p)
			}
		}
		if !f.verify() {
			b.Fatal("floor: calls or answers left")
		}
	}
}

// TestFloorIsStrict proves the floor double checks what its rows claim:
// an unscripted request fails, a wrong assertion fails, and an unused
// answer or an unasserted call fails verify.
func TestFloorIsStrict(t *testing.T) {
	req, _ := http.NewRequest("GET", host+"/users/1", nil)
	req.Header.Set("Accept", "application/json")
	f := newFloor()
	if _, err := f.RoundTrip(req); !errors.Is(err, errFloorUnscripted) {
		t.Fatalf("unscripted: %v", err)
	}
	f.expect("GET", "/users/1", 200, respBody)
	f.expect("GET", "/users/2", 200, respBody)
	resp, err := f.RoundTrip(req)
	consume(t, resp, err)
	if f.verify() {
		t.Fatal("verify passed with an unasserted call and an unused answer")
	}
	if f.assert("GET", "/users/1", "text/plain") {
		t.Fatal("a wrong Accept header was asserted")
	}
}
