package guard

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bigfoot-go/bigfoot/core"
)

// The firewall decides the dials that transparent mode intercepts outside
// every sandbox (see Dial): those are not answered from a script,
// so each either goes to the network or is refused with a
// *GuardedCallError. Loopback and unix sockets are allowed by default, so
// that httptest servers and local daemons keep working; rules allow more,
// or deny loopback, for the whole process (SetFirewall and the
// environment) or while a test runs (AddDialRules). Dials inside a sandbox
// never reach the firewall: the sandbox answers them.
//
// Rules are read from the environment once, when the first dial needs them:
//
//	BIGFOOT_FIREWALL=off     allow every dial outside sandboxes (for migrating a suite)
//	BIGFOOT_ALLOW=r1,r2,...  allow these rules (see DialRules) as SetFirewall's Allow does
const (
	EnvFirewall = "BIGFOOT_FIREWALL"
	EnvAllow    = "BIGFOOT_ALLOW"
)

// FirewallConfig is the process-wide policy for dials outside sandboxes.
// The zero value is the default: loopback and unix sockets allowed,
// everything else refused.
type FirewallConfig struct {
	// Allow lists rules (see DialRules) for addresses that may be dialed
	// for real outside sandboxes.
	Allow []string
	// DenyLoopback refuses loopback dials too, unless an Allow rule (of
	// the process or of a running test) names them.
	DenyLoopback bool
	// Off allows every dial outside sandboxes: the firewall's off switch,
	// for migrating a suite. Dials inside sandboxes are still scripted.
	Off bool
}

// ownedRules are allow rules and who set them, for messages.
type ownedRules struct {
	owner string // e.g. `bigfoot.AllowDial(t, ...) in TestX`, "BIGFOOT_ALLOW"
	rules *DialRules
}

// testRules are the rules a running test added with AddDialRules.
type testRules struct {
	owner        string
	allow        *DialRules
	denyLoopback bool
}

// fwSnapshot is the policy in force, rebuilt on every change and read
// without locks.
type fwSnapshot struct {
	off      string // who switched the firewall off, or ""
	denyLoop string // who denied loopback, or ""
	// fastAllow is what FirewallAllowsFast needs to know: fastLoopback,
	// fastNoLoopback or fastOff.
	fastAllow uint8
	allow     []ownedRules
	problem   string // an environment variable that could not be read, or ""
}

var firewall struct {
	mu      sync.Mutex
	project FirewallConfig // its Allow is in rules, parsed
	rules   *DialRules
	envOnce sync.Once
	env     struct {
		off     bool
		allow   *DialRules
		problem string
	}
	tests []*testRules
	snap  atomic.Pointer[fwSnapshot]
}

// readFirewallEnv reads the environment variables, once, when the policy is
// first needed: during a test rather than at start-up, so that go test
// sees the variables and keys its cache of test results on them.
func readFirewallEnv() {
	switch v := os.Getenv(EnvFirewall); v {
	case "", "on":
	case "off":
		firewall.env.off = true
	default:
		firewall.env.problem = EnvFirewall + "=" + strconv.Quote(v) + " is neither on nor off, so the firewall stays on"
	}
	if v := os.Getenv(EnvAllow); v != "" {
		rules, err := ParseDialRules(v)
		if err != nil {
			firewall.env.problem = EnvAllow + " is ignored: " + strings.ReplaceAll(err.Error(), "\n", "; ")
		} else {
			firewall.env.allow = rules
		}
	}
}

// policy returns the policy in force.
func policy() *fwSnapshot {
	if s := firewall.snap.Load(); s != nil {
		return s
	}
	return firstPolicy()
}

func firstPolicy() *fwSnapshot {
	firewall.mu.Lock()
	defer firewall.mu.Unlock()
	if firewall.snap.Load() == nil {
		rebuildFirewall()
	}
	return firewall.snap.Load()
}

