package core

import (
	"context"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The runtime publishes this for profilers; it returns the calling goroutine's
// profiler label set, which every goroutine it starts inherits. bigfoot uses
// the pointer as goroutine-tree identity: Go has no goroutine-local storage.
//
//go:linkname runtime_getProfLabel runtime/pprof.runtime_getProfLabel
func runtime_getProfLabel() unsafe.Pointer

const sandboxLabel = "bigfoot.sandbox"

// registry maps open sandboxes to their verifiers, for routing calls that did
// not come through a verifier's own seam (transparent interception).
var registry struct {
	mu      sync.RWMutex
	byLabel map[unsafe.Pointer]*Verifier
	byID    map[string]*Verifier
	open    atomic.Int32
	nextID  atomic.Uint64
}

func runSandbox(v *Verifier, fn func()) {
	id := strconv.FormatUint(registry.nextID.Add(1), 10)
	pprof.Do(context.Background(), pprof.Labels(sandboxLabel, id), func(context.Context) {
		label := runtime_getProfLabel()
		registry.mu.Lock()
		if registry.byLabel == nil {
			registry.byLabel = map[unsafe.Pointer]*Verifier{}
			registry.byID = map[string]*Verifier{}
		}
		registry.byLabel[label] = v
		registry.byID[id] = v
		registry.mu.Unlock()
		registry.open.Add(1)
		defer func() {
			registry.open.Add(-1)
			registry.mu.Lock()
			delete(registry.byLabel, label)
			delete(registry.byID, id)
			registry.mu.Unlock()
		}()
		fn()
	})
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
