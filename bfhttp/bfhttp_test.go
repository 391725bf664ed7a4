package bfhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// get sends a GET with the client and returns the status and body,
// closing the body.
func get(t testing.TB, c *http.Client, u string) (int, string, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// mustContain fails t unless every want is in got.
func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("message lacks %q:\n%s", w, got)
		}
	}
}

// fixes returns the Go code after each "fix:" line of msg, one expression
// or statement list per fix.
func fixes(msg string) []string {
	var out []string
	for _, part := range strings.Split(msg, "\nfix:\n")[1:] {
		var lines []string
		for _, l := range strings.Split(part, "\n") {
			if !strings.HasPrefix(l, "\t") {
				break
			}
			lines = append(lines, strings.TrimPrefix(l, "\t"))
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return out
}

// mustParse fails t unless src parses as Go statements.
func mustParse(t *testing.T, src string) {
	t.Helper()
	if _, err := parser.ParseFile(tokenFileSet, "fix.go", "package p\nfunc _() {\n"+src+"\n}", 0); err != nil {
		t.Errorf("fix does not parse as Go: %v\n%s", err, src)
	}
}

func TestDesignExample(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("GET", "https://api.example.com/users/1", bfhttp.Response{Status: 200, Body: []byte(`{"id":1}`)}).
		Expect("POST", "https://api.example.com/users", bfhttp.JSON(201, map[string]int{"id": 2}), bigfoot.Optional())

	var status int
	var body string
	var err error
	bf.Sandbox(func() {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", "https://api.example.com/users/1", nil)
		req.Header.Set("Accept", "application/json")
		var resp *http.Response
		resp, err = bf.HTTP().Client().Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		status, body = resp.StatusCode, string(b)
	})

	if err != nil || status != 200 || body != `{"id":1}` {
		t.Fatalf("GET = %d %q %v", status, body, err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/users/1", http.Header{"Accept": {"application/json"}}, "")
}

func TestMatchingComparesURLsAsParsed(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("GET", "https://API.example.com:443/search?q=go&page=2&tag=a&tag=b", bfhttp.Response{Body: []byte("one")}).
		Expect("GET", "http://api.example.com/?x=a%2Fb", bfhttp.Response{Body: []byte("two")}).
		Expect("GET", "http://api.example.com:8080/p", bfhttp.Response{Body: []byte("three")})

	c := bf.HTTP().Client()
	var got []string
	bf.Sandbox(func() {
		for _, u := range []string{
			"https://api.example.com/search?page=2&tag=a&tag=b&q=go", // order of keys, default port
			"http://api.example.com?x=a/b",                           // empty path, escaping
			"http://api.example.com:8080/p#frag",                     // fragment not sent
		} {
			_, b, err := get(t, c, u)
			if err != nil {
				t.Errorf("GET %s: %v", u, err)
			}
			got = append(got, b)
		}
	})
	if strings.Join(got, ",") != "one,two,three" {
		t.Fatalf("bodies = %q", got)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/search?page=2&tag=a&tag=b&q=go", nil, "")
	bf.HTTP().AssertRequest("GET", "http://api.example.com?x=a/b", nil, "")
	bf.HTTP().AssertRequest("GET", "http://api.example.com:8080/p", nil, "")
}

func TestValuesOfOneKeyKeepTheirOrder(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://x.test/?tag=a&tag=b", bfhttp.Response{})
		bf.Sandbox(func() { get(t, bf.HTTP().Client(), "https://x.test/?tag=b&tag=a") })
	})
	mustContain(t, ft.All(), `unmocked http call "request": GET https://x.test/?tag=b&tag=a`)
}

func TestEqualMatchesTakeResponsesInOrder(t *testing.T) {
	bf := bigfoot.New(t)
	for i := range 3 {
		bf.HTTP().Expect("GET", "https://x.test/n", bfhttp.Response{Body: []byte(fmt.Sprint(i))})
	}
	var got string
	bf.Sandbox(func() {
		for range 3 {
			_, b, _ := get(t, bf.HTTP().Client(), "https://x.test/n")
			got += b
		}
	})
	if got != "012" {
		t.Fatalf("bodies in order %q, want 012", got)
	}
	for range 3 {
		bf.HTTP().AssertRequest("GET", "https://x.test/n", nil, "")
	}
}

func TestConcurrentRequestsEachGetTheirOwnResponse(t *testing.T) {
	bf := bigfoot.New(t)
	const n = 20
	for i := range n {
		bf.HTTP().Expect("GET", fmt.Sprintf("https://x.test/item/%d", i), bfhttp.Response{Body: []byte(fmt.Sprint(i))})
		bf.HTTP().Expect("GET", "https://x.test/same", bfhttp.Response{Body: []byte("same")})
	}
	got := make([]string, n)
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, b, err := get(t, bf.HTTP().Client(), fmt.Sprintf("https://x.test/item/%d", i))
				if err != nil {
					t.Error(err)
				}
				got[i] = b
				if _, b, _ := get(t, bf.HTTP().Client(), "https://x.test/same"); b != "same" {
					t.Errorf("same = %q", b)
				}
			})
		}
		wg.Wait()
	})
	for i := range n {
		if got[i] != fmt.Sprint(i) {
			t.Errorf("request %d got %q", i, got[i])
		}
	}
	bf.InAnyOrder(func() {
		for i := range n {
			bf.HTTP().AssertRequest("GET", fmt.Sprintf("https://x.test/item/%d", i), nil, "")
			bf.HTTP().AssertRequest("GET", "https://x.test/same", nil, "")
		}
	})
}

