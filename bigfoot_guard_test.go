package bigfoot

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// loggingFake is a fake test that also has testing.T's Log.
type loggingFake struct {
	*bftest.Reporter
	mu   sync.Mutex // guards logs
	logs []string
}

func (f *loggingFake) Log(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range args {
		f.logs = append(f.logs, a.(string))
	}
}

func (f *loggingFake) logged() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.logs...)
}

// TestFirewallInactiveNote: in a binary built without the overlay, the
// first New of a test that can log says, once, that the firewall is not
// active and how to turn it on; with the overlay it says nothing.
func TestFirewallInactiveNote(t *testing.T) {
	saved := firewallNoted.Load()
	t.Cleanup(func() { firewallNoted.Store(saved) })
	firewallNoted.Store(false)

	silent := bftest.New(t) // cannot log: does not use up the note
	New(silent)
	first, second := &loggingFake{Reporter: bftest.New(t)}, &loggingFake{Reporter: bftest.New(t)}
	New(first)
	New(second)

	if guard.Transparent() {
		if len(first.logged())+len(second.logged()) != 0 {
			t.Errorf("under the overlay the note was logged: %q %q", first.logged(), second.logged())
		}
		return
	}
	logs := first.logged()
	if len(logs) != 1 || logs[0] != firewallInactiveNote {
		t.Fatalf("the first test logged %q, want the note once", logs)
	}
	for _, want := range []string{"the firewall is not active", "go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./...",
		`GOFLAGS="-overlay=$(go run github.com/bigfoot-go/bigfoot/cmd/bigfoot overlay) -tags=bigfoot_overlay"`} {
		if !strings.Contains(logs[0], want) {
			t.Errorf("the note lacks %q:\n%s", want, logs[0])
		}
	}
	if l := second.logged(); len(l) != 0 {
		t.Errorf("the second test logged %q too", l)
	}
	if silent.Failed() || first.Failed() {
		t.Error("the note failed a test")
	}
}

// TestGuard sets a level for a test, which its calls and the calls of no
// test get while it runs, and which its cleanup removes.
func TestGuard(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		Guard(ft, GuardExec, Off)
		l, by := guard.LevelFor(guard.KindExec, core.Owner{Name: t.Name()})
		if l != Off || by != "bigfoot.Guard(t, bigfoot.GuardExec, bigfoot.Off) in "+t.Name() {
			t.Errorf("level of the test's own calls: %v by %q", l, by)
		}
		if l, _ := GuardLevelOf(GuardExec); l != Off {
			t.Errorf("level of calls of no test while it runs: %v", l)
		}
		if l, _ := guard.LevelFor(guard.KindExec, core.Owner{Name: "TestOther"}); l == Off {
			t.Error("another test's calls took the level")
		}
	})
	if l, _ := GuardLevelOf(GuardExec); l == Off {
		t.Error("the level outlived its test")
	}

	bad := bftest.New(t)
	bad.Run(func() { Guard(bad, GuardKind(42), Warn) })
	if f := bad.Fatals(); len(f) != 1 || !strings.Contains(f[0], "invalid guard level setting") {
		t.Errorf("Guard with a kind that does not exist: %q", f)
	}
	var lerr *GuardLevelError
	if err := SetGuard(GuardDial, GuardLevel(9)); !errors.As(err, &lerr) {
		t.Errorf("SetGuard with a level that does not exist: %v", err)
	}
	if kindName(GuardKind(42)) != "bigfoot.GuardKind(Kind(42))" || levelName(GuardLevel(9)) != "bigfoot.GuardLevel(Level(9))" {
		t.Error("names of kinds and levels that do not exist")
	}
}

// TestGuardSeamCannotPassThrough: the SQL plugin's own *sql.DB used
// outside the sandbox is refused with a *GuardedCallError at level
// Error, and at Warn and Off with a *CannotPassThroughError that wraps
// it: nothing real stands behind it to let the call through to. Plain go
// test or the overlay alike.
func TestGuardSeamCannotPassThrough(t *testing.T) {
	for _, level := range []GuardLevel{Error, Warn, Off} {
		ft := bftest.New(t)
		var err error
		ft.Run(func() {
			Guard(ft, GuardSQL, level)
			bf := New(ft)
			err = bf.SQL().Open("app").Ping()
		})
		var g *GuardedCallError
		var cannot *CannotPassThroughError
		switch {
		case !errors.As(err, &g) || g.Plugin != "sql":
			t.Errorf("at %v: %v, want the refusal", level, err)
		case (level == Error) == errors.As(err, &cannot):
			t.Errorf("at %v: %v; a *CannotPassThroughError at Warn and Off only", level, err)
		case level != Error && !strings.Contains(err.Error(), "guard sql="+level.String()+" (bigfoot.Guard(t, bigfoot.GuardSQL, bigfoot."+
			map[GuardLevel]string{Warn: "Warn", Off: "Off"}[level]+") in "+t.Name()+`) would let sql connect "app" through, but it cannot pass through safely: `+
			"the connection is the SQL plugin's, scripted, with no database behind it"):
			t.Errorf("at %v, the message:\n%v", level, err)
		}
		if !ft.Failed() {
			t.Errorf("at %v the test did not fail", level)
		}
	}
}
