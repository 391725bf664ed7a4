package bfhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Request is the source of the plugin's interactions, one per request
// answered (a response or a bigfoot.Raises error), for the generic form:
//
//	bf.AssertInteraction(bfhttp.Request, bigfoot.Fields{
//		"method": "GET",
//		"url":    bigfoot.HasPrefix("https://api.example.com/"),
//		"header": http.Header{},
//		"body":   []byte(nil),
//	})
//
// The fields are the method, the URL as sent (a string), the header as it
// reached the transport (an http.Header, never nil, canonical keys) and
// the body read whole (a []byte, nil when there was none). The generic form
// compares them as core does (an http.Header by reflect.DeepEqual, the body
// as []byte); AssertRequest also accepts nil for no header and a string
// body.
var Request = &core.Source{Plugin: "http", Name: "request", Fields: []string{"method", "url", "header", "body"},
	GoExpr: "bfhttp.Request", Hint: hint}

// Response is a scripted response. Status 0 means 200. Header is copied
// when the response is scripted, with canonical keys; each response served
// gets its own copy, so the code may change it.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON returns a response with status and v encoded as its body, and
// Content-Type: application/json. A value that encoding/json cannot
// encode is a mistake in the test: JSON panics with a *ScriptError, as
// regexp.MustCompile does for a bad pattern.
func JSON(status int, v any) Response {
	b, err := json.Marshal(v)
	if err != nil {
		panic(&ScriptError{Call: "bfhttp.JSON(" + strconv.Itoa(status) + ", ...)", Err: err,
			Reason: "the value cannot be encoded as JSON: " + err.Error(),
			Fix:    "// pass a value encoding/json can marshal (a struct with exported fields, a map with string keys, a slice),\n// or the body itself:\nbfhttp.Response{Status: " + strconv.Itoa(status) + ", Header: http.Header{\"Content-Type\": {\"application/json\"}}, Body: []byte(`{}`)}"})
	}
	return Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: b}
}

// Plugin is the HTTP plugin of one verifier: an http.RoundTripper that
// answers requests from the responses the test scripted with Expect, and
// records each request on the verifier's timeline, to be asserted with
// AssertRequest.
type Plugin struct {
	v *core.Verifier
	q *core.Queue

	mu      sync.Mutex       // guards open (and each body's idx), scripts and values
	open    []*body          // bodies served since the last sandbox ended and not closed yet
	scripts []scripted       // the chunk Expect cuts its responses from
	values  []string         // the chunk recorded headers' keys and values are cut from
	lists   [][]string       // the chunk recorded headers' value lists are cut from
	snaps   []headerSnapshot // the chunk recorded headers are cut from
}

var _ http.RoundTripper = (*Plugin)(nil)

var key = core.NewKey[*Plugin]("http", "bf.HTTP()")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/bfhttp")
	guard.ClaimRoundTrip(guard.RoundTripClaim{Name: "http", Layer: guard.LayerRequest, Claim: claim})
}

func newPlugin(v *core.Verifier) *Plugin {
	p := &Plugin{v: v, q: core.NewQueue(v, &core.QueueSpec{Plugin: "http"})}
	v.OnSandboxExit(func() {
		for _, err := range p.checkBodies(core.SettleTimeout) {
			p.v.Report(err)
		}
	})
	// A body served while the last sandbox was closing (by a goroutine
	// still at work) is checked at verification.
	v.OnVerify(func() error { return errors.Join(p.checkBodies(0)...) })
	return p
}

// For returns h's HTTP plugin, creating it on first use; bf.HTTP() is
// For(bf).
func For(h core.Host) *Plugin { return key.Of(h, newPlugin) }

// NewPlugin creates h's HTTP plugin, for manual use. Each verifier has at
// most one: a second call returns an error for which
// errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(h core.Host) (*Plugin, error) { return key.New(h, newPlugin) }

// scripted is a response as Expect stored it, ready to serve, with what
// its Expect call was, rendered only when a message shows it.
type scripted struct {
	// ent is the response's entry in the queue, kept here
	// (core.Queue.AddEntry) rather than copied into the queue's own
	// chunks: one struct per response instead of two. Its Returns is the
	// scripted response itself.
	ent core.Entry

	status        int
	statusLine    string      // e.g. "404 Not Found"
	header        http.Header // canonical, nil when empty; copied for each response
	body          []byte      // nil for none; in the verifier's arena, read-only
	contentLength int64

	method, url      string // as given to Expect
	more             bool   // the response had a header or body
	raises, optional bool   // the options given
}

