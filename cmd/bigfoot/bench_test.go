package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkOverlayBuild times 'go build' of testdata/rtprog (a tiny
// program that imports net/http, so that every package of the table and
// their dependants are rebuilt under the overlay, and that links to the
// round-trip hook by itself) in these states of the go build cache, each
// without and with -race:
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
	mod := scratchModule(b, "rtprog")
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

// BenchmarkOverlayFiles times the overlay for the whole table of patches
// without the 'go env' that bigfoot runs first:
//
//	first     parse and patch every file of the table and write the
//	          overlay into an empty cache directory
//	cached    what every later 'bigfoot test' does: regenerate the files
//	          in memory and check them against the cached ones, byte for
//	          byte, writing nothing
//	tampered  the same with one cached file edited each time, which is
//	          rewritten
//	generate  the in-memory part alone (parse, patch, check the result
//	          parses)
//
//	go test ./cmd/bigfoot -run '^$' -bench OverlayFiles
func BenchmarkOverlayFiles(b *testing.B) {
	in := testInputs(b)
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
	b.Run("tampered", func(b *testing.B) {
		dir := b.TempDir()
		path, err := buildOverlay(dir, in)
		if err != nil {
			b.Fatal(err)
		}
		victim := filepath.Join(filepath.Dir(path), "net_http_transport.go")
		for b.Loop() {
			b.StopTimer()
			if err := os.WriteFile(victim, []byte("package http\n"), 0o644); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := buildOverlay(dir, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("generate", func(b *testing.B) {
		for b.Loop() {
			if _, err := generateOverlay("/overlay", in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOverlayCommand times the whole 'bigfoot overlay' command, the
// go env it runs included, with the overlay already cached (the target is
// under 0.5 s) and into an empty cache directory each time.
//
//	go test ./cmd/bigfoot -run '^$' -bench OverlayCommand -benchtime 20x
func BenchmarkOverlayCommand(b *testing.B) {
	bin := bigfootBinary(b)
	dir := b.TempDir()
	run := func(b *testing.B, cache string) {
		if out, code := runInStdout(b, dir, scratchEnv(b, "BIGFOOT_CACHE_DIR="+cache), bin, "overlay"); code != 0 {
			b.Fatalf("bigfoot overlay: exit code %d\n%s", code, out)
		}
	}
	b.Run("cached", func(b *testing.B) {
		cache := b.TempDir()
		run(b, cache)
		for b.Loop() {
			run(b, cache)
		}
	})
	b.Run("first", func(b *testing.B) {
		root := b.TempDir()
		for i := 0; b.Loop(); i++ {
			run(b, filepath.Join(root, fmt.Sprint(i)))
		}
	})
}
