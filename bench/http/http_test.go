package http_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
	"github.com/h2non/gock"
	"github.com/jarcoal/httpmock"
)

// Each benchmark is one test's worth of HTTP doubles: n requests scripted
// (each its own URL and response), sent, and asserted, with one double (a
// verifier, a mock transport, a server) for the n. One op is that whole
// test; the metrics ns/req, B/req and allocs/req divide it by n, so that
// sizes compare and flatness shows.
//
// "transport" sends each request with the double's RoundTrip, the part
// each library implements; "client" sends it through an *http.Client.
// Two rows are not libraries but bounds: "none" answers one fixed
// response and checks nothing (what answering alone costs), and "floor"
// is the least a strict double can do (floor_test.go).

var sizes = []int{100, 1_000, 10_000}

const host = "https://api.example.com"

var respBody = []byte(`{"id":1,"name":"ada"}`)

type workload struct {
	urls []string
	reqs []*http.Request
}

func newWorkload(n int) *workload {
	w := &workload{}
	for i := range n {
		u := fmt.Sprintf("%s/users/%d", host, i)
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			panic(err)
		}
		req.Header.Set("Accept", "application/json")
		w.urls = append(w.urls, u)
		w.reqs = append(w.reqs, req)
	}
	return w
}

// consume reads and closes a response body, as code under test does.
func consume(b testing.TB, resp *http.Response, err error) {
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
}

// perRequest reports the metrics per request. The allocation figures come
// from the runtime's counters across the timed loop.
func perRequest(b *testing.B, n int, before *runtime.MemStats) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	reqs := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/reqs, "ns/req")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/reqs, "B/req")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/reqs, "allocs/req")
	b.ReportMetric(0, "ns/op")
}

func start(b *testing.B) *runtime.MemStats {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ResetTimer()
	return &ms
}

// send is how one request reaches the double.
type send func(rt http.RoundTripper, req *http.Request) (*http.Response, error)

func viaTransport(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	return rt.RoundTrip(req)
}

func viaClient(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	return (&http.Client{Transport: rt}).Do(req)
}

// bench runs one double's workload as a sub-benchmark, timed per request.
func bench(b *testing.B, name string, w *workload, run func(tb testing.TB, loops int)) {
	b.Run(name, func(b *testing.B) {
		before := start(b)
		run(b, b.N)
		b.StopTimer()
		perRequest(b, len(w.urls), before)
	})
}

var modes = []struct {
	name string
	send send
}{{"transport", viaTransport}, {"client", viaClient}}

func BenchmarkHTTP(b *testing.B) {
	for _, m := range modes {
		for _, n := range sizes {
			w := newWorkload(n)
			bench(b, fmt.Sprintf("%s/bigfoot/n=%d", m.name, n), w, func(tb testing.TB, loops int) { runBigfoot(tb, w, m.send, loops) })
			bench(b, fmt.Sprintf("%s/httpmock/n=%d", m.name, n), w, func(tb testing.TB, loops int) { runHttpmock(tb, w, m.send, loops) })
			if n <= 1_000 { // gock scans every mock for every request: 10^4 takes minutes
				bench(b, fmt.Sprintf("%s/gock/n=%d", m.name, n), w, func(tb testing.TB, loops int) { runGock(tb, w, m.send, loops) })
			}
			if m.name == "client" {
				bench(b, fmt.Sprintf("%s/httptest.Server/n=%d", m.name, n), w, func(tb testing.TB, loops int) { runServer(tb, w, loops) })
			}
			bench(b, fmt.Sprintf("%s/floor/n=%d", m.name, n), w, func(tb testing.TB, loops int) { runFloor(tb, w, m.send, loops) })
			bench(b, fmt.Sprintf("%s/none/n=%d", m.name, n), w, func(tb testing.TB, loops int) { runNone(tb, w, m.send, loops) })
		}
	}
}

