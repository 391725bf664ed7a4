package socket

import (
	"github.com/bigfoot-go/bigfoot/guard"
)

// Transparent mode. Under `bigfoot test` (see cmd/bigfoot) package net is
// compiled with a hook at the start of net.(*Dialer).DialContext, through
// which net.Dial, net.DialTimeout, (*net.Dialer).Dial, http.Get and
// everything else built on them pass. Package guard owns that hook and
// routes each dial; this package claims it at the socket layer (see
// claimDial), the lowest, so code that dials with package net is answered by
// the socket plugin's scripted sessions with no change to it:
//
//   - A dial that belongs to an open sandbox (made from the goroutine that
//     entered it or one it started, or with a context from bf.Context) takes
//     the next scripted session exactly as bf.Socket().Dial would, unless a
//     higher layer (a protocol plugin) answered it: no name is resolved and
//     nothing reaches the network, loopback addresses included.
//   - A dial that matches the plugin's PassThrough rules is not scripted: it
//     goes to the network, unrecorded.
//   - A dial of a sandbox that has closed is refused with a
//     *bigfoot.PostSandboxInteractionError naming its test.
//   - A dial that belongs to no sandbox meets the firewall (guard.CheckDial).
//
// Without the overlay only the plugin's own Dial and DialContext are
// intercepted (seam mode).

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
	add, err := guard.ParseDialRules(rules...)
	if err != nil {
		p.v.Reporter().Helper()
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
