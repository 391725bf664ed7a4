package guard

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bigfoot-go/bigfoot/core"
)

// Guard levels decide what happens to a call made outside every sandbox
// that a plugin would refuse (the firewall's refusal of a dial, say): it is
// refused (LevelError, the default), let through and reported once with a
// count (LevelWarn, for migrating a suite), or let through silently
// (LevelOff). Calls inside a sandbox are scripted whatever the level, and
// calls of a sandbox that has closed are refused whatever the level: both
// are the test's own mistakes, not the suite's habits.
//
// A level is set per kind of call, for one test (SetTestLevel, while it
// runs), for the whole test binary (SetLevel, in TestMain), or from the
// environment, read once when a level is first needed:
//
//	BIGFOOT_GUARD=dial=warn,exec=off   per kind
//	BIGFOOT_GUARD=warn                 every kind
//
// The most specific setting wins: a test's own, then the binary's, then the
// environment's, then the default (error). A call outside every sandbox
// rarely belongs provably to one test (only with a context from the
// verifier's Context), so a level a running test set applies to every call
// of that kind that belongs to no test while it runs, as the firewall
// rules of AddDialRules do; with several, the most permissive applies.
const EnvGuard = "BIGFOOT_GUARD"

// Kind is a kind of external call that guard levels are set for. A plugin
// calls LevelFor or Enforce with the kind of the calls it intercepts.
type Kind uint8

// The kinds of call. Under the overlay each is decided outside sandboxes
// where it reaches the world (kinds.go): dials and packets of package net
// by Dial and the net entry hooks; an HTTP request and a database/sql
// driver's connection at the dial they make, by their own kind; name
// lookups by the lookup hook, before any resolver runs; process starts by
// StartCommand, after the command firewall.
const (
	KindDial Kind = iota // "dial": connections and packets of package net
	KindHTTP             // "http": requests through an http.Transport
	KindSQL              // "sql": database/sql connections
	KindDNS              // "dns": name lookups
	KindExec             // "exec": processes started with os/exec
	numKinds
)

var kindNames = [numKinds]string{"dial", "http", "sql", "dns", "exec"}

// String returns the kind's name as BIGFOOT_GUARD spells it.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Kinds returns every kind, in order.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// ParseKind returns the kind named s ("dial", "http", "sql", "dns",
// "exec"), or a *LevelSettingError.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if s == n {
			return Kind(i), nil
		}
	}
	return 0, &LevelSettingError{Setting: s, Reason: "unknown kind " + strconv.Quote(s) + "; the kinds are " + strings.Join(kindNames[:], ", ")}
}

// Level is what happens to a call outside every sandbox that a plugin
// would refuse.
type Level uint8

const (
	// LevelError refuses the call with the plugin's typed error (the
	// firewall's *core.GuardedCallError for dials). The default.
	LevelError Level = iota
	// LevelWarn lets the call through and reports it: once per distinct
	// call, with a count every time it reaches 10, 100, 1000...
	LevelWarn
	// LevelOff lets the call through and says nothing.
	LevelOff
	numLevels
)

var levelNames = [numLevels]string{"error", "warn", "off"}

// String returns the level's name as BIGFOOT_GUARD spells it.
func (l Level) String() string {
	if l < numLevels {
		return levelNames[l]
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// ParseLevel returns the level named s ("error", "warn", "off"), or a
// *LevelSettingError.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if s == n {
			return Level(i), nil
		}
	}
	return 0, &LevelSettingError{Setting: s, Reason: "unknown level " + strconv.Quote(s) + "; the levels are error, warn, off"}
}

// LevelSettingError reports a guard level setting that cannot be read or
// applied: an unknown kind or level.
type LevelSettingError struct {
	Setting string // as written, e.g. "dail=warn"
	Reason  string
}

// Error says which setting is wrong, why, and what a setting looks like.
func (e *LevelSettingError) Error() string {
	return "bigfoot: invalid guard level setting " + strconv.Quote(e.Setting) + ": " + e.Reason +
		"\nfix: write kind=level pairs separated by commas, such as " + EnvGuard + "=dial=warn,exec=off, or one level for every kind, such as " + EnvGuard + "=warn"
}