// RenderScript renders the Expect call, for messages about the entry
// (core.ScriptRenderer).
func (sc *scripted) RenderScript() string {
	return expectCall(sc.method, sc.url, sc.status, sc.more, sc.raises, sc.optional)
}

// Expect scripts resp as the answer to one request with method and url.
// A request takes the first unused response whose method and URL match it
// (see the package documentation for how URLs match); equal ones are taken
// in the order they were scripted. bigfoot.Raises(err) makes the round
// trip fail with err, as a transport error does (the request is still
// recorded); bigfoot.Optional() marks a response the code may not ask for.
// A method, URL or response that no request could take is a misuse,
// reported here with a *ScriptError.
func (p *Plugin) Expect(method, url string, resp Response, opts ...core.StepOption) *Plugin {
	var buf [keyBuf]byte
	sc := p.newScripted()
	k, err := prepareChecked(sc, buf[:0], method, url, resp)
	if err != nil {
		err.Call = "bf.HTTP().Expect(" + strconv.Quote(method) + ", " + strconv.Quote(url) + ", ...)"
		p.v.Reporter().Helper()
		p.v.Misuse(err)
		return p
	}
	sc.body = p.v.CopyBytes(sc.body)
	sc.method, sc.url, sc.more = method, url, resp.Header != nil || resp.Body != nil
	if len(opts) > 0 {
		raises, optional := core.ApplyOptions(opts)
		sc.raises, sc.optional = raises != nil, optional
	}
	sc.ent.Key, sc.ent.Returns = p.v.String(k), sc
	p.q.AddEntry(&sc.ent, core.Caller(0), opts...)
	return p
}

// keyBuf is the scratch space for a key on the stack; longer keys spill
// to the heap.
const keyBuf = 256

// newScripted returns a zero scripted cut from the plugin's chunk.
func (p *Plugin) newScripted() *scripted {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.scripts) == cap(p.scripts) {
		p.scripts = make([]scripted, 0, 64)
	}
	p.scripts = p.scripts[:len(p.scripts)+1]
	return &p.scripts[len(p.scripts)-1]
}

// expectCall renders an Expect call for messages about the entry.
func expectCall(method, url string, status int, more, raises, optional bool) string {
	var b strings.Builder
	b.Grow(len(method) + len(url) + 64)
	b.WriteString("bf.HTTP().Expect(")
	writeQuoted(&b, method)
	b.WriteString(", ")
	writeQuoted(&b, url)
	b.WriteString(", bfhttp.Response{Status: ")
	b.WriteString(strconv.Itoa(status))
	if more {
		b.WriteString(", ...")
	}
	b.WriteString("}")
	n := core.CurrentNames().Package
	if raises {
		b.WriteString(", " + n + ".Raises(...)")
	}
	if optional {
		b.WriteString(", " + n + ".Optional()")
	}
	b.WriteString(")")
	return b.String()
}

// writeQuoted writes s as a Go string literal; plain ASCII, the common
// case for a method or URL, is written as it is, without strconv's work.
func writeQuoted(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			b.WriteString(strconv.Quote(s))
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// prepareChecked checks a scripted exchange, fills sc with its response
// (sc.body is still the caller's) and appends its key to dst. The
// rejected call is rendered by the caller, only on failure.
func prepareChecked(sc *scripted, dst []byte, method, rawURL string, resp Response) ([]byte, *ScriptError) {
	if !validMethod(method) {
		return nil, &ScriptError{
			Reason: "the method is not an HTTP method token (" + strconv.Quote(method) + ")",
			Fix:    "bf.HTTP().Expect(http.MethodGet, " + strconv.Quote(rawURL) + ", bfhttp.Response{Status: 200})"}
	}
	k, serr := expectKey(dst, method, rawURL)
	if serr != nil {
		return nil, serr
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 999 {
		return nil, &ScriptError{
			Reason: "the status " + strconv.Itoa(resp.Status) + " cannot be a response's: a transport returns final responses, 200 to 999 (0 means 200; 1xx are handled inside the transport)",
			Fix:    "bf.HTTP().Expect(" + strconv.Quote(method) + ", " + strconv.Quote(rawURL) + ", bfhttp.Response{Status: 200})"}
	}
	sc.status, sc.statusLine, sc.contentLength = status, statusLines[status], int64(len(resp.Body))
	if len(resp.Body) > 0 {
		noBody := ""
		switch {
		case method == http.MethodHead:
			noBody = "a response to HEAD has no body"
		case status == http.StatusNoContent || status == http.StatusNotModified:
			noBody = "a " + sc.statusLine + " response has no body"
		}
		if noBody != "" {
			return nil, &ScriptError{Reason: noBody + ", and the transport would not deliver one",
				Fix: "bf.HTTP().Expect(" + strconv.Quote(method) + ", " + strconv.Quote(rawURL) + ", bfhttp.Response{Status: " + strconv.Itoa(status) + "})"}
		}
		sc.body = resp.Body
	}
	if len(resp.Header) > 0 {
		h, fresh := canonicalHeader(resp.Header)
		if !fresh {
			h = h.Clone()
		}
		if len(h) > 0 {
			sc.header = h
		}
	}
	if method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified {
		sc.contentLength = -1
		if cl := sc.header.Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
				sc.contentLength = n
			}
		}
		if status == http.StatusNoContent || status == http.StatusNotModified {
			sc.contentLength = 0
		}
	}
	return k, nil
}

