package core_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// lockedPlugin is a plugin that guards its queues with a lock of its own
// (QueueSpec.Mu), as a function mock does: it adds and takes with the
// lock held, through the Locked methods.
type lockedPlugin struct {
	mu   sync.Mutex // guards the queues (spec.Mu)
	spec core.QueueSpec
	qs   []*core.Queue
}

func newLockedPlugin(v *core.Verifier, queues int) *lockedPlugin {
	p := &lockedPlugin{spec: core.QueueSpec{Plugin: "kv"}}
	p.spec.Mu = &p.mu
	for range queues {
		p.qs = append(p.qs, core.NewQueue(v, &p.spec))
	}
	return p
}

func (p *lockedPlugin) add(i int, key string, pc uintptr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.qs[i%len(p.qs)].AddLocked(core.Entry{Key: key, Returns: key}, pc)
}

// addMatched adds a matched entry to the first queue, which take tries
// first: they are taken in registration order.
func (p *lockedPlugin) addMatched(x *kvExpectation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	x.entry = core.Entry{MatchEntry: matchPrefix, Returns: x}
	p.qs[0].AddEntryLocked(&x.entry, core.Caller(0))
}

// take tries every queue, as a mock's segments are tried, under one hold
// of the lock.
func (p *lockedPlugin) take(key string) (*core.Entry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, q := range p.qs {
		ent, err := q.TakeLocked(key, key, nil)
		if ent != nil || err != nil {
			return ent, err
		}
	}
	return nil, nil
}

// With QueueSpec.Mu the queues are guarded by the plugin's lock: the
// Locked methods work with it held (they would deadlock if they took it
// again), and the others, VerifyAll's check among them, take it
// themselves, so that they run beside the plugin's calls without a race
// (run with -race). Every entry is taken once, in registration order.
func TestQueueSpecMuGuardsQueues(t *testing.T) {
	v := core.New(nil)
	p := newLockedPlugin(v, 3)
	const n = 300
	for i := range n {
		p.add(i, "k"+strconv.Itoa(i), 0)
	}
	matched := make([]*kvExpectation, 30)
	for i := range matched {
		matched[i] = &kvExpectation{prefix: "m/"}
		p.addMatched(matched[i])
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		// The other methods, while calls take entries: they lock Mu.
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, q := range p.qs {
				q.Unused()
				q.Pending(3)
			}
		}
	}()
	deadline := time.After(10 * time.Second)
	var takers sync.WaitGroup
	errs := make(chan error, n+len(matched))
	for g := range 3 {
		takers.Add(1)
		go func() {
			defer takers.Done()
			for i := g; i < n; i += 3 {
				key := "k" + strconv.Itoa(i)
				ent, err := p.take(key)
				if err != nil || ent == nil || ent.Returns != key {
					errs <- errors.New("take(" + key + ") did not return its entry")
				}
			}
		}()
	}
	for i := range matched {
		ent, err := p.take("m/" + strconv.Itoa(i))
		if err != nil || ent != &matched[i].entry {
			errs <- errors.New("matched entries not taken in registration order at " + strconv.Itoa(i))
		}
	}
	finished := make(chan struct{})
	go func() { takers.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-deadline:
		t.Fatal("takers did not finish in 10s: a Locked method took the lock again?")
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ent, _ := p.take("k0"); ent != nil {
		t.Errorf("take after all were taken = %+v; want nil", ent)
	}
	if err := v.VerifyAll(); err != nil {
		t.Errorf("VerifyAll() = %v; want nil: every entry was taken", err)
	}
}

// Without a Mu the Locked methods are the plain ones: they take the
// queue's own lock.
func TestQueueLockedMethodsWithoutMu(t *testing.T) {
	v := core.New(nil)
	q := core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})
	q.AddLocked(core.Entry{Key: "a", Returns: "A"}, 0)
	x := &kvExpectation{prefix: "b"}
	x.entry = core.Entry{MatchEntry: matchPrefix, Returns: x}
	if got := q.AddEntryLocked(&x.entry, 0); got != &x.entry {
		t.Fatalf("AddEntryLocked returned %p; want the caller's entry %p", got, &x.entry)
	}
	var wg sync.WaitGroup
	got := make([]*core.Entry, 2)
	for i, key := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = q.TakeLocked(key, key, nil)
		}()
	}
	wg.Wait()
	if got[0] == nil || got[0].Returns != "A" || got[1] != &x.entry {
		t.Fatalf("TakeLocked = %+v, %+v; want the exact and the matched entry", got[0], got[1])
	}
	if len(q.Unused()) != 0 {
		t.Fatalf("Unused = %v; want none", q.Unused())
	}
}
