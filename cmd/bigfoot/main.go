// Command bigfoot runs go test and go vet with bigfoot's transparent mode:
// the standard library is compiled with hook points, such as one in
// net.(*Dialer).DialContext and one in net/http.(*Transport).roundTrip,
// through the go command's -overlay flag, and the build tag
// bigfoot_overlay selects bigfoot's side of the links, so that bigfoot
// can intercept net.Dial, net.DialTimeout, (*net.Dialer).DialContext and
// http.Get without any change to the code under test. The hook points
// are the table hookPatches.
//
// Usage:
//
//	bigfoot test [go test flags] [packages]   run go test -overlay=... -tags=bigfoot_overlay
//	bigfoot vet [go vet flags] [packages]     run go vet -overlay=... -tags=bigfoot_overlay
//	bigfoot overlay                           print the overlay file's path, creating it if needed
//	bigfoot record [-allow HOST] [flags] [packages]  record tests against real services, write their scripts
//	bigfoot test -isolate [flags] [packages]  bigfoot test, each test binary in a network namespace with loopback alone
//	bigfoot help                              print this help
//
// The build tag is merged with the tags the command line gives (-tags=a,b
// or -tags a,b), or, when it gives none, with a -tags in GOFLAGS. The
// overlay is kept under the user cache directory (or BIGFOOT_CACHE_DIR)
// and reused (after checking its files), so the go build cache rebuilds
// the patched packages and their dependants once per Go version rather
// than on every run.
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
	"strings"
)

// overlayTag is the build tag that selects bigfoot's side of the links to
// the patched standard library packages: without the overlay those links
// fail, so bigfoot's side may only be compiled with it.
const overlayTag = "bigfoot_overlay"

const usage = `usage: bigfoot <command> [arguments]

Commands:
	test [go test flags] [packages]   run 'go test -overlay=OVERLAY -tags=bigfoot_overlay' with the arguments
	vet [go vet flags] [packages]     run 'go vet -overlay=OVERLAY -tags=bigfoot_overlay' with the arguments
	overlay                           print the absolute path of OVERLAY, creating it if needed
	test -isolate [go test flags] [packages]  the same, each test binary in a network namespace with loopback alone (FIREWALL.md)
	isolate PROGRAM [ARGS...]         run PROGRAM in a network namespace with loopback alone (go test -exec)
	record [-allow HOST] [go test flags] [packages]  record the tests against real services and write their scripts (bigfoot record -h)
	mock [flags] <package> <Interface>...  generate strict mocks of interfaces (bigfoot mock -h)
	help                              print this help

OVERLAY compiles the standard library's net and net/http packages with
bigfoot's hooks (transparent mode); the build tag bigfoot_overlay links
bigfoot to them. The
tag is added to those given by -tags (or, without -tags, by GOFLAGS). To use
the go command directly, pass both:

	go test -overlay="$(bigfoot overlay)" -tags=bigfoot_overlay ./...

The overlay is cached under the user cache directory; set BIGFOOT_CACHE_DIR
to keep it elsewhere.

Under the overlay, dials outside every sandbox meet bigfoot's firewall:
loopback and unix sockets are allowed, anything else is refused. The tests
read BIGFOOT_ALLOW=rule,rule,... (more allowed addresses) and
BIGFOOT_FIREWALL=off (the off switch); see bigfoot.Firewall.
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
	case "mock":
		return runMock(rest, stdout, stderr)
	case "record":
		return runRecord(rest, stdout, stderr)
	case isolateCmd:
		return runIsolate(rest, stdin, stdout, stderr)
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
		path, err := ensureOverlay(env)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintln(stdout, path)
		fmt.Fprintf(stderr, "bigfoot: pass -tags=%s too, with -overlay=%s\n", overlayTag, path)
		return 0
	case "test", "vet":
		// The go command insists that -C come first, and it changes the
		// directory in which bigfoot must ask go for its settings too.
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
		if cmd == "test" {
			if rest, err = isolateFlag(rest, n, env.GOFLAGS); err != nil { // -isolate (isolate.go)
				fmt.Fprintln(stderr, err)
				return 2
			}
		}
		path, err := ensureOverlay(env)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		tags, others := splitTags(cmd, rest[n:], env.GOFLAGS)
		args := append([]string{cmd}, rest[:n]...)
		args = append(args, "-overlay="+path, "-tags="+tags)
		args = append(args, others...)
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

// isOverlayFlag reports whether a is -overlay in any of the spellings the
// go command's flag parser accepts.
func isOverlayFlag(a string) bool {
	name, _, _ := strings.Cut(a, "=")
	return isFlag(name, "overlay")
}

// ensureOverlay returns the path of an up-to-date overlay file for the go
// installation described by env.
func ensureOverlay(env goEnvVars) (string, error) {
	srcs, err := readSources(env.GOROOT, hookPatches)
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
		Patches:   hookPatches,
		Sources:   srcs,
	})
}

// splitTags takes the -tags flags out of args (up to -args for go test)
// and returns the build tags the go command should use with bigfoot's
// added, comma-separated, and the other arguments in order. As in the go
// command, the last -tags on the command line wins and replaces a -tags
// in GOFLAGS; both -tags=a,b and -tags a,b are understood, as is the old
// space-separated list.
func splitTags(cmd string, args []string, goflags string) (tags string, others []string) {
	var given string
	for _, f := range strings.Fields(goflags) {
		if name, value, ok := strings.Cut(f, "="); ok && isFlag(name, "tags") {
			given = value
		}
	}
	others = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if cmd == "test" && (a == "-args" || a == "--args") {
			others = append(others, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(a, "=")
		switch {
		case !isFlag(name, "tags"):
			others = append(others, a)
		case hasValue:
			given = value
		case i+1 < len(args):
			given = args[i+1]
			i++
		default:
			others = append(others, a) // -tags with no value: go reports it
		}
	}
	list := strings.FieldsFunc(given, func(r rune) bool { return r == ',' || r == ' ' })
	var merged []string
	for _, tag := range append(list, overlayTag) {
		if !contains(merged, tag) {
			merged = append(merged, tag)
		}
	}
	return strings.Join(merged, ","), others
}

// isFlag reports whether arg (without any =value) is the flag name, with
// one dash or two, as the go command's flag parser accepts.
func isFlag(arg, name string) bool {
	return arg == "-"+name || arg == "--"+name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// goEnvVars are the settings of the go command on PATH that bigfoot uses.
// They come from that command, not from this binary's runtime, because
// bigfoot may have been built by a different Go release than the one that
// will compile the tests.
type goEnvVars struct {
	GOROOT    string
	GOVERSION string
	GOFLAGS   string // includes 'go env -w' settings, unlike os.Getenv
}

// goEnv asks the go command on PATH, run in dir, for its GOROOT, GOVERSION
// and GOFLAGS. The directory matters because a module's toolchain line can
// make the go command switch to another Go release.
func goEnv(dir string) (goEnvVars, error) {
	var v goEnvVars
	out, err := goOutput(dir, "env", "-json", "GOROOT", "GOVERSION", "GOFLAGS")
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
