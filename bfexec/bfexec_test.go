package bfexec_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"go/parser"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/guard"
)

// gitBranch is code under test: it takes its command function (the seam).
func gitBranch(command func(string, ...string) *exec.Cmd, dir string) (string, error) {
	cmd := command("git", "rev-parse", "--abbrev-ref", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func TestOutput(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, bfexec.Result{Stdout: []byte("main\n")})

	var branch string
	var err error
	bf.Sandbox(func() { branch, err = gitBranch(bf.Exec().Command, "") })

	if err != nil || branch != "main" {
		t.Fatalf("gitBranch = %q, %v", branch, err)
	}
	bf.Exec().AssertRun([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, "", nil)
}

func TestExitErrorAsOutputFillsIt(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"},
		bfexec.Result{Stderr: []byte("fatal: not a git repository\n"), ExitCode: 128})

	var err error
	bf.Sandbox(func() { _, err = gitBranch(bf.Exec().Command, "") })

	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v (%T), want *exec.ExitError", err, err)
	}
	if ee.ExitCode() != 128 || string(ee.Stderr) != "fatal: not a git repository\n" || ee.Error() != "exit status 128" {
		t.Errorf("ExitError: code %d, stderr %q, text %q", ee.ExitCode(), ee.Stderr, ee.Error())
	}
	bf.Exec().AssertRun([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, "", nil)
}

func TestCombinedOutputAndRun(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().
		Expect([]string{"make", "build"}, bfexec.Result{Stdout: []byte("out\n"), Stderr: []byte("err\n"), ExitCode: 2}).
		Expect([]string{"true"}, bfexec.Result{})

	var combined []byte
	var errCombined, errRun error
	bf.Sandbox(func() {
		combined, errCombined = bf.Exec().Command("make", "build").CombinedOutput()
		errRun = bf.Exec().Command("true").Run()
	})
	if string(combined) != "out\nerr\n" {
		t.Errorf("CombinedOutput = %q", combined)
	}
	var ee *exec.ExitError
	if !errors.As(errCombined, &ee) || ee.ExitCode() != 2 || ee.Stderr != nil {
		t.Errorf("CombinedOutput error %v; ExitError.Stderr is nil when the caller captures stderr", errCombined)
	}
	if errRun != nil {
		t.Errorf("Run = %v", errRun)
	}
	bf.Exec().AssertRun([]string{"make", "build"}, "", nil)
	bf.Exec().AssertRun([]string{"true"}, "", nil)
}

func TestStdinIsReadWholeAndRecorded(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().
		Expect([]string{"wc", "-l"}, bfexec.Result{Stdout: []byte("2\n")}).
		Expect([]string{"sh"}, bfexec.Result{Stdout: []byte("ok")})

	big := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB, more than a pipe holds
	var out1, out2 []byte
	var err1, err2 error
	bf.Sandbox(func() {
		cmd := bf.Exec().Command("wc", "-l")
		cmd.Stdin = strings.NewReader("a\nb\n")
		out1, err1 = cmd.Output()

		cmd = bf.Exec().Command("sh")
		w, err := cmd.StdinPipe()
		if err != nil {
			t.Error(err)
			return
		}
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		w.Write(big)
		w.Close()
		err2 = cmd.Wait()
		out2 = stdout.Bytes()
	})
	if string(out1) != "2\n" || err1 != nil || string(out2) != "ok" || err2 != nil {
		t.Errorf("outputs %q %v, %q %v", out1, err1, out2, err2)
	}
	bf.Exec().AssertRun([]string{"wc", "-l"}, "", []byte("a\nb\n"))
	bf.Exec().AssertRun([]string{"sh"}, "", big)
}

func TestPipes(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"tool", "--json"}, bfexec.Result{Stdout: []byte(`{"a":1}`), Stderr: []byte("warn"), ExitCode: 3})

	var stdout, stderr []byte
	var err error
	bf.Sandbox(func() {
		cmd := bf.Exec().Command("tool", "--json")
		outPipe, _ := cmd.StdoutPipe()
		errPipe, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); stdout, _ = io.ReadAll(outPipe) }()
		go func() { defer wg.Done(); stderr, _ = io.ReadAll(errPipe) }()
		wg.Wait()
		err = cmd.Wait()
	})
	var ee *exec.ExitError
	if string(stdout) != `{"a":1}` || string(stderr) != "warn" || !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("stdout %q stderr %q err %v", stdout, stderr, err)
	}
	bf.Exec().AssertRun([]string{"tool", "--json"}, "", nil)
}

