package core

import (
	"context"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"
)

// The runtime publishes these for profilers (and explicitly permits linking
// to them): the calling goroutine's profiler label set, which every goroutine
// it starts inherits. bigfoot uses the pointer as goroutine-tree identity: Go
// has no goroutine-local storage.
//
//go:linkname runtime_getProfLabel runtime/pprof.runtime_getProfLabel
func runtime_getProfLabel() unsafe.Pointer

//go:linkname runtime_setProfLabel runtime/pprof.runtime_setProfLabel
func runtime_setProfLabel(labels unsafe.Pointer)

const sandboxLabel = "bigfoot.sandbox"

// registry maps sandboxes to their verifiers, for routing calls that did
// not come through a verifier's own seam (transparent interception). A
// sandbox that has closed stays known (by name) for as long as a goroutine
// can carry its label set, so that its leftover goroutines' calls are
// refused as post-sandbox calls rather than taken for someone else's. It
// does not keep the label sets alive: once nothing holds one (no goroutine,
// no verifier), no call can carry it, and its entry is dropped by the next
// sweep, so that a process making many verifiers (a benchmark, a long test
// binary) keeps a registry, and a heap for the collector to mark, the size
// of the verifiers still alive rather than of every one it ever made.
var registry struct {
	mu      sync.RWMutex              // guards byLabel and swept
	byLabel map[uintptr]*sandboxEntry // by the label set's address; the entry's weak pointer confirms it
	swept   int                       // entries left by the last sweep
	open    atomic.Int32              // verifiers with a sandbox open
	nextID  atomic.Uint64
}

// sandboxEntry is one verifier's sandbox identity. It outlives the
// verifier's test: v is dropped when the verifier has verified (its test
// is over), and the name stays, for the messages of goroutines it left.
type sandboxEntry struct {
	// label is the label set the entry is for. It reads nil once nothing
	// holds the set: the address may then be another set's, and the entry
	// is dead.
	label weak.Pointer[byte]
	name  string
	open  *Verifier // set while a sandbox of it is open
	v     *Verifier // the verifier until it has verified
}

// entryOf returns the live entry of a label set, or nil. Call with
// registry.mu held.
func entryOf(label unsafe.Pointer) *sandboxEntry {
	if e := registry.byLabel[uintptr(label)]; e != nil && unsafe.Pointer(e.label.Value()) == label {
		return e
	}
	return nil
}

// sweepLocked drops the entries of label sets nothing holds any more. It
// runs as the registry grows to twice what the last sweep left, so each
// entry costs O(1) amortized. Call with registry.mu held for writing.
func sweepLocked() {
	if len(registry.byLabel) < 2*registry.swept+64 {
		return
	}
	for k, e := range registry.byLabel {
		if e.label.Value() == nil {
			delete(registry.byLabel, k)
		}
	}
	registry.swept = len(registry.byLabel)
}

// sandboxLabels is a verifier's profiler label set, made once: entering its
// sandbox again costs no allocation, and the label pointer, which routing
// keys on, stays the same.
type sandboxLabels struct {
	ctx   context.Context
	id    string
	label unsafe.Pointer
}

// runSandbox runs fn with the goroutine (and every goroutine it starts)
// labelled as v's, and v registered for routing. On return it restores the
// labels the goroutine had, so an enclosing sandbox keeps routing. Labels
// the test set itself are hidden inside the sandbox: the label set cannot be
// extended without the context it came from.
func runSandbox(v *Verifier, fn func()) {
	prev := runtime_getProfLabel()
	v.labelsOnce.Do(func() {
		id := strconv.FormatUint(registry.nextID.Add(1), 10)
		ctx := pprof.WithLabels(context.Background(), pprof.Labels(sandboxLabel, id))
		pprof.SetGoroutineLabels(ctx)
		v.labels.Store(&sandboxLabels{ctx: ctx, id: id, label: runtime_getProfLabel()})
	})
	pprof.SetGoroutineLabels(v.labels.Load().ctx)
	enterSandbox(v)
	defer func() {
		leaveSandbox(v)
		runtime_setProfLabel(prev)
	}()
	fn()
}

// enterSandbox counts one more open sandbox of v, registering v on the first.
func enterSandbox(v *Verifier) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if v.sandboxes.Add(1) > 1 {
		return
	}
	if registry.byLabel == nil {
		registry.byLabel = map[uintptr]*sandboxEntry{}
	}
	l := v.labels.Load()
	e := entryOf(l.label)
	if e == nil {
		// The first sandbox of v (a dead entry at the same address is replaced).
		sweepLocked()
		e = &sandboxEntry{label: weak.Make((*byte)(l.label)), name: v.Name(), v: v}
		registry.byLabel[uintptr(l.label)] = e
	}
	e.open = v
	registry.open.Add(1)
}

