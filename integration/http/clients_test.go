// Package http_test proves bigfoot's HTTP plugin against unmodified real
// clients, each given the plugin as its transport (seam mode, plain go
// test): net/http's Client and DefaultClient, httputil.ReverseProxy,
// go-resty, go-retryablehttp and golang.org/x/oauth2. The files tagged
// bigfoot_overlay run the same clients with no seam at all, under
// `go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test`.
package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

func readAll(t *testing.T, resp *http.Response, err error) string {
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

func TestNetHTTPClient(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("GET", "https://api.example.com/users/1", bfhttp.JSON(200, map[string]any{"id": 1, "name": "ada"})).
		Expect("PATCH", "https://api.example.com/users/1", bfhttp.Response{Status: http.StatusNoContent})
	client := &http.Client{Transport: bf.HTTP(), Timeout: 5 * time.Second}
	var user struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	var patched int
	bf.Sandbox(func() {
		ctx := context.Background()
		req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.example.com/users/1", nil)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err := json.Unmarshal([]byte(readAll(t, resp, err)), &user); err != nil {
			t.Fatal(err)
		}
		req, _ = http.NewRequestWithContext(ctx, "PATCH", "https://api.example.com/users/1", strings.NewReader(`{"name":"ada l."}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		patched = resp.StatusCode
	})
	if user.ID != 1 || user.Name != "ada" || patched != 204 {
		t.Fatalf("user %+v, patch %d", user, patched)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/users/1", http.Header{"Accept": {"application/json"}}, "")
	bf.HTTP().AssertRequest("PATCH", "https://api.example.com/users/1", http.Header{"Content-Type": {"application/json"}}, `{"name":"ada l."}`)
}

// http.DefaultClient has no seam: a test that cannot change the code
// swaps its transport for the test's duration (or runs under bigfoot
// test, see transparent_test.go).
func TestNetHTTPDefaultClient(t *testing.T) {
	bf := bigfoot.New(t)
	saved := http.DefaultClient.Transport
	http.DefaultClient.Transport = bf.HTTP()
	t.Cleanup(func() { http.DefaultClient.Transport = saved })
	bf.HTTP().Expect("GET", "https://status.example.com/", bfhttp.Response{Body: []byte("up")})
	var got string
	bf.Sandbox(func() {
		resp, err := http.DefaultClient.Get("https://status.example.com/")
		got = readAll(t, resp, err)
	})
	if got != "up" {
		t.Fatalf("got %q", got)
	}
	bf.HTTP().AssertRequest("GET", "https://status.example.com/", nil, "")
}

func TestReverseProxyAsAClient(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("POST", "http://orders.internal/api/orders", bfhttp.Response{Status: 201, Header: http.Header{"Location": {"/api/orders/9"}}, Body: []byte(`{"id":9}`)})
	target, _ := url.Parse("http://orders.internal/api")
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = bf.HTTP()
	rec := httptest.NewRecorder()
	bf.Sandbox(func() {
		in := httptest.NewRequest("POST", "https://shop.example.com/orders", strings.NewReader(`{"sku":"x"}`))
		in.Header.Set("Content-Type", "application/json")
		proxy.ServeHTTP(rec, in)
	})
	if rec.Code != 201 || rec.Body.String() != `{"id":9}` || rec.Header().Get("Location") != "/api/orders/9" {
		t.Fatalf("proxy answered %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	bf.HTTP().AssertRequest("POST", "http://orders.internal/api/orders", http.Header{
		"Content-Type":    {"application/json"},
		"User-Agent":      {""}, // the proxy's: it stops the transport adding Go's
		"X-Forwarded-For": {"192.0.2.1"},
	}, `{"sku":"x"}`)
}

func TestResty(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("POST", "https://api.example.com/v2/search?limit=10", bfhttp.JSON(200, map[string][]string{"hits": {"a", "b"}})).
		Expect("GET", "https://api.example.com/v2/missing", bfhttp.JSON(404, map[string]string{"error": "no such thing"}))
	client := resty.New().SetTransport(bf.HTTP()).SetBaseURL("https://api.example.com/v2").SetAuthToken("tok")
	var hits struct{ Hits []string }
	var failure struct{ Error string }
	var status int
	bf.Sandbox(func() {
		_, err := client.R().SetQueryParam("limit", "10").SetBody(map[string]string{"q": "go"}).SetResult(&hits).Post("/search")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.R().SetError(&failure).Get("/missing")
		if err != nil {
			t.Fatal(err)
		}
		status = resp.StatusCode()
	})
	if strings.Join(hits.Hits, ",") != "a,b" || status != 404 || failure.Error != "no such thing" {
		t.Fatalf("hits %v, status %d, error %q", hits, status, failure.Error)
	}
	bf.HTTP().AssertRequest("POST", "https://api.example.com/v2/search?limit=10", bigfoot.Satisfies("resty's JSON request with the token", func(h http.Header) bool {
		return h.Get("Authorization") == "Bearer tok" && h.Get("Content-Type") == "application/json" && strings.HasPrefix(h.Get("User-Agent"), "go-resty/")
	}), `{"q":"go"}`)
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v2/missing", bigfoot.Satisfies("the token", func(h http.Header) bool {
		return h.Get("Authorization") == "Bearer tok"
	}), "")
}

// Retries show up as separate requests, each recorded with the body the
// client re-sent.
func TestRetryableHTTP(t *testing.T) {
	bf := bigfoot.New(t)
	const u = "https://queue.example.com/jobs"
	bf.HTTP().
		Expect("POST", u, bfhttp.Response{Status: 503, Body: []byte("busy")}).
		Expect("POST", u, bfhttp.Response{}, bigfoot.Raises(errors.New("connection reset by peer"))).
		Expect("POST", u, bfhttp.Response{Status: 202, Body: []byte("queued")})
	client := retryablehttp.NewClient()
	client.HTTPClient = bf.HTTP().Client()
	client.RetryWaitMin, client.RetryWaitMax, client.RetryMax = time.Millisecond, time.Millisecond, 3
	client.Logger = nil
	var got string
	bf.Sandbox(func() {
		req, err := retryablehttp.NewRequest("POST", u, strings.NewReader("job=1"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		got = readAll(t, resp, err)
	})
	if got != "queued" {
		t.Fatalf("got %q", got)
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	bf.HTTP().AssertRequest("POST", u, form, "job=1")
	bf.HTTP().AssertRequest("POST", u, form, "job=1")
	bf.HTTP().AssertRequest("POST", u, form, "job=1")
}

func TestRetryableHTTPGivesUp(t *testing.T) {
	bf := bigfoot.New(t)
	const u = "https://queue.example.com/jobs/1"
	for range 3 {
		bf.HTTP().Expect("GET", u, bfhttp.Response{Status: 500, Body: []byte("down")})
	}
	client := retryablehttp.NewClient()
	client.HTTPClient = bf.HTTP().Client()
	client.RetryWaitMin, client.RetryWaitMax, client.RetryMax = time.Millisecond, time.Millisecond, 2
	client.Logger = nil
	var err error
	bf.Sandbox(func() {
		var resp *http.Response
		resp, err = client.Get(u)
		if resp != nil {
			resp.Body.Close()
		}
	})
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempt(s)") {
		t.Fatalf("err = %v", err)
	}
	for range 3 {
		bf.HTTP().AssertRequest("GET", u, nil, "")
	}
}

// oauth2: the client-credentials token fetch, then the API call with the
// token it got.
func TestOAuth2ClientCredentials(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("POST", "https://auth.example.com/oauth/token", bfhttp.JSON(200, map[string]any{
			"access_token": "at-123", "token_type": "Bearer", "expires_in": 3600,
		})).
		Expect("GET", "https://api.example.com/me", bfhttp.JSON(200, map[string]string{"sub": "svc-1"}))
	cfg := clientcredentials.Config{
		ClientID: "svc", ClientSecret: "s3cret", TokenURL: "https://auth.example.com/oauth/token",
		Scopes: []string{"read"}, AuthStyle: oauth2.AuthStyleInHeader,
	}
	var got string
	bf.Sandbox(func() {
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, bf.HTTP().Client())
		resp, err := cfg.Client(ctx).Get("https://api.example.com/me")
		got = readAll(t, resp, err)
	})
	if got != `{"sub":"svc-1"}` {
		t.Fatalf("got %q", got)
	}
	bf.HTTP().AssertRequest("POST", "https://auth.example.com/oauth/token", http.Header{
		"Authorization": {"Basic c3ZjOnMzY3JldA=="},
		"Content-Type":  {"application/x-www-form-urlencoded"},
	}, "grant_type=client_credentials&scope=read")
	bf.HTTP().AssertRequest("GET", "https://api.example.com/me", http.Header{"Authorization": {"Bearer at-123"}}, "")
}
