package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOverlayIntercepts builds testdata/dialprog, a program that installs
// a dial claimant through package guard, with and without the overlay, and runs it:
// under the overlay every dial entry point must reach the hook, and
// without it guard.Transparent must report that transparent mode is off.
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
	testOverlayProgram(t, "dialprog", "available=false installed=false", []string{
		"available=true installed=true",
		"net.Dial: ok",
		"net.DialTimeout: ok",
		"Dialer.DialContext: ok",
		"Dialer.Dial: ok",
		"http.Get: ok",
		"unhandled dial: ok",
	}, buildFlags...)
}

// TestOverlayInterceptsRoundTrip builds testdata/rtprog, a program that
// links to net/http.bigfootSetRoundTripHook itself, with and without the
// overlay, and runs it: under the overlay http.Get, a request through a
// Transport of its own and Transport.RoundTrip must return the hook's
// response or error without dialing, and a request the hook declines must
// go on to the network.
func TestOverlayInterceptsRoundTrip(t *testing.T) {
	testOverlayInterceptsRoundTrip(t)
}

// TestOverlayInterceptsRoundTripRace does the same with the race detector.
func TestOverlayInterceptsRoundTripRace(t *testing.T) {
	testOverlayInterceptsRoundTrip(t, "-race")
}

func testOverlayInterceptsRoundTrip(t *testing.T, buildFlags ...string) {
	testOverlayProgram(t, "rtprog", "installed=false", []string{
		"installed=true",
		"http.Get: ok",
		"custom Transport: ok",
		"Transport.RoundTrip: ok",
		"hook error: ok",
		"declined request: ok",
	}, buildFlags...)
}

// testOverlayProgram builds the program testdata/name in a scratch module
// with and without the overlay and runs each: the plain one with
// -want-available=false must print wantPlain, the one built under the
// overlay must print every line of want and end with PASS.
func testOverlayProgram(t *testing.T, name, wantPlain string, want []string, buildFlags ...string) {
	bin := bigfootBinary(t)
	mod := scratchModule(t, name)
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
	if msg, code := runIn(t, mod, env, plain, "-want-available=false"); code != 0 || !strings.Contains(msg, wantPlain) {
		t.Fatalf("program built without the overlay: exit code %d\n%s", code, msg)
	}

	hooked := filepath.Join(out, "hooked")
	start := time.Now()
	if msg, code := runIn(t, mod, env, "go", append(append([]string{"build", "-overlay=" + overlay, "-tags=bigfoot_overlay"}, buildFlags...), "-o", hooked, ".")...); code != 0 {
		t.Fatalf("go build -overlay: %s", msg)
	}
	t.Logf("build under the overlay took %.1fs (includes rebuilding the patched packages and their dependants unless cached)", time.Since(start).Seconds())
	msg, code := runIn(t, mod, env, hooked)
	if code != 0 || !strings.HasSuffix(msg, "PASS\n") {
		t.Fatalf("program built with the overlay: exit code %d\n%s", code, msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("output lacks %q:\n%s", w, msg)
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

// TestRoundTripTagWithoutOverlayFailsToLink is the same check for
// testdata/rtprog's link to net/http.bigfootSetRoundTripHook.
func TestRoundTripTagWithoutOverlayFailsToLink(t *testing.T) {
	mod := scratchModule(t, "rtprog")
	out, code := runIn(t, mod, scratchEnv(t), "go", "build", "-tags=bigfoot_overlay", "-o", filepath.Join(t.TempDir(), "prog"), ".")
	if code == 0 || !strings.Contains(out, "net/http.bigfootSetRoundTripHook") {
		t.Errorf("go build -tags=bigfoot_overlay without the overlay: exit code %d, want a link error naming net/http.bigfootSetRoundTripHook; output:\n%s", code, out)
	}
}
