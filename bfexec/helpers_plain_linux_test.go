//go:build linux && !bigfoot_overlay

package bfexec_test

// Tests of the seam under plain go test only, where its Cmds start a real
// helper process (under bigfoot test they start none, and the plain run
// is what covers these paths).

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/bigfoot-go/bigfoot/bftest"
)

func TestNativeHelperIsUsedOnLinuxAmd64(t *testing.T) {
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

func TestReaderGoneIsABrokenPipe(t *testing.T) {
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

func TestFailuresUnderBothHelpers(t *testing.T) {
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