// expectKey appends the canonical key of a scripted method and URL to
// dst: by the fast path for a plain URL, else through url.Parse.
func expectKey(dst []byte, method, rawURL string) ([]byte, *ScriptError) {
	if k, ok := appendFastKey(dst, method, rawURL); ok {
		return k, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &ScriptError{Err: err, Reason: "the URL does not parse: " + err.Error(),
			Fix: "bf.HTTP().Expect(" + strconv.Quote(method) + ", \"https://api.example.com/path?key=value\", bfhttp.Response{Status: 200})"}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		fix := "https://api.example.com" + u.EscapedPath()
		if u.Scheme != "" && u.Host != "" {
			fix = "https://" + u.Host + u.EscapedPath()
		}
		return nil, &ScriptError{
			Reason: "the URL must be absolute, with scheme http or https and a host, as a request's URL is when it reaches the transport",
			Fix:    "bf.HTTP().Expect(" + strconv.Quote(method) + ", " + strconv.Quote(fix) + ", bfhttp.Response{Status: 200})"}
	}
	k, ok := appendRequestKey(dst, method, u)
	if !ok {
		return nil, &ScriptError{
			Reason: "the query does not parse as url.ParseQuery parses it (" + strconv.Quote(u.RawQuery) + ")",
			Fix:    "// escape the query's values, e.g. with url.Values{\"key\": {\"a;b\"}}.Encode()"}
	}
	return k, nil
}

// statusLines holds each status's Status text, e.g. "404 Not Found"
// (unknown codes read "599 status code 599", as net/http's server writes
// them), made once rather than for every Expect.
var statusLines = func() (lines [1000]string) {
	for code := 200; code < len(lines); code++ {
		text := http.StatusText(code)
		if text == "" {
			text = "status code " + strconv.Itoa(code)
		}
		lines[code] = strconv.Itoa(code) + " " + text
	}
	return lines
}()

// validMethod reports whether m is an HTTP token (RFC 9110), as net/http
// requires of a request's method.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !isUnreserved(c) && strings.IndexByte("!#$%&'*+^`|", c) < 0 {
			return false
		}
	}
	return true
}

// Client returns a new *http.Client whose Transport is p: the seam for
// code that takes a client.
func (p *Plugin) Client() *http.Client { return &http.Client{Transport: p} }

// CloseIdleConnections does nothing: the plugin keeps no connections. It
// lets http.Client.CloseIdleConnections reach it as it reaches a
// Transport.
func (p *Plugin) CloseIdleConnections() {}

// RoundTrip answers req from the script, as an http.RoundTripper: it
// consumes and closes req's body (read whole and recorded), and returns
// the first unused scripted response whose method and URL match, or the
// error of bigfoot.Raises. It does not change req. Outside a sandbox it
// refuses the request with a *bigfoot.GuardedCallError; a request that
// matches nothing returns a *bigfoot.UnmockedInteractionError (which
// http.Client wraps in a *url.Error); both also fail the test. A request
// whose context is already done returns the context's error and takes
// nothing.
func (p *Plugin) RoundTrip(req *http.Request) (*http.Response, error) {
	return p.serve(req, true)
}

