package guard

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// resetLevels gives t a clean slate of guard levels (no environment, no
// binary or test settings, no warnings) and puts back what was there
// when t ends.
func resetLevels(t *testing.T) {
	t.Helper()
	levelState() // the environment is read once; do it before saving
	levels.mu.Lock()
	env, problem, binary, tests := levels.env, levels.problem, levels.binary, levels.tests
	levels.env, levels.problem, levels.binary, levels.tests = [numKinds]levelSetting{}, "", [numKinds]levelSetting{}, nil
	rebuildLevels()
	levels.mu.Unlock()
	warnings.mu.Lock()
	savedW, savedO := warnings.byKey, warnings.order
	warnings.byKey, warnings.order = nil, nil
	warnings.mu.Unlock()
	t.Cleanup(func() {
		levels.mu.Lock()
		levels.env, levels.problem, levels.binary, levels.tests = env, problem, binary, tests
		rebuildLevels()
		levels.mu.Unlock()
		warnings.mu.Lock()
		warnings.byKey, warnings.order = savedW, savedO
		warnings.mu.Unlock()
	})
}

// captureStderr returns what fn wrote to os.Stderr.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrMu.Lock()
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	fn()
	os.Stderr = saved
	stderrMu.Unlock()
	w.Close()
	return <-done
}

// parsingFset is the file set of the fixes the tests parse.
var parsingFset = token.NewFileSet()

// stderrMu keeps tests that swap os.Stderr from overlapping.
var stderrMu sync.Mutex

func TestParseLevels(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want map[Kind]Level
	}{
		{"dial=warn", map[Kind]Level{KindDial: LevelWarn}},
		{"dial=warn, exec=off", map[Kind]Level{KindDial: LevelWarn, KindExec: LevelOff}},
		{"warn", map[Kind]Level{KindDial: LevelWarn, KindHTTP: LevelWarn, KindSQL: LevelWarn, KindDNS: LevelWarn, KindExec: LevelWarn}},
		{"off,dial=error", map[Kind]Level{KindDial: LevelError, KindHTTP: LevelOff, KindSQL: LevelOff, KindDNS: LevelOff, KindExec: LevelOff}},
		{"", map[Kind]Level{}},
	} {
		got, err := ParseLevels(tt.in)
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseLevels(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for k, l := range tt.want {
			if got[k] != l {
				t.Errorf("ParseLevels(%q)[%v] = %v, want %v", tt.in, k, got[k], l)
			}
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"dail=warn", `bigfoot: invalid guard level setting "dail=warn": unknown kind "dail"; the kinds are dial, http, sql, dns, exec`},
		{"dial=loud", `bigfoot: invalid guard level setting "dial=loud": unknown level "loud"; the levels are error, warn, off`},
		{"quiet", `bigfoot: invalid guard level setting "quiet": unknown level "quiet"; the levels are error, warn, off`},
	} {
		_, err := ParseLevels(tt.in)
		var lse *LevelSettingError
		if !errors.As(err, &lse) || !strings.HasPrefix(err.Error(), tt.want+"\nfix: ") {
			t.Errorf("ParseLevels(%q) error:\n%v\nwant it to start with:\n%s", tt.in, err, tt.want)
		}
	}
	if Kind(9).String() != "Kind(9)" || Level(9).String() != "Level(9)" || KindSQL.String() != "sql" || LevelWarn.String() != "warn" {
		t.Error("String of kinds and levels")
	}
	if len(Kinds()) != 5 || Kinds()[4] != KindExec {
		t.Errorf("Kinds() = %v", Kinds())
	}
}