func TestUnmockedRequestFailsAndShowsTheFix(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		for i := range 7 {
			bf.HTTP().Expect("GET", fmt.Sprintf("https://api.example.com/users/%d", i+2), bfhttp.Response{}, bigfoot.Optional())
		}
		bf.Sandbox(func() {
			resp, e := bf.HTTP().Client().Get("https://api.example.com/users/1?fields=name")
			if resp != nil {
				resp.Body.Close()
			}
			err = e // the code under test could drop it: the test fails anyway
		})
	})
	var unmocked *bigfoot.UnmockedInteractionError
	var uerr *url.Error
	if !errors.As(err, &unmocked) || !errors.As(err, &uerr) {
		t.Fatalf("err = %#v, want a *url.Error wrapping *bigfoot.UnmockedInteractionError", err)
	}
	msg := ft.All()
	mustContain(t, msg,
		`unmocked http call "request": GET https://api.example.com/users/1?fields=name`,
		"no unused scripted response matches this method and URL",
		`bf.HTTP().Expect("GET", "https://api.example.com/users/2", bfhttp.Response{Status: 200}, bigfoot.Optional()) registered at `,
		"bfhttp_test.go:",
		"... and 2 more",
		`bf.HTTP().Expect("GET", "https://api.example.com/users/1?fields=name", bfhttp.Response{Status: 200})`)
	if strings.Contains(msg, "/users/7") {
		t.Errorf("the pending list is not bounded:\n%s", msg)
	}
	for _, f := range fixes(msg) {
		mustParse(t, f)
	}
}

func TestResponsesAreTakenOnce(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://x.test/once", bfhttp.Response{})
		bf.Sandbox(func() {
			get(t, bf.HTTP().Client(), "https://x.test/once")
			get(t, bf.HTTP().Client(), "https://x.test/once")
		})
		bf.HTTP().AssertRequest("GET", "https://x.test/once", nil, "")
	})
	mustContain(t, ft.All(), "each scripted response answers one request", "no scripted response is left")
}

func TestResponsesBehaveAsRealOnes(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://x.test/r", bfhttp.Response{Status: 404,
		Header: http.Header{"content-type": {"text/plain"}, "x-request-id": {"7"}}, Body: []byte("not here")})
	var resp *http.Response
	var req *http.Request
	var body []byte
	bf.Sandbox(func() {
		req, _ = http.NewRequest("GET", "https://x.test/r", nil)
		var err error
		resp, err = bf.HTTP().Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	})
	if resp.StatusCode != 404 || resp.Status != "404 Not Found" || resp.Proto != "HTTP/1.1" || resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
		t.Errorf("status line = %q %d %s", resp.Status, resp.StatusCode, resp.Proto)
	}
	if resp.Request != req || resp.ContentLength != 8 || string(body) != "not here" {
		t.Errorf("Request = %p (want %p), ContentLength = %d, body %q", resp.Request, req, resp.ContentLength, body)
	}
	if resp.Header.Get("Content-Type") != "text/plain" || resp.Header["X-Request-Id"][0] != "7" {
		t.Errorf("header not canonical: %v", resp.Header)
	}
	bf.HTTP().AssertRequest("GET", "https://x.test/r", nil, "")
}

func TestEachResponseHasItsOwnHeader(t *testing.T) {
	bf := bigfoot.New(t)
	h := http.Header{"X-A": {"1"}}
	bf.HTTP().Expect("GET", "https://x.test/h", bfhttp.Response{Header: h}).Expect("GET", "https://x.test/h", bfhttp.Response{Header: h})
	h.Set("X-A", "changed after Expect")
	bf.Sandbox(func() {
		for range 2 {
			resp, err := bf.HTTP().Client().Get("https://x.test/h")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("X-A"); got != "1" {
				t.Errorf("X-A = %q, want 1", got)
			}
			resp.Header.Set("X-A", "changed by the code")
		}
	})
	bf.HTTP().AssertRequest("GET", "https://x.test/h", nil, "")
	bf.HTTP().AssertRequest("GET", "https://x.test/h", nil, "")
}

