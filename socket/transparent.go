package socket

import (
	"context"
	"net"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/internal/netdialhook"
)

// Transparent mode. Under `bigfoot test` (see cmd/bigfoot) package net is
// compiled with a hook at the start of net.(*Dialer).DialContext, through
// which net.Dial, net.DialTimeout, (*net.Dialer).Dial, http.Get and
// everything else built on them pass. This package installs route as that
// hook, so code that dials with package net is answered by the socket
// plugin's scripted sessions with no change to it:
//
//   - A dial goes to the sandbox that the dialing goroutine entered, or that
//     any goroutine that started it entered (through any number of
//     generations); else to the sandbox that the dial's context carries
//     (bf.Context(ctx)); else, if exactly one sandbox is open in the process,
//     to that one (see core.ActiveSandbox). There it takes the next scripted
//     session exactly as bf.Socket().Dial would: no name is resolved and
//     nothing reaches the network, loopback addresses included.
//   - A dial that matches the plugin's PassThrough rules is not scripted: it
//     goes to the network, unrecorded.
//   - A dial outside every sandbox meets the firewall (core.CheckDial):
//     loopback and unix sockets go to the network by default; anything else
//     is refused with a *bigfoot.GuardedCallError unless a rule allows it
//     (bigfoot.AllowDial, bigfoot.SetFirewall, BIGFOOT_ALLOW), or the
//     firewall is off (BIGFOOT_FIREWALL=off).
//
// Without the overlay Install does nothing and only the plugin's own Dial
// and DialContext are intercepted (seam mode).
func init() {
	netdialhook.Install(route)
	transparentActive = netdialhook.Available
}

// letThroughKey marks the context of a dial that route let through to the
// network, so that the dials net makes on its behalf (DNS queries to
// resolve its host name) are let through as well, rather than scripted or
// refused.
type letThroughKey struct{}

// route is the dial hook. With no sandbox open and a loopback IP (an
// httptest server) it costs an atomic load or two and a few byte compares.
func route(ctx context.Context, network, address string) (handled bool, next context.Context, c net.Conn, err error) {
	if ctx == nil {
		return false, nil, nil, nil // net panics with its own message
	}
	v := core.ActiveSandbox(ctx)
	if v == nil {
		if core.FirewallAllowsFast(network, address) {
			return false, nil, nil, nil
		}
		return guard(ctx, network, address)
	}
	if ctx.Value(letThroughKey{}) != nil {
		return false, nil, nil, nil
	}
	p := For(v)
	if rule, ok := p.passThrough.Load().Match(network, address); ok {
		return false, context.WithValue(ctx, letThroughKey{}, rule), nil, nil
	}
	if err := ctx.Err(); err != nil {
		return true, nil, nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	c, err = p.dial(network, address)
	return true, nil, c, err
}

// guard applies the firewall to a dial outside every sandbox. A refused
// dial returns the *core.GuardedCallError, which is also reported to the
// test it can be attributed to (core.DialOwner). A dial let through is
// marked, for the DNS queries that resolve its host.
func guard(ctx context.Context, network, address string) (bool, context.Context, net.Conn, error) {
	if ctx.Value(letThroughKey{}) != nil {
		return false, nil, nil, nil
	}
	rule, refused := core.CheckDial("socket", network, address)
	if refused != nil {
		if v := core.DialOwner(ctx); v != nil {
			v.Report(refused)
		}
		return true, nil, nil, refused
	}
	return false, context.WithValue(ctx, letThroughKey{}, rule), nil, nil
}

// PassThrough makes dials that transparent mode routes to this plugin's
// sandbox, and that match one of rules, go to the network instead of
// taking a scripted session; they are not recorded. Rules are those of
// bigfoot.AllowDial ("127.0.0.1:8080", "loopback", "10.0.0.0/8",
// "db.internal:*", ...); each call adds to the rules of earlier ones. An
// invalid rule is a misuse (the test stops).
//
// Inside a sandbox every dial is scripted by default, loopback included,
// so that a test states every connection its code makes. Use PassThrough
// for a server the test runs itself, such as an httptest.Server that the
// code under test calls while its other dials are scripted:
//
//	srv := httptest.NewServer(handler)
//	bf.Socket().PassThrough(srv.Listener.Addr().String())
//
// It does not affect the plugin's own Dial and DialContext (seam mode):
// code given bf.Socket().DialContext is scripted; give it a real dialer
// instead.
func (p *Plugin) PassThrough(rules ...string) {
	if tb := p.v.TB(); tb != nil {
		tb.Helper()
	}
	add, err := core.ParseDialRules(rules...)
	if err != nil {
		p.v.Misuse(err)
		return
	}
	for {
		old := p.passThrough.Load()
		merged := add
		if old != nil {
			merged = old.Concat(add)
		}
		if p.passThrough.CompareAndSwap(old, merged) {
			return
		}
	}
}
