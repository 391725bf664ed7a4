package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// binDir holds the bigfoot binary that the end-to-end tests run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bigfoot-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var bigfootBin = sync.OnceValues(func() (string, error) {
	path := filepath.Join(binDir, "bigfoot")
	out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building bigfoot: %v\n%s", err, out)
	}
	return path, nil
})

// bigfootBinary builds this command once per test run.
func bigfootBinary(t testing.TB) string {
	t.Helper()
	path, err := bigfootBin()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// repoRoot is the directory of the bigfoot module, which scratch modules
// reach through a replace directive so that no network is needed.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.Contains(gomod, []byte("module github.com/bigfoot-go/bigfoot\n")) {
		t.Fatalf("%s is not the bigfoot module root (%v)", root, err)
	}
	return root
}

// scratchModulePath is inside the bigfoot module path so that scratch
// programs may import its internal packages.
const scratchModulePath = "github.com/bigfoot-go/bigfoot/internal/bigfootscratch"

// scratchModule copies testdata/name into a new module that requires the
// bigfoot module in this repository, and returns its directory.
func scratchModule(t testing.TB, name string) string {
	t.Helper()
	dir := t.TempDir()
	gomod := fmt.Sprintf("module %s\n\ngo 1.24\n\nrequire github.com/bigfoot-go/bigfoot v0.0.0\n\nreplace github.com/bigfoot-go/bigfoot => %s\n",
		scratchModulePath, repoRoot(t))
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// scratchEnv is the environment for go and bigfoot in scratch modules:
// offline, with the local toolchain, and with a private overlay cache.
// The go build cache stays shared: its keys hash overlay contents, not
// overlay paths, so the patched net is still built only once.
func scratchEnv(t testing.TB, extra ...string) []string {
	t.Helper()
	env := append(os.Environ(),
		"GOFLAGS=-mod=mod",
		"GOPROXY=off",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
		"BIGFOOT_CACHE_DIR="+t.TempDir(),
	)
	return append(env, extra...)
}

// runIn runs a command in dir and returns its combined output and exit
// code, failing the test only if it could not be started.
func runIn(t testing.TB, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s: %v (%.1fs)", filepath.Base(name), strings.Join(args, " "), err, time.Since(start).Seconds())
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("running %s: %v", name, err)
	return "", 0
}

// runInStdout is runIn for a command whose standard output is a result:
// it returns only that, and logs the standard error.
func runInStdout(t testing.TB, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("%s %s: %v\nstderr: %s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("running %s: %v", name, err)
	return "", 0
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{nil, 2, "", "usage: bigfoot"},
		{[]string{"help"}, 0, "usage: bigfoot", ""},
		{[]string{"-h"}, 0, "usage: bigfoot", ""},
		{[]string{"frobnicate"}, 2, "", `bigfoot: unknown command "frobnicate"`},
		{[]string{"overlay", "extra"}, 2, "", "bigfoot overlay: takes no arguments"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, nil, &stdout, &stderr)
		if code != tt.code {
			t.Errorf("run(%q) = %d, want %d", tt.args, code, tt.code)
		}
		if !strings.Contains(stdout.String(), tt.wantStdout) || (tt.wantStdout == "") != (stdout.Len() == 0) {
			t.Errorf("run(%q) stdout = %q, want it to contain %q", tt.args, stdout.String(), tt.wantStdout)
		}
		if !strings.Contains(stderr.String(), tt.wantStderr) || (tt.wantStderr == "") != (stderr.Len() == 0) {
			t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.wantStderr)
		}
	}
}

func TestCheckNoOverlayFlag(t *testing.T) {
	tests := []struct {
		cmd     string
		args    []string
		goflags string
		wantErr string
	}{
		{"test", []string{"-run", "X", "./..."}, "-mod=mod", ""},
		{"test", []string{"-overlay=o.json", "."}, "", "the -overlay flag is not supported"},
		{"test", []string{"-overlay", "o.json", "."}, "", "the -overlay flag is not supported"},
		{"test", []string{"--overlay=o.json"}, "", "the -overlay flag is not supported"},
		{"vet", []string{".", "-overlay=o.json"}, "", "the -overlay flag is not supported"},
		{"test", []string{".", "-args", "-overlay=o.json"}, "", ""}, // for the test binary
		{"test", []string{"-overlayx=1"}, "", ""},
		{"test", []string{"."}, "-mod=mod -overlay=/x.json", "GOFLAGS contains -overlay"},
	}
	for _, tt := range tests {
		err := checkNoOverlayFlag(tt.cmd, tt.args, tt.goflags)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("checkNoOverlayFlag(%s, %q, %q) = %v, want nil", tt.cmd, tt.args, tt.goflags, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("checkNoOverlayFlag(%s, %q, %q) = %v, want %q", tt.cmd, tt.args, tt.goflags, err, tt.wantErr)
		case err != nil && !strings.Contains(err.Error(), "'bigfoot overlay'"):
			t.Errorf("error %q does not explain how to merge overlays", err)
		}
	}
}