func TestEmptyAndHeadResponses(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("GET", "https://x.test/empty", bfhttp.Response{}).
		Expect("HEAD", "https://x.test/file", bfhttp.Response{Header: http.Header{"Content-Length": {"1234"}}}).
		Expect("DELETE", "https://x.test/item", bfhttp.Response{Status: http.StatusNoContent})
	bf.Sandbox(func() {
		c := bf.HTTP().Client()
		resp, _ := c.Get("https://x.test/empty")
		if resp.Body != http.NoBody || resp.ContentLength != 0 || resp.StatusCode != 200 {
			t.Errorf("empty: body %T, ContentLength %d, status %d", resp.Body, resp.ContentLength, resp.StatusCode)
		}
		resp, _ = c.Head("https://x.test/file")
		if resp.Body != http.NoBody || resp.ContentLength != 1234 {
			t.Errorf("HEAD: body %T, ContentLength %d", resp.Body, resp.ContentLength)
		}
		req, _ := http.NewRequest("DELETE", "https://x.test/item", nil)
		resp, _ = c.Do(req)
		if resp.StatusCode != 204 || resp.ContentLength != 0 {
			t.Errorf("DELETE: %s, ContentLength %d", resp.Status, resp.ContentLength)
		}
	})
	bf.HTTP().AssertRequest("GET", "https://x.test/empty", nil, "")
	bf.HTTP().AssertRequest("HEAD", "https://x.test/file", nil, "")
	bf.HTTP().AssertRequest("DELETE", "https://x.test/item", nil, "")
}

func TestBodyHonoursTheRequestContext(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://x.test/stream", bfhttp.Response{Body: []byte("0123456789")})
	var first, rest error
	bf.Sandbox(func() {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://x.test/stream", nil)
		resp, err := bf.HTTP().Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, first = resp.Body.Read(make([]byte, 4))
		cancel()
		_, rest = io.ReadAll(resp.Body)
	})
	if first != nil || !errors.Is(rest, context.Canceled) {
		t.Fatalf("reads: %v then %v; want nil then context.Canceled", first, rest)
	}
	bf.HTTP().AssertRequest("GET", "https://x.test/stream", nil, "")
}

func TestReadAfterCloseFails(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://x.test/c", bfhttp.Response{Body: []byte("x")})
	bf.Sandbox(func() {
		resp, _ := bf.HTTP().Client().Get("https://x.test/c")
		resp.Body.Close()
		if _, err := resp.Body.Read(make([]byte, 1)); err == nil || err.Error() != "http: read on closed response body" {
			t.Errorf("read after close: %v", err)
		}
		if err := resp.Body.Close(); err != nil {
			t.Errorf("second close: %v", err)
		}
	})
	bf.HTTP().AssertRequest("GET", "https://x.test/c", nil, "")
}

func TestCancelledContextTakesNoResponse(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://x.test/a", bfhttp.Response{Body: []byte("kept")})
	bf.Sandbox(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://x.test/a", nil)
		if _, err := bf.HTTP().RoundTrip(req); !errors.Is(err, context.Canceled) {
			t.Errorf("RoundTrip with a cancelled context: %v", err)
		}
		if _, b, err := get(t, bf.HTTP().Client(), "https://x.test/a"); err != nil || b != "kept" {
			t.Errorf("the response was taken by the cancelled request: %q %v", b, err)
		}
	})
	bf.HTTP().AssertRequest("GET", "https://x.test/a", nil, "") // the cancelled one is not recorded
}

