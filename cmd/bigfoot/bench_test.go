package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkOverlayBuild times 'go build' of testdata/dialprog (a tiny
// program that imports net/http and netdialhook) in these states of the
// go build cache, each without and with -race:
//
//	cold-plain   empty GOCACHE, no overlay: the baseline
//	cold         empty GOCACHE, with the overlay
//	first        GOCACHE already holds the plain standard library; the
//	             first build with the overlay, which is what a user pays
//	             once per Go version
//	cached       the same build again, everything cached
//
// Each op is one build, so run it once:
//
//	go test ./cmd/bigfoot -run '^$' -bench OverlayBuild -benchtime 1x -timeout 60m
//
// BENCH-overlay.md at the repository root records the figures.
func BenchmarkOverlayBuild(b *testing.B) {
	bin := bigfootBinary(b)
	mod := scratchModule(b, "dialprog")
	overlay, code := runInStdout(b, mod, scratchEnv(b), bin, "overlay")
	if code != 0 {
		b.Fatalf("bigfoot overlay: %s", overlay)
	}
	overlay = strings.TrimSpace(overlay)

	for _, race := range []bool{false, true} {
		name := func(s string) string {
			if race {
				return "race/" + s
			}
			return s
		}
		// build runs one go build with the given cache and, optionally,
		// the overlay.
		build := func(b *testing.B, gocache string, withOverlay bool) {
			args := []string{"build", "-o", filepath.Join(b.TempDir(), "prog")}
			if race {
				args = append(args, "-race")
			}
			if withOverlay {
				args = append(args, "-overlay="+overlay, "-tags=bigfoot_overlay")
			}
			args = append(args, ".")
			if out, code := runIn(b, mod, scratchEnv(b, "GOCACHE="+gocache), "go", args...); code != 0 {
				b.Fatalf("go %s: %s", strings.Join(args, " "), out)
			}
		}

		b.Run(name("cold-plain"), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				cache := filepath.Join(b.TempDir(), fmt.Sprint(i))
				b.StartTimer()
				build(b, cache, false)
			}
		})
		b.Run(name("cold"), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				cache := filepath.Join(b.TempDir(), fmt.Sprint(i))
				b.StartTimer()
				build(b, cache, true)
			}
		})
		b.Run(name("first"), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				cache := filepath.Join(b.TempDir(), fmt.Sprint(i))
				build(b, cache, false)
				b.StartTimer()
				build(b, cache, true)
			}
		})
		b.Run(name("cached"), func(b *testing.B) {
			cache := b.TempDir()
			build(b, cache, true)
			for b.Loop() {
				build(b, cache, true)
			}
		})
	}
}

// BenchmarkOverlayFiles times writing the overlay (parsing and patching
// net's dial.go, writing three files) into an empty cache directory, and
// finding it complete in the cache, which is what every later 'bigfoot
// test' does. Neither includes the 'go env' that bigfoot runs first.
//
//	go test ./cmd/bigfoot -run '^$' -bench OverlayFiles
func BenchmarkOverlayFiles(b *testing.B) {
	env, err := goEnv("")
	if err != nil {
		b.Fatal(err)
	}
	dial, err := readDialGo(env.GOROOT)
	if err != nil {
		b.Fatal(err)
	}
	in := overlayInputs{GoRoot: env.GOROOT, GoVersion: env.GOVERSION, DialSrc: dial}
	b.Run("first", func(b *testing.B) {
		dir := b.TempDir()
		for i := 0; b.Loop(); i++ {
			if _, err := buildOverlay(filepath.Join(dir, fmt.Sprint(i)), in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		if _, err := buildOverlay(dir, in); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := buildOverlay(dir, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
