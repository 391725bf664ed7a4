package bigfoot

import (
	"sync/atomic"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// GuardKind is a kind of external call that guard levels are set for; see
// Guard.
type GuardKind = guard.Kind

// The kinds of call, each decided by its own level outside every sandbox
// under the overlay (see the README's "Guard levels" for the details).
const (
	// GuardDial: every connection and packet of package net (net.Dial
	// and net.Dialer, net.DialTCP and the other typed dials, packets sent
	// from unconnected sockets) that the firewall refuses and that is not
	// made for an HTTP request or a database/sql driver.
	GuardDial = guard.KindDial
	// GuardHTTP: a request through any *http.Transport whose connection
	// the firewall refuses (decided on the address the transport dials;
	// the refusal names the method and URL). Let through, its dial and
	// that dial's DNS go through too.
	GuardHTTP = guard.KindHTTP
	// GuardSQL: a connection a *sql.DB of a real driver opens whose dial
	// the firewall refuses; the refusal names the driver.
	GuardSQL = guard.KindSQL
	// GuardDNS: a name lookup of any resolver, Go's or the C library's,
	// that would ask a nameserver (localhost and names under .localhost
	// are answered as loopback without one).
	GuardDNS = guard.KindDNS
	// GuardExec: a process start that the command firewall refuses
	// (bfexec.DenyCommands, guard.SetCommandFirewall).
	GuardExec = guard.KindExec
)

// GuardLevel is what happens to a call outside every sandbox that the
// firewall (or a plugin's guard) refuses; see Guard.
type GuardLevel = guard.Level

// The guard levels.
const (
	// Error refuses the call with a *GuardedCallError: the default.
	Error = guard.LevelError
	// Warn lets the call through and reports it on standard error, once
	// per distinct call, with a count at 10, 100, 1000... (go test shows
	// a passing package's output with -v): for migrating a suite.
	Warn = guard.LevelWarn
	// Off lets the call through silently.
	Off = guard.LevelOff
)

// Guard sets the guard level of kind until t ends:
//
//	bigfoot.Guard(t, bigfoot.GuardDial, bigfoot.Warn) // real dials outside sandboxes are let through, and reported
//
// Levels govern calls outside every sandbox only: inside one every call is
// scripted whatever the level, and a call of a sandbox that has closed is
// refused with a *PostSandboxInteractionError. A call that cannot go to the
// real thing safely (a seam's own value used outside the sandbox, such as
// the *sql.DB of bf.SQL().Open) is refused at Warn and Off too, with a
// *CannotPassThroughError that says why.
//
// The level applies to t's own calls (made with a context from
// bf.Context) and, like AllowDial's rules, to every call of kind that
// belongs to no test while t runs, including those of tests running in
// parallel with it; with several tests setting levels, the most permissive
// applies to those. It wins over SetGuard, which wins over the environment:
// BIGFOOT_GUARD=dial=warn,exec=off (or BIGFOOT_GUARD=warn for every kind).
// Without the overlay (plain go test) nothing is intercepted outside the
// seams, and levels decide only how a seam used outside the sandbox is
// refused (a *CannotPassThroughError at Warn and Off).
func Guard(t TestingT, kind GuardKind, level GuardLevel) {
	t.Helper()
	by := "bigfoot.Guard(t, " + kindName(kind) + ", " + levelName(level) + ") in " + t.Name()
	remove, err := guard.SetTestLevel(t.Name(), kind, level, by)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	t.Cleanup(remove)
}

// SetGuard sets the guard level of kind for every test of the binary; call
// it in TestMain, before m.Run:
//
//	func TestMain(m *testing.M) {
//		if err := bigfoot.SetGuard(bigfoot.GuardDial, bigfoot.Warn); err != nil {
//			log.Fatal(err)
//		}
//		os.Exit(m.Run())
//	}
//
// It returns a *GuardLevelError for a kind or level that does not exist.
func SetGuard(kind GuardKind, level GuardLevel) error {
	return guard.SetLevel(kind, level, "bigfoot.SetGuard("+kindName(kind)+", "+levelName(level)+")")
}

// GuardLevelOf returns the guard level in force now for a call of kind
// that belongs to no test, and who set it ("default" when nobody did): to
// check, or log, what a suite runs with.
func GuardLevelOf(kind GuardKind) (GuardLevel, string) {
	return guard.LevelFor(kind, core.Owner{})
}

// GuardWarning is one distinct call a level of Warn let through, with how
// many times.
type GuardWarning = guard.Warning

// GuardWarnings returns every distinct call a level of Warn has let
// through so far, first first, with its count: for a summary in TestMain,
// after m.Run.
func GuardWarnings() []GuardWarning { return guard.Warnings() }

// CannotPassThroughError is returned instead of letting a call through at
// level Warn or Off when the call cannot go to the real thing safely; it
// wraps the refusal of level Error.
type CannotPassThroughError = guard.CannotPassThroughError

// GuardLevelError reports a guard level setting that does not exist.
type GuardLevelError = guard.LevelSettingError

// kindName and levelName spell a kind and a level as Go code, for the
// messages that name who set a level.
func kindName(k GuardKind) string {
	switch k {
	case GuardDial:
		return "bigfoot.GuardDial"
	case GuardHTTP:
		return "bigfoot.GuardHTTP"
	case GuardSQL:
		return "bigfoot.GuardSQL"
	case GuardDNS:
		return "bigfoot.GuardDNS"
	case GuardExec:
		return "bigfoot.GuardExec"
	}
	return "bigfoot.GuardKind(" + k.String() + ")"
}

func levelName(l GuardLevel) string {
	switch l {
	case Error:
		return "bigfoot.Error"
	case Warn:
		return "bigfoot.Warn"
	case Off:
		return "bigfoot.Off"
	}
	return "bigfoot.GuardLevel(" + l.String() + ")"
}

// firewallNoted is set once the note of noteFirewallInactive was logged.
var firewallNoted atomic.Bool

// firewallInactiveNote is what the first test of a binary built without
// the overlay logs.
const firewallInactiveNote = "bigfoot: the firewall is not active: this test binary was built without bigfoot's overlay, " +
	"so only the seams (bf.Socket().DialContext, bf.HTTP().Client() ...) intercept, and calls the code makes " +
	"with package net, net/http, os/exec and the resolver themselves go out unchecked.\n" +
	"To turn it on, run the tests with\n" +
	"\tgo run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./...\n" +
	"or give go test (and the IDE) the overlay:\n" +
	"\tGOFLAGS=\"-overlay=$(go run github.com/bigfoot-go/bigfoot/cmd/bigfoot overlay) -tags=bigfoot_overlay\" go test ./...\n" +
	"(this note is logged once per test binary; see FIREWALL.md)"

// noteFirewallInactive logs firewallInactiveNote on t, the first time a
// test that can log (testing.T) makes a verifier in a binary built
// without the overlay.
func noteFirewallInactive(t TestingT) {
	if guard.Transparent() {
		return
	}
	l, ok := t.(interface{ Log(args ...any) })
	if !ok || firewallNoted.Load() || !firewallNoted.CompareAndSwap(false, true) {
		return
	}
	t.Helper()
	l.Log(firewallInactiveNote)
}
