package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOverlayIntercepts builds testdata/dialprog, a program that installs
// a hook through netdialhook, with and without the overlay, and runs it:
// under the overlay every dial entry point must reach the hook, and
// without it netdialhook must report that transparent mode is off.
func TestOverlayIntercepts(t *testing.T) {
	testOverlayIntercepts(t)
}

// TestOverlayInterceptsRace does the same with the race detector, which
// compiles its own copy of the standard library (about 25s more on an
// empty build cache; see BENCH-overlay.md).
func TestOverlayInterceptsRace(t *testing.T) {
	testOverlayIntercepts(t, "-race")
}

func testOverlayIntercepts(t *testing.T, buildFlags ...string) {
	bin := bigfootBinary(t)
	mod := scratchModule(t, "dialprog")
	env := scratchEnv(t)
	out := t.TempDir()

	overlay, code := runInStdout(t, mod, env, bin, "overlay")
	overlay = strings.TrimSpace(overlay)
	if code != 0 || !filepath.IsAbs(overlay) {
		t.Fatalf("bigfoot overlay: exit code %d, output %q", code, overlay)
	}

	plain := filepath.Join(out, "plain")
	if msg, code := runIn(t, mod, env, "go", append(append([]string{"build"}, buildFlags...), "-o", plain, ".")...); code != 0 {
		t.Fatalf("go build: %s", msg)
	}
	if msg, code := runIn(t, mod, env, plain, "-want-available=false"); code != 0 || !strings.Contains(msg, "available=false installed=false") {
		t.Fatalf("program built without the overlay: exit code %d\n%s", code, msg)
	}

	hooked := filepath.Join(out, "hooked")
	start := time.Now()
	if msg, code := runIn(t, mod, env, "go", append(append([]string{"build", "-overlay=" + overlay, "-tags=bigfoot_overlay"}, buildFlags...), "-o", hooked, ".")...); code != 0 {
		t.Fatalf("go build -overlay: %s", msg)
	}
	t.Logf("build under the overlay took %.1fs (includes rebuilding net and its dependants unless cached)", time.Since(start).Seconds())
	msg, code := runIn(t, mod, env, hooked)
	if code != 0 || !strings.HasSuffix(msg, "PASS\n") {
		t.Fatalf("program built with the overlay: exit code %d\n%s", code, msg)
	}
	for _, want := range []string{
		"available=true installed=true",
		"net.Dial: ok",
		"net.DialTimeout: ok",
		"Dialer.DialContext: ok",
		"Dialer.Dial: ok",
		"http.Get: ok",
		"unhandled dial: ok",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("output lacks %q:\n%s", want, msg)
		}
	}
}

// TestTagWithoutOverlayFailsToLink builds testdata/dialprog with the build
// tag but not the overlay: bigfoot's side of the link must fail loudly,
// naming the missing function, rather than build a hook that net never
// calls (which would let dials through while reporting transparent mode).
func TestTagWithoutOverlayFailsToLink(t *testing.T) {
	mod := scratchModule(t, "dialprog")
	out, code := runIn(t, mod, scratchEnv(t), "go", "build", "-tags=bigfoot_overlay", "-o", filepath.Join(t.TempDir(), "prog"), ".")
	if code == 0 || !strings.Contains(out, "net.bigfootSetDialHook") {
		t.Errorf("go build -tags=bigfoot_overlay without the overlay: exit code %d, want a link error naming net.bigfootSetDialHook; output:\n%s", code, out)
	}
}