// TestBigfootTest runs bigfoot test on a scratch package and checks that
// the arguments reach go test unchanged and its exit code comes back.
func TestBigfootTest(t *testing.T) {
	bin := bigfootBinary(t)
	mod := scratchModule(t, "passfail")
	env := scratchEnv(t)

	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"test", "-count=1", "-v", "-run", "^TestPass$", "."}, 0, "--- PASS: TestPass"},
		{[]string{"test", "-count=1", "-run=^TestFail$", "."}, 1, "boom from TestFail"},
		// Proves go test ran under the overlay.
		{[]string{"test", "-count=1", "-v", "-run", "^TestAvailable$", "."}, 0, "--- PASS: TestAvailable"},
		{[]string{"test", "-count=1", "-v", "-run", "^TestArgs$", ".", "-args", "-word=hello"}, 0, "--- PASS: TestArgs"},
		{[]string{"test", "-count=1", "-json", "-run", "^TestPass$", "."}, 0, `"Action":"pass"`},
		// go test's own usage error, exit code 2, comes through.
		{[]string{"test", "-count=many", "."}, 2, `invalid value "many" for flag -count`},
		{[]string{"test", "-overlay=mine.json", "."}, 2, "'bigfoot overlay'"},
		{[]string{"vet", "."}, 0, ""},
		// The user's build tags are merged with bigfoot's, in both forms.
		{[]string{"test", "-count=1", "-v", "-tags=foo", "-run", "^(TestFooTag|TestAvailable)$", "."}, 0, "--- PASS: TestFooTag"},
		{[]string{"test", "-count=1", "-v", "-run", "^(TestFooTag|TestAvailable)$", "-tags", "foo", "."}, 0, "--- PASS: TestFooTag"},
		{[]string{"vet", "-tags=foo", "."}, 0, ""},
	}
	for _, tt := range tests {
		out, code := runIn(t, mod, env, bin, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("bigfoot %s: exit code %d, want %d with output containing %q; output:\n%s",
				strings.Join(tt.args, " "), code, tt.code, tt.want, out)
		}
	}

	// And with a -tags in GOFLAGS, when the command line has none.
	out, code := runIn(t, mod, append(env, "GOFLAGS=-mod=mod -tags=foo"), bin, "test", "-count=1", "-v", "-run", "^(TestFooTag|TestAvailable)$", ".")
	if code != 0 || !strings.Contains(out, "--- PASS: TestFooTag") || !strings.Contains(out, "--- PASS: TestAvailable") {
		t.Errorf("bigfoot test with GOFLAGS=-tags=foo: exit code %d\n%s", code, out)
	}

	// -C must stay first, and bigfoot must look for the module there.
	out, code = runIn(t, t.TempDir(), env, bin, "test", "-C", mod, "-count=1", "-v", "-run", "^TestAvailable$", ".")
	if code != 0 || !strings.Contains(out, "--- PASS: TestAvailable") {
		t.Errorf("bigfoot test -C: exit code %d\n%s", code, out)
	}

	// -c and -o pass through too, and the binary keeps the overlay.
	testBin := filepath.Join(t.TempDir(), "passfail.test")
	if out, code := runIn(t, mod, env, bin, "test", "-c", "-o", testBin, "."); code != 0 {
		t.Fatalf("bigfoot test -c: exit code %d\n%s", code, out)
	}
	if out, code := runIn(t, mod, env, testBin, "-test.run=^TestAvailable$", "-test.v"); code != 0 || !strings.Contains(out, "--- PASS: TestAvailable") {
		t.Errorf("compiled test binary: exit code %d\n%s", code, out)
	}
}

