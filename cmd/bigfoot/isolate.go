package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// bigfoot test -isolate runs every test binary in a network namespace of
// its own that holds loopback alone, so that nothing the tests do reaches
// beyond the machine: not a raw syscall, not cgo, not a child process,
// none of which the firewall in package net can see. It passes go test
// -exec with this binary's own isolate command, which go test then runs
// as "bigfoot isolate TESTBINARY ARGS...": isolate starts itself again in
// a new network namespace (and, when not root, a new user namespace that
// grants the right to make it), brings loopback up there, checks that it
// is the only interface, and replaces itself with the test binary. Where
// no namespace can be made it fails, naming what it needs: it never runs
// the tests without one.

// isolateCmd is the command go test's -exec runs.
const isolateCmd = "isolate"

// Environment of the isolate command's second stage and of the test
// binary it runs.
const (
	// isolateChildEnv marks the second stage, inside the new namespace.
	isolateChildEnv = "BIGFOOT_ISOLATE_STAGE"
	// isolatedEnv is set to 1 in the environment of a test binary run
	// isolated, so that a test may check it.
	isolatedEnv = "BIGFOOT_ISOLATED"
)

// isolateNeeds is what the error of a namespace that cannot be made says
// -isolate needs.
const isolateNeeds = "-isolate runs each test binary in a network namespace with loopback alone: it needs Linux, and root " +
	"(or CAP_SYS_ADMIN), or unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 where it exists, " +
	"and on Ubuntu 24.04 and later kernel.apparmor_restrict_unprivileged_userns=0). It never runs the tests without one: " +
	"to run them unisolated, leave -isolate out."

// takeIsolateFlag takes -isolate (also --isolate, -isolate=true or
// =false) out of go test's arguments, before any -args, and reports
// whether the last one asked for isolation.
func takeIsolateFlag(args []string) (rest []string, isolate bool, err error) {
	rest = make([]string, 0, len(args))
	for i, a := range args {
		if a == "-args" || a == "--args" {
			return append(rest, args[i:]...), isolate, nil
		}
		name, value, hasValue := strings.Cut(a, "=")
		if !isFlag(name, "isolate") {
			rest = append(rest, a)
			continue
		}
		isolate = true
		if hasValue {
			b, perr := strconv.ParseBool(value)
			if perr != nil {
				return nil, false, fmt.Errorf("bigfoot test: invalid value %q for flag -isolate: want true or false", value)
			}
			isolate = b
		}
	}
	return rest, isolate, nil
}

// checkNoExecFlag refuses a user's own -exec beside -isolate: go test
// takes only one, and the isolate command can run theirs inside the
// namespace instead.
func checkNoExecFlag(args []string, goflags, self string) error {
	has := false
	for _, a := range args {
		if a == "-args" || a == "--args" {
			break
		}
		if name, _, _ := strings.Cut(a, "="); isFlag(name, "exec") {
			has = true
		}
	}
	where := "the command line"
	for _, a := range strings.Fields(goflags) {
		if name, _, _ := strings.Cut(a, "="); isFlag(name, "exec") {
			has, where = true, "GOFLAGS"
		}
	}
	if !has {
		return nil
	}
	return fmt.Errorf("bigfoot test -isolate: %s has -exec, but -isolate passes its own -exec to go test, which takes one.\n"+
		"To run your wrapper inside the namespace, give go test both yourself:\n"+
		"\tgo test -overlay=\"$(bigfoot overlay)\" -tags=%s -exec='%s %s YOURWRAPPER' [packages]",
		where, overlayTag, self, isolateCmd)
}

// isolateExecFlag is the -exec flag that makes go test run each test
// binary through self's isolate command. The go command splits the value
// at spaces and honours single and double quotes, so self is quoted.
func isolateExecFlag(self string) string {
	return "-exec=" + quoteExecField(self) + " " + isolateCmd
}