// claim answers, in transparent mode, the requests of v's open sandbox
// that any *http.Transport makes, when the test used bf.HTTP(); otherwise
// they go on to the dial, where the socket plugin answers them.
func claim(v *core.Verifier, _ *http.Transport, req *http.Request) (guard.Decision, *http.Response, error) {
	p, used := key.Get(v)
	if !used {
		return guard.Pass, nil, nil
	}
	resp, err := p.serve(req, false)
	return guard.Answer, resp, err
}

// serve answers one request; seam says whether it came through the
// plugin itself (which must check the sandbox) rather than the hook.
func (p *Plugin) serve(req *http.Request, seam bool) (*http.Response, error) {
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("http: nil Request.URL")
	}
	if req.Header == nil {
		closeBody(req)
		return nil, errors.New("http: nil Request.Header")
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if seam && !p.v.InSandbox() {
		closeBody(req)
		// A guard level of warn or off cannot let it through: the
		// plugin's RoundTripper has no transport behind it.
		return nil, guard.RefuseOutside(guard.KindHTTP, p.v, "http request "+method+" "+req.URL.Redacted(), p.outsideSandbox(method, req.URL),
			"the RoundTripper is the HTTP plugin's ("+core.CurrentNames().Verifier+".HTTP()), with no transport behind it")
	}
	sent, err := readBody(ctx, req)
	if err != nil {
		return nil, err
	}
	var buf [keyBuf]byte
	k, _ := appendRequestKey(buf[:0], method, req.URL)
	u := p.sentURL(req.URL, k[len(k):])
	header := p.recordHeader(req.Header)
	ent, err := p.q.TakeBytes(k, nil, func(*core.Entry) error {
		p.v.Record(Request, core.String(method), core.String(u), core.SnapshotValue(header), core.Bytes(sent))
		return nil
	})
	if err == nil && ent == nil {
		err = p.unmocked(method, req.URL)
	}
	if err != nil {
		p.v.Report(err)
		return nil, err
	}
	if ent.Err != nil {
		return nil, ent.Err
	}
	sc := ent.Returns.(*scripted)
	var resp *http.Response
	if len(sc.body) > 0 {
		// The response and its body in one allocation.
		rb := &responseWithBody{body: body{ctx: ctx, data: sc.body, method: method, url: u, at: core.SharedStack(), p: p}}
		resp = &rb.resp
		resp.Body = &rb.body
		p.mu.Lock()
		rb.body.idx = len(p.open)
		p.open = append(p.open, &rb.body)
		p.mu.Unlock()
	} else {
		resp = &http.Response{Body: http.NoBody}
	}
	resp.Status, resp.StatusCode = sc.statusLine, sc.status
	resp.Proto, resp.ProtoMajor, resp.ProtoMinor = "HTTP/1.1", 1, 1
	resp.Header, resp.ContentLength, resp.Request = sc.header.Clone(), sc.contentLength, req
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	return resp, nil
}

// forget drops a closed body from the open set, in O(1): the last body
// takes its place.
func (p *Plugin) forget(b *body) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := b.idx
	if i < 0 || i >= len(p.open) || p.open[i] != b {
		return // already taken by checkBodies
	}
	last := len(p.open) - 1
	p.open[i] = p.open[last]
	p.open[i].idx = i
	p.open[last] = nil
	p.open = p.open[:last]
	b.idx = -1
}

// responseWithBody is a served response and its scripted body.
type responseWithBody struct {
	resp http.Response
	body body
}

