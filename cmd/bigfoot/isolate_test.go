package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestTakeIsolateFlag(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		rest    []string
		isolate bool
		err     string
	}{
		{[]string{"-run", "X", "./..."}, []string{"-run", "X", "./..."}, false, ""},
		{[]string{"-isolate", "./..."}, []string{"./..."}, true, ""},
		{[]string{"--isolate", "-v"}, []string{"-v"}, true, ""},
		{[]string{"-isolate=true", "."}, []string{"."}, true, ""},
		{[]string{"-isolate", "-isolate=false", "."}, []string{"."}, false, ""},
		{[]string{".", "-args", "-isolate"}, []string{".", "-args", "-isolate"}, false, ""}, // the test binary's
		{[]string{"-isolated"}, []string{"-isolated"}, false, ""},
		{[]string{"-isolate=maybe"}, nil, false, `invalid value "maybe" for flag -isolate`},
	} {
		rest, isolate, err := takeIsolateFlag(tt.args)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("takeIsolateFlag(%q) error %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || isolate != tt.isolate || !slices.Equal(rest, tt.rest) {
			t.Errorf("takeIsolateFlag(%q) = %q, %v, %v; want %q, %v", tt.args, rest, isolate, err, tt.rest, tt.isolate)
		}
	}
}

// TestIsolateFlag: -isolate becomes an -exec of this program's isolate
// command, after a leading -C; a user's own -exec is refused with how to
// combine the two.
func TestIsolateFlag(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got, err := isolateFlag([]string{"-C", "dir", "-isolate", "-count=1", "./..."}, 2, "")
	want := []string{"-C", "dir", isolateExecFlag(self), "-count=1", "./..."}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("isolateFlag = %q, %v; want %q", got, err, want)
	}
	got, err = isolateFlag([]string{"-v", "."}, 0, "-exec=mine")
	if err != nil || !slices.Equal(got, []string{"-v", "."}) {
		t.Errorf("without -isolate: %q, %v (GOFLAGS's -exec is the user's business)", got, err)
	}
	for _, tt := range []struct {
		args    []string
		goflags string
		where   string
	}{
		{[]string{"-isolate", "-exec", "wrap", "."}, "", "the command line has -exec"},
		{[]string{"-isolate", "-exec=wrap", "."}, "", "the command line has -exec"},
		{[]string{"-isolate", "."}, "-mod=mod -exec=wrap", "GOFLAGS has -exec"},
	} {
		_, err := isolateFlag(tt.args, 0, tt.goflags)
		if err == nil || !strings.Contains(err.Error(), tt.where) || !strings.Contains(err.Error(), "-exec='"+self+" isolate YOURWRAPPER'") {
			t.Errorf("isolateFlag(%q, GOFLAGS=%q) = %v", tt.args, tt.goflags, err)
		}
	}
}

func TestQuoteExecField(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/bigfoot":  "/usr/bin/bigfoot",
		"/home/a b/bigfoot": "'/home/a b/bigfoot'",
		"/x/it's/bigfoot":   `"/x/it's/bigfoot"`,
	} {
		if got := quoteExecField(in); got != want {
			t.Errorf("quoteExecField(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIsolateCannotMakeNamespace: where no namespace can be made the
// isolate command fails, saying what -isolate needs, and does not run the
// program.
func TestIsolateCannotMakeNamespace(t *testing.T) {
	saved := namespaceMaker
	t.Cleanup(func() { namespaceMaker = saved })
	namespaceMaker = func(cmd *exec.Cmd) error {
		return &os.SyscallError{Syscall: "clone", Err: syscall.EPERM}
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{isolateCmd, "/bin/echo", "ran"}, nil, &stdout, &stderr)
	if code != 1 || stdout.Len() != 0 {
		t.Errorf("exit code %d, stdout %q; want 1 and the program not run", code, stdout.String())
	}
	for _, want := range []string{
		"bigfoot test -isolate: cannot make a network namespace to run /bin/echo in: clone: operation not permitted",
		"root (or CAP_SYS_ADMIN), or unprivileged user namespaces",
		"It never runs the tests without one",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("message lacks %q:\n%s", want, stderr.String())
		}
	}
	if code := run([]string{isolateCmd}, nil, &stdout, &stderr); code != 2 {
		t.Errorf("isolate without a program: exit code %d, want 2", code)
	}
}

// requireLinux fails (never skips) where -isolate cannot work at all.
func requireLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Fatalf("-isolate needs Linux network namespaces; this is %s", runtime.GOOS)
	}
}

