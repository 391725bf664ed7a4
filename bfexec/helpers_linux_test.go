package bfexec_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/guard"
)

// eachHelper runs f with each helper a seam Cmd can start under plain go
// test: the native one (where there is one) and the test binary. Under
// bigfoot test no helper starts: f runs once.
func eachHelper(t *testing.T, f func(t *testing.T)) {
	if guard.Transparent() {
		f(t)
		return
	}
	t.Run("native", func(t *testing.T) {
		path, why := bfexec.NativeHelperForTest()
		if path == "" {
			t.Skip("the native helper is not used here: " + why)
		}
		f(t)
	})
	t.Run("go", func(t *testing.T) {
		bfexec.UseGoHelperForTest(t)
		f(t)
	})
}

func TestNativeHelperIsUsedOnLinuxAmd64(t *testing.T) {
	if guard.Transparent() {
		t.Skip("under bigfoot test the seam starts no process; the plain go test run checks this")
	}
	path, why := bfexec.NativeHelperForTest()
	bf := bigfoot.New(t)
	cmd := bf.Exec().Command("git", "status")
	if path == "" {
		if isAmd64 {
			t.Fatalf("the native helper is not used on linux/amd64: %s", why)
		}
		return
	}
	if cmd.Path != path || cmd.Env != nil {
		t.Errorf("cmd.Path %q, cmd.Env %d entries; want the native helper %q and no Env", cmd.Path, len(cmd.Env), path)
	}
}

func TestNativeEnvSelectsTheGoHelper(t *testing.T) {
	if guard.Transparent() {
		t.Skip("under bigfoot test the seam starts no process; the plain go test run checks this")
	}
	t.Setenv(bfexec.NativeEnv, "0")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"id"}, bfexec.Result{Stdout: []byte("uid=0")})
	var out []byte
	bf.Sandbox(func() {
		cmd := bf.Exec().Command("id")
		if cmd.Path != exe {
			t.Errorf("cmd.Path %q with %s=0, want the test binary %q", cmd.Path, bfexec.NativeEnv, exe)
		}
		out, err = cmd.Output()
	})
	if string(out) != "uid=0" || err != nil {
		t.Errorf("Output = %q, %v", out, err)
	}
	bf.Exec().AssertRun([]string{"id"}, "", nil)
}

func TestBigOutputsAndStdin(t *testing.T) {
	eachHelper(t, func(t *testing.T) {
		out := bytes.Repeat([]byte("stdout line\n"), 30<<10) // 360 KiB
		errOut := bytes.Repeat([]byte("stderr line\n"), 20<<10)
		in := bytes.Repeat([]byte("stdin  line\n"), 90<<10) // 1 MiB
		bf := bigfoot.New(t)
		bf.Exec().Expect([]string{"filter"}, bfexec.Result{Stdout: out, Stderr: errOut, ExitCode: 1})
		var stdout, stderr bytes.Buffer
		var err error
		bf.Sandbox(func() {
			cmd := bf.Exec().Command("filter")
			cmd.Stdin = bytes.NewReader(in)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
		})
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("Run = %v, want exit status 1", err)
		}
		if !bytes.Equal(stdout.Bytes(), out) || !bytes.Equal(stderr.Bytes(), errOut) {
			t.Errorf("stdout %d bytes, stderr %d bytes; want %d and %d", stdout.Len(), stderr.Len(), len(out), len(errOut))
		}
		bf.Exec().AssertRun([]string{"filter"}, "", in)
	})
}

func TestExitCodes(t *testing.T) {
	eachHelper(t, func(t *testing.T) {
		bf := bigfoot.New(t)
		codes := []int{0, 1, 255}
		for _, c := range codes {
			bf.Exec().Expect([]string{"exit", string(rune('0' + c%10))}, bfexec.Result{ExitCode: c})
		}
		bf.Sandbox(func() {
			for _, c := range codes {
				err := bf.Exec().Command("exit", string(rune('0'+c%10))).Run()
				got := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					t.Errorf("Run = %v", err)
				}
				if got != c {
					t.Errorf("exit code %d, want %d", got, c)
				}
			}
		})
		for _, c := range codes {
			bf.Exec().AssertRun([]string{"exit", string(rune('0' + c%10))}, "", nil)
		}
	})
}

func TestContextKillsTheProcess(t *testing.T) {
	eachHelper(t, func(t *testing.T) {
		bf := bigfoot.New(t)
		bf.Exec().Expect([]string{"serve"}, bfexec.Result{Stdout: []byte("ready\n"), Duration: time.Hour})
		var err error
		var pid int
		start := time.Now()
		bf.Sandbox(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			cmd := bf.Exec().CommandContext(ctx, "serve")
			pipe, _ := cmd.StdoutPipe()
			if err = cmd.Start(); err != nil {
				return
			}
			pid = cmd.Process.Pid
			bufio.NewReader(pipe).ReadString('\n')
			cancel()
			err = cmd.Wait()
		})
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Error() != "signal: killed" {
			t.Errorf("Wait = %v, want signal: killed", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the kill took %v", d)
		}
		if !guard.Transparent() {
			// The process was real, and is gone (reaped by Wait).
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("kill(%d, 0) = %v after Wait, want ESRCH", pid, err)
			}
		}
		bf.Exec().AssertRun([]string{"serve"}, "", nil)
	})
}

