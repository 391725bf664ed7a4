//go:build linux && amd64

// The native helper exists for linux/amd64 only (nativehelper_linux_amd64.go);
// elsewhere the seam uses the Go helper, which the seam's tests cover.

package bfexec

import (
	"bytes"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The native helper's own failure paths, with the test as its parent.

// nativeRun is one native helper started by a test acting as the plugin.
type nativeRun struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	h              *nativeConn
	waited         chan error
}

func needNative(t *testing.T) string {
	t.Helper()
	path, why := NativeHelperForTest()
	if path == "" {
		t.Fatalf("the native helper cannot run here: %s", why)
	}
	return path
}

// startNative starts the helper with args and receives its hello.
func startNative(t *testing.T, args ...string) *nativeRun {
	t.Helper()
	path := needNative(t)
	parent, child, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(parent) })
	r := &nativeRun{cmd: exec.Command(path), waited: make(chan error, 1)}
	r.cmd.Args = args
	r.cmd.ExtraFiles = []*os.File{child}
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	t.Cleanup(func() { r.cmd.Process.Kill(); r.wait(t, 10*time.Second) })
	go func() { r.waited <- r.cmd.Wait() }()
	if n, err := pollFds([]pollFd{{fd: int32(parent), events: pollIn}}, 5*time.Second); n == 0 || err != nil {
		t.Fatalf("no hello from the helper: %v", err)
	}
	kind, fds, err := recvHello(parent)
	if err != nil || kind != helloNative || len(fds) != 4 {
		t.Fatalf("hello %q with %d fds, %v", kind, len(fds), err)
	}
	r.h = &nativeConn{fds: fds, stop: -1}
	t.Cleanup(r.h.closeAll)
	return r
}

// wait waits for the helper's end, up to d.
func (r *nativeRun) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-r.waited:
		r.waited <- err
		return err
	case <-time.After(d):
		t.Fatalf("the helper was still running after %v", d)
		return nil
	}
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("Wait = %v, want an *exec.ExitError", err)
	}
	return ee.ExitCode()
}

func TestNativeHelperIdentifiesItself(t *testing.T) {
	r := startNative(t, "git", "log", "--format=%H %s", "")
	argv, wd, err := r.h.identify()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(argv, "|") != "git|log|--format=%H %s|" {
		t.Errorf("argv %q", argv)
	}
	own, _ := os.Getwd()
	if a, _ := filepath.EvalSymlinks(own); a != "" {
		own = a
	}
	if wd != own {
		t.Errorf("wd %q, want the test's own %q", wd, own)
	}
	r.h.closeStdio()
	r.h.answer(recordExit, 0, 0)
	if err := r.wait(t, 5*time.Second); err != nil {
		t.Errorf("Wait = %v", err)
	}
}

