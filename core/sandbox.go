package core

import (
	"context"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
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

// registry maps open sandboxes to their verifiers, for routing calls that did
// not come through a verifier's own seam (transparent interception).
var registry struct {
	mu      sync.RWMutex
	byLabel map[unsafe.Pointer]*Verifier
	byID    map[string]*Verifier
	open    atomic.Int32 // verifiers with a sandbox open
	nextID  atomic.Uint64
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
		v.labels = &sandboxLabels{ctx: ctx, id: id, label: runtime_getProfLabel()}
	})
	pprof.SetGoroutineLabels(v.labels.ctx)
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
		registry.byLabel = map[unsafe.Pointer]*Verifier{}
		registry.byID = map[string]*Verifier{}
	}
	registry.byLabel[v.labels.label] = v
	registry.byID[v.labels.id] = v
	registry.open.Add(1)
}

// leaveSandbox undoes enterSandbox, unregistering v when its last sandbox closes.
func leaveSandbox(v *Verifier) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if v.sandboxes.Add(-1) > 0 {
		return
	}
	delete(registry.byLabel, v.labels.label)
	delete(registry.byID, v.labels.id)
	registry.open.Add(-1)
}

type sandboxKey struct{}

// WithSandbox returns a context that carries v, so that a call made with it
// is routed to v's sandbox even from a goroutine that did not descend from
// the one that entered it.
func WithSandbox(parent context.Context, v *Verifier) context.Context {
	return context.WithValue(parent, sandboxKey{}, v)
}

// ActiveSandbox finds the verifier whose sandbox should answer a call made by
// the calling goroutine: the sandbox that goroutine (or any goroutine that
// started it, through any number of generations) entered; else the one
// carried by ctx (WithSandbox, or a context made inside pprof.Do by the
// sandbox); else the only open sandbox in the process, if exactly one is
// open. It returns nil when none applies. With no sandbox open it costs one
// atomic load.
func ActiveSandbox(ctx context.Context) *Verifier {
	if registry.open.Load() == 0 {
		return nil // inlined: the cost of every dial outside a sandbox in transparent mode
	}
	return activeSandbox(ctx)
}

func activeSandbox(ctx context.Context) *Verifier {
	label := runtime_getProfLabel()
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	if label != nil {
		if v := registry.byLabel[label]; v != nil {
			return v
		}
	}
	if ctx != nil {
		if v, _ := ctx.Value(sandboxKey{}).(*Verifier); v != nil && v.InSandbox() {
			return v
		}
		if id, ok := pprof.Label(ctx, sandboxLabel); ok {
			if v := registry.byID[id]; v != nil {
				return v
			}
		}
	}
	if len(registry.byID) == 1 {
		for _, v := range registry.byID {
			return v
		}
	}
	return nil
}