// ParseLevels reads a setting as BIGFOOT_GUARD holds it: comma-separated
// kind=level pairs, or a bare level for every kind; later entries win. The
// result maps each kind the setting names to its level.
func ParseLevels(s string) (map[Kind]Level, error) {
	out := map[Kind]Level{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kindName, levelName, paired := strings.Cut(part, "=")
		if !paired {
			l, err := ParseLevel(part)
			if err != nil {
				return nil, &LevelSettingError{Setting: part, Reason: err.(*LevelSettingError).Reason}
			}
			for k := range numKinds {
				out[k] = l
			}
			continue
		}
		k, err := ParseKind(strings.TrimSpace(kindName))
		if err != nil {
			return nil, &LevelSettingError{Setting: part, Reason: err.(*LevelSettingError).Reason}
		}
		l, err := ParseLevel(strings.TrimSpace(levelName))
		if err != nil {
			return nil, &LevelSettingError{Setting: part, Reason: err.(*LevelSettingError).Reason}
		}
		out[k] = l
	}
	return out, nil
}

// levelSetting is one level set for a kind, and who set it, for messages.
type levelSetting struct {
	set   bool
	level Level
	by    string // e.g. "BIGFOOT_GUARD", "bigfoot.SetGuard"
}

// testLevel is a level a running test set.
type testLevel struct {
	test  string // the test's name, as its verifier reports it
	kind  Kind
	level Level
	by    string
}

// levelSnapshot is the settings in force, rebuilt on every change and read
// without locks.
type levelSnapshot struct {
	env     [numKinds]levelSetting
	binary  [numKinds]levelSetting
	tests   []*testLevel
	problem string // a BIGFOOT_GUARD that could not be read, or ""
}

var levels struct {
	mu      sync.Mutex // guards binary and tests, and serializes publishing snap
	envOnce sync.Once
	env     [numKinds]levelSetting
	problem string
	binary  [numKinds]levelSetting
	tests   []*testLevel
	snap    atomic.Pointer[levelSnapshot]
}

// readLevelEnv reads BIGFOOT_GUARD once, when a level is first needed
// (during a test, so that go test keys its cache of results on it). A
// setting that cannot be read is ignored whole, written to standard error
// once, and named in the firewall's refusals.
func readLevelEnv() {
	v := os.Getenv(EnvGuard)
	if v == "" {
		return
	}
	parsed, err := ParseLevels(v)
	if err != nil {
		levels.problem = EnvGuard + "=" + strconv.Quote(v) + " is ignored: " + strings.ReplaceAll(err.Error(), "\n", "; ")
		fmt.Fprintln(os.Stderr, "bigfoot: "+levels.problem)
		return
	}
	for k, l := range parsed {
		levels.env[k] = levelSetting{set: true, level: l, by: EnvGuard + "=" + v}
	}
}

func levelState() *levelSnapshot {
	if s := levels.snap.Load(); s != nil {
		return s
	}
	levels.mu.Lock()
	defer levels.mu.Unlock()
	if levels.snap.Load() == nil {
		rebuildLevels()
	}
	return levels.snap.Load()
}

// rebuildLevels publishes the settings in force. Call with levels.mu held.
func rebuildLevels() {
	levels.envOnce.Do(readLevelEnv)
	levels.snap.Store(&levelSnapshot{
		env:     levels.env,
		binary:  levels.binary,
		tests:   append([]*testLevel(nil), levels.tests...),
		problem: levels.problem,
	})
}

func checkKindLevel(kind Kind, level Level) error {
	if kind >= numKinds {
		return &LevelSettingError{Setting: kind.String() + "=" + level.String(), Reason: "unknown kind; the kinds are " + strings.Join(kindNames[:], ", ")}
	}
	if level >= numLevels {
		return &LevelSettingError{Setting: kind.String() + "=" + level.String(), Reason: "unknown level; the levels are error, warn, off"}
	}
	return nil
}