func TestRedirectsAreFollowedWithTheirOwnResponses(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("POST", "https://x.test/old", bfhttp.Response{Status: http.StatusTemporaryRedirect, Header: http.Header{"Location": {"/new"}}}).
		Expect("POST", "https://x.test/new", bfhttp.Response{Status: 201, Body: []byte("made")})
	var got string
	bf.Sandbox(func() {
		resp, err := bf.HTTP().Client().Post("https://x.test/old", "text/plain", strings.NewReader("payload"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got = resp.Status + " " + string(b)
	})
	if got != "201 Created made" {
		t.Fatalf("got %q", got)
	}
	ct := http.Header{"Content-Type": {"text/plain"}}
	bf.HTTP().AssertRequest("POST", "https://x.test/old", ct, "payload")
	// The client re-sent the body through GetBody, and set the Referer.
	bf.HTTP().AssertRequest("POST", "https://x.test/new", http.Header{"Content-Type": {"text/plain"}, "Referer": {"https://x.test/old"}}, "payload")
}

func TestRedirectWithoutItsResponseIsUnmocked(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://x.test/old", bfhttp.Response{Status: 302, Header: http.Header{"Location": {"https://y.test/new"}}})
		bf.Sandbox(func() { _, _, err = get(t, bf.HTTP().Client(), "https://x.test/old") })
		bf.HTTP().AssertRequest("GET", "https://x.test/old", nil, "")
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) {
		t.Fatalf("err = %v", err)
	}
	mustContain(t, ft.All(), `GET https://y.test/new`, `bf.HTTP().Expect("GET", "https://y.test/new", bfhttp.Response{Status: 200})`)
}

func TestRaisesFailsTheRoundTripAndIsRecorded(t *testing.T) {
	bf := bigfoot.New(t)
	refused := errors.New("connection refused")
	bf.HTTP().Expect("PUT", "https://x.test/k", bfhttp.Response{}, bigfoot.Raises(refused))
	var resp *http.Response
	var err error
	bf.Sandbox(func() {
		req, _ := http.NewRequest("PUT", "https://x.test/k", strings.NewReader("v"))
		resp, err = bf.HTTP().Client().Do(req)
	})
	var uerr *url.Error
	if resp != nil || !errors.Is(err, refused) || !errors.As(err, &uerr) || uerr.Op != "Put" {
		t.Fatalf("resp %v, err %#v; want nil and a *url.Error wrapping the raised error", resp, err)
	}
	bf.HTTP().AssertRequest("PUT", "https://x.test/k", nil, "v")
}

func TestUnusedResponsesNameTheirSite(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().
			Expect("GET", "https://x.test/used", bfhttp.Response{}).
			Expect("GET", "https://x.test/optional", bfhttp.Response{}, bigfoot.Optional()).
			Expect("POST", "https://x.test/required", bfhttp.JSON(200, []int{1}))
		bf.Sandbox(func() { get(t, bf.HTTP().Client(), "https://x.test/used") })
		bf.HTTP().AssertRequest("GET", "https://x.test/used", nil, "")
	})
	msg := ft.All()
	mustContain(t, msg, "1 scripted step(s) were never used",
		`http: bf.HTTP().Expect("POST", "https://x.test/required", bfhttp.Response{Status: 200, ...}) registered at `, "bfhttp_test.go:")
	if strings.Contains(msg, "x.test/optional") {
		t.Errorf("an optional response was reported:\n%s", msg)
	}
}

func TestUnclosedBodyFailsTheTest(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().
			Expect("GET", "https://x.test/leak", bfhttp.Response{Body: []byte("data")}).
			Expect("GET", "https://x.test/read", bfhttp.Response{Body: []byte("data")}).
			Expect("GET", "https://x.test/closed", bfhttp.Response{Body: []byte("data")}).
			Expect("GET", "https://x.test/empty", bfhttp.Response{})
		bf.Sandbox(func() {
			c := bf.HTTP().Client()
			c.Get("https://x.test/leak") // never closed
			resp, _ := c.Get("https://x.test/read")
			io.ReadAll(resp.Body) // read, never closed
			resp, _ = c.Get("https://x.test/closed")
			resp.Body.Close()
			c.Get("https://x.test/empty") // no body to leak: http.NoBody
		})
		for _, p := range []string{"leak", "read", "closed", "empty"} {
			bf.HTTP().AssertRequest("GET", "https://x.test/"+p, nil, "")
		}
	})
	errs := ft.Errors()
	if len(errs) != 2 {
		t.Fatalf("%d failures, want 2 (leak, read):\n%s", len(errs), ft.All())
	}
	mustContain(t, errs[0], "the response body of GET https://x.test/leak was never closed",
		"the request was made at ", "bfhttp_test.go:", "it leaks", "defer resp.Body.Close()")
	mustContain(t, errs[1], "GET https://x.test/read was never closed", "read to its end but not closed")
	if !strings.Contains(errs[0], fmt.Sprintf("bfhttp_test.go:%d", lineOf(t, `c.Get("https://x.test/leak") // never closed`))) {
		t.Errorf("the site is not the line of the request:\n%s", errs[0])
	}
	for _, f := range fixes(errs[0]) {
		mustParse(t, f)
	}
}

