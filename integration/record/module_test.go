package record

// Running generated code: the emit tests and the end-to-end test write
// tests into a module of their own that uses this checkout of bigfoot and
// its plugins, and run them with this checkout's bigfoot command.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goTimeout bounds each go command, so that a build or a test that hangs
// fails the test instead.
const goTimeout = 8 * time.Minute

// repoRoot is the repository's root, as an absolute path.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// newModule writes the module path into a new temporary directory and
// returns the directory. It requires this checkout's bigfoot and plugins
// (the repository's directories of them, e.g. "bfpg") and the modules of
// requires ("path version"), with this module's go.sum and the plugins';
// files (name to content) are written into it.
func newModule(t *testing.T, path string, plugins, requires []string, files map[string]string) string {
	t.Helper()
	root := repoRoot(t)
	req := []string{"github.com/bigfoot-go/bigfoot v0.0.0"}
	repl := []string{"github.com/bigfoot-go/bigfoot => " + root}
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plugins {
		req = append(req, "github.com/bigfoot-go/bigfoot/"+p+" v0.0.0")
		repl = append(repl, "github.com/bigfoot-go/bigfoot/"+p+" => "+filepath.Join(root, p))
		b, err := os.ReadFile(filepath.Join(root, p, "go.sum"))
		if err != nil {
			t.Fatal(err)
		}
		sum = append(sum, b...)
	}
	req = append(req, requires...)
	dir := t.TempDir()
	gomod := "module " + path + "\n\ngo 1.26.0\n\nrequire (\n\t" + strings.Join(req, "\n\t") + "\n)\n\nreplace (\n\t" + strings.Join(repl, "\n\t") + "\n)\n"
	writeFixture(t, filepath.Join(dir, "go.mod"), []byte(gomod))
	writeFixture(t, filepath.Join(dir, "go.sum"), sum)
	for name, src := range files {
		writeFixture(t, filepath.Join(dir, name), []byte(src))
	}
	return dir
}

// goIn runs the go command in dir with env added (a later setting of a
// variable wins), within goTimeout. It returns the output and the
// command's exit error; it fails the test when go cannot run or does not
// end in time.
func goIn(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), goTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOFLAGS=-mod=mod"), env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("go %s did not end within %v:\n%s", strings.Join(args, " "), goTimeout, out)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), err
}

// bigfoot runs this checkout's bigfoot command in dir.
func bigfoot(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	return goIn(t, dir, env, append([]string{"run", filepath.Join(repoRoot(t), "cmd", "bigfoot")}, args...)...)
}