// SetLevel sets kind's level for the whole test binary, typically once in
// TestMain; by names the setting in messages, as Go code
// ("bigfoot.SetGuard(bigfoot.GuardDial, bigfoot.Warn)"). Levels a running
// test sets win over it; it wins over BIGFOOT_GUARD.
func SetLevel(kind Kind, level Level, by string) error {
	if err := checkKindLevel(kind, level); err != nil {
		return err
	}
	levels.mu.Lock()
	defer levels.mu.Unlock()
	levels.binary[kind] = levelSetting{set: true, level: level, by: by}
	rebuildLevels()
	return nil
}

// SetTestLevel sets kind's level for the test named test until remove is
// called (by the test's cleanup). It applies to the test's own calls
// outside sandboxes (those with a context from its verifier's Context) and,
// while the test runs, to every call of kind that belongs to no test.
func SetTestLevel(test string, kind Kind, level Level, by string) (remove func(), err error) {
	if err := checkKindLevel(kind, level); err != nil {
		return nil, err
	}
	tl := &testLevel{test: test, kind: kind, level: level, by: by}
	levels.mu.Lock()
	levels.tests = append(levels.tests, tl)
	rebuildLevels()
	levels.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			levels.mu.Lock()
			defer levels.mu.Unlock()
			for i, x := range levels.tests {
				if x == tl {
					levels.tests = append(levels.tests[:i], levels.tests[i+1:]...)
					break
				}
			}
			rebuildLevels()
		})
	}, nil
}

// LevelFor returns the level in force for a call of kind outside every
// sandbox, and who set it ("default" when nobody did). owner is the sandbox
// the call provably belongs to (Owner(ctx)), or the zero Owner. It takes
// no lock: plugins call it on each call they would refuse.
func LevelFor(kind Kind, owner core.Owner) (Level, string) {
	if kind >= numKinds {
		return LevelError, "default"
	}
	s := levelState()
	if owner.Name != "" {
		// The test's own setting, the last one it made.
		for i := len(s.tests) - 1; i >= 0; i-- {
			if tl := s.tests[i]; tl.kind == kind && tl.test == owner.Name {
				return tl.level, tl.by
			}
		}
	} else {
		var best *testLevel
		for _, tl := range s.tests {
			if tl.kind == kind && (best == nil || tl.level > best.level) {
				best = tl
			}
		}
		if best != nil {
			return best.level, best.by
		}
	}
	if b := s.binary[kind]; b.set {
		return b.level, b.by
	}
	if e := s.env[kind]; e.set {
		return e.level, e.by
	}
	return LevelError, "default"
}

// levelProblem returns what was wrong with BIGFOOT_GUARD, or "".
func levelProblem() string { return levelState().problem }

// CannotPassThroughError is returned, instead of letting a call through,
// when the guard level of its kind is warn or off but the call cannot go
// to the real thing safely: a value the plugin made up (a *sql.DB of the
// plugin's seam has no database behind it), or a call that would do harm
// passed through. It wraps the refusal the level would have let through,
// so errors.As finds that too.
type CannotPassThroughError struct {
	Kind    Kind
	Level   Level
	SetBy   string // who set the level
	Call    string // e.g. "query on bfsql.Open(\"app\")"
	Why     string // why it cannot pass through
	Refused error  // what the plugin refuses it with at level error
}

// Error says what was not let through, why, and what to do instead.
func (e *CannotPassThroughError) Error() string {
	n := core.CurrentNames()
	var b strings.Builder
	b.WriteString("bigfoot: guard ")
	b.WriteString(e.Kind.String())
	b.WriteString("=")
	b.WriteString(e.Level.String())
	b.WriteString(" (")
	b.WriteString(e.SetBy)
	b.WriteString(") would let ")
	b.WriteString(e.Call)
	b.WriteString(" through, but it cannot pass through safely: ")
	b.WriteString(e.Why)
	b.WriteString("; it is refused as at level error")
	if e.Refused != nil {
		b.WriteString("\n  the refusal: ")
		b.WriteString(strings.ReplaceAll(e.Refused.Error(), "\n", "\n  "))
	}
	b.WriteString("\nfix:\n\t// make the call inside the sandbox, scripted:\n\t")
	b.WriteString(n.Verifier)
	b.WriteString(".Sandbox(func() { /* the code that makes the call */ })")
	return b.String()
}