func TestRecordedHeaderAndBodyAreWhatReachedTheTransport(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("POST", "https://user:secret@x.test/upload", bfhttp.Response{})
	bf.Sandbox(func() {
		req, _ := http.NewRequest("POST", "https://user:secret@x.test/upload", bytes.NewReader([]byte("abc")))
		req.Header["x-lower"] = []string{"kept"} // set without canonicalizing
		req.Header["X-Empty"] = nil
		resp, err := bf.HTTP().Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		req.Header.Set("X-After", "changed after sending") // the record is a copy
	})
	// The client set Authorization from the URL's user info; User-Agent and
	// Accept-Encoding, which the transport would add on the wire, are not
	// there.
	bf.HTTP().AssertRequest("POST", "https://user:secret@x.test/upload",
		http.Header{"Authorization": {"Basic dXNlcjpzZWNyZXQ="}, "X-Lower": {"kept"}}, []byte("abc"))
}

func TestStreamingRequestBodyHonoursContext(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("POST", "https://x.test/stream", bfhttp.Response{}, bigfoot.Optional())
	var err error
	bf.Sandbox(func() {
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", "https://x.test/stream", pr)
		_, err = bf.HTTP().RoundTrip(req) // the writer never finishes
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestRequestBodyReadErrorIsReturned(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("POST", "https://x.test/b", bfhttp.Response{}, bigfoot.Optional())
	boom := errors.New("disk on fire")
	var err error
	bf.Sandbox(func() {
		req, _ := http.NewRequest("POST", "https://x.test/b", io.MultiReader(strings.NewReader("ab"), errReader{boom}))
		_, err = bf.HTTP().Client().Do(req)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestRoundTripRejectsMalformedRequests(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Sandbox(func() {
		if _, err := bf.HTTP().RoundTrip(&http.Request{Header: http.Header{}}); err == nil || err.Error() != "http: nil Request.URL" {
			t.Errorf("nil URL: %v", err)
		}
		u, _ := url.Parse("https://x.test/")
		if _, err := bf.HTTP().RoundTrip(&http.Request{URL: u}); err == nil || err.Error() != "http: nil Request.Header" {
			t.Errorf("nil Header: %v", err)
		}
	})
}

func TestAssertHeaderForms(t *testing.T) {
	bf := bigfoot.New(t)
	for range 6 {
		bf.HTTP().Expect("GET", "https://x.test/h", bfhttp.Response{})
	}
	bf.Sandbox(func() {
		c := bf.HTTP().Client()
		get(t, c, "https://x.test/h")
		get(t, c, "https://x.test/h")
		for range 4 {
			req, _ := http.NewRequest("GET", "https://x.test/h", nil)
			req.Header.Add("Accept", "text/html")
			req.Header.Add("Accept", "application/json")
			resp, _ := c.Do(req)
			resp.Body.Close()
		}
	})
	bf.HTTP().AssertRequest("GET", "https://x.test/h", nil, "")           // no header: nil
	bf.HTTP().AssertRequest("GET", "https://x.test/h", http.Header{}, "") // or empty
	bf.HTTP().AssertRequest("GET", "https://x.test/h", http.Header{"accept": {"text/html", "application/json"}}, "")
	bf.HTTP().AssertRequest("GET", "https://x.test/h", map[string][]string{"Accept": {"text/html", "application/json"}, "X-None": {}}, "")
	bf.HTTP().AssertRequest("GET", "https://x.test/h", bigfoot.Satisfies("accepts JSON", func(h http.Header) bool {
		return strings.Contains(strings.Join(h.Values("Accept"), ","), "application/json")
	}), "")
	bf.HTTP().AssertRequest("GET", "https://x.test/h", bigfoot.Any(), nil)
}

func TestAssertBodyForms(t *testing.T) {
	bf := bigfoot.New(t)
	for range 4 {
		bf.HTTP().Expect("POST", "https://x.test/b", bfhttp.Response{})
	}
	bf.Sandbox(func() {
		for range 4 {
			resp, _ := bf.HTTP().Client().Post("https://x.test/b", "application/json", strings.NewReader(`{"a":1}`))
			resp.Body.Close()
		}
	})
	ct := http.Header{"Content-Type": {"application/json"}}
	bf.HTTP().AssertRequest("POST", "https://x.test/b", ct, `{"a":1}`)
	bf.HTTP().AssertRequest("POST", "https://x.test/b", ct, []byte(`{"a":1}`))
	bf.HTTP().AssertRequest("POST", "https://x.test/b", ct, json.RawMessage(`{"a":1}`))
	bf.HTTP().AssertRequest("POST", "https://x.test/b", ct, bigfoot.Satisfies("has a", func(b []byte) bool { return bytes.Contains(b, []byte(`"a"`)) }))
}

func TestGenericAssertion(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://x.test/g", bfhttp.Response{})
	bf.Sandbox(func() { get(t, bf.HTTP().Client(), "https://x.test/g") })
	bf.AssertInteraction(bfhttp.Request, bigfoot.Fields{
		"method": "GET",
		"url":    bigfoot.HasPrefix("https://x.test/"),
		"header": http.Header{},
		"body":   []byte(nil),
	})
}

func TestHeaderMismatchShowsKeyByKey(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://x.test/h", bfhttp.Response{})
		bf.Sandbox(func() {
			req, _ := http.NewRequest("GET", "https://x.test/h", nil)
			req.Header.Set("Accept", "text/plain")
			req.Header.Set("X-Trace", "1")
			resp, _ := bf.HTTP().Client().Do(req)
			resp.Body.Close()
		})
		err = bf.HTTP().AssertRequest("GET", "https://x.test/h", http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer t"}}, "")
	})
	_ = err // Fatalf ended the body before the assignment; check the message
	msg := ft.All()
	mustContain(t, msg, "field header, key by key:",
		`Accept: expected {"application/json"}, got {"text/plain"}`,
		`Authorization: expected {"Bearer t"}, not sent`,
		`X-Trace: sent {"1"}, not expected`,
		`bf.HTTP().AssertRequest("GET", "https://x.test/h", http.Header{"Accept": {"text/plain"}, "X-Trace": {"1"}}, "")`)
	if i, j := strings.Index(msg, "key by key"), strings.Index(msg, "\nfix:\n"); i > j {
		t.Errorf("the header diff comes after the fix:\n%s", msg)
	}
	for _, f := range fixes(msg) {
		mustParse(t, f)
	}
}

func TestMismatchErrorsAreTyped(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	p, err := bfhttp.NewPlugin(bf)
	if err != nil {
		t.Fatal(err)
	}
	p.Expect("GET", "https://x.test/", bfhttp.Response{})
	bf.Sandbox(func() { get(t, p.Client(), "https://x.test/") })
	err = p.AssertRequest("GET", "https://x.test/", http.Header{"A": {"b"}}, "")
	var rm *bfhttp.RequestMismatchError
	var im *bigfoot.InteractionMismatchError
	if !errors.As(err, &rm) || !errors.As(err, &im) || len(rm.HeaderDiff) != 1 {
		t.Fatalf("err = %#v", err)
	}
	if err := p.AssertRequest("GET", "https://x.test/", nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := bf.VerifyAll(); err != nil {
		t.Fatal(err)
	}
}

func TestJSONBodyMismatchShowsJSON(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("POST", "https://x.test/users", bfhttp.JSON(201, map[string]int{"id": 2}))
		bf.Sandbox(func() {
			resp, _ := bf.HTTP().Client().Post("https://x.test/users", "application/json", strings.NewReader(`{"name":"ada","roles":["admin","ops"],"age":36}`))
			resp.Body.Close()
		})
		bf.HTTP().AssertRequest("POST", "https://x.test/users", http.Header{"Content-Type": {"application/json"}}, `{"name":"ada","roles":["admin","dev"],"age":36}`)
	})
	msg := ft.All()
	mustContain(t, msg, "field body, as JSON (first difference at line 5):",
		`    -     "dev"`, `    +     "ops"`, `    -   "name": "ada",`,
		"bf.HTTP().AssertRequest(\"POST\", \"https://x.test/users\", http.Header{\"Content-Type\": {\"application/json\"}}, `{\"name\":\"ada\",\"roles\":[\"admin\",\"ops\"],\"age\":36}`)")
	for _, f := range fixes(msg) {
		mustParse(t, f)
	}
}

func TestLongBodyMismatchMarksTheFirstDifference(t *testing.T) {
	ft := bftest.New(t)
	long := strings.Repeat("abcdefgh", 1000)
	sent := long[:5000] + "X" + long[5001:]
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("PUT", "https://x.test/blob", bfhttp.Response{})
		bf.Sandbox(func() {
			req, _ := http.NewRequest("PUT", "https://x.test/blob", strings.NewReader(sent))
			resp, _ := bf.HTTP().Client().Do(req)
			resp.Body.Close()
		})
		bf.HTTP().AssertRequest("PUT", "https://x.test/blob", nil, long)
	})
	msg := ft.All()
	mustContain(t, msg, "field body (first difference at byte 5000: expected 'a', got 'X')", "bytes elided")
	if len(msg) > 8<<10 {
		t.Errorf("message of %d bytes is not bounded", len(msg))
	}
	for _, f := range fixes(msg) {
		mustParse(t, f)
	}
}

func TestUnassertedRequestsShowAssertionsThatParse(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().
			Expect("POST", "https://x.test/a?b=1", bfhttp.Response{}).
			Expect("GET", "https://x.test/bin", bfhttp.Response{}).
			Expect("GET", "https://x.test/q", bfhttp.Response{})
		bf.Sandbox(func() {
			c := bf.HTTP().Client()
			req, _ := http.NewRequest("POST", "https://x.test/a?b=1", strings.NewReader("line one\nline \"two\"\n"))
			req.Header.Set("X-Quote", "a \"b\"")
			resp, _ := c.Do(req)
			resp.Body.Close()
			req, _ = http.NewRequest("GET", "https://x.test/bin", bytes.NewReader([]byte{0xff, 0, 1}))
			resp, _ = c.Do(req)
			resp.Body.Close()
			req, _ = http.NewRequest("GET", "https://x.test/q", strings.NewReader(`{"k":"v"}`))
			resp, _ = c.Do(req)
			resp.Body.Close()
		})
	})
	msg := ft.All()
	mustContain(t, msg, "3 recorded interaction(s) were never asserted",
		`bf.HTTP().AssertRequest("POST", "https://x.test/a?b=1", http.Header{"X-Quote": {"a \"b\""}}, "line one\nline \"two\"\n")`,
		`bf.HTTP().AssertRequest("GET", "https://x.test/bin", nil, []byte("\xff\x00\x01"))`,
		"bf.HTTP().AssertRequest(\"GET\", \"https://x.test/q\", nil, `{\"k\":\"v\"}`)")
	_, after, _ := strings.Cut(msg, "in this order:\n")
	for _, l := range strings.Split(strings.TrimSpace(after), "\n") {
		if _, err := parser.ParseExpr(strings.TrimSpace(l)); err != nil {
			t.Errorf("hint does not parse: %v\n%s", err, l)
		}
	}
}