// rebuildFirewall publishes the policy in force. Call with firewall.mu held.
func rebuildFirewall() {
	firewall.envOnce.Do(readFirewallEnv)
	n := core.CurrentNames()
	s := &fwSnapshot{problem: firewall.env.problem}
	switch {
	case firewall.env.off:
		s.off = EnvFirewall + "=off"
	case firewall.project.Off:
		s.off = n.Package + ".SetFirewall(" + n.Package + ".Firewall{Off: true})"
	}
	if firewall.project.DenyLoopback {
		s.denyLoop = n.Package + ".SetFirewall(" + n.Package + ".Firewall{DenyLoopback: true})"
	}
	if firewall.rules.Len() > 0 {
		s.allow = append(s.allow, ownedRules{n.Package + ".SetFirewall", firewall.rules})
	}
	if firewall.env.allow.Len() > 0 {
		s.allow = append(s.allow, ownedRules{EnvAllow, firewall.env.allow})
	}
	for _, t := range firewall.tests {
		if t.denyLoopback && s.denyLoop == "" {
			s.denyLoop = t.owner
		}
		if t.allow.Len() > 0 {
			s.allow = append(s.allow, ownedRules{t.owner, t.allow})
		}
	}
	switch {
	case s.off != "":
		s.fastAllow = fastOff
	case s.denyLoop != "":
		s.fastAllow = fastNoLoopback
	}
	firewall.snap.Store(s)
}

// SetFirewall replaces the process-wide policy, typically once in
// TestMain. An invalid rule leaves the policy as it was and is returned as
// a *DialRuleError. BIGFOOT_FIREWALL=off in the environment overrides it.
func SetFirewall(cfg FirewallConfig) error {
	rules, err := ParseDialRules(cfg.Allow...)
	if err != nil {
		return err
	}
	firewall.mu.Lock()
	defer firewall.mu.Unlock()
	firewall.project, firewall.rules = cfg, rules
	rebuildFirewall()
	return nil
}

// AddDialRules adds allow rules and, if denyLoopback, the denial of
// loopback, until remove is called (by the test's cleanup). owner names
// who added them in messages, as Go code. They apply to every dial outside
// a sandbox while they are in force, whichever goroutine or test makes it:
// a dial outside every sandbox belongs to no test.
func AddDialRules(owner string, allow []string, denyLoopback bool) (remove func(), err error) {
	rules, err := ParseDialRules(allow...)
	if err != nil {
		return nil, err
	}
	t := &testRules{owner: owner, allow: rules, denyLoopback: denyLoopback}
	firewall.mu.Lock()
	firewall.tests = append(firewall.tests, t)
	rebuildFirewall()
	firewall.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			firewall.mu.Lock()
			defer firewall.mu.Unlock()
			for i, x := range firewall.tests {
				if x == t {
					firewall.tests = append(firewall.tests[:i], firewall.tests[i+1:]...)
					break
				}
			}
			rebuildFirewall()
		})
	}, nil
}

// FirewallAllowsFast reports whether the firewall lets a dial through
// without looking at any rule: it is off, the network is a unix socket, or
// the address is a loopback IP literal with a port and loopback is not
// denied. It does not allocate and takes no lock; when it reports false,
// CheckDial decides.
func FirewallAllowsFast(network, address string) bool {
	// First the address of nearly every httptest server, with no switch.
	if len(address) > 10 && address[:10] == "127.0.0.1:" && policy().fastAllow == fastLoopback {
		return true
	}
	return firewallAllowsFast(network, address)
}

func firewallAllowsFast(network, address string) bool {
	switch policy().fastAllow {
	case fastLoopback:
		return loopbackLiteral(address) || isUnixNetwork(network)
	case fastNoLoopback:
		return isUnixNetwork(network)
	}
	return true
}

// Values of fwSnapshot.fastAllow.
const (
	fastLoopback   = iota // loopback and unix allowed: the default
	fastNoLoopback        // loopback denied
	fastOff               // the firewall is off
)

// CheckDial decides a dial made outside every sandbox. It returns the rule
// that allows it (for instance `"10.0.0.0/8" (bigfoot.SetFirewall)`), or
// the *GuardedCallError that refuses it, naming plugin, the rule that
// refused and how to allow it. It does not apply the guard level of dials
// (see Enforce): the refusal is what level error returns.
func CheckDial(plugin, network, address string) (allowedBy string, refused *core.GuardedCallError) {
	return checkFirewall(plugin, "dial", network, address, "")
}

// checkOutside decides a dial or packet of package net made outside every
// sandbox, by owner (the zero Owner, or a verifier whose sandbox has not
// opened yet): the firewall, then the guard level of the call's kind. It
// returns nil when the call goes to the network; otherwise it has reported
// the error it returns. op and script are as for checkFirewall. ctx is the
// dial's context (nil for packets): a dial an HTTP request makes is an
// http call, and one a database/sql driver makes is an sql call (see
// requestRefusal), each decided by its own kind's level and refused in its
// own terms.
func checkOutside(ctx context.Context, owner core.Owner, plugin, op, network, address, script string) error {
	_, refused := checkFirewall(plugin, op, network, address, script)
	if refused == nil {
		return nil
	}
	if op == "dial" {
		if kind, call, err := requestRefusal(ctx, network, address, refused); err != nil {
			return Enforce(kind, owner, call, err, "")
		}
	}
	if level, _ := LevelFor(KindDial, owner); level == LevelError {
		report(owner, refused) // Enforce's first case, without building the call's text
		return refused
	}
	return Enforce(KindDial, owner, plugin+" "+op+" "+network+" "+address, refused, "")
}