func TestNativeHelperExitCodesAndDuration(t *testing.T) {
	for _, code := range []int{0, 1, 2, 127, 255} {
		r := startNative(t, "x")
		r.h.write(r.h.fds[2], []byte("out"), time.Second)
		r.h.write(r.h.fds[3], []byte("err"), time.Second)
		r.h.closeStdio()
		start := time.Now()
		if err := r.h.answer(recordExit, uint32(code), 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if got := exitCode(t, r.wait(t, 5*time.Second)); got != code {
			t.Errorf("exit code %d, want %d", got, code)
		}
		if d := time.Since(start); d < 45*time.Millisecond {
			t.Errorf("exited after %v, before the scripted Duration of 50ms", d)
		}
		if r.stdout.String() != "out" || r.stderr.String() != "err" {
			t.Errorf("stdout %q, stderr %q", r.stdout.String(), r.stderr.String())
		}
	}
}

func TestNativeHelperParentGone(t *testing.T) {
	r := startNative(t, "x")
	start := time.Now()
	r.h.closeAll() // the test side ends without answering, as a dead test would
	err := r.wait(t, 5*time.Second)
	if exitCode(t, err) != 127 || !strings.Contains(r.stderr.String(), "bigfoot: the exec helper lost its test before it answered") {
		t.Errorf("Wait = %v, stderr %q", err, r.stderr.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the helper took %v to notice", d)
	}
}

func TestNativeHelperNoAnswerWithinTheBound(t *testing.T) {
	r := startNative(t, "x")
	r.h.closeStdio()
	start := time.Now()
	if err := r.h.answer(recordRearm, 0, time.Second); err != nil { // then silence, the socket open
		t.Fatal(err)
	}
	err := r.wait(t, 10*time.Second)
	if exitCode(t, err) != 127 || !strings.Contains(r.stderr.String(), "bigfoot: the exec helper got no answer from its test in time") {
		t.Errorf("Wait = %v, stderr %q", err, r.stderr.String())
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 5*time.Second {
		t.Errorf("the helper gave up after %v, want about the 1s bound", d)
	}
}

func TestNativeHelperMalformedRecord(t *testing.T) {
	r := startNative(t, "x")
	r.h.closeStdio()
	r.h.answer('?', 0, 0)
	if err := r.wait(t, 5*time.Second); exitCode(t, err) != 127 || !strings.Contains(r.stderr.String(), "lost its test") {
		t.Errorf("Wait = %v, stderr %q", err, r.stderr.String())
	}
}

func TestNativeHelperSignalAndKill(t *testing.T) {
	r := startNative(t, "x")
	r.h.closeStdio()
	r.h.answer(recordSignal, uint32(syscall.SIGPIPE), 0)
	var ee *exec.ExitError
	if err := r.wait(t, 5*time.Second); !errors.As(err, &ee) || ee.Error() != "signal: broken pipe" {
		t.Errorf("Wait = %v, want signal: broken pipe", err)
	}

	r = startNative(t, "sleep")
	r.h.closeStdio()
	r.h.answer(recordExit, 0, time.Minute)
	time.Sleep(20 * time.Millisecond)
	r.cmd.Process.Kill()
	if err := r.wait(t, 5*time.Second); !errors.As(err, &ee) || ee.Error() != "signal: killed" {
		t.Errorf("Wait = %v, want signal: killed", err)
	}
}

func TestNativeHelperWithoutItsSocket(t *testing.T) {
	path := needNative(t)
	var stderr bytes.Buffer
	cmd := exec.Command(path)
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exitCode(t, err) != 127 || !strings.Contains(stderr.String(), "bigfoot: the exec helper cannot reach its test: it must be started by a bfexec seam Cmd") {
		t.Errorf("Run = %v, stderr %q", err, stderr.String())
	}
}

func TestNativeInstall(t *testing.T) {
	base := t.TempDir()
	notDir := filepath.Join(base, "file")
	os.WriteFile(notDir, nil, 0o600)
	good := filepath.Join(base, "good")

	// The first location cannot hold it: the next one is used.
	path, why := installNative([]string{filepath.Join(notDir, "sub"), good})
	if path != filepath.Join(good, nativeName()) || why != "" {
		t.Fatalf("installNative = %q, %q", path, why)
	}
	// A file with other bytes is replaced; the same bytes are kept.
	os.WriteFile(path, []byte("#!/bin/sh\necho pwned\n"), 0o700)
	if p, why := installNative([]string{good}); p != path {
		t.Fatalf("installNative over a changed file = %q, %q", p, why)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, nativeHelper) {
		t.Fatal("the changed file was used")
	}
	// A directory others can write to is refused, and so is a file that
	// cannot be run (as on a noexec file system): no location, the Go helper.
	shared := filepath.Join(base, "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o777)
	if p, why := installNative([]string{shared}); p != "" || !strings.Contains(why, "writable by others") {
		t.Errorf("installNative into a shared directory = %q, %q", p, why)
	}
	noexec := filepath.Join(base, "noexec")
	os.Mkdir(noexec, 0o700)
	os.WriteFile(filepath.Join(noexec, nativeName()), nativeHelper, 0o600)
	if p, why := installNative([]string{noexec}); p != "" || !strings.Contains(why, "permission denied") {
		t.Errorf("installNative with a helper that cannot be run = %q, %q", p, why)
	}
}

func TestNativeHelperKeptAliveWhileServed(t *testing.T) {
	needNative(t)
	defer func(a, k time.Duration) { nativeAlarm, keepalive = a, k }(nativeAlarm, keepalive)
	nativeAlarm, keepalive = time.Second, 200*time.Millisecond
	r := startNative(t, "x")
	r.h.closeStdio()        // so that Wait sees the ends of the helper's pipes when it exits
	stop := r.h.keepAlive() // the first refresh cuts the helper's bound to 1s
	time.Sleep(2500 * time.Millisecond)
	stop()
	select {
	case err := <-r.waited:
		t.Fatalf("the helper ended while it was kept alive: %v, %q", err, r.stderr.String())
	default:
	}
	// No more refreshes: the 1s bound ends it.
	if err := r.wait(t, 5*time.Second); exitCode(t, err) != 127 || !strings.Contains(r.stderr.String(), "no answer from its test in time") {
		t.Errorf("Wait = %v, stderr %q", err, r.stderr.String())
	}
}

func TestHelperErrorMessage(t *testing.T) {
	err := error(&HelperError{Err: os.ErrNotExist})
	if !errors.Is(err, os.ErrNotExist) {
		t.Error("HelperError does not unwrap")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "bigfoot: the exec helper started, but its argv cannot be read from /proc: file does not exist") {
		t.Errorf("message %q", msg)
	}
	fix := msg[strings.Index(msg, "fix:\n")+len("fix:\n"):]
	src := "package p\nimport (\"testing\"; \"github.com/bigfoot-go/bigfoot/bfexec\")\nfunc f(t *testing.T) {\n" + fix + "\n}"
	if _, err := parser.ParseFile(token.NewFileSet(), "fix.go", src, 0); err != nil {
		t.Errorf("the fix does not parse: %v\n%s", err, fix)
	}
}