func TestRequestsOutsideTheSandboxAreRefused(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://x.test/", bfhttp.Response{}, bigfoot.Optional())
		_, _, err = get(t, bf.HTTP().Client(), "https://x.test/")
	})
	var guarded *bigfoot.GuardedCallError
	if !errors.As(err, &guarded) {
		t.Fatalf("err = %v, want *bigfoot.GuardedCallError", err)
	}
	msg := ft.All()
	mustContain(t, msg, "bigfoot: http request GET https://x.test/ refused: no sandbox is open", "bf.Sandbox(func() {")
	for _, f := range fixes(msg) {
		mustParse(t, f)
	}
}

func TestExpectRejectsWhatNoRequestCouldTake(t *testing.T) {
	cases := []struct {
		name   string
		expect func(p *bfhttp.Plugin)
		want   string
	}{
		{"method", func(p *bfhttp.Plugin) { p.Expect("GET /x", "https://x.test/", bfhttp.Response{}) }, "the method is not an HTTP method token"},
		{"empty method", func(p *bfhttp.Plugin) { p.Expect("", "https://x.test/", bfhttp.Response{}) }, "the method is not an HTTP method token"},
		{"relative", func(p *bfhttp.Plugin) { p.Expect("GET", "/users/1", bfhttp.Response{}) }, "the URL must be absolute"},
		{"scheme", func(p *bfhttp.Plugin) { p.Expect("GET", "ftp://x.test/f", bfhttp.Response{}) }, "scheme http or https"},
		{"parse", func(p *bfhttp.Plugin) { p.Expect("GET", "https://x.test/%zz", bfhttp.Response{}) }, "the URL does not parse"},
		{"query", func(p *bfhttp.Plugin) { p.Expect("GET", "https://x.test/?a=1;b=2", bfhttp.Response{}) }, "the query does not parse"},
		{"status", func(p *bfhttp.Plugin) { p.Expect("GET", "https://x.test/", bfhttp.Response{Status: 100}) }, "the status 100 cannot be a response's"},
		{"negative", func(p *bfhttp.Plugin) { p.Expect("GET", "https://x.test/", bfhttp.Response{Status: -1}) }, "the status -1"},
		{"head body", func(p *bfhttp.Plugin) { p.Expect("HEAD", "https://x.test/", bfhttp.Response{Body: []byte("x")}) }, "a response to HEAD has no body"},
		{"204 body", func(p *bfhttp.Plugin) {
			p.Expect("DELETE", "https://x.test/", bfhttp.Response{Status: 204, Body: []byte("x")})
		}, "a 204 No Content response has no body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ft := bftest.New(t)
			ft.Run(func() {
				bf := bigfoot.New(ft)
				c.expect(bf.HTTP())
			})
			if len(ft.Fatals()) != 1 {
				t.Fatalf("misuse not reported with Fatalf: %q", ft.All())
			}
			msg := ft.Fatals()[0]
			mustContain(t, msg, c.want, "fix:")
			for _, f := range fixes(msg) {
				mustParse(t, f)
			}
		})
	}
}

