//go:build bigfoot_overlay

package bfslog_test

import (
	"log/slog"
	"strconv"
	"sync"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/guard"
)

// These tests run only under the overlay (bigfoot test), where
// slog.Default is hooked.

func TestDefaultLoggerInsideSandbox(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("built with the bigfoot_overlay tag but not transparent")
	}
	bf := bigfoot.New(t)
	plugin := bf.Log().Handler() // the test uses bf.Log() before the sandbox
	real := slog.Default()
	if real.Handler() == plugin {
		t.Fatal("outside the sandbox slog.Default is the plugin's")
	}
	bf.Sandbox(func() {
		if slog.Default().Handler() != plugin {
			t.Error("inside the sandbox slog.Default is not the plugin's")
		}
		slog.Info("top-level", "n", 1)
		slog.With("svc", "x").Warn("with")
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); slog.Error("from a goroutine") }()
		wg.Wait()
		real.Info("a logger taken before the sandbox keeps writing where it did")
	})
	if slog.Default() != real {
		t.Error("after the sandbox slog.Default is not the real one again")
	}
	bf.Log().AssertInfo("top-level", "n", 1)
	bf.Log().AssertWarn("with", "svc", "x")
	bf.Log().AssertError("from a goroutine")
}

func TestDefaultLoggerUntouchedWithoutThePlugin(t *testing.T) {
	bf := bigfoot.New(t)
	real := slog.Default()
	bf.Sandbox(func() {
		if slog.Default() != real {
			t.Error("a test that did not use bf.Log() got another default logger")
		}
	})
}

func TestParallelTestsGetTheirOwnRecords(t *testing.T) {
	for i := 0; i < 8; i++ {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			bf := bigfoot.New(t)
			bf.Log()
			bf.Sandbox(func() {
				for j := 0; j < 20; j++ {
					slog.Info("test", "i", i, "j", j)
				}
			})
			for j := 0; j < 20; j++ {
				bf.Log().AssertInfo("test", "i", i, "j", j)
			}
		})
	}
}
