// Package bfhttp is bigfoot's HTTP plugin, reached as bf.HTTP(): requests
// scripted and asserted at the request level, for any *http.Client.
//
//	bf := bigfoot.New(t)
//	bf.HTTP().
//		Expect("GET", "https://api.example.com/users/1", bfhttp.Response{Status: 200, Body: []byte(`{"id":1}`)}).
//		Expect("POST", "https://api.example.com/users", bfhttp.JSON(201, map[string]int{"id": 2}), bigfoot.Optional())
//
//	bf.Sandbox(func() { user, err = client.Get(ctx, 1) })
//
//	bf.HTTP().AssertRequest("GET", "https://api.example.com/users/1", http.Header{"Accept": {"application/json"}}, "")
//
// The plugin is an http.RoundTripper: give the code under test
// bf.HTTP().Client(), or bf.HTTP() as a Transport (seam mode, plain go
// test). Under `go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test`
// every *http.Transport in the process (http.DefaultTransport, custom
// ones, those that libraries build) answers the requests of an open
// sandbox from the plugin, before any proxy, dial or DNS lookup, once the
// test has used bf.HTTP(); a test that did not use it has its requests go
// on to the dial, where the socket plugin answers them (transparent mode).
//
// # Decisions the design leaves open
//
// Matching. A request takes the first unused scripted response whose
// method and URL match it; responses that match equally are taken in the
// order they were scripted, and concurrent requests each take their own.
// Both sides are reduced to one canonical key, so matching is one map
// lookup however many responses are scripted: the scheme and host are
// lower-cased, a missing port is the scheme's default (80, 443), an empty
// path is "/", and the query is compared as parsed values (keys in any
// order; the values of one key in the order given, as url.Values keeps
// them; "a=%2F" and "a=/" alike). The fragment and the user info are not
// part of the match, and the method is compared as written (HTTP methods
// are case-sensitive).
//
// Scripts are checked when written. Expect rejects, with a *ScriptError, a
// method that is not an HTTP token, a URL that is not absolute http or
// https, a query url.ParseQuery rejects, a status outside 200 to 999 (0
// means 200; 1xx responses never leave a transport), and a body on a
// response to HEAD or on a 204 or 304. JSON panics with a *ScriptError for
// a value encoding/json cannot encode, as regexp.MustCompile does for a bad
// pattern. The response's header and body are copied when scripted.
//
// Recording. Every request that takes a response is recorded, including
// one answered with bigfoot.Raises. A request that matches nothing is not
// recorded: it fails the test as unmocked, with the Expect line to paste
// and the responses not yet taken (at most five). A request whose context
// is already done returns the context's error, takes nothing and is not
// recorded. A request outside a sandbox (seam mode) is refused with a
// *bigfoot.GuardedCallError, and fails the test.
//
// The recorded fields are the method ("" is GET), the URL as sent (without
// the fragment, user info kept), the header as it reached the transport
// (http.Header, never nil, canonical keys, keys without values dropped) and
// the body read whole ([]byte, nil for none). The header is what the code
// and http.Client set (Authorization from the URL's user info, a Referer on
// redirects, cookies from a Jar), not what a transport adds on the wire
// (User-Agent, Accept-Encoding, Host, Content-Length). Request.Host and
// trailers are not recorded. The request body is read and closed before the
// response is chosen, as a transport consumes it; a body with no GetBody
// (a pipe) is read on a goroutine, so that the request's context still
// bounds the wait. Full-duplex exchanges, where the body is written only
// as the response is read, cannot be scripted.
//
// Asserting. AssertRequest compares the URL as a string, exactly as it was
// sent (the hint shows it), and the header as an http.Header with
// canonical keys, where nil and an empty header are alike; it also takes a
// matcher, which gets the recorded http.Header. The body is a string or
// []byte ("" or nil for none) or a matcher, which gets the []byte. With the
// generic bf.AssertInteraction(bfhttp.Request, ...) the values compare as
// core compares them: give the header as an http.Header (http.Header{} for
// none) and the body as []byte. A mismatch adds to bigfoot's field diff the
// header key by key, and a body that is JSON on both sides pretty-printed
// around the first line that differs; a long body is elided around its
// first difference.
//
// Responses. A response served has Status ("404 Not Found"), StatusCode,
// Proto HTTP/1.1, its own copy of the scripted header (never nil), Request
// set to the request, and ContentLength the body's length. An empty body is
// http.NoBody, as net/http gives for a zero-length body; a response to HEAD
// has no body and the ContentLength its Content-Length header gives (else
// -1); a 204 or 304 has none and 0. TLS is nil and Uncompressed false: a
// scripted Content-Encoding is served as it is, since a transport only
// decompresses what it asked for itself. A body's reads fail with the
// request context's error once that context is done, and with net/http's
// "read on closed response body" after Close. A redirect status with a
// Location makes http.Client follow it, and that request needs a response
// of its own.
//
// Unclosed bodies. When a sandbox ends, every non-empty response body
// served since the previous sandbox ended must have been closed; each one
// that was not fails the test with an *UnclosedBodyError naming the
// request and the line of the code that made it (kept as program counters
// when the request was made, resolved only for the message). A body read
// to its end but not closed fails too: net/http would release that
// connection, but code that relies on reading to the end leaks the first
// time it returns early, and this is the rule the bodyclose linter checks.
//
// Transparent mode. The plugin answers in place of the transport, so none
// of the transport's settings apply (proxy, TLS, dialer, timeouts other
// than the request's context, which http.Client's Timeout sets).
// Requests are routed to the sandbox of the goroutine that made them (or
// of the context from bf.Context they carry), so parallel tests sharing
// http.DefaultClient each get their own responses.
package bfhttp