// TestGuardUnderOverlay runs the guard package's own tests in
// this repository under the overlay, where they exercise the linked
// variant of hook.go.
func TestGuardUnderOverlay(t *testing.T) {
	bin := bigfootBinary(t)
	out, code := runIn(t, repoRoot(t), scratchEnv(t), bin, "test", "-count=1", "-v", "./guard")
	if code != 0 || !strings.Contains(out, "--- PASS: TestHookInterceptsDial") {
		t.Errorf("bigfoot test ./guard: exit code %d\n%s", code, out)
	}
	out, code = runIn(t, repoRoot(t), scratchEnv(t), bin, "vet", "./guard")
	if code != 0 {
		t.Errorf("bigfoot vet ./guard: exit code %d\n%s", code, out)
	}
}

func TestSplitTags(t *testing.T) {
	tests := []struct {
		cmd     string
		args    []string
		goflags string
		tags    string
		others  []string
	}{
		{"test", []string{"-run", "X", "."}, "", "bigfoot_overlay", []string{"-run", "X", "."}},
		{"test", []string{"-tags=a,b", "-v", "."}, "", "a,b,bigfoot_overlay", []string{"-v", "."}},
		{"test", []string{"-tags", "a,b", "."}, "", "a,b,bigfoot_overlay", []string{"."}},
		{"test", []string{"--tags=a", "."}, "", "a,bigfoot_overlay", []string{"."}},
		{"test", []string{"--tags", "a b", "."}, "", "a,b,bigfoot_overlay", []string{"."}}, // old space-separated form
		{"vet", []string{".", "-tags=a"}, "", "a,bigfoot_overlay", []string{"."}},
		// The last -tags wins, as in the go command; the tag is not doubled.
		{"test", []string{"-tags=a", "-tags=b,bigfoot_overlay", "."}, "", "b,bigfoot_overlay", []string{"."}},
		{"test", []string{"-tags=", "."}, "", "bigfoot_overlay", []string{"."}},
		// GOFLAGS counts only when the command line has no -tags.
		{"test", []string{"."}, "-mod=mod -tags=g1,g2", "g1,g2,bigfoot_overlay", []string{"."}},
		{"test", []string{"-tags=a", "."}, "-tags=g", "a,bigfoot_overlay", []string{"."}},
		{"test", []string{"."}, "--tags=g -tags=h", "h,bigfoot_overlay", []string{"."}},
		// Arguments for the test binary are left alone.
		{"test", []string{".", "-args", "-tags=x"}, "", "bigfoot_overlay", []string{".", "-args", "-tags=x"}},
		{"vet", []string{"-args", "-tags=x"}, "", "x,bigfoot_overlay", []string{"-args"}},
		{"test", []string{"-tagsx=1", "-tags"}, "", "bigfoot_overlay", []string{"-tagsx=1", "-tags"}},
	}
	for _, tt := range tests {
		tags, others := splitTags(tt.cmd, tt.args, tt.goflags)
		if tags != tt.tags || !slices.Equal(others, tt.others) {
			t.Errorf("splitTags(%s, %q, %q) = %q, %q; want %q, %q", tt.cmd, tt.args, tt.goflags, tags, others, tt.tags, tt.others)
		}
	}
}

func TestLeadingChdir(t *testing.T) {
	tests := []struct {
		args []string
		dir  string
		n    int
	}{
		{nil, "", 0},
		{[]string{"-run", "X"}, "", 0},
		{[]string{"-C", "sub", "-run", "X"}, "sub", 2},
		{[]string{"--C", "sub"}, "sub", 2},
		{[]string{"-C=sub", "."}, "sub", 1},
		{[]string{"--C=sub"}, "sub", 1},
		{[]string{"-C"}, "", 0}, // left for go to complain about
		{[]string{"-v", "-C", "sub"}, "", 0},
	}
	for _, tt := range tests {
		dir, n := leadingChdir(tt.args)
		if dir != tt.dir || n != tt.n {
			t.Errorf("leadingChdir(%q) = %q, %d; want %q, %d", tt.args, dir, n, tt.dir, tt.n)
		}
	}
}