// TestIsolateRunsProgram runs programs through the built isolate command:
// in a namespace with loopback alone, told so, with their exit code and
// the signals sent to the command passed on.
func TestIsolateRunsProgram(t *testing.T) {
	requireLinux(t)
	bin := bigfootBinary(t)
	out, code := runIn(t, t.TempDir(), os.Environ(), bin, isolateCmd, "/bin/sh", "-c", `cat /proc/net/dev; echo "isolated=$BIGFOOT_ISOLATED"; exit 7`)
	if code != 7 || !strings.Contains(out, "isolated=1") {
		t.Fatalf("exit code %d, want 7; output:\n%s", code, out)
	}
	if ifaces := interfacesOf(out); !slices.Equal(ifaces, []string{"lo"}) {
		t.Errorf("the program saw the interfaces %q, want lo alone", ifaces)
	}

	cmd := exec.Command(bin, isolateCmd, "/bin/sh", "-c", `trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done`)
	var buf syncBuffer
	cmd.Stdout = &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "ready") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 42 {
			t.Errorf("after SIGTERM: %v, want exit code 42 from the program's trap", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGTERM was not passed on to the program")
	}
}

// TestIsolateNeverFallsBack runs the isolate command as an unprivileged
// user: either it makes a user namespace and the program runs isolated,
// or it fails with the message; the program never runs outside a
// namespace.
func TestIsolateNeverFallsBack(t *testing.T) {
	requireLinux(t)
	if os.Geteuid() != 0 {
		t.Fatal("this test runs the command as another user, which needs root")
	}
	dir, err := os.MkdirTemp("", "bigfoot-isolate-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	data, err := os.ReadFile(bigfootBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bigfoot")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, isolateCmd, "/bin/sh", "-c", "echo ran; cat /proc/net/dev")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	b, err := cmd.CombinedOutput()
	out := string(b)
	t.Logf("as uid 65534: %v\n%s", err, out)
	switch {
	case strings.Contains(out, "ran"):
		if ifaces := interfacesOf(out); !slices.Equal(ifaces, []string{"lo"}) || err != nil {
			t.Errorf("the program ran with the interfaces %q (%v), want lo alone", ifaces, err)
		}
	case err == nil || !strings.Contains(out, "cannot make a network namespace") || !strings.Contains(out, isolateNeeds):
		t.Errorf("the command neither ran the program isolated nor failed with the message: %v\n%s", err, out)
	}
}

// interfacesOf lists the interface names in a copy of /proc/net/dev.
func interfacesOf(procNetDev string) []string {
	var names []string
	for _, line := range strings.Split(procNetDev, "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, "|") {
			names = append(names, strings.TrimSpace(name))
		}
	}
	return names
}

// TestIsolate runs the tests of testdata/isolateprog under bigfoot test
// -isolate: a raw-syscall dial and a child process's dial (with the
// firewall off in the child) find no route out, while loopback works and
// the firewall still refuses in the test binary; without -isolate the
// namespace test fails, so it can.
func TestIsolate(t *testing.T) {
	requireLinux(t)
	bin := bigfootBinary(t)
	mod := scratchModule(t, "isolateprog")
	env := scratchEnv(t)

	out, code := runIn(t, mod, env, bin, "test", "-isolate", "-count=1", "-v", ".")
	if code != 0 {
		t.Fatalf("bigfoot test -isolate: exit code %d\n%s", code, out)
	}
	for _, test := range []string{"TestInNamespace", "TestLoopbackWorks", "TestRawSyscallDial", "TestFirewallRefusesInProcess", "TestChildProcessDial"} {
		if !strings.Contains(out, "--- PASS: "+test) {
			t.Errorf("%s did not pass:\n%s", test, out)
		}
	}

	out, code = runIn(t, mod, env, bin, "test", "-count=1", "-run", "^TestInNamespace$", ".")
	if code == 0 || !strings.Contains(out, "want loopback alone") {
		t.Errorf("without -isolate TestInNamespace: exit code %d, want a failure\n%s", code, out)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader on
// different goroutines.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