// TestLevelPrecedence: a test's own level, then (for calls that belong to
// no test) the most permissive level of a running test, then the binary's,
// then the environment's, then error.
func TestLevelPrecedence(t *testing.T) {
	resetLevels(t)
	mine := core.Owner{Name: "TestMine"}
	other := core.Owner{Name: "TestOther"}
	check := func(what string, owner core.Owner, want Level, wantBy string) {
		t.Helper()
		if l, by := LevelFor(KindDial, owner); l != want || by != wantBy {
			t.Errorf("%s: LevelFor(dial, %q) = %v by %q, want %v by %q", what, owner.Name, l, by, want, wantBy)
		}
	}
	check("nothing set", core.Owner{}, LevelError, "default")

	levels.mu.Lock()
	levels.env[KindDial] = levelSetting{set: true, level: LevelOff, by: "BIGFOOT_GUARD=dial=off"}
	rebuildLevels()
	levels.mu.Unlock()
	check("environment", core.Owner{}, LevelOff, "BIGFOOT_GUARD=dial=off")

	if err := SetLevel(KindDial, LevelWarn, "SetGuard in TestMain"); err != nil {
		t.Fatal(err)
	}
	check("binary over environment", core.Owner{}, LevelWarn, "SetGuard in TestMain")
	if l, _ := LevelFor(KindSQL, core.Owner{}); l != LevelError {
		t.Errorf("another kind: %v, want error", l)
	}

	removeErr, err := SetTestLevel("TestMine", KindDial, LevelError, "Guard in TestMine")
	if err != nil {
		t.Fatal(err)
	}
	check("the test's own", mine, LevelError, "Guard in TestMine")
	check("another test's call ignores TestMine's level", other, LevelWarn, "SetGuard in TestMain")
	check("a call of no test takes a running test's", core.Owner{}, LevelError, "Guard in TestMine")

	removeOff, err := SetTestLevel("TestOther", KindDial, LevelOff, "Guard in TestOther")
	if err != nil {
		t.Fatal(err)
	}
	check("the most permissive running test's", core.Owner{}, LevelOff, "Guard in TestOther")
	check("still the test's own", mine, LevelError, "Guard in TestMine")

	removeErr()
	removeOff()
	removeOff() // a second call does nothing
	check("after the tests", core.Owner{}, LevelWarn, "SetGuard in TestMain")

	var lse *LevelSettingError
	if err := SetLevel(Kind(7), LevelWarn, "x"); !errors.As(err, &lse) {
		t.Errorf("SetLevel of an unknown kind: %v", err)
	}
	if _, err := SetTestLevel("T", KindDial, Level(7), "x"); !errors.As(err, &lse) {
		t.Errorf("SetTestLevel of an unknown level: %v", err)
	}
	if l, by := LevelFor(Kind(7), core.Owner{}); l != LevelError || by != "default" {
		t.Errorf("LevelFor of an unknown kind: %v %q", l, by)
	}
}

func TestIsReportedCount(t *testing.T) {
	var got []int
	for n := 1; n <= 2000; n++ {
		if isReportedCount(n) {
			got = append(got, n)
		}
	}
	if want := []int{1, 10, 100, 1000}; len(got) != len(want) || got[0] != 1 || got[1] != 10 || got[2] != 100 || got[3] != 1000 {
		t.Errorf("reported counts %v, want %v", got, want)
	}
}