func TestExpectMisuseInManualModePanicsWithTheTypedError(t *testing.T) {
	p, _ := bfhttp.NewPlugin(bigfoot.NewStrictVerifier())
	defer func() {
		var se *bfhttp.ScriptError
		if err, _ := recover().(error); !errors.As(err, &se) {
			t.Fatalf("recovered %v, want *bfhttp.ScriptError", err)
		}
	}()
	p.Expect("GET", "relative/path", bfhttp.Response{})
}

func TestJSONOfAValueThatDoesNotEncode(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		var se *bfhttp.ScriptError
		var je *json.UnsupportedTypeError
		if !errors.As(err, &se) || !errors.As(err, &je) {
			t.Fatalf("recovered %v", err)
		}
		mustContain(t, err.Error(), "bfhttp.JSON(200, ...): the value cannot be encoded as JSON")
		for _, f := range fixes(err.Error()) {
			mustParse(t, f)
		}
	}()
	bfhttp.JSON(200, map[string]any{"f": func() {}})
}

func TestJSONResponse(t *testing.T) {
	r := bfhttp.JSON(201, struct {
		ID int `json:"id"`
	}{7})
	if r.Status != 201 || string(r.Body) != `{"id":7}` || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("JSON = %+v", r)
	}
}

func TestAssertRejectsArgumentsOfTheWrongType(t *testing.T) {
	for _, c := range []struct {
		header, body any
		want         string
	}{
		{map[string]string{"A": "b"}, "", "the header of AssertRequest is a map[string]string"},
		{nil, 42, "the body of AssertRequest is a int"},
	} {
		ft := bftest.New(t)
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.HTTP().Expect("GET", "https://x.test/", bfhttp.Response{})
			bf.Sandbox(func() { get(t, bf.HTTP().Client(), "https://x.test/") })
			bf.HTTP().AssertRequest("GET", "https://x.test/", c.header, c.body)
		})
		mustContain(t, ft.Fatals()[0], c.want, "fix:")
		for _, f := range fixes(ft.Fatals()[0]) {
			mustParse(t, f)
		}
	}
}