func TestDirIsRecorded(t *testing.T) {
	dir, err := os.MkdirTemp(".", "rundir")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	dir = filepath.Clean(dir)
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, bfexec.Result{Stdout: []byte("dev")})
	bf.Sandbox(func() {
		if _, err := gitBranch(bf.Exec().Command, dir); err != nil {
			t.Error(err)
		}
	})
	bf.Exec().AssertRun([]string{"git", "rev-parse", "--abbrev-ref", "HEAD"}, dir, nil)
}

func TestContextKills(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"sleep", "60"}, bfexec.Result{Stdout: []byte("partial\n"), Duration: time.Minute})

	var err error
	var out []byte
	start := time.Now()
	bf.Sandbox(func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := bf.Exec().CommandContext(ctx, "sleep", "60")
		pipe, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		// Once the process has written its output it sleeps; cancel then.
		out, _ = bufio.NewReader(pipe).ReadBytes('\n')
		cancel()
		err = cmd.Wait()
	})
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != -1 || ee.Error() != "signal: killed" {
		t.Errorf("err = %v, want the ExitError of a killed process", err)
	}
	if string(out) != "partial\n" {
		t.Errorf("output %q: what the process wrote before it was killed", out)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the context took %v to kill the command", d)
	}
	bf.Exec().AssertRun([]string{"sleep", "60"}, "", nil)

	// A context done before the start fails it, as os/exec does, and runs nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	bf.Sandbox(func() {
		if err := bf.Exec().CommandContext(ctx, "sleep", "1").Start(); !errors.Is(err, context.Canceled) {
			t.Errorf("start with a done context: %v", err)
		}
	})
}

func TestNotInstalledAndMatching(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().
		Expect([]string{"no-such-tool-anywhere", "a"}, bfexec.Result{Stdout: []byte("A")}).
		Expect([]string{"no-such-tool-anywhere", "b"}, bfexec.Result{Stdout: []byte("B")}).
		Expect([]string{"no-such-tool-anywhere", "a"}, bfexec.Result{Stdout: []byte("A2")})

	var got []string
	bf.Sandbox(func() {
		for _, arg := range []string{"b", "a", "a"} {
			out, err := bf.Exec().Command("no-such-tool-anywhere", arg).Output()
			if err != nil {
				t.Error(err)
			}
			got = append(got, string(out))
		}
	})
	if strings.Join(got, ",") != "B,A,A2" {
		t.Errorf("outputs %v: each start takes the first unused step of its argv", got)
	}
	for _, arg := range []string{"b", "a", "a"} {
		bf.Exec().AssertRun([]string{"no-such-tool-anywhere", arg}, "", nil)
	}
}

func TestConcurrentCommands(t *testing.T) {
	bf := bigfoot.New(t)
	const n = 8
	for i := 0; i < n; i++ {
		bf.Exec().Expect([]string{"echo", string(rune('a' + i))}, bfexec.Result{Stdout: []byte{byte('a' + i)}})
	}
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := bf.Exec().Command("echo", string(rune('a'+i))).Output()
				if err != nil || string(out) != string(rune('a'+i)) {
					t.Errorf("echo %c: %q %v", 'a'+i, out, err)
				}
			}()
		}
		wg.Wait()
	})
	bf.InAnyOrder(func() {
		for i := 0; i < n; i++ {
			bf.Exec().AssertRun([]string{"echo", string(rune('a' + i))}, "", nil)
		}
	})
}

func TestGenericAssertion(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"date"}, bfexec.Result{Stdout: []byte("today")})
	bf.Sandbox(func() { bf.Exec().Command("date").Run() })
	bf.AssertInteraction(bfexec.Run, bigfoot.Fields{"argv": []string{"date"}, "dir": bigfoot.Any(), "stdin": []byte(nil)})
}

func TestManualUse(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	p, err := bfexec.NewPlugin(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bfexec.NewPlugin(v); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Errorf("second NewPlugin: %v", err)
	}
	p.Expect([]string{"id"}, bfexec.Result{Stdout: []byte("uid=0")})
	v.Sandbox(func() { p.Command("id").Run() })
	if err := p.AssertRun([]string{"id", "-u"}, "", nil); err == nil {
		t.Error("a wrong argv passed")
	}
	if err := p.AssertRun([]string{"id"}, "", nil); err != nil {
		t.Error(err)
	}
	if err := v.VerifyAll(); err != nil {
		t.Error(err)
	}
}

// The failure paths, with their messages.