// Unwrap returns the refusal the level would have let through.
func (e *CannotPassThroughError) Unwrap() error { return e.Refused }

// Enforce applies the guard level of kind to a call outside every sandbox
// that the plugin refuses with refused (a *core.GuardedCallError, say);
// call describes the call in messages ("dial tcp 10.0.0.1:80"). At level
// error it reports refused (failing owner's test, the one the call
// provably belongs to, or else writing it to standard error once) and
// returns it. At warn and off it returns nil, and the plugin lets the call
// through; warn reports it first, once per distinct call, with a count.
// cannotPass, when not "", says why the call cannot go through safely:
// then warn and off refuse it with a *CannotPassThroughError instead.
func Enforce(kind Kind, owner core.Owner, call string, refused error, cannotPass string) error {
	level, by := LevelFor(kind, owner)
	switch {
	case level == LevelError:
		report(owner, refused)
		return refused
	case cannotPass != "":
		err := &CannotPassThroughError{Kind: kind, Level: level, SetBy: by, Call: call, Why: cannotPass, Refused: refused}
		report(owner, err)
		return err
	case level == LevelWarn:
		warnPassed(kind, owner, call, by, refused)
	}
	return nil
}

// report fails the test a call provably belongs to, or writes the error to
// standard error (once per distinct message) when there is none.
func report(owner core.Owner, err error) {
	if v := owner.Verifier; v == nil || !v.Report(err) {
		reportUnowned(err)
	}
}

// Warning is one distinct call that a guard level of warn let through.
type Warning struct {
	Kind  Kind
	Call  string // as Enforce got it
	SetBy string // who set the level
	Count int    // how many times it was let through
}

// warnings counts what warn let through, by kind and call.
var warnings struct {
	mu    sync.Mutex // guards byKey and order
	byKey map[warnKey]*Warning
	order []*Warning
}

type warnKey struct {
	kind Kind
	call string
}

// Warnings returns every distinct call a level of warn has let through so
// far in this process, in the order each first happened, with its count:
// for a TestMain that prints a summary after m.Run.
func Warnings() []Warning {
	warnings.mu.Lock()
	defer warnings.mu.Unlock()
	out := make([]Warning, len(warnings.order))
	for i, w := range warnings.order {
		out[i] = *w
	}
	return out
}

// warnPassed counts a call warn let through and reports it to standard
// error the first time, and again with its count at 10, 100, 1000...,
// naming the test it provably belongs to, if any.
func warnPassed(kind Kind, owner core.Owner, call, by string, refused error) {
	warnings.mu.Lock()
	if warnings.byKey == nil {
		warnings.byKey = map[warnKey]*Warning{}
	}
	k := warnKey{kind, call}
	w := warnings.byKey[k]
	if w == nil {
		w = &Warning{Kind: kind, Call: call, SetBy: by}
		warnings.byKey[k] = w
		warnings.order = append(warnings.order, w)
	}
	w.Count++
	n := w.Count
	warnings.mu.Unlock()
	if !isReportedCount(n) {
		return
	}

	var b strings.Builder
	b.WriteString("bigfoot: warning: guard ")
	b.WriteString(kind.String())
	b.WriteString("=warn (")
	b.WriteString(by)
	b.WriteString(") let ")
	b.WriteString(call)
	b.WriteString(" through")
	if n == 1 {
		b.WriteString(" (the first time; it is counted from now on)")
	} else {
		b.WriteString(" ")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(" times so far")
	}
	if owner.Name != "" {
		b.WriteString(" in ")
		b.WriteString(owner.Name)
	}
	if site := core.CallSite(); site != "" {
		b.WriteString("\n  called at ")
		b.WriteString(site)
	}
	if refused != nil && n == 1 {
		b.WriteString("\n  at level error it is refused: ")
		b.WriteString(strings.ReplaceAll(refused.Error(), "\n", "\n  "))
	}
	// Standard error even for a call of a known test: its t.Log would
	// panic once the test has ended, which a leftover context may outlive.
	fmt.Fprintln(os.Stderr, core.Bound(b.String()))
}

// isReportedCount reports whether the n-th time a call was let through is
// reported: the first, and each power of ten.
func isReportedCount(n int) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}