func TestReaderGoneIsABrokenPipe(t *testing.T) {
	if guard.Transparent() {
		t.Skip("under bigfoot test the scripted process runs in the test process and stops writing; no signal is involved")
	}
	eachHelper(t, func(t *testing.T) {
		bf := bigfoot.New(t)
		bf.Exec().Expect([]string{"git", "log"}, bfexec.Result{Stdout: bytes.Repeat([]byte("commit\n"), 1<<20)})
		var err error
		bf.Sandbox(func() {
			cmd := bf.Exec().Command("git", "log")
			pipe, _ := cmd.StdoutPipe()
			if err = cmd.Start(); err != nil {
				return
			}
			io.ReadFull(pipe, make([]byte, 7))
			pipe.Close() // as `git log | head -1` does
			err = cmd.Wait()
		})
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Error() != "signal: broken pipe" {
			t.Errorf("Wait = %v, want signal: broken pipe", err)
		}
		bf.Exec().AssertRun([]string{"git", "log"}, "", nil)
	})
}

func TestEveryPathUnderBothHelpers(t *testing.T) {
	// The seam's main paths again, with each helper.
	eachHelper(t, func(t *testing.T) {
		bf := bigfoot.New(t)
		bf.Exec().
			Expect([]string{"git", "rev-parse", "HEAD"}, bfexec.Result{Stdout: []byte("abc\n")}).
			Expect([]string{"make"}, bfexec.Result{Stdout: []byte("o"), Stderr: []byte("e"), ExitCode: 2})
		var out, combined []byte
		var err1, err2 error
		bf.Sandbox(func() {
			out, err1 = bf.Exec().Command("git", "rev-parse", "HEAD").Output()
			combined, err2 = bf.Exec().Command("make").CombinedOutput()
		})
		if string(out) != "abc\n" || err1 != nil {
			t.Errorf("Output = %q, %v", out, err1)
		}
		var ee *exec.ExitError
		if string(combined) != "oe" || !errors.As(err2, &ee) || ee.ExitCode() != 2 {
			t.Errorf("CombinedOutput = %q, %v", combined, err2)
		}
		bf.Exec().AssertRun([]string{"git", "rev-parse", "HEAD"}, "", nil)
		bf.Exec().AssertRun([]string{"make"}, "", nil)
	})
}

func TestFailuresUnderBothHelpers(t *testing.T) {
	if guard.Transparent() {
		t.Skip("under bigfoot test these starts fail in the test process; TestUnscriptedCommandFailsAndNeverRuns checks it")
	}
	eachHelper(t, func(t *testing.T) {
		// Unscripted: the helper writes the failure and exits 127.
		ft := bftest.New(t)
		var out []byte
		var err error
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.Sandbox(func() { out, err = bf.Exec().Command("rm", "-rf", "/").CombinedOutput() })
		})
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 127 || !strings.Contains(string(out), `unmocked exec call "run": rm -rf /`) {
			t.Errorf("err %v, output %q; want exit 127 with the failure", err, out)
		}
		if !strings.Contains(ft.All(), `bf.Exec().Expect([]string{"rm", "-rf", "/"}, bfexec.Result{Stdout: []byte("output\n")})`) {
			t.Errorf("failure lacks the Expect to paste:\n%s", ft.All())
		}

		// A standard input never closed: the bound, then the run goes on.
		ft = bftest.New(t)
		ft.Run(func() {
			bf := bigfoot.New(ft)
			bf.Exec().StdinTimeout = 100 * time.Millisecond
			bf.Exec().Expect([]string{"cat"}, bfexec.Result{Stdout: []byte("x")})
			bf.Sandbox(func() {
				cmd := bf.Exec().Command("cat")
				w, _ := cmd.StdinPipe()
				var stdout bytes.Buffer
				cmd.Stdout = &stdout
				cmd.Start()
				w.Write([]byte("half"))
				err = cmd.Wait()
				if stdout.String() != "x" {
					t.Errorf("stdout %q", stdout.String())
				}
			})
			bf.Exec().AssertRun([]string{"cat"}, "", []byte("half"))
		})
		if err != nil || !strings.Contains(ft.All(), "the scripted command cat waited 100ms for its standard input to end") || len(ft.Fatals()) != 0 {
			t.Errorf("Wait = %v; failures:\n%s", err, ft.All())
		}
	})
}

var isAmd64 = runtime.GOARCH == "amd64"
