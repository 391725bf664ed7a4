//go:build bigfoot_overlay

package bfexec_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/guard"
)

// These tests run only under the overlay (bigfoot test), where
// os.StartProcess is hooked: code calling os/exec directly is answered.

// currentBranch is code with no seam: it calls os/exec itself.
func currentBranch() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--abbrev-ref", "HEAD").Output()
	return strings.TrimSpace(string(out)), err
}

func TestAnyCmdInsideTheSandbox(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, bfexec.Result{Stdout: []byte("main\n")})
	var branch string
	var err error
	bf.Sandbox(func() { branch, err = currentBranch() })
	if branch != "main" || err != nil {
		t.Fatalf("currentBranch = %q, %v", branch, err)
	}
	bf.Exec().AssertRun([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, "", nil)
}

func TestNoRealProcessAndNotInstalled(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"no-such-tool-anywhere", "--version"}, bfexec.Result{Stdout: []byte("1.0")})
	var pid int
	var path string
	bf.Sandbox(func() {
		cmd := exec.Command("no-such-tool-anywhere", "--version")
		path = cmd.Path
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		pid = cmd.Process.Pid
		if err := cmd.Wait(); err != nil {
			t.Error(err)
		}
		if cmd.ProcessState.Pid() != pid || !cmd.ProcessState.Success() {
			t.Errorf("ProcessState %v", cmd.ProcessState)
		}
	})
	if pid < 1<<30 {
		t.Errorf("pid %d: a real process was started", pid)
	}
	if path != filepath.Join(bfexec.ScriptedDir, "no-such-tool-anywhere") {
		t.Errorf("cmd.Path = %q", path)
	}
	bf.Exec().AssertRun([]string{"no-such-tool-anywhere", "--version"}, "", nil)
}

func TestUnscriptedWithoutThePluginNeverRuns(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Sandbox(func() { err = exec.Command("touch", marker).Run() })
	})
	if _, statErr := os.Stat(marker); statErr == nil {
		t.Fatal("the unscripted command ran")
	}
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) {
		t.Errorf("Run = %v, want *bigfoot.UnmockedInteractionError", err)
	}
	for _, w := range []string{
		`unmocked exec call "run": touch ` + marker,
		`bf.Exec().Expect([]string{"touch", "` + marker + `"}, bfexec.Result{Stdout: []byte("output\n")})`,
	} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
}

func TestRaisesFailsTheStart(t *testing.T) {
	bf := bigfoot.New(t)
	startErr := &fs.PathError{Op: "fork/exec", Path: "/usr/bin/git", Err: syscall.EACCES}
	bf.Exec().Expect([]string{"git", "status"}, bfexec.Result{}, bigfoot.Raises(startErr))
	var err error
	bf.Sandbox(func() { err = exec.Command("git", "status").Run() })
	if !errors.Is(err, syscall.EACCES) {
		t.Errorf("Run = %v, want the scripted start error", err)
	}
	bf.Exec().AssertRun([]string{"git", "status"}, "", nil)
}

func TestOutsideSandboxesTheFirewallDecides(t *testing.T) {
	bin, err := exec.LookPath("true")
	if err != nil {
		t.Fatalf("true(1) is not installed: %v", err)
	}
	bf := bigfoot.New(t)
	bf.Exec()
	// Allowed by default: a real process runs.
	cmd := exec.Command(bin)
	if err := cmd.Run(); err != nil || cmd.ProcessState.Pid() >= 1<<30 {
		t.Fatalf("real true: %v, pid %d", err, cmd.ProcessState.Pid())
	}
	t.Run("denied", func(t *testing.T) {
		bfexec.DenyCommands(t, "*")
		bfexec.AllowCommands(t, "env")
		err := exec.Command(bin).Run()
		var guarded *bigfoot.GuardedCallError
		if !errors.As(err, &guarded) || !strings.Contains(err.Error(), `the rule "*" (bfexec.DenyCommands(t, "*") in TestOutsideSandboxesTheFirewallDecides/denied) refuses it`) ||
			!strings.Contains(err.Error(), `bfexec.AllowCommands(t, "true")`) {
			t.Errorf("denied start: %v", err)
		}
		if env, err := exec.LookPath("env"); err == nil {
			if err := exec.Command(env).Run(); err != nil {
				t.Errorf("allowed start: %v", err)
			}
		}
	})
	// The rules end with the subtest.
	if err := exec.Command(bin).Run(); err != nil {
		t.Errorf("after the rules ended: %v", err)
	}
	if _, err := guard.AddCommandRules("x", []string{"bin/true"}, nil); err == nil {
		t.Error("a relative path rule was accepted")
	}
}

func TestSeamOutsideTheSandboxIsTyped(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Exec().Expect([]string{"ls"}, bfexec.Result{}, bigfoot.Optional())
		err = bf.Exec().Command("ls").Run()
	})
	var guarded *bigfoot.GuardedCallError
	if !errors.As(err, &guarded) {
		t.Errorf("Run = %v, want *bigfoot.GuardedCallError", err)
	}
}

func TestParallelTestsRunTheirOwnScripts(t *testing.T) {
	for i := 0; i < 6; i++ {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			bf := bigfoot.New(t)
			want := "branch-" + strconv.Itoa(i)
			bf.Exec().Expect([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, bfexec.Result{Stdout: []byte(want)})
			var got string
			bf.Sandbox(func() { got, _ = currentBranch() })
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			bf.Exec().AssertRun([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, "", nil)
		})
	}
}
