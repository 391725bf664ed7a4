package bigfoot_test

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
)

// revision is code under test: it gets its command function (the seam).
func revision(command func(string, ...string) *exec.Cmd) (string, error) {
	out, err := command("git", "rev-parse", "--short", "HEAD").Output()
	return strings.TrimSpace(string(out)), err
}

// A command is answered from the script and never runs: git need not be
// installed. Each run is asserted with its argv, directory and stdin.
func ExampleStrictVerifier_Exec() {
	bf := bigfoot.NewStrictVerifier()
	bf.Exec().Expect([]string{"git", "rev-parse", "--short", "HEAD"}, bfexec.Result{Stdout: []byte("4f2a9c1\n")})

	var rev string
	var err error
	bf.Sandbox(func() { rev, err = revision(bf.Exec().Command) })

	fmt.Println(rev, err)
	fmt.Println(bf.Exec().AssertRun([]string{"git", "rev-parse", "--short", "HEAD"}, "", nil))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// 4f2a9c1 <nil>
	// <nil>
	// VerifyAll: <nil>
}

// A failing command: the code gets the *exec.ExitError it would get from
// a real one, with the exit code and, from Output, the standard error.
func ExampleStrictVerifier_Exec_exitError() {
	bf := bigfoot.NewStrictVerifier()
	bf.Exec().Expect([]string{"git", "rev-parse", "--short", "HEAD"},
		bfexec.Result{Stderr: []byte("fatal: not a git repository\n"), ExitCode: 128})

	var err error
	bf.Sandbox(func() { _, err = revision(bf.Exec().Command) })

	var ee *exec.ExitError
	fmt.Println(errors.As(err, &ee), ee.ExitCode(), strings.TrimSpace(string(ee.Stderr)))
	fmt.Println(bf.Exec().AssertRun([]string{"git", "rev-parse", "--short", "HEAD"}, "", nil))
	// Output:
	// true 128 fatal: not a git repository
	// <nil>
}
