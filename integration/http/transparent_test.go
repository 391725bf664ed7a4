//go:build bigfoot_overlay

package http_test

// The same clients with no seam at all: each uses its own default
// transport (http.DefaultTransport, resty's, go-cleanhttp's), and the
// overlay's hook in (*http.Transport).roundTrip hands their requests to the
// plugin. Run with
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./...

import (
	"context"
	"net/http"
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

func TestTransparentDefaultClient(t *testing.T) {
	bf := bigfoot.New(t)
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

func TestTransparentResty(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/v2/ping", bfhttp.Response{Body: []byte("pong")})
	client := resty.New() // its own *http.Transport
	var got string
	bf.Sandbox(func() {
		resp, err := client.R().Get("https://api.example.com/v2/ping")
		if err != nil {
			t.Fatal(err)
		}
		got = resp.String()
	})
	if got != "pong" {
		t.Fatalf("got %q", got)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v2/ping", bigfoot.Satisfies("resty's User-Agent", func(h http.Header) bool {
		return strings.HasPrefix(h.Get("User-Agent"), "go-resty/") && len(h) == 1
	}), "")
}

func TestTransparentRetryableHTTP(t *testing.T) {
	bf := bigfoot.New(t)
	const u = "https://queue.example.com/jobs"
	bf.HTTP().
		Expect("PUT", u, bfhttp.Response{Status: 502}).
		Expect("PUT", u, bfhttp.Response{Status: 200, Body: []byte("ok")})
	client := retryablehttp.NewClient() // go-cleanhttp's transport
	client.RetryWaitMin, client.RetryWaitMax, client.Logger = time.Millisecond, time.Millisecond, nil
	var got string
	bf.Sandbox(func() {
		req, _ := retryablehttp.NewRequest("PUT", u, []byte("v"))
		resp, err := client.Do(req)
		got = readAll(t, resp, err)
	})
	if got != "ok" {
		t.Fatalf("got %q", got)
	}
	bf.HTTP().AssertRequest("PUT", u, nil, "v")
	bf.HTTP().AssertRequest("PUT", u, nil, "v")
}

func TestTransparentOAuth2(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().
		Expect("POST", "https://auth.example.com/oauth/token", bfhttp.JSON(200, map[string]any{"access_token": "at-9", "token_type": "Bearer"})).
		Expect("GET", "https://api.example.com/me", bfhttp.Response{Body: []byte("me")})
	cfg := clientcredentials.Config{ClientID: "svc", ClientSecret: "pw", TokenURL: "https://auth.example.com/oauth/token", AuthStyle: oauth2.AuthStyleInParams}
	var got string
	bf.Sandbox(func() {
		resp, err := cfg.Client(context.Background()).Get("https://api.example.com/me") // http.DefaultClient underneath
		got = readAll(t, resp, err)
	})
	if got != "me" {
		t.Fatalf("got %q", got)
	}
	bf.HTTP().AssertRequest("POST", "https://auth.example.com/oauth/token", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		"client_id=svc&client_secret=pw&grant_type=client_credentials")
	bf.HTTP().AssertRequest("GET", "https://api.example.com/me", http.Header{"Authorization": {"Bearer at-9"}}, "")
}
