// Package guard is the interception plumbing that every bigfoot plugin
// shares, in the project or outside it: the hook points of transparent
// mode, each with several claimants; routing an intercepted call to the
// sandbox it provably belongs to; and the firewall that decides calls
// outside every sandbox.
//
// # Hook points
//
// Go cannot patch functions at run time, so under `bigfoot test` the go
// command compiles the standard library from an overlay with a hook at the
// start of a few functions (the table in cmd/bigfoot). This package is the
// other end of those hooks. A plugin claims a hook point with ClaimDial or
// ClaimRoundTrip, once, from its package's init. When an intercepted call
// belongs to an open sandbox, the claimants are asked in order of layer,
// highest first, and the first that answers decides the call: the layer
// rule of the design, under which an HTTP request answered by the HTTP
// plugin never reaches the socket plugin. Without the overlay (plain go
// test) no hook is installed and only the plugins' seams intercept;
// Transparent reports which.
//
// # Routing
//
// A call belongs to a sandbox only when that can be proven: it is made by
// the goroutine that entered the sandbox or by one it started (through any
// number of generations), or with a context from the verifier's Context.
// Routing never guesses. A call of a sandbox that has closed is refused
// with *core.PostSandboxInteractionError naming its test; a call that
// belongs to no sandbox meets the firewall.
package guard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/bigfoot-go/bigfoot/core"
)

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/guard")
	setDialHook(dialHook)
	setRoundTripHook(roundTripHook)
	setCloseIdleHook(closeIdleHook)
}

// Transparent reports whether this binary was compiled with bigfoot's
// overlay, so that the standard library's own entry points are intercepted.
func Transparent() bool { return transparent }

// Owner returns the sandbox a call made by the calling goroutine with ctx
// provably belongs to (see core.SandboxOwner). It is the guard helper for
// "is this call inside a sandbox, and whose".
func Owner(ctx context.Context) core.Owner { return core.SandboxOwner(ctx) }

// Layers order claimants of one hook point: the highest layer that the test
// scripted answers. Plugins pick a layer from these or between them.
const (
	LayerSocket   = 0   // bytes on a connection: the socket plugin
	LayerProtocol = 100 // a protocol served on a dial (Redis, Postgres)
	LayerRequest  = 200 // requests above the dial (HTTP)
)

// Decision is what a claimant made of an intercepted call.
type Decision int

const (
	// Pass leaves the call to lower layers.
	Pass Decision = iota
	// Answer makes the claimant's results the call's results.
	Answer
	// LetThrough sends the call on to the real standard library, as if it
	// were not intercepted (a pass-through rule of the test).
	LetThrough
)

// DialClaim is a claimant of the dial hook point.
type DialClaim struct {
	Name  string // e.g. "socket", in messages
	Layer int
	// Claim decides a dial inside v's open sandbox. With Answer, conn and
	// err are what the dial returns.
	Claim func(ctx context.Context, v *core.Verifier, network, address string) (d Decision, conn net.Conn, err error)
}

// RoundTripClaim is a claimant of the round-trip hook point, at the start
// of every (*http.Transport).RoundTrip, before any connection or DNS.
type RoundTripClaim struct {
	Name  string
	Layer int
	// Claim decides a request inside v's open sandbox. With Answer, resp
	// and err are what the round trip returns.
	Claim func(v *core.Verifier, t *http.Transport, req *http.Request) (d Decision, resp *http.Response, err error)
}

// claims holds every hook point's claimants, sorted by layer, highest
// first; replaced whole on every registration and read without locks.
var (
	claimMu    sync.Mutex // serializes registrations
	dialClaims atomic.Pointer[[]DialClaim]
	rtClaims   atomic.Pointer[[]RoundTripClaim]
)

// ClaimDial adds a claimant of the dial hook point; call it from init.
func ClaimDial(c DialClaim) {
	claimMu.Lock()
	defer claimMu.Unlock()
	var list []DialClaim
	if old := dialClaims.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, c)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Layer > list[j].Layer })
	dialClaims.Store(&list)
}

// ClaimRoundTrip adds a claimant of the round-trip hook point; call it from init.
func ClaimRoundTrip(c RoundTripClaim) {
	claimMu.Lock()
	defer claimMu.Unlock()
	var list []RoundTripClaim
	if old := rtClaims.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, c)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Layer > list[j].Layer })
	rtClaims.Store(&list)
}

