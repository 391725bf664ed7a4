//go:build bigfoot_overlay

package bfhttp_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/guard"
)

// These run under `go run ./cmd/bigfoot test`, which compiles net/http
// with a hook in (*http.Transport).roundTrip: the code under test uses the
// standard library's clients with no seam.

func TestTransparentModeIsOn(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("built with the bigfoot_overlay tag but without the overlay")
	}
}

// fetch is code under test with no seam: it uses http.Get.
func fetch(u string) (string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.Status + " " + string(b), err
}

func TestHTTPGetIsAnsweredByThePlugin(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "http://api.internal:8080/healthz", bfhttp.Response{Body: []byte("ok")})
	var got string
	var err error
	bf.Sandbox(func() { got, err = fetch("http://api.internal:8080/healthz") })
	if err != nil || got != "200 OK ok" {
		t.Fatalf("fetch = %q, %v", got, err)
	}
	// No User-Agent, no Accept-Encoding: the request as it reached the
	// transport, before the wire.
	bf.HTTP().AssertRequest("GET", "http://api.internal:8080/healthz", nil, "")
}

func TestDefaultClientAndCustomTransports(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("POST", "https://api.example.com/a", bfhttp.JSON(201, map[string]int{"id": 1})).
		Expect("GET", "https://api.example.com/b", bfhttp.Response{Body: []byte("b")}).
		Expect("GET", "https://api.example.com/c", bfhttp.Response{Body: []byte("c")})
	custom := &http.Client{Transport: &http.Transport{MaxIdleConns: 1}}
	proxied := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: "proxy.internal:3128"})}}
	var got []string
	bf.Sandbox(func() {
		resp, err := http.DefaultClient.Post("https://api.example.com/a", "application/json", strings.NewReader(`{"n":1}`))
		got = append(got, read(t, resp, err))
		resp, err = custom.Get("https://api.example.com/b")
		got = append(got, read(t, resp, err))
		resp, err = proxied.Get("https://api.example.com/c") // answered before any proxy dial
		got = append(got, read(t, resp, err))
	})
	if strings.Join(got, ",") != `{"id":1},b,c` {
		t.Fatalf("bodies %q", got)
	}
	bf.HTTP().AssertRequest("POST", "https://api.example.com/a", http.Header{"Content-Type": {"application/json"}}, `{"n":1}`)
	bf.HTTP().AssertRequest("GET", "https://api.example.com/b", nil, "")
	bf.HTTP().AssertRequest("GET", "https://api.example.com/c", nil, "")
}

func read(t *testing.T, resp *http.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A client that a library builds: httputil.ReverseProxy sends the
// incoming request on with http.DefaultTransport.
func TestReverseProxyAsAClient(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "http://backend.internal/v1/items?page=2", bfhttp.Response{Header: http.Header{"X-Backend": {"1"}}, Body: []byte("items")})
	target, _ := url.Parse("http://backend.internal/v1")
	proxy := httputil.NewSingleHostReverseProxy(target)
	rec := httptest.NewRecorder()
	bf.Sandbox(func() {
		in := httptest.NewRequest("GET", "http://front.example.com/items?page=2", nil)
		in.Header.Set("Authorization", "Bearer t")
		proxy.ServeHTTP(rec, in)
	})
	if rec.Code != 200 || rec.Body.String() != "items" || rec.Header().Get("X-Backend") != "1" {
		t.Fatalf("proxy answered %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	// The proxy's own headers are part of what reached the transport: it
	// sets an empty User-Agent so that the transport adds none.
	bf.HTTP().AssertRequest("GET", "http://backend.internal/v1/items?page=2", http.Header{
		"Authorization":   {"Bearer t"},
		"User-Agent":      {""},
		"X-Forwarded-For": {"192.0.2.1"},
	}, "")
}

// Without bf.HTTP() the request goes on to the dial, where the socket
// plugin answers it (here: no session scripted, so unmocked at the socket
// layer). With it, nothing reaches the socket layer.
func TestLayerRule(t *testing.T) {
	t.Run("without bf.HTTP the dial is scripted", func(t *testing.T) {
		ft := bftest.New(t)
		var err error
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.Sandbox(func() { _, err = fetch("http://api.internal/x") })
		})
		if !strings.Contains(ft.All(), `unmocked socket call "connect"`) {
			t.Fatalf("the request did not reach the socket layer: %v\n%s", err, ft.All())
		}
	})
	t.Run("with bf.HTTP it never reaches the socket layer", func(t *testing.T) {
		ft := bftest.New(t)
		var err error
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.Socket().NewSession().Expect("connect", nil, bigfoot.Optional())
			bf.HTTP() // used, with nothing scripted
			bf.Sandbox(func() { _, err = fetch("http://api.internal/x") })
		})
		var unmocked *bigfoot.UnmockedInteractionError
		if !errors.As(err, &unmocked) || unmocked.Plugin != "http" {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(ft.All(), "socket") {
			t.Fatalf("the socket layer saw the request:\n%s", ft.All())
		}
	})
}

