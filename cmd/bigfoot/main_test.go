package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
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
	}
	for _, tt := range tests {
		out, code := runIn(t, mod, env, bin, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("bigfoot %s: exit code %d, want %d with output containing %q; output:\n%s",
				strings.Join(tt.args, " "), code, tt.code, tt.want, out)
		}
	}

	// -C must stay first, and bigfoot must look for the module there.
	out, code := runIn(t, t.TempDir(), env, bin, "test", "-C", mod, "-count=1", "-v", "-run", "^TestAvailable$", ".")
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

// TestNetdialhookUnderOverlay runs the netdialhook package's own tests in
// this repository under the overlay, where they exercise the linked
// variant of hook.go.
func TestNetdialhookUnderOverlay(t *testing.T) {
	bin := bigfootBinary(t)
	out, code := runIn(t, repoRoot(t), scratchEnv(t), bin, "test", "-count=1", "-v", "./internal/netdialhook")
	if code != 0 || !strings.Contains(out, "--- PASS: TestHookInterceptsDial") {
		t.Errorf("bigfoot test ./internal/netdialhook: exit code %d\n%s", code, out)
	}
	out, code = runIn(t, repoRoot(t), scratchEnv(t), bin, "vet", "./internal/netdialhook")
	if code != 0 {
		t.Errorf("bigfoot vet ./internal/netdialhook: exit code %d\n%s", code, out)
	}
}

func TestModuleFlags(t *testing.T) {
	tests := []struct {
		cmd  string
		args []string
		want []string
	}{
		{"test", []string{"-run", "X", "."}, nil},
		{"test", []string{"-mod=vendor", "-v", "."}, []string{"-mod=vendor"}},
		{"test", []string{"-mod", "mod", "-modfile", "alt.mod", "."}, []string{"-mod", "mod", "-modfile", "alt.mod"}},
		{"test", []string{"--mod=readonly"}, []string{"--mod=readonly"}},
		{"test", []string{".", "-args", "-mod=vendor"}, nil},
		{"vet", []string{".", "-mod=vendor"}, []string{"-mod=vendor"}},
		{"test", []string{"-modcacherw", "."}, nil},
	}
	for _, tt := range tests {
		if got := moduleFlags(tt.cmd, tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("moduleFlags(%s, %q) = %q, want %q", tt.cmd, tt.args, got, tt.want)
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

func TestOverlayOutsideBigfootModule(t *testing.T) {
	bin := bigfootBinary(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/other\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runIn(t, dir, scratchEnv(t), bin, "overlay")
	if code != 1 || !strings.Contains(out, "cannot find package "+hookPkg+" from the current directory") {
		t.Errorf("bigfoot overlay outside a bigfoot module: exit code %d, output:\n%s", code, out)
	}
}

func TestCheckNotInModCache(t *testing.T) {
	mc := filepath.Join(string(filepath.Separator), "home", "u", "go", "pkg", "mod")
	for dir, wantErr := range map[string]bool{
		filepath.Join(mc, "github.com", "bigfoot-go", "bigfoot@v1.0.0", "internal", "netdialhook"): true,
		filepath.Join(string(filepath.Separator), "src", "bigfoot", "internal", "netdialhook"):     false,
		mc + "x": false,
	} {
		if err := checkNotInModCache(dir, mc); (err != nil) != wantErr {
			t.Errorf("checkNotInModCache(%s) = %v, want error %v", dir, err, wantErr)
		}
	}
	if err := checkNotInModCache(mc, ""); err != nil {
		t.Errorf("checkNotInModCache with no GOMODCACHE = %v", err)
	}
}

// TestModuleCacheAndVendor uses bigfoot the way a user's module would get
// it, as a versioned dependency from a (file-based, offline) proxy. The go
// command refuses overlays of files in the module cache, so bigfoot must
// say so clearly; vendoring puts the files in the module and works.
func TestModuleCacheAndVendor(t *testing.T) {
	bin := bigfootBinary(t)
	proxy := t.TempDir()
	writeModuleZip(t, proxy, "v0.0.1")

	mod := t.TempDir()
	gomod := "module " + scratchModulePath + "\n\ngo 1.24\n\nrequire github.com/bigfoot-go/bigfoot v0.0.1\n"
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(mod, os.DirFS(filepath.Join("testdata", "passfail"))); err != nil {
		t.Fatal(err)
	}
	env := append(scratchEnv(t),
		"GOPROXY=file://"+filepath.ToSlash(proxy),
		"GOSUMDB=off",
		"GOMODCACHE="+t.TempDir(),
		"GOFLAGS=-mod=mod -modcacherw", // so that t.TempDir can remove the cache
	)

	out, code := runIn(t, mod, env, bin, "test", "-run", "^TestAvailable$", ".")
	if code != 1 || !strings.Contains(out, "is in the module cache") || !strings.Contains(out, "go mod vendor") {
		t.Errorf("bigfoot test with bigfoot in the module cache: exit code %d, output:\n%s", code, out)
	}

	// The refusal is the go command's own; if a Go release lifts it, this
	// fails and bigfoot's check can go.
	dir, code := runIn(t, mod, env, "go", "list", "-f", "{{.Dir}}", hookPkg)
	if code != 0 {
		t.Fatalf("go list: %s", dir)
	}
	in := testInputs(t)
	in.HookDir = strings.TrimSpace(dir)
	overlay, err := buildOverlay(t.TempDir(), in)
	if err != nil {
		t.Fatal(err)
	}
	out, code = runIn(t, mod, env, "go", "test", "-overlay="+overlay, "-run", "^TestAvailable$", ".")
	if code == 0 || !strings.Contains(out, "must not be replaced") {
		t.Errorf("go test -overlay replacing a module cache file: exit code %d, output:\n%s", code, out)
	}

	if out, code := runIn(t, mod, env, "go", "mod", "vendor"); code != 0 {
		t.Fatalf("go mod vendor: %s", out)
	}
	// -mod=vendor on the command line, overriding GOFLAGS=-mod=mod, must
	// reach bigfoot's go list too, or the overlay would replace the wrong
	// copy of hook.go.
	out, code = runIn(t, mod, env, bin, "test", "-mod=vendor", "-count=1", "-v", "-run", "^TestAvailable$", ".")
	if code != 0 || !strings.Contains(out, "--- PASS: TestAvailable") {
		t.Errorf("bigfoot test with bigfoot vendored: exit code %d, output:\n%s", code, out)
	}
}

// writeModuleZip puts this repository's go.mod and netdialhook package into
// a file-based module proxy under dir as the given version.
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
	add := func(name string, data []byte) {
		w, err := zw.Create("github.com/bigfoot-go/bigfoot@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	add("go.mod", gomod)
	files, err := filepath.Glob(filepath.Join(root, "internal", "netdialhook", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add("internal/netdialhook/"+filepath.Base(f), data)
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