// readBody reads a request's body whole and closes it, as a transport
// consumes it. A body that may block (a pipe; one with no GetBody, so not
// one of http.NewRequest's in-memory readers) is read on a goroutine, so
// that the request's context still bounds the wait.
func readBody(ctx context.Context, req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	read := func() ([]byte, error) {
		defer req.Body.Close()
		var buf bytes.Buffer
		if req.ContentLength > 0 && req.ContentLength < 64<<20 {
			buf.Grow(int(req.ContentLength))
		}
		_, err := buf.ReadFrom(req.Body)
		if buf.Len() == 0 {
			return nil, err
		}
		return buf.Bytes(), err
	}
	var b []byte
	var err error
	if req.GetBody != nil || ctx.Done() == nil {
		b, err = read()
	} else {
		type result struct {
			b   []byte
			err error
		}
		done := make(chan result, 1)
		go func() { b, err := read(); done <- result{b, err} }()
		select {
		case r := <-done:
			b, err = r.b, r.err
		case <-ctx.Done():
			req.Body.Close() // unblocks the read, for bodies that honour Close
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("bfhttp: reading the request body: %w", err)
	}
	return b, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// sentURL is the URL as a transport sends it, u.String() without the
// fragment, kept in the verifier's arena; scratch is spare room for
// building it. The URLs requests mostly have (scheme, plain host, path
// and query, nothing else) are written directly, the rest by url.URL.
func (p *Plugin) sentURL(u *url.URL, scratch []byte) string {
	if u.Opaque == "" && u.User == nil && !u.ForceQuery && !u.OmitHost && u.Scheme != "" &&
		isPlainHostPort(u.Host) && (u.Path == "" || u.Path[0] == '/') {
		b := append(scratch, u.Scheme...)
		b = append(b, "://"...)
		b = append(b, u.Host...)
		if u.RawPath == "" && isPlainPath(u.Path) {
			// What EscapedPath returns, without its escaping pass.
			b = append(b, u.Path...)
		} else {
			b = append(b, u.EscapedPath()...)
		}
		if u.RawQuery != "" {
			b = append(b, '?')
			b = append(b, u.RawQuery...)
		}
		return p.v.String(b)
	}
	if u.Fragment == "" && u.RawFragment == "" {
		return u.String()
	}
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// isPlainHostPort reports whether url.URL.String writes host as it is:
// letters, digits, dots, dashes and a port.
func isPlainHostPort(host string) bool {
	if host == "" {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

func (p *Plugin) outsideSandbox(method string, u *url.URL) error {
	n := core.CurrentNames()
	return &core.GuardedCallError{Plugin: "http", Op: "request", Network: method, Address: u.Redacted(),
		Reason: "no sandbox is open; requests are answered only inside " + n.Verifier + ".Sandbox",
		Fix:    n.Verifier + ".Sandbox(func() {\n\t// the code that sends " + method + " " + u.Redacted() + "\n})"}
}

// maxPending bounds the scripted responses an unmocked request's message lists.
const maxPending = 5

// unmocked builds the error of a request that no scripted response
// matches. Only the failure path pays for it.
func (p *Plugin) unmocked(method string, u *url.URL) error {
	shown := u.Redacted()
	if i := strings.IndexByte(shown, '#'); i >= 0 {
		shown = shown[:i]
	}
	var b strings.Builder
	b.WriteString("no unused scripted response matches this method and URL (scheme, host, port, path and query); each scripted response answers one request")
	pending, more := p.q.Pending(maxPending)
	if len(pending) == 0 {
		b.WriteString("\n  no scripted response is left")
	} else {
		b.WriteString("\n  scripted responses not yet taken:")
		for _, e := range pending {
			b.WriteString("\n    ")
			b.WriteString(e.ScriptText())
			b.WriteString(" registered at ")
			b.WriteString(e.Site())
		}
		if more > 0 {
			b.WriteString("\n    ... and " + strconv.Itoa(more) + " more")
		}
	}
	return &core.UnmockedInteractionError{Plugin: "http", Step: "request", Call: method + " " + shown, Reason: b.String(),
		Fix: "bf.HTTP().Expect(" + strconv.Quote(method) + ", " + strconv.Quote(shown) + ", bfhttp.Response{Status: 200})"}
}

// checkBodies returns an *UnclosedBodyError for every body served since
// the last check that is not closed. A body still open gets up to wait
// for a close already on its way from one of the code's goroutines (the
// sandbox's end gives core.SettleTimeout); code that closes its bodies
// before the sandbox function returns never waits.
func (p *Plugin) checkBodies(wait time.Duration) []error {
	p.mu.Lock()
	open := p.open
	for _, b := range open {
		b.idx = -1
	}
	p.open = nil
	p.mu.Unlock()
	var errs []error
	var deadline time.Time
	for _, b := range open {
		for !b.closed.Load() {
			if deadline.IsZero() {
				deadline = time.Now().Add(wait)
			}
			if !time.Now().Before(deadline) {
				errs = append(errs, &UnclosedBodyError{Method: b.method, URL: b.url, Site: b.at.Site(), Read: b.eof.Load()})
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	return errs
}

// AssertRequest asserts that the next interaction is a request with
// method and url (the URL as sent, compared as a string), header and body.
// header is nil (no header at all), an http.Header (compared with
// canonical keys; keys without values count as absent) or a matcher, which
// gets the recorded http.Header; body is a string or []byte ("" for none)
// or a matcher, which gets the recorded []byte. It returns the failure
// and, bound to a test, stops it; a mismatch shows the header key by key
// and a JSON body as JSON.
func (p *Plugin) AssertRequest(method, url string, header, body any) error {
	err := p.checkRequest(method, url, header, body)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

func (p *Plugin) checkRequest(method, url string, header, body any) error {
	hv, err := headerValue(header)
	if err != nil {
		return err
	}
	bv, err := bodyValue(body)
	if err != nil {
		return err
	}
	err = p.v.CheckValues(Request, core.String(method), core.String(url), hv, bv)
	if err != nil {
		return explain(err, hv, bv)
	}
	return nil
}

// headerEq is the matcher AssertRequest makes of a plain header: equal
// with canonical keys, nil and empty alike. As a map it boxes into a
// core.Value without allocating.
type headerEq http.Header

// Matches reports whether x is an http.Header equal to h.
func (h headerEq) Matches(x any) bool {
	got, ok := x.(http.Header)
	return ok && headersEqual(http.Header(h), got)
}

// MatchesSnapshot reports whether a recorded header equals h, without
// materializing it (core.SnapshotMatcher).
func (h headerEq) MatchesSnapshot(s core.Snapshot) bool {
	got, ok := s.(*headerSnapshot)
	return ok && got.equal(http.Header(h))
}

// String renders h as the Go expression it was given as.
func (h headerEq) String() string { return goHeader(http.Header(h)) }

func headerValue(x any) (core.Value, error) {
	switch h := x.(type) {
	case nil:
		return core.MatcherValue(headerEq(nil)), nil
	case http.Header:
		c, _ := canonicalHeader(h)
		return core.MatcherValue(headerEq(c)), nil
	case map[string][]string:
		c, _ := canonicalHeader(h)
		return core.MatcherValue(headerEq(c)), nil
	case core.Matcher:
		return core.MatcherValue(h), nil
	}
	return core.Value{}, &core.InvalidAssertionError{
		Reason: "the header of AssertRequest is a " + typeName(x) + "; it takes nil (no header), an http.Header or a matcher",
		Fix:    "bf.HTTP().AssertRequest(\"GET\", \"https://api.example.com/users/1\", http.Header{\"Accept\": {\"application/json\"}}, \"\")"}
}

func bodyValue(x any) (core.Value, error) {
	switch b := x.(type) {
	case nil:
		return core.Bytes(nil), nil
	case string:
		if b == "" {
			return core.Bytes(nil), nil
		}
		return core.Bytes([]byte(b)), nil
	case []byte:
		return core.Bytes(b), nil
	case json.RawMessage:
		return core.Bytes(b), nil
	case core.Matcher:
		return core.ValueOf(b), nil
	}
	return core.Value{}, &core.InvalidAssertionError{
		Reason: "the body of AssertRequest is a " + typeName(x) + "; it takes a string or []byte (\"\" for none) or a matcher",
		Fix:    "bf.HTTP().AssertRequest(\"POST\", \"https://api.example.com/users\", http.Header{\"Content-Type\": {\"application/json\"}}, `{\"name\":\"ada\"}`)"}
}

func typeName(x any) string { return fmt.Sprintf("%T", x) }

// explain adds to a mismatch with a request the header key by key and a
// JSON body as JSON.
func explain(err error, hv, bv core.Value) error {
	var m *core.InteractionMismatchError
	if !errors.As(err, &m) || m.Actual == nil || m.Actual.Source != Request {
		return err
	}
	e := &RequestMismatchError{Mismatch: m}
	for _, d := range m.Diffs {
		switch d.Field {
		case "header":
			want, ok := hv.Interface().(headerEq)
			got, _ := d.Actual.Interface().(http.Header)
			if ok {
				e.HeaderDiff = headerDiff(http.Header(want), got)
			}
		case "body":
			if bv.IsMatcher() {
				continue
			}
			want, _ := bv.Interface().([]byte)
			got, _ := d.Actual.Interface().([]byte)
			wl, gl := jsonLines(want), jsonLines(got)
			if wl == nil || gl == nil {
				continue
			}
			at := 0
			for at < len(wl) && at < len(gl) && wl[at] == gl[at] {
				at++
			}
			e.ExpectedJSON, e.ActualJSON, e.JSONLine = wl, gl, at
		}
	}
	if e.HeaderDiff == nil && e.ExpectedJSON == nil {
		return err
	}
	return e
}