func TestTransparentUnclosedBody(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.HTTP().Expect("GET", "https://api.example.com/leak", bfhttp.Response{Body: []byte("x")})
		bf.Sandbox(func() {
			http.Get("https://api.example.com/leak") //nolint:bodyclose // the leak under test
		})
		bf.HTTP().AssertRequest("GET", "https://api.example.com/leak", nil, "")
	})
	mustContain(t, ft.All(), "the response body of GET https://api.example.com/leak was never closed", "transparent_test.go:")
}

func TestTransparentRedirectAndRaises(t *testing.T) {
	bf := bigfoot.New(t)
	reset := errors.New("connection reset by peer")
	bf.HTTP().
		Expect("GET", "https://api.example.com/old", bfhttp.Response{Status: 301, Header: http.Header{"Location": {"https://api.example.com/new"}}}).
		Expect("GET", "https://api.example.com/new", bfhttp.Response{Body: []byte("moved")}).
		Expect("GET", "https://api.example.com/flaky", bfhttp.Response{}, bigfoot.Raises(reset))
	var got string
	var err error
	bf.Sandbox(func() {
		got, _ = fetch("https://api.example.com/old")
		_, err = fetch("https://api.example.com/flaky")
	})
	if got != "200 OK moved" || !errors.Is(err, reset) {
		t.Fatalf("got %q, err %v", got, err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/old", nil, "")
	bf.HTTP().AssertRequest("GET", "https://api.example.com/new", http.Header{"Referer": {"https://api.example.com/old"}}, "")
	bf.HTTP().AssertRequest("GET", "https://api.example.com/flaky", nil, "")
}

// Parallel tests sharing http.DefaultClient, each scripted differently:
// each request goes to the sandbox of the test whose goroutine made it,
// so none takes another's response. Run with -count=20.
func TestParallelTestsShareTheDefaultClient(t *testing.T) {
	for i := range 6 {
		t.Run(fmt.Sprint("test", i), func(t *testing.T) {
			t.Parallel()
			bf := bigfoot.New(t)
			const u = "https://api.example.com/whoami"
			want := fmt.Sprint("test", i)
			for range 5 {
				bf.HTTP().Expect("GET", u, bfhttp.Response{Body: []byte(want)})
			}
			bf.HTTP().Expect("GET", fmt.Sprintf("https://api.example.com/only/%d", i), bfhttp.Response{Body: []byte(want)})
			bf.Sandbox(func() {
				for range 5 {
					resp, err := http.DefaultClient.Get(u)
					if got := read(t, resp, err); got != want {
						t.Errorf("got %q, want %q: another test's response", got, want)
					}
				}
				resp, err := http.Get(fmt.Sprintf("https://api.example.com/only/%d", i))
				if got := read(t, resp, err); got != want {
					t.Errorf("got %q, want %q", got, want)
				}
			})
			for range 5 {
				bf.HTTP().AssertRequest("GET", u, nil, "")
			}
			bf.HTTP().AssertRequest("GET", fmt.Sprintf("https://api.example.com/only/%d", i), nil, "")
		})
	}
}