// checkFirewall is CheckDial for any op of package net that reaches an
// address ("dial", "send", "join"); script, if not "", replaces the line
// of the fix that shows how to script the call inside a sandbox.
func checkFirewall(plugin, op, network, address, script string) (allowedBy string, refused *core.GuardedCallError) {
	s := policy()
	if s.off != "" {
		return s.off, nil
	}
	d := parseDialAddr(network, address)
	for _, o := range s.allow {
		for i := range o.rules.rules {
			if r := &o.rules.rules[i]; r.matches(&d) {
				return strconv.Quote(r.text) + " (" + o.owner + ")", nil
			}
		}
	}
	loopback := !d.unix && d.isLoopback()
	switch {
	case d.unix:
		return `"unix" (default)`, nil
	case loopback && s.denyLoop == "":
		return `"loopback" (default)`, nil
	}

	var reason strings.Builder
	if !loopback && d.host == "localhost" {
		_, why := localhostIsLoopback()
		reason.WriteString("the name localhost is not taken for loopback here: ")
		reason.WriteString(why)
		reason.WriteString("; ")
	}
	if loopback {
		reason.WriteString("loopback dials outside sandboxes are denied by ")
		reason.WriteString(s.denyLoop)
		reason.WriteString(", and no allow rule names this address")
	} else {
		reason.WriteString("the ")
		reason.WriteString(opNoun(op))
		reason.WriteString(" is outside every sandbox, and no firewall rule allows it; outside sandboxes the firewall allows ")
		if s.denyLoop == "" {
			reason.WriteString(`"loopback", `)
		}
		reason.WriteString(`"unix" (default)`)
		for _, o := range s.allow {
			reason.WriteString(", ")
			reason.WriteString(o.rules.String())
			reason.WriteString(" (")
			reason.WriteString(o.owner)
			reason.WriteString(")")
		}
	}
	if s.problem != "" {
		reason.WriteString("; ")
		reason.WriteString(s.problem)
	}
	if p := levelProblem(); p != "" {
		reason.WriteString("; ")
		reason.WriteString(p)
	}
	n := core.CurrentNames()
	if script == "" {
		script = "// or answer it from a script: make the dial inside " + n.Verifier + ".Sandbox, with a session from " + n.Verifier + ".Socket().NewSession()"
	}
	if open := core.OpenSandboxes(); len(open) > 0 {
		// The dial was not routed although sandboxes are open: it came
		// from a goroutine no sandbox started, and carried no sandbox.
		reason.WriteString("; sandboxes are open (")
		reason.WriteString(strings.Join(limitNames(open, 5), ", "))
		reason.WriteString("), but the dialing goroutine was started by none of them and its context carries none, so it belongs to none of them")
		script = "// or answer it from the script of the sandbox it belongs to: dial with a context that carries it\n" +
			"conn, err := (&net.Dialer{}).DialContext(" + n.Verifier + ".Context(ctx), " + strconv.Quote(network) + ", " + strconv.Quote(address) + ")"
	}
	rule := strconv.Quote(address) // the rule that allows exactly this dial
	return "", &core.GuardedCallError{
		Plugin: plugin, Op: op, Network: network, Address: address,
		Reason: reason.String(),
		Fix: "// let this test dial it for real:\n" +
			n.Package + ".AllowDial(t, " + rule + ")\n" +
			"// or every test of the package, in TestMain (or set " + EnvAllow + "):\n" +
			n.Package + ".SetFirewall(" + n.Package + ".Firewall{Allow: []string{" + rule + "}})\n" +
			script,
	}
}

// opNoun names what an op of checkFirewall does, in its messages.
func opNoun(op string) string {
	switch op {
	case "send":
		return "packet"
	case "join":
		return "multicast group join"
	}
	return op
}

// limitNames returns at most n names, with a count of the rest.
func limitNames(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(names[:n:n], "and "+strconv.Itoa(len(names)-n)+" more")
}
