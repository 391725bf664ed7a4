package core_test

import (
	"context"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

// BenchmarkSandboxOwnerOutside is the routing cost of a call that belongs
// to no sandbox (the fast path of every hook outside sandboxes), after
// sandboxes have been entered in the process.
func BenchmarkSandboxOwnerOutside(b *testing.B) {
	core.New(nil).Sandbox(func() {})
	ctx := context.Background()
	for b.Loop() {
		if core.SandboxOwner(ctx).Found() {
			b.Fatal("owner found")
		}
	}
}