func TestUnscriptedCommandFailsAndNeverRuns(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	ft := bftest.New(t)
	var err error
	var out []byte
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Exec().Expect([]string{"git", "status"}, bfexec.Result{}, bigfoot.Optional())
		bf.Sandbox(func() {
			out, err = bf.Exec().Command("touch", marker).CombinedOutput()
		})
	})
	if _, statErr := os.Stat(marker); statErr == nil {
		t.Fatal("the unscripted command ran")
	}
	for _, w := range []string{
		`unmocked exec call "run": touch ` + marker,
		`the steps not yet taken:` + "\n\t" + `bf.Exec().Expect([]string{"git", "status"}, bfexec.Result{}, bigfoot.Optional())`,
		`bf.Exec().Expect([]string{"touch", "` + marker + `"}, bfexec.Result{Stdout: []byte("output\n")})`,
	} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
	if guard.Transparent() {
		var unmocked *bigfoot.UnmockedInteractionError
		if !errors.As(err, &unmocked) {
			t.Errorf("start error %v, want *bigfoot.UnmockedInteractionError", err)
		}
	} else {
		// Under plain go test the helper has started: it exits 127 with the failure on its stderr.
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 127 || !strings.Contains(string(out), "unmocked exec call") {
			t.Errorf("err %v, output %q; want exit 127 with the failure", err, out)
		}
	}
	parseFixes(t, ft.All())
}

func TestOutsideTheSandboxIsRefused(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Exec().Expect([]string{"ls"}, bfexec.Result{})
		bf.Exec().Command("ls").Run()
	})
	for _, w := range []string{
		"bigfoot: exec start command ls refused: no sandbox is open",
		`err := bf.Exec().Command("ls").Run()`,
		`bf.Exec().Expect([]string{"ls"}, bfexec.Result{}) registered at`,
	} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
}

func TestUnassertedRunShowsTheAssertion(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Exec().Expect([]string{"git", "commit", "-F", "-"}, bfexec.Result{})
		bf.Sandbox(func() {
			cmd := bf.Exec().Command("git", "commit", "-F", "-")
			cmd.Stdin = strings.NewReader("msg \"quoted\"\n")
			cmd.Run()
		})
	})
	want := `bf.Exec().AssertRun([]string{"git", "commit", "-F", "-"}, "", []byte("msg \"quoted\"\n"))`
	if !strings.Contains(ft.All(), want) {
		t.Errorf("failure lacks %q:\n%s", want, ft.All())
	}
	parseFixes(t, ft.All())
}

func TestMisuse(t *testing.T) {
	for _, tt := range []struct {
		name   string
		expect func(bf *bigfoot.StrictVerifier)
		want   string
	}{
		{"empty argv", func(bf *bigfoot.StrictVerifier) { bf.Exec().Expect(nil, bfexec.Result{}) }, "the argv is empty"},
		{"exit code", func(bf *bigfoot.StrictVerifier) { bf.Exec().Expect([]string{"x"}, bfexec.Result{ExitCode: 300}) },
			`the exit code 300 is not one a process can exit with`},
		{"duration", func(bf *bigfoot.StrictVerifier) { bf.Exec().Expect([]string{"x"}, bfexec.Result{Duration: -1}) },
			"the Duration is negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ft := bftest.New(t)
			ft.Run(func() { tt.expect(bigfoot.New(ft)) })
			if len(ft.Fatals()) != 1 || !strings.Contains(ft.All(), tt.want) {
				t.Errorf("want one fatal failure with %q:\n%s", tt.want, ft.All())
			}
			parseFixes(t, ft.All())
		})
	}
	v := bigfoot.NewStrictVerifier()
	func() {
		defer func() {
			var se *bfexec.ScriptError
			if err, _ := recover().(error); !errors.As(err, &se) {
				t.Errorf("manual misuse panicked with %v, want *bfexec.ScriptError", err)
			}
		}()
		v.Exec().Expect([]string{}, bfexec.Result{})
	}()
}

func TestStdinNeverClosedFailsInsteadOfHanging(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Exec().StdinTimeout = 200 * time.Millisecond
		bf.Exec().Expect([]string{"cat"}, bfexec.Result{Stdout: []byte("x")})
		bf.Sandbox(func() {
			cmd := bf.Exec().Command("cat")
			w, _ := cmd.StdinPipe()
			cmd.Start()
			w.Write([]byte("half"))
			err = cmd.Wait() // the code forgot w.Close()
			w.Close()
		})
		bf.Exec().AssertRun([]string{"cat"}, "", []byte("half"))
	})
	if err != nil {
		t.Errorf("Wait = %v", err)
	}
	want := "the scripted command cat waited 200ms for its standard input to end"
	if !strings.Contains(ft.All(), want) || len(ft.Fatals()) != 0 {
		t.Errorf("failure lacks %q (and no assertion may fail):\n%s", want, ft.All())
	}
}

// parseFixes parses every bf.Exec() line of a failure as Go.
func parseFixes(t *testing.T, msg string) {
	t.Helper()
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "bf.Exec().") || strings.Contains(line, " registered at ") {
			continue
		}
		if _, err := parser.ParseExpr(strings.TrimSuffix(line, ".Run()")); err != nil {
			t.Errorf("fix does not parse: %v\n%s", err, line)
		}
	}
}