// runBigfoot: Expect each response, send each request in the sandbox,
// AssertRequest each, VerifyAll.
func runBigfoot(b testing.TB, w *workload, send send, loops int) {
	accept := http.Header{"Accept": {"application/json"}}
	resp := bfhttp.Response{Status: 200, Body: respBody}
	for range loops {
		bf := bigfoot.NewStrictVerifier()
		p := bf.HTTP()
		for _, u := range w.urls {
			p.Expect("GET", u, resp)
		}
		bf.Sandbox(func() {
			for _, req := range w.reqs {
				r, err := send(p, req)
				consume(b, r, err)
			}
		})
		for _, u := range w.urls {
			if err := p.AssertRequest("GET", u, accept, ""); err != nil {
				b.Fatal(err)
			}
		}
		if err := bf.VerifyAll(); err != nil {
			b.Fatal(err)
		}
	}
}

// runHttpmock: a responder per URL, each request sent, then the call
// counts checked (httpmock's assertion).
func runHttpmock(b testing.TB, w *workload, send send, loops int) {
	for range loops {
		tr := httpmock.NewMockTransport()
		for _, u := range w.urls {
			tr.RegisterResponder("GET", u, httpmock.NewBytesResponder(200, respBody))
		}
		for _, req := range w.reqs {
			r, err := send(tr, req)
			consume(b, r, err)
		}
		info := tr.GetCallCountInfo()
		for _, u := range w.urls {
			if info["GET "+u] != 1 {
				b.Fatalf("%s called %d times", u, info["GET "+u])
			}
		}
	}
}

// runGock: a mock per URL, each request sent through gock's transport,
// then gock.IsDone (every mock used). gock's state is global.
func runGock(b testing.TB, w *workload, send send, loops int) {
	n := len(w.urls)
	paths := make([]string, n)
	for i, u := range w.urls {
		paths[i] = strings.TrimPrefix(u, host)
	}
	for range loops {
		gock.Clean()
		for _, p := range paths {
			gock.New(host).Get(p).MatchHeader("Accept", "application/json").Reply(200).Body(bytes.NewReader(respBody))
		}
		tr := gock.NewTransport()
		for _, req := range w.reqs {
			r, err := send(tr, req)
			consume(b, r, err)
		}
		if !gock.IsDone() {
			b.Fatal("gock: mocks left")
		}
	}
	gock.Off()
}

// runServer: a real server on loopback whose handler answers from a map
// of scripted responses and records each request; the requests are sent
// through a client over a real connection, then the records checked.
func runServer(b testing.TB, w *workload, loops int) {
	n := len(w.urls)
	var mu sync.Mutex // guards script and seen
	script := map[string][]byte{}
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body, ok := script[r.URL.Path]
		delete(script, r.URL.Path)
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Accept"))
		mu.Unlock()
		if !ok {
			http.Error(rw, "unscripted", http.StatusNotImplemented)
			return
		}
		rw.Write(body)
	}))
	defer srv.Close()
	client := srv.Client()
	reqs := make([]*http.Request, n)
	for i, u := range w.urls {
		reqs[i] = w.reqs[i].Clone(w.reqs[i].Context())
		reqs[i].URL.Scheme, reqs[i].URL.Host = "http", srv.Listener.Addr().String()
		reqs[i].Host = ""
		_ = u
	}
	for range loops {
		mu.Lock()
		for _, u := range w.urls {
			script[strings.TrimPrefix(u, host)] = respBody
		}
		seen = seen[:0]
		mu.Unlock()
		for _, req := range reqs {
			r, err := client.Do(req)
			consume(b, r, err)
		}
		mu.Lock()
		for i, u := range w.urls {
			if want := "GET " + strings.TrimPrefix(u, host) + " application/json"; seen[i] != want {
				b.Fatalf("request %d: %q, want %q", i, seen[i], want)
			}
		}
		mu.Unlock()
	}
}

// none is a RoundTripper that answers every request with one fixed
// response and checks nothing: the floor that the client itself costs.
type none struct{}

func (none) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Request: req,
		Body: io.NopCloser(bytes.NewReader(respBody)), ContentLength: int64(len(respBody))}, nil
}

func runNone(b testing.TB, w *workload, send send, loops int) {
	for range loops {
		for _, req := range w.reqs {
			r, err := send(none{}, req)
			consume(b, r, err)
		}
	}
}