func quoteExecField(s string) string {
	if !strings.ContainsAny(s, " \t\n'\"") {
		return s
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return "\"" + s + "\""
}

// namespaceMaker starts cmd in a new network namespace; a variable so that
// tests can make it fail as an unprivileged machine does.
var namespaceMaker = startInNetNamespace

// runIsolate is the isolate command: "bigfoot isolate PROGRAM [ARGS...]"
// runs PROGRAM with ARGS in a network namespace that holds loopback alone
// and returns its exit code.
func runIsolate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "bigfoot %s: usage: bigfoot %s PROGRAM [ARGS...] (go test runs it through -isolate)\n", isolateCmd, isolateCmd)
		return 2
	}
	if os.Getenv(isolateChildEnv) == "1" {
		// The second stage, inside the namespace: it only returns on failure.
		err := enterIsolated(args)
		fmt.Fprintf(stderr, "bigfoot %s: %v\n", isolateCmd, err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "bigfoot %s: finding this program to run it in the namespace: %v\n", isolateCmd, err)
		return 1
	}
	cmd := exec.Command(self, append([]string{isolateCmd}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.Env = append(os.Environ(), isolateChildEnv+"=1")

	// Signals for the test binary (go test's interrupt, and the SIGQUIT it
	// sends a test that outlives its timeout) go on to it.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	if err := namespaceMaker(cmd); err != nil {
		fmt.Fprintf(stderr, "bigfoot test -isolate: cannot make a network namespace to run %s in: %v\n%s\n", args[0], err, isolateNeeds)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			cmd.Process.Signal(s)
		case err := <-done:
			var exit *exec.ExitError
			switch {
			case err == nil:
				return 0
			case errors.As(err, &exit):
				if code := exit.ExitCode(); code >= 0 {
					return code
				}
				fmt.Fprintf(stderr, "bigfoot %s: %s: %v\n", isolateCmd, args[0], err)
				return 1
			default:
				fmt.Fprintf(stderr, "bigfoot %s: %s: %v\n", isolateCmd, args[0], err)
				return 1
			}
		}
	}
}

// enterIsolated runs in the new namespace: it brings loopback up, checks
// that loopback is all there is, and replaces this process with the
// program. It returns only on failure.
func enterIsolated(args []string) error {
	if err := loopbackUp(); err != nil {
		return fmt.Errorf("bringing loopback up in the new network namespace: %v", err)
	}
	if err := checkLoopbackOnly(); err != nil {
		return err
	}
	path := args[0]
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			return err
		}
		path = p
	}
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, isolateChildEnv+"=") && !strings.HasPrefix(kv, isolatedEnv+"=") {
			env = append(env, kv)
		}
	}
	env = append(env, isolatedEnv+"=1")
	return fmt.Errorf("running %s: %w", path, syscall.Exec(path, args, env))
}

// checkLoopbackOnly makes sure that the namespace holds one interface,
// loopback, and that it is up: nothing can leave it.
func checkLoopbackOnly() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("listing the network interfaces of the new namespace: %v", err)
	}
	if len(ifaces) != 1 || ifaces[0].Flags&net.FlagLoopback == 0 || ifaces[0].Flags&net.FlagUp == 0 {
		return fmt.Errorf("the new network namespace should hold loopback alone, up; it holds %v", ifaces)
	}
	return nil
}

// isolateFlag applies -isolate to the arguments of bigfoot test, whose
// first n are a -C that must stay first: it takes the flag out and, when
// set, puts in the -exec that runs each test binary isolated. goflags is
// the go command's GOFLAGS.
func isolateFlag(args []string, n int, goflags string) ([]string, error) {
	rest, isolate, err := takeIsolateFlag(args[n:])
	if err != nil || !isolate {
		return append(args[:n:n], rest...), err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bigfoot test -isolate: finding this program for go test's -exec: %v", err)
	}
	if err := checkNoExecFlag(rest, goflags, self); err != nil {
		return nil, err
	}
	out := append(args[:n:n], isolateExecFlag(self))
	return append(out, rest...), nil
}