// leaveSandbox undoes enterSandbox, marking v's sandbox closed when its last
// one closes.
func leaveSandbox(v *Verifier) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if v.sandboxes.Add(-1) > 0 {
		return
	}
	entryOf(v.labels.Load().label).open = nil
	registry.open.Add(-1)
}

type sandboxKey struct{}

// WithSandbox returns a context that carries v, so that a call made with it
// is routed to v's sandbox even from a goroutine that did not descend from
// the one that entered it.
func WithSandbox(parent context.Context, v *Verifier) context.Context {
	return context.WithValue(parent, sandboxKey{}, v)
}

// Owner is the sandbox a call provably belongs to.
type Owner struct {
	// Verifier is the owner, nil when the call belongs to no sandbox, or
	// when it belongs to a closed sandbox whose verifier is gone.
	Verifier *Verifier
	// Name names the owner's test, also when Verifier is gone.
	Name string
	// Open reports whether the owner's sandbox is open now. Closed reports
	// that it was open and has closed: a call of it is a post-sandbox call.
	// Neither is set for a context of a verifier that has not entered a
	// sandbox yet: such a call is outside the sandbox, but the test's own.
	Open, Closed bool
	// Via says how the call was tied to the sandbox: "goroutine" (started
	// from the sandbox, through any number of generations) or "context".
	Via string
}

// Found reports whether the call belongs to a sandbox, open or closed.
func (o Owner) Found() bool { return o.Name != "" }

// SandboxOwner finds the sandbox a call made by the calling goroutine with
// ctx provably belongs to: the sandbox that goroutine (or any goroutine that
// started it) entered, else the one ctx carries (WithSandbox). A call tied
// to neither belongs to no sandbox: it is never guessed.
func SandboxOwner(ctx context.Context) Owner {
	label := runtime_getProfLabel()
	var carried *Verifier
	if ctx != nil {
		carried, _ = ctx.Value(sandboxKey{}).(*Verifier)
	}
	if label == nil && carried == nil {
		return Owner{}
	}
	return ownerOf(label, carried)
}

// Unowned reports, without locking, that a call made by the calling
// goroutine with ctx belongs to no sandbox: the goroutine has no profiler
// labels and ctx carries no verifier. It is the fast path of every hook
// outside sandboxes; when it reports false, SandboxOwner decides.
func Unowned(ctx context.Context) bool {
	if runtime_getProfLabel() != nil {
		return false
	}
	return ctx == nil || ctx.Value(sandboxKey{}) == nil
}

func ownerOf(label unsafe.Pointer, carried *Verifier) Owner {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	if label != nil {
		if e := entryOf(label); e != nil {
			return e.owner("goroutine")
		}
	}
	if carried != nil {
		if l := carried.labels.Load(); l != nil {
			if e := entryOf(l.label); e != nil {
				return e.owner("context")
			}
		}
		// A verifier that has not entered a sandbox yet.
		return Owner{Verifier: carried, Name: carried.Name(), Via: "context"}
	}
	return Owner{}
}

func (e *sandboxEntry) owner(via string) Owner {
	if e.open != nil {
		return Owner{Verifier: e.open, Name: e.name, Open: true, Via: via}
	}
	return Owner{Verifier: e.v, Name: e.name, Closed: true, Via: via}
}

// AnySandboxOpen reports whether any sandbox is open in the process: one
// atomic load, for hooks on every call's fast path.
func AnySandboxOpen() bool { return registry.open.Load() > 0 }

// OtherSandboxOpen reports whether a sandbox other than v's may be open: a
// resource of v's (a connection) can then be used from another test's
// sandbox, which only SandboxOwner can tell. One atomic load.
func OtherSandboxOpen(v *Verifier) bool {
	n := registry.open.Load()
	return n > 1 || (n == 1 && !v.InSandbox())
}

// OpenSandboxes returns the names of the tests whose sandboxes are open,
// sorted, for messages about calls that belong to none of them.
func OpenSandboxes() []string {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	var out []string
	for _, e := range registry.byLabel {
		if e.open != nil {
			out = append(out, e.name)
		}
	}
	sort.Strings(out)
	return out
}

// forgetSandbox drops v from its sandbox entry once v has verified, so the
// registry keeps only the test's name for calls its goroutines make later.
func forgetSandbox(v *Verifier) {
	l := v.labels.Load()
	if l == nil {
		return
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if e := entryOf(l.label); e != nil && e.open == nil {
		e.v = nil
	}
}
