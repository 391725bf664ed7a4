package core_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

type clockPlugin struct {
	sessions *core.Sessions
	first    *core.Session
}

var (
	clockKey  = core.NewKey[*clockPlugin]("clock", "clock.For(bf)")
	clockSpec = &core.Spec{Plugin: "clock", Steps: []core.StepSpec{
		{Name: "now", Returns: "int64", Example: "0", Check: func(x any) bool { _, ok := x.(int64); return ok }},
	}}
)

// A plugin whose create registers a session on the verifier: with the
// first core this deadlocked (create ran under the verifier's lock).
func TestPluginCreateMayUseTheVerifier(t *testing.T) {
	v := core.New(nil)
	done := make(chan *clockPlugin)
	go func() {
		done <- clockKey.Of(v, func(v *core.Verifier) *clockPlugin {
			q := core.NewSessions(v, clockSpec)
			return &clockPlugin{sessions: q, first: q.New()}
		})
	}()
	var p *clockPlugin
	select {
	case p = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("creating a plugin that registers a session hangs")
	}
	if got := clockKey.Of(v, nil); got != p {
		t.Error("Of made a second plugin")
	}
	if _, used := clockKey.Get(core.New(nil)); used {
		t.Error("Get reports a plugin the verifier never made")
	}
	if _, err := clockKey.New(v, func(*core.Verifier) *clockPlugin { return &clockPlugin{} }); !errors.Is(err, core.ErrPluginExists) ||
		!strings.Contains(err.Error(), "clock.For(bf)") {
		t.Errorf("second plugin: %v", err)
	}
}

// Racing first uses create the plugin once.
func TestPluginCreatedOnceUnderRaces(t *testing.T) {
	v := core.New(nil)
	var made sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for range 16 {
		made.Add(1)
		go func() {
			defer made.Done()
			clockKey.Of(v, func(*core.Verifier) *clockPlugin { mu.Lock(); n++; mu.Unlock(); return &clockPlugin{} })
		}()
	}
	made.Wait()
	if n != 1 {
		t.Errorf("create ran %d times", n)
	}
}

// A session of a plugin with no states: any step may follow any other.
func TestStatelessSession(t *testing.T) {
	v := core.New(nil)
	s := core.NewSessions(v, clockSpec).New()
	s.Expect("now", int64(1)).Expect("now", int64(2))
	var got []int64
	v.Sandbox(func() {
		for range 2 {
			st, err := s.Take(&core.Call{Accept: []string{"now"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, st.Returns.(int64))
		}
	})
	if len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("took %v", got)
	}
}

func TestQueueMatchesFirstRegisteredFirst(t *testing.T) {
	ft := bftest.New(t)
	var unused string
	ft.Run(func() {
		v := core.New(ft)
		ft.Cleanup(v.VerifyAtCleanup)
		q := core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})
		q.Add(core.Entry{Key: "a", Returns: 1, Script: `kv.Expect("a", 1)`}, core.Caller(0))
		q.Add(core.Entry{Match: func(x any) bool { return strings.HasPrefix(x.(string), "a") }, Returns: 2, Script: `kv.Expect(bigfoot.HasPrefix("a"), 2)`}, core.Caller(0))
		q.Add(core.Entry{Key: "a", Returns: 3, Script: `kv.Expect("a", 3)`}, core.Caller(0))
		q.Add(core.Entry{Key: "b", Returns: 4, Script: `kv.Expect("b", 4)`}, core.Caller(0))
		var got []int
		for range 3 {
			e, err := q.Take("a", "a", nil)
			if err != nil || e == nil {
				t.Fatalf("Take(a) = %v, %v", e, err)
			}
			got = append(got, e.Returns.(int))
		}
		if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
			t.Errorf("equal matches taken as %v, want registration order [1 2 3]", got)
		}
		if e, _ := q.Take("a", "a", nil); e != nil {
			t.Errorf("a fourth Take(a) got %v", e.Returns)
		}
		unused = "kv: kv.Expect(\"b\", 4) registered at"
	})
	if !strings.Contains(ft.All(), unused) {
		t.Errorf("the unused entry is not reported:\n%s", ft.All())
	}
}

func TestQueueMatchPanicIsReturned(t *testing.T) {
	v := core.New(nil)
	q := core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})
	q.Add(core.Entry{Match: func(any) bool { panic("boom") }}, core.Caller(0))
	_, err := q.Take("x", "x", nil)
	var pe *core.PanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Take = %v, want *PanicError with the panic's text", err)
	}
	// The queue is not left locked.
	done := make(chan struct{})
	go func() { q.Unused(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the queue stays locked after a panic")
	}
}

func TestCallSiteIsTheTestsLine(t *testing.T) {
	var site string
	func() { site = core.CallSite() }()
	if !strings.Contains(site, "kit_test.go:") {
		t.Errorf("CallSite = %q, want this file", site)
	}
}

func TestCapturedStackNamesTheCaller(t *testing.T) {
	var st core.Stack
	func() { st = core.CaptureStack() }()
	if site := st.Site(); !strings.Contains(site, "kit_test.go:") {
		t.Errorf("Stack.Site = %q, want this file", site)
	}
	if n := testing.AllocsPerRun(100, func() { st = core.CaptureStack() }); n != 0 {
		t.Errorf("CaptureStack allocates %v times", n)
	}
}
