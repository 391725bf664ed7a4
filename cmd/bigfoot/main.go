// Command bigfoot runs go test and go vet with bigfoot's transparent mode:
// the standard library's net package is compiled with a hook in
// net.(*Dialer).DialContext, through the go command's -overlay flag, so
// that bigfoot can intercept net.Dial, net.DialTimeout, (*net.Dialer).DialContext
// and http.Get without any change to the code under test.
//
// Usage:
//
//	bigfoot test [go test flags] [packages]   run go test -overlay=... with the arguments unchanged
//	bigfoot vet [go vet flags] [packages]     run go vet -overlay=... with the arguments unchanged
//	bigfoot overlay                           print the overlay file's path, creating it if needed
//	bigfoot help                              print this help
//
// The overlay is kept under the user cache directory (or BIGFOOT_CACHE_DIR)
// and reused, so the go build cache rebuilds net and its dependants once
// per Go version rather than on every run.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
)

// hookPkg is the package whose hook.go the overlay replaces.
const hookPkg = "github.com/bigfoot-go/bigfoot/internal/netdialhook"

const usage = `usage: bigfoot <command> [arguments]

Commands:
	test [go test flags] [packages]   run 'go test -overlay=OVERLAY' with the arguments unchanged
	vet [go vet flags] [packages]     run 'go vet -overlay=OVERLAY' with the arguments unchanged
	overlay                           print the absolute path of OVERLAY, creating it if needed
	help                              print this help

OVERLAY compiles the standard library's net package with bigfoot's dial hook
(transparent mode). To use it with the go command directly:

	go test -overlay="$(bigfoot overlay)" ./...

Run bigfoot inside a module that requires github.com/bigfoot-go/bigfoot,
vendored or replaced by a local directory: the go command does not allow
an overlay to replace files in the module cache.

The overlay is cached under the user cache directory; set BIGFOOT_CACHE_DIR
to keep it elsewhere.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command, minus os.Exit, so tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "overlay":
		if len(rest) != 0 {
			fmt.Fprintf(stderr, "bigfoot overlay: takes no arguments\n\n%s", usage)
			return 2
		}
		env, err := goEnv("")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		path, err := ensureOverlay("", env, nil)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintln(stdout, path)
		return 0
	case "test", "vet":
		// The go command insists that -C come first, and it changes the
		// directory in which bigfoot must look for the module too.
		chdir, n := leadingChdir(rest)
		env, err := goEnv(chdir)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		if err := checkNoOverlayFlag(cmd, rest, env.GOFLAGS); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		path, err := ensureOverlay(chdir, env, moduleFlags(cmd, rest))
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		args := append([]string{cmd}, rest[:n]...)
		args = append(args, "-overlay="+path)
		args = append(args, rest[n:]...)
		return runGo(args, stdin, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "bigfoot: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// leadingChdir returns the directory of a -C flag at the start of args
// and how many arguments it takes up, or "", 0.
func leadingChdir(args []string) (dir string, n int) {
	if len(args) == 0 {
		return "", 0
	}
	switch a := args[0]; {
	case (a == "-C" || a == "--C") && len(args) > 1:
		return args[1], 2
	case strings.HasPrefix(a, "-C="):
		return a[len("-C="):], 1
	case strings.HasPrefix(a, "--C="):
		return a[len("--C="):], 1
	}
	return "", 0
}

// checkNoOverlayFlag refuses a user's own -overlay: the go command accepts
// only one, so ours would silently replace theirs or the other way round.
func checkNoOverlayFlag(cmd string, args []string, goflags string) error {
	for _, a := range args {
		if cmd == "test" && (a == "-args" || a == "--args") {
			break // the rest goes to the test binary
		}
		if isOverlayFlag(a) {
			return fmt.Errorf("bigfoot %s: the -overlay flag is not supported, because bigfoot passes its own.\n"+
				"To combine overlays, merge the \"Replace\" entries of your file and of the file printed by\n"+
				"'bigfoot overlay' into one file and run 'go %s -overlay=MERGED.json' yourself.", cmd, cmd)
		}
	}
	for _, a := range strings.Fields(goflags) {
		if isOverlayFlag(a) {
			return fmt.Errorf("bigfoot %s: GOFLAGS contains -overlay, which bigfoot's own -overlay would override.\n"+
				"Merge the \"Replace\" entries of your file and of the file printed by 'bigfoot overlay'\n"+
				"into one file and run 'go %s -overlay=MERGED.json' yourself.", cmd, cmd)
		}
	}
	return nil
}

// moduleFlags returns the -mod and -modfile flags in args, which decide
// where go test finds the bigfoot module (module cache, vendor directory),
// so that bigfoot's go list sees the same copy and the overlay replaces the
// hook.go that is actually compiled.
func moduleFlags(cmd string, args []string) []string {
	var flags []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if cmd == "test" && (a == "-args" || a == "--args") {
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || (name != "mod" && name != "modfile") {
			continue
		}
		if hasValue {
			flags = append(flags, a)
		} else if i+1 < len(args) {
			flags = append(flags, a, args[i+1])
			i++
		}
	}
	return flags
}

// isOverlayFlag reports whether a is -overlay in any of the spellings the
// go command's flag parser accepts.
func isOverlayFlag(a string) bool {
	name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
	return strings.HasPrefix(a, "-") && name == "overlay"
}

// ensureOverlay finds the bigfoot module from dir ("" for the current
// directory) with the given -mod and -modfile flags, and returns the path
// of an up-to-date overlay file for the go installation described by env.
func ensureOverlay(dir string, env goEnvVars, modFlags []string) (string, error) {
	hookDir, err := goListDir(dir, hookPkg, modFlags)
	if err != nil {
		return "", err
	}
	if err := checkNotInModCache(hookDir, env.GOMODCACHE); err != nil {
		return "", err
	}
	dial, err := readDialGo(env.GOROOT)
	if err != nil {
		return "", err
	}
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	return buildOverlay(root, overlayInputs{
		GoRoot:    env.GOROOT,
		GoVersion: env.GOVERSION,
		HookDir:   hookDir,
		DialSrc:   dial,
	})
}

// checkNotInModCache fails early, with advice, where the go command would
// reject the overlay: it refuses to replace files under GOMODCACHE, and the
// overlay must replace hookDir/hook.go.
func checkNotInModCache(hookDir, modCache string) error {
	if modCache == "" {
		return nil
	}
	rel, err := filepath.Rel(modCache, hookDir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	return fmt.Errorf("bigfoot: %s is in the module cache (%s).\n"+
		"The go command refuses -overlay replacements of files under GOMODCACHE, so transparent mode\n"+
		"cannot be compiled in. Vendor your dependencies ('go mod vendor') or point a replace directive\n"+
		"for github.com/bigfoot-go/bigfoot at a local copy.", hookPkg, hookDir)
}

// goEnvVars are the settings of the go command on PATH that bigfoot uses.
// They come from that command, not from this binary's runtime, because
// bigfoot may have been built by a different Go release than the one that
// will compile the tests.
type goEnvVars struct {
	GOROOT     string
	GOVERSION  string
	GOFLAGS    string // includes 'go env -w' settings, unlike os.Getenv
	GOMODCACHE string
}

// goEnv asks the go command on PATH, run in dir, for its GOROOT, GOVERSION,
// GOFLAGS and GOMODCACHE. The directory matters because a module's toolchain line can
// make the go command switch to another Go release.
func goEnv(dir string) (goEnvVars, error) {
	var v goEnvVars
	out, err := goOutput(dir, "env", "-json", "GOROOT", "GOVERSION", "GOFLAGS", "GOMODCACHE")
	if err != nil {
		return v, fmt.Errorf("bigfoot: go env: %w", err)
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return v, fmt.Errorf("bigfoot: go env: %w", err)
	}
	if v.GOROOT == "" || v.GOVERSION == "" {
		return v, errors.New("bigfoot: go env reported no GOROOT or GOVERSION")
	}
	return v, nil
}

// goListDir returns the source directory of pkg as the module in dir ("" for
// the current directory) sees it, which may be this repository, the module cache, a replace target or
// a vendor directory.
func goListDir(dir, pkg string, modFlags []string) (string, error) {
	args := append([]string{"list", "-f", "{{.Dir}}"}, modFlags...)
	out, err := goOutput(dir, append(args, pkg)...)
	if err != nil {
		where := "the current directory"
		if dir != "" {
			where = dir
		}
		return "", fmt.Errorf("bigfoot: cannot find package %s from %s: %w\n"+
			"Run bigfoot inside a module that requires github.com/bigfoot-go/bigfoot.", pkg, where, err)
	}
	pkgDir := strings.TrimSpace(string(out))
	if pkgDir == "" || strings.Contains(pkgDir, "\n") {
		return "", fmt.Errorf("bigfoot: go list %s printed %q, want one directory", pkg, out)
	}
	return pkgDir, nil
}

// goOutput runs the go command on PATH in dir ("" for the current
// directory) and returns its standard output; on failure the error carries
// its standard error.
func goOutput(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("%w: %s", err, msg)
		}
		return nil, err
	}
	return out, nil
}

// runGo runs the go command with the given arguments and standard streams
// and returns its exit code.
func runGo(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := exec.Command("go", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr

	// An interrupt from the terminal reaches go too; stay alive until it
	// has finished so that its exit code and output are not lost. Notify,
	// not Ignore, because an ignored signal would stay ignored in the child.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)

	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if code := exit.ExitCode(); code > 0 {
			return code
		}
		return 1 // killed by a signal
	default:
		fmt.Fprintf(stderr, "bigfoot: running go: %v\n", err)
		return 1
	}
}