// letThroughKey marks the context of a dial that was let through to the
// network, so that the dials net makes on its behalf (DNS queries to
// resolve its host name) are let through as well, rather than scripted or
// refused.
type letThroughKey struct{}

// dialHook is installed in net.(*Dialer).DialContext. With no sandbox
// tied to the dial and a loopback IP (an httptest server) it costs a label
// read, a context lookup and a few byte compares.
func dialHook(ctx context.Context, network, address string) (handled bool, next context.Context, c net.Conn, err error) {
	if ctx == nil {
		return false, nil, nil, nil // net panics with its own message
	}
	if core.Unowned(ctx) && FirewallAllowsFast(network, address) {
		return false, nil, nil, nil // an httptest server outside every sandbox: the common case
	}
	if ctx.Value(letThroughKey{}) != nil {
		return false, nil, nil, nil
	}
	d, c, err := Dial(ctx, network, address)
	switch d {
	case Answer:
		return true, nil, c, err
	case LetThrough:
		return false, context.WithValue(ctx, letThroughKey{}, true), nil, nil
	}
	return false, nil, nil, nil
}

// Dial decides an intercepted dial: the claimants of its open sandbox, a
// post-sandbox refusal, or the firewall. It returns Pass or LetThrough when
// the dial should go to the network, and Answer with the results otherwise.
// A plugin that intercepts dials through a seam of its own may call it to
// apply the same rules.
func Dial(ctx context.Context, network, address string) (Decision, net.Conn, error) {
	if core.Unowned(ctx) && FirewallAllowsFast(network, address) {
		return Pass, nil, nil // an httptest server outside every sandbox: the common case
	}
	owner := core.SandboxOwner(ctx)
	switch {
	case owner.Open:
		if claims := dialClaims.Load(); claims != nil {
			for _, cl := range *claims {
				if d, c, err := cl.Claim(ctx, owner.Verifier, network, address); d != Pass {
					return d, c, err
				}
			}
		}
		if recordMode != nil {
			c, err := recordDial(ctx, owner.Verifier, network, address)
			return Answer, c, err
		}
		err := &core.UnmockedInteractionError{Plugin: "dial", Step: "dial", Call: network + " " + address,
			Reason: "no plugin answers dials in this binary",
			Fix:    "import _ \"github.com/bigfoot-go/bigfoot/socket\" // the socket plugin answers dials from its sessions"}
		owner.Verifier.Report(err)
		return Answer, nil, err
	case owner.Closed:
		err := PostSandbox(owner, "socket", "dial "+network+" "+address)
		return Answer, nil, err
	}
	if FirewallAllowsFast(network, address) {
		return Pass, nil, nil
	}
	// The firewall, then the guard level of the dial's kind (levels.go,
	// kinds.go). Only a test the dial provably belongs to (its context) is
	// failed.
	if err := checkOutside(ctx, owner, "socket", "dial", network, address, ""); err != nil {
		return Answer, nil, err
	}
	return LetThrough, nil, nil
}

// PostSandbox builds the error for a call of a sandbox that has closed,
// reports it to that sandbox's test if it is still running (else to
// standard error), and returns it.
func PostSandbox(owner core.Owner, plugin, call string) error {
	err := &core.PostSandboxInteractionError{Plugin: plugin, Call: call, Test: owner.Name, Site: core.CallSite()}
	if v := owner.Verifier; v != nil && v.Report(err) {
		return err
	}
	reportUnowned(err)
	return err
}

// unowned counts refusals that no running test can be failed for, so each
// distinct one is written to standard error once.
var unowned struct {
	mu   sync.Mutex // guards seen
	seen map[string]int
}

// reportUnowned writes a refusal that belongs to no running test to
// standard error, once per distinct message: failing whichever test runs
// would blame the wrong one.
func reportUnowned(err error) {
	text := core.Bound(err.Error())
	unowned.mu.Lock()
	defer unowned.mu.Unlock()
	if unowned.seen == nil {
		unowned.seen = map[string]int{}
	}
	unowned.seen[text]++
	if n := unowned.seen[text]; n == 1 || n == 10 || n == 100 {
		suffix := ""
		if n > 1 {
			suffix = " (refused " + strconv.Itoa(n) + " times so far)"
		}
		fmt.Fprintf(os.Stderr, "%s%s\n(this call belongs to no running test, so no test is failed for it)\n", text, suffix)
	}
}