func TestSecondPluginIsRejected(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	first := bf.HTTP()
	if _, err := bfhttp.NewPlugin(bf); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Fatalf("err = %v", err)
	}
	if bfhttp.For(bf) != first {
		t.Fatal("For returned another plugin")
	}
}

func TestCloseIdleConnectionsIsHarmless(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Client().CloseIdleConnections()
}

// lineOf returns the line of this file that contains s.
func lineOf(t *testing.T, s string) int {
	t.Helper()
	src, err := readSelf()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) && !strings.Contains(l, "lineOf") {
			return i + 1
		}
	}
	t.Fatalf("no line contains %q", s)
	return 0
}

func TestBodyClosedByAGoroutineAsTheSandboxEnds(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://x.test/async", bfhttp.Response{Body: []byte("x")})
	bf.Sandbox(func() {
		resp, err := bf.HTTP().Client().Get("https://x.test/async")
		if err != nil {
			t.Fatal(err)
		}
		go func() { // a close on its way as the sandbox function returns
			time.Sleep(5 * time.Millisecond)
			resp.Body.Close()
		}()
	})
	bf.HTTP().AssertRequest("GET", "https://x.test/async", nil, "")
}

func TestAssertionMisuses(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://x.test/", bfhttp.Response{})
		bf.Sandbox(func() {
			get(t, bf.HTTP().Client(), "https://x.test/")
			bf.HTTP().AssertRequest("GET", "https://x.test/", nil, "")
		})
	})
	mustContain(t, ft.All(), "assertion on bfhttp.Request made inside the sandbox")

	ft = bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://x.test/", bfhttp.Response{})
		bf.Sandbox(func() { get(t, bf.HTTP().Client(), "https://x.test/") })
		bf.AssertInteraction(bfhttp.Request, bigfoot.Fields{"method": "GET", "url": "https://x.test/"})
	})
	mustContain(t, ft.All(), `is missing field(s) ["header" "body"]`)

	ft = bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().AssertRequest("GET", "https://x.test/", nil, "")
	})
	mustContain(t, ft.All(), "actual:   nothing; every recorded interaction is already asserted")
}

func TestUnclosedBodyInManualModeIsReturnedByVerifyAll(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	p := bfhttp.For(v)
	p.Expect("GET", "https://x.test/late", bfhttp.Response{Body: []byte("x")})
	v.Sandbox(func() {
		p.Client().Get("https://x.test/late") //nolint:bodyclose // the leak under test
	})
	p.AssertRequest("GET", "https://x.test/late", nil, "")
	var unclosed *bfhttp.UnclosedBodyError
	if err := v.VerifyAll(); !errors.As(err, &unclosed) || unclosed.URL != "https://x.test/late" || !strings.Contains(unclosed.Site, "bfhttp_test.go:") {
		t.Fatalf("VerifyAll = %v", err)
	}
}