// TestEnforce drives the three levels with a refusal a plugin made: error
// fails the test the call belongs to, warn lets it through and reports it
// once with a count, off lets it through silently; a call that cannot pass
// through is refused at warn and off with a distinct error.
func TestEnforce(t *testing.T) {
	resetLevels(t)
	refused := &core.GuardedCallError{Plugin: "kv", Op: "get", Network: "tcp", Address: "10.0.0.1:6379", Reason: "outside every sandbox"}

	ft := bftest.New(t)
	v := core.New(ft)
	owner := core.SandboxOwner(core.WithSandbox(context.Background(), v))
	if owner.Verifier != v || owner.Open || owner.Closed {
		t.Fatalf("owner of a verifier with no sandbox yet: %+v", owner)
	}

	// error: the default.
	if err := Enforce(KindSQL, owner, "kv get 10.0.0.1:6379", refused, ""); err != refused {
		t.Errorf("Enforce at error = %v, want the refusal", err)
	}
	if errs := ft.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "kv get tcp 10.0.0.1:6379 refused") {
		t.Errorf("the test the call belongs to reported %q", errs)
	}

	// warn: let through, reported to standard error once, then counted.
	remove, err := SetTestLevel(t.Name(), KindSQL, LevelWarn, "Guard in "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	out := captureStderr(t, func() {
		for range 10 {
			if err := Enforce(KindSQL, owner, "kv get 10.0.0.1:6379", refused, ""); err != nil {
				t.Errorf("Enforce at warn = %v, want nil", err)
			}
		}
	})
	if n := strings.Count(out, "bigfoot: warning: guard sql=warn (Guard in "+t.Name()+") let kv get 10.0.0.1:6379 through"); n != 2 {
		t.Errorf("warnings written %d times, want 2 (the first time, the tenth):\n%s", n, out)
	}
	for _, want := range []string{"(the first time; it is counted from now on) in " + t.Name(), "10 times so far", "at level error it is refused: bigfoot: kv get tcp 10.0.0.1:6379 refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("warnings lack %q:\n%s", want, out)
		}
	}
	if w := Warnings(); len(w) != 1 || w[0].Count != 10 || w[0].Kind != KindSQL || w[0].Call != "kv get 10.0.0.1:6379" || w[0].SetBy != "Guard in "+t.Name() {
		t.Errorf("Warnings() = %+v", w)
	}
	if len(ft.Errors()) != 1 {
		t.Errorf("a call let through at warn failed the test: %q", ft.Errors())
	}

	// A call that cannot pass through safely is refused at warn.
	err = Enforce(KindSQL, owner, "query on bfsql.Open(\"app\")", refused, "the *sql.DB of the plugin's seam has no database behind it")
	var cannot *CannotPassThroughError
	var guarded *core.GuardedCallError
	if !errors.As(err, &cannot) || !errors.As(err, &guarded) || cannot.Level != LevelWarn || cannot.Kind != KindSQL {
		t.Fatalf("Enforce of a call that cannot pass = %v, want a *CannotPassThroughError wrapping the refusal", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"bigfoot: guard sql=warn (Guard in " + t.Name() + `) would let query on bfsql.Open("app") through, but it cannot pass through safely: the *sql.DB of the plugin's seam has no database behind it; it is refused as at level error`,
		"the refusal: bigfoot: kv get tcp 10.0.0.1:6379 refused",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	checkFixParses(t, msg)
	if errs := ft.Errors(); len(errs) != 2 || !strings.Contains(errs[1], "cannot pass through safely") {
		t.Errorf("the refusal at warn did not fail the test: %q", errs)
	}

	// off: silent, and still no passing through for what cannot.
	removeOff, err := SetTestLevel(t.Name(), KindSQL, LevelOff, "Guard off in "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer removeOff()
	out = captureStderr(t, func() {
		if err := Enforce(KindSQL, owner, "kv get 10.0.0.2:6379", refused, ""); err != nil {
			t.Errorf("Enforce at off = %v", err)
		}
	})
	if out != "" {
		t.Errorf("off wrote %q", out)
	}
	if err := Enforce(KindSQL, owner, "q", refused, "no database"); !errors.As(err, &cannot) || cannot.Level != LevelOff {
		t.Errorf("Enforce at off of a call that cannot pass = %v", err)
	}
}

// TestEnforceUnowned: a refusal that belongs to no test fails none and is
// written to standard error.
func TestEnforceUnowned(t *testing.T) {
	resetLevels(t)
	refused := &core.GuardedCallError{Plugin: "kv", Op: "get", Network: "tcp", Address: "10.9.9.9:1", Reason: "no rule"}
	unowned.mu.Lock()
	unowned.seen = nil // each distinct refusal is written once per process
	unowned.mu.Unlock()
	ft := bftest.New(t)
	core.New(ft) // a running test, which must not be blamed
	out := captureStderr(t, func() {
		if err := Enforce(KindExec, core.Owner{}, "kv get", refused, ""); err != refused {
			t.Errorf("Enforce = %v", err)
		}
	})
	if !strings.Contains(out, "kv get tcp 10.9.9.9:1 refused") || !strings.Contains(out, "belongs to no running test") {
		t.Errorf("stderr: %q", out)
	}
	if ft.Failed() {
		t.Errorf("an unowned refusal failed a test: %q", ft.Errors())
	}
}

// checkFixParses parses the Go code after "fix:" in msg as statements.
func checkFixParses(t *testing.T, msg string) {
	t.Helper()
	_, fix, ok := strings.Cut(msg, "\nfix:\n")
	if !ok {
		t.Fatalf("no fix in:\n%s", msg)
	}
	fix = strings.ReplaceAll(fix, "\n\t", "\n")
	if _, err := parser.ParseFile(parsingFset, "fix.go", "package p\nfunc _() {\n"+strings.TrimPrefix(fix, "\t")+"\n}\n", 0); err != nil {
		t.Errorf("the fix does not parse: %v\n%s", err, fix)
	}
}
