package guard

import (
	"net/http"
	"sync"

	"github.com/bigfoot-go/bigfoot/core"
)

// roundTripHook is installed in net/http.(*Transport).roundTrip. A request
// that belongs to an open sandbox goes to the claimants (the HTTP plugin);
// one that none answers is carried by the sandbox's own copy of the
// transport, so that pooled connections are never shared between
// sandboxes (parallel tests on http.DefaultClient each get their own
// connections, dialed in their own sandbox). A request of a closed
// sandbox is refused. Every other request is outside every sandbox: it
// goes on, and meets the guard level of http at its dial
// (outsideRoundTrip).
func roundTripHook(t *http.Transport, req *http.Request) (bool, *http.Response, error) {
	if !core.AnySandboxOpen() {
		return outsideRoundTrip(t, req)
	}
	if isolated.owned(t) {
		return false, nil, nil // a sandbox's own copy: carry on
	}
	owner := core.SandboxOwner(req.Context())
	if owner.Closed {
		// Refused at the request's own layer, not at the dial beneath it.
		return true, nil, PostSandbox(owner, "http", req.Method+" "+req.URL.Redacted())
	}
	if !owner.Open {
		return outsideRoundTrip(t, req)
	}
	if claims := rtClaims.Load(); claims != nil {
		for _, cl := range *claims {
			d, resp, err := cl.Claim(owner.Verifier, t, req)
			switch d {
			case Answer:
				return true, resp, err
			case LetThrough:
				return false, nil, nil
			}
		}
	}
	if recordMode != nil {
		resp, err := recordRoundTrip(owner.Verifier, t, req)
		return true, resp, err
	}
	resp, err := isolated.forSandbox(owner.Verifier, t).RoundTrip(req)
	return true, resp, err
}

// closeIdleHook is installed in net/http.(*Transport).CloseIdleConnections:
// inside a sandbox, closing a transport's idle connections closes that
// sandbox's copy's too, so code that calls client.CloseIdleConnections()
// takes its close steps there. Other sandboxes' copies are theirs to close.
func closeIdleHook(t *http.Transport) {
	if !core.AnySandboxOpen() {
		return
	}
	if o := core.SandboxOwner(nil); o.Open {
		if c := isolated.copyOf(o.Verifier, t); c != nil {
			c.CloseIdleConnections()
		}
	}
}

// isolated holds each sandbox's copies of the transports its requests went
// through.
var isolated transportCopies

type transportCopies struct {
	mu     sync.Mutex // guards both maps
	copies map[*core.Verifier]map[*http.Transport]*http.Transport
	own    map[*http.Transport]bool // every copy
}

func (tc *transportCopies) owned(t *http.Transport) bool {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.own[t]
}

// forSandbox returns v's copy of t, making it on first use. At the end of
// each of v's sandboxes the copies' idle connections are closed (inside the
// sandbox, so a scripted close step is taken there), and at verification
// the copies are dropped.
func (tc *transportCopies) forSandbox(v *core.Verifier, t *http.Transport) *http.Transport {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.copies == nil {
		tc.copies = map[*core.Verifier]map[*http.Transport]*http.Transport{}
		tc.own = map[*http.Transport]bool{}
	}
	m := tc.copies[v]
	if m == nil {
		m = map[*http.Transport]*http.Transport{}
		tc.copies[v] = m
		v.OnSandboxExit(func() { tc.closeIdle(v) })
		v.OnVerify(func() error { tc.drop(v); return nil })
	}
	c := m[t]
	if c == nil {
		c = t.Clone()
		m[t] = c
		tc.own[c] = true
	}
	return c
}

// copyOf returns v's copy of t, or nil.
func (tc *transportCopies) copyOf(v *core.Verifier, t *http.Transport) *http.Transport {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.copies[v][t]
}

func (tc *transportCopies) closeIdle(v *core.Verifier) {
	tc.mu.Lock()
	var list []*http.Transport
	for _, c := range tc.copies[v] {
		list = append(list, c)
	}
	tc.mu.Unlock()
	for _, c := range list {
		c.CloseIdleConnections()
	}
}

func (tc *transportCopies) drop(v *core.Verifier) {
	tc.closeIdle(v)
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for _, c := range tc.copies[v] {
		delete(tc.own, c)
	}
	delete(tc.copies, v)
}