// TestOutsideBigfootModule runs bigfoot in a module that does not use
// bigfoot: the overlay only touches GOROOT, so it works there too.
func TestOutsideBigfootModule(t *testing.T) {
	bin := bigfootBinary(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":        "module example.com/other\n\ngo 1.24\n",
		"other_test.go": "package other\n\nimport \"testing\"\n\nfunc TestOther(t *testing.T) {}\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := scratchEnv(t)
	out, code := runIn(t, dir, env, bin, "overlay")
	if code != 0 || !strings.Contains(out, "overlay.json") || !strings.Contains(out, "pass -tags=bigfoot_overlay") {
		t.Errorf("bigfoot overlay outside a bigfoot module: exit code %d, output:\n%s", code, out)
	}
	out, code = runIn(t, dir, env, bin, "test", "-count=1", "-v", ".")
	if code != 0 || !strings.Contains(out, "--- PASS: TestOther") {
		t.Errorf("bigfoot test outside a bigfoot module: exit code %d, output:\n%s", code, out)
	}
}

// TestModuleCache uses bigfoot the way a user's module gets it: as a
// versioned dependency, downloaded (from an offline, file-based proxy) into
// the module cache, whose files the go command refuses to overlay. The
// build tag selects bigfoot's side of the link, so transparent mode works
// from there, and from a vendor directory too.
func TestModuleCache(t *testing.T) {
	bin := bigfootBinary(t)
	proxy := t.TempDir()
	writeModuleZip(t, proxy, "v0.0.1")

	mod := t.TempDir()
	// The module path lets the tests import bigfoot's guard.
	gomod := "module " + scratchModulePath + "\n\ngo 1.24\n\nrequire github.com/bigfoot-go/bigfoot v0.0.1\n"
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(mod, os.DirFS(filepath.Join("testdata", "modcache"))); err != nil {
		t.Fatal(err)
	}
	modCache := t.TempDir()
	env := append(scratchEnv(t),
		"GOPROXY=file://"+filepath.ToSlash(proxy),
		"GOSUMDB=off",
		"GOMODCACHE="+modCache,
		"GOFLAGS=-mod=mod -modcacherw", // so that t.TempDir can remove the cache
	)

	out, code := runInStdout(t, mod, env, "go", "list", "-f", "{{.Dir}}", "github.com/bigfoot-go/bigfoot/guard")
	if code != 0 {
		t.Fatalf("go list: %s", out)
	}
	if dir := strings.TrimSpace(out); !strings.HasPrefix(dir, modCache+string(filepath.Separator)) {
		t.Fatalf("bigfoot is at %s, want it in the module cache %s", dir, modCache)
	}

	want := []string{"--- PASS: TestAvailable", "--- PASS: TestNetDialScripted"}
	check := func(what string, out string, code int) {
		t.Helper()
		for _, w := range want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("%s: exit code %d, want 0 and output containing %q; output:\n%s", what, code, w, out)
				return
			}
		}
	}
	out, code = runIn(t, mod, env, bin, "test", "-count=1", "-v", ".")
	check("bigfoot test with bigfoot in the module cache", out, code)
	if out, code := runIn(t, mod, env, bin, "vet", "."); code != 0 {
		t.Errorf("bigfoot vet with bigfoot in the module cache: exit code %d\n%s", code, out)
	}

	if out, code := runIn(t, mod, env, "go", "mod", "vendor"); code != 0 {
		t.Fatalf("go mod vendor: %s", out)
	}
	out, code = runIn(t, mod, env, bin, "test", "-mod=vendor", "-count=1", "-v", ".")
	check("bigfoot test with bigfoot vendored", out, code)

	// Without bigfoot the tests see no hook, and the dial is not scripted.
	out, code = runIn(t, mod, env, "go", "test", "-count=1", "-run=^TestAvailable$", ".")
	if code != 1 || !strings.Contains(out, "not built with the bigfoot overlay") {
		t.Errorf("go test without bigfoot: exit code %d, want 1; output:\n%s", code, out)
	}
}

// writeModuleZip puts this repository's module (go.mod and the non-test
// Go files of every package) into a file-based module proxy under dir as
// the given version, in the layout of GOPROXY=file://.
func writeModuleZip(t *testing.T, dir, version string) {
	t.Helper()
	root := repoRoot(t)
	at := filepath.Join(dir, "github.com", "bigfoot-go", "bigfoot", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); rel != "." && err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		source := strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") || strings.HasSuffix(rel, ".s")
		if rel != "go.mod" && !source {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		w, err := zw.Create("github.com/bigfoot-go/bigfoot@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		version + ".info": []byte(`{"Version":"` + version + `","Time":"2025-01-01T00:00:00Z"}`),
		version + ".mod":  gomod,
		version + ".zip":  zbuf.Bytes(),
		"list":            []byte(version + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
