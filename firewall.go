package bigfoot

import (
	"strconv"
	"strings"

	"github.com/bigfoot-go/bigfoot/guard"
)

// Firewall is the process-wide policy for dials made outside every sandbox
// in transparent mode; set it with SetFirewall. The zero value is the
// default: loopback and unix sockets allowed, everything else refused.
//
// # Transparent mode
//
// Under `go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./...`
// code that dials with package net, with no seam for the test to fill, is
// intercepted: net.Dial, net.DialTimeout, (&net.Dialer{}).DialContext and
// everything built on them (http.Get through the default transport,
// net/smtp, database drivers that dial with a net.Dialer). A dial made
// inside a sandbox takes the next scripted session of bf.Socket(), loopback
// addresses included (see socket.Plugin.PassThrough for the exception).
// Inside means provably inside: by the goroutine that entered the sandbox or
// any goroutine descended from it, or with a context from bf.Context.
// Routing never guesses: a dial from a goroutine that descends from no
// sandbox and carries no sandbox's context is outside every sandbox, even
// when only one is open. A dial of a sandbox that has closed (a goroutine
// it left running) is refused with a *PostSandboxInteractionError naming
// its test.
//
// # The firewall
//
// A dial outside every sandbox meets the firewall. Loopback (127.0.0.0/8,
// ::1, localhost) and unix sockets go to the network, so httptest servers
// keep working; anything else is refused: the dial returns a
// *GuardedCallError that names the address, the sandboxes open at the time,
// and shows how to allow it. Such a dial belongs to no test, so none is
// failed for it: the refusal is written to standard error once (a test
// that wants it failed gives the dial bf.Context). Rules widen or narrow
// this:
//
//	bigfoot.AllowDial(t, "10.0.0.0/8", "db.internal:5432", "*.svc:*") // while t runs
//	bigfoot.DenyLoopback(t)                                           // while t runs
//	bigfoot.SetFirewall(bigfoot.Firewall{Allow: []string{"db.internal:5432"}}) // in TestMain
//	BIGFOOT_ALLOW=db.internal:5432,10.0.0.0/8 go run .../cmd/bigfoot test ./...
//	BIGFOOT_FIREWALL=off go run .../cmd/bigfoot test ./... # the off switch
//
// An allow rule wins over the denial of loopback. A dial that a rule lets
// through also lets through the DNS queries that resolve its host. Without
// the overlay (plain go test) nothing is intercepted and none of this has
// any effect.
type Firewall = guard.FirewallConfig

// SetFirewall replaces the process-wide firewall policy. Call it in
// TestMain, before m.Run:
//
//	func TestMain(m *testing.M) {
//		if err := bigfoot.SetFirewall(bigfoot.Firewall{Allow: []string{"db.internal:5432"}}); err != nil {
//			log.Fatal(err)
//		}
//		os.Exit(m.Run())
//	}
//
// An invalid rule is returned as a *DialRuleError and changes nothing.
// BIGFOOT_FIREWALL=off in the environment switches the firewall off
// whatever the policy says, and BIGFOOT_ALLOW adds rules to it.
func SetFirewall(fw Firewall) error { return guard.SetFirewall(fw) }

// AllowDial lets dials outside every sandbox that match one of rules go to
// the network until t ends. A rule is "*", "loopback", "unix", a CIDR
// prefix ("10.0.0.0/8"), an IP ("10.1.2.3", "::1"), a host name
// ("db.internal"), a domain ("*.internal"), or any of those but the prefix
// with a port ("db.internal:5432", "[::1]:8080", "10.1.2.3:*", "*:443").
// Names are matched as written, never resolved. An invalid rule stops the
// test.
//
// Dials outside every sandbox belong to no test, so the rules apply to all
// of them while t runs, including dials of tests running in parallel with
// it. Dials inside a sandbox are scripted whatever the firewall says; see
// socket.Plugin.PassThrough.
func AllowDial(t TestingT, rules ...string) {
	t.Helper()
	quoted := make([]string, len(rules))
	for i, r := range rules {
		quoted[i] = strconv.Quote(r)
	}
	owner := "bigfoot.AllowDial(t, " + strings.Join(quoted, ", ") + ") in " + t.Name()
	remove, err := guard.AddDialRules(owner, rules, false)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	t.Cleanup(remove)
}

// DenyLoopback refuses loopback dials outside every sandbox until t ends,
// as for any other address: for a test that must prove its code reaches
// no local service. Rules from AllowDial still allow the addresses they
// name. Like AllowDial it applies to every dial outside a sandbox while t
// runs, including those of parallel tests (httptest servers among them).
func DenyLoopback(t TestingT) {
	t.Helper()
	remove, err := guard.AddDialRules("bigfoot.DenyLoopback(t) in "+t.Name(), nil, true)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	t.Cleanup(remove)
}

// DialRuleError reports a firewall or pass-through rule that cannot be read.
type DialRuleError = guard.DialRuleError
