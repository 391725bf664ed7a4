package bfhttp_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
)

// Manual use, without a test: the HTTP plugin of a verifier, handed to a
// client as its transport. Every method returns its error.
func ExampleNewPlugin() {
	v := bigfoot.NewStrictVerifier()
	h, err := bfhttp.NewPlugin(v)
	fmt.Println("first plugin:", err)
	_, err = bfhttp.NewPlugin(v)
	fmt.Println("second plugin is ErrPluginExists:", errors.Is(err, bigfoot.ErrPluginExists))

	h.Expect("GET", "https://api.example.com/users/1", bfhttp.JSON(200, map[string]any{"id": 1, "name": "ada"}))

	client := &http.Client{Transport: h}
	v.Sandbox(func() {
		resp, err := client.Get("https://api.example.com/users/1")
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.Status, resp.Header.Get("Content-Type"), string(body))
	})

	fmt.Println("assert:", h.AssertRequest("GET", "https://api.example.com/users/1", nil, ""))
	fmt.Println("VerifyAll:", v.VerifyAll())
	// Output:
	// first plugin: <nil>
	// second plugin is ErrPluginExists: true
	// 200 OK application/json {"id":1,"name":"ada"}
	// assert: <nil>
	// VerifyAll: <nil>
}

// Scripted responses are taken by matching, not in order: the query is
// compared as parsed values, and responses for the same method and URL are
// taken in the order they were scripted.
func ExamplePlugin_Expect() {
	v := bigfoot.NewStrictVerifier()
	h := bfhttp.For(v)
	h.Expect("GET", "https://api.example.com/search?q=go&page=1", bfhttp.Response{Body: []byte("page 1")}).
		Expect("GET", "https://api.example.com/search?q=go&page=2", bfhttp.Response{Body: []byte("page 2")}).
		Expect("GET", "https://api.example.com/status", bfhttp.Response{Status: 503}).
		Expect("GET", "https://api.example.com/status", bfhttp.Response{Body: []byte("ok")})

	c := h.Client()
	v.Sandbox(func() {
		for _, u := range []string{
			"https://api.example.com/search?page=2&q=go",
			"https://api.example.com/search?page=1&q=go",
			"https://api.example.com/status",
			"https://api.example.com/status",
		} {
			resp, err := c.Get(u)
			if err != nil {
				fmt.Println(err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Printf("%s -> %s %q\n", strings.TrimPrefix(u, "https://api.example.com"), resp.Status, body)
		}
	})
	for _, u := range []string{"/search?page=2&q=go", "/search?page=1&q=go", "/status", "/status"} {
		h.AssertRequest("GET", "https://api.example.com"+u, nil, "")
	}
	fmt.Println("VerifyAll:", v.VerifyAll())
	// Output:
	// /search?page=2&q=go -> 200 OK "page 2"
	// /search?page=1&q=go -> 200 OK "page 1"
	// /status -> 503 Service Unavailable ""
	// /status -> 200 OK "ok"
	// VerifyAll: <nil>
}

// A transport error, scripted with bigfoot.Raises: the round trip fails
// as a refused connection does, and http.Client wraps the error in a
// *url.Error. The request still happened, so it is asserted.
func ExamplePlugin_Expect_raises() {
	v := bigfoot.NewStrictVerifier()
	h := bfhttp.For(v)
	refused := errors.New("connect: connection refused")
	h.Expect("POST", "https://api.example.com/events", bfhttp.Response{}, bigfoot.Raises(refused))

	v.Sandbox(func() {
		_, err := h.Client().Post("https://api.example.com/events", "text/plain", strings.NewReader("started"))
		fmt.Println(err)
		fmt.Println("is the scripted error:", errors.Is(err, refused))
	})
	fmt.Println("assert:", h.AssertRequest("POST", "https://api.example.com/events", http.Header{"Content-Type": {"text/plain"}}, "started"))
	// Output:
	// Post "https://api.example.com/events": connect: connection refused
	// is the scripted error: true
	// assert: <nil>
}

// A request with no scripted response fails, with the Expect line that
// would script it.
func ExamplePlugin_RoundTrip_unmocked() {
	v := bigfoot.NewStrictVerifier()
	h := bfhttp.For(v)
	v.Sandbox(func() {
		_, err := h.Client().Get("https://api.example.com/users/7")
		var unmocked *bigfoot.UnmockedInteractionError
		fmt.Println(errors.As(err, &unmocked))
		fmt.Println(unmocked.Fix)
	})
	// Output:
	// true
	// bf.HTTP().Expect("GET", "https://api.example.com/users/7", bfhttp.Response{Status: 200})
}

// AssertRequest states the whole request: the header as the code set it
// (nil for none) and the body. Matchers stand for what a test cannot know.
func ExamplePlugin_AssertRequest() {
	v := bigfoot.NewStrictVerifier()
	h := bfhttp.For(v)
	h.Expect("PUT", "https://api.example.com/users/1", bfhttp.Response{Status: http.StatusNoContent})
	v.Sandbox(func() {
		req, _ := http.NewRequest("PUT", "https://api.example.com/users/1", strings.NewReader(`{"name":"ada","at":"2026-01-02T03:04:05Z"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", "b1946ac9")
		resp, err := h.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
	})
	err := h.AssertRequest("PUT", "https://api.example.com/users/1",
		bigfoot.Satisfies("JSON with a request id", func(hd http.Header) bool {
			return hd.Get("Content-Type") == "application/json" && hd.Get("X-Request-Id") != ""
		}),
		bigfoot.HasPrefix(`{"name":"ada",`))
	fmt.Println("assert:", err)
	// Output:
	// assert: <nil>
}

// JSON encodes a value as the body and sets Content-Type.
func ExampleJSON() {
	r := bfhttp.JSON(201, map[string]any{"id": 2, "tags": []string{"new"}})
	fmt.Println(r.Status, r.Header.Get("Content-Type"), string(r.Body))
	// Output:
	// 201 application/json {"id":2,"tags":["new"]}
}
