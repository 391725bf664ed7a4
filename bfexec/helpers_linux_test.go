package bfexec_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
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
			if isAmd64 {
				t.Fatalf("the native helper is not used on linux/amd64: %s", why)
			}
			t.Skip("linux/" + runtime.GOARCH + " has no native helper (only linux/amd64 does); the go subtest runs the seam: " + why)
		}
		f(t)
	})
	t.Run("go", func(t *testing.T) {
		bfexec.UseGoHelperForTest(t)
		f(t)
	})
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

var isAmd64 = runtime.GOARCH == "amd64"
