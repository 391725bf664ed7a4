//go:build bigfoot_overlay

package transparent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// inNetnsEnv is set in the environment of the test binary re-executed
// inside the network namespace.
const inNetnsEnv = "BIGFOOT_TEST_IN_NETNS"

func TestMain(m *testing.M) {
	if os.Getenv(inNetnsEnv) != "1" {
		os.Exit(reexecInNetns())
	}
	if err := checkIsolated(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// reexecInNetns runs this test binary again, with the same arguments,
// inside a new network namespace whose only interface is loopback, and
// returns its exit code.
func reexecInNetns() int {
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: these tests dial addresses outside the machine and run only in a network namespace "+
				"with loopback alone, made with 'unshare -n' (util-linux) and 'ip link set lo up' (iproute2): %v\n"+
				"fix: install them, e.g. apt-get install -y util-linux iproute2\n", err)
			return 1
		}
	}
	args := []string{"--net"}
	if os.Geteuid() != 0 {
		args = append(args, "--map-root-user") // a user namespace grants the right to make the network one
	}
	args = append(args, "sh", "-c", `ip link set lo up && exec "$0" "$@"`, os.Args[0])
	args = append(args, os.Args[1:]...)
	cmd := exec.Command("unshare", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), inNetnsEnv+"=1", quickRaceExit())
	setParentDeathSignal(cmd)
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "FAIL: running the tests in a network namespace (unshare %v): %v\n", args, err)
		return 1
	}
}

// quickRaceExit is a GORACE setting for a child test binary: keep the
// user's options, but skip the race runtime's one-second sleep at exit
// (it waits for racing goroutines to report; the parent waits on the child).
func quickRaceExit() string {
	return "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

// checkIsolated makes sure that this process is in a network namespace
// with loopback alone, up: dials can reach nothing beyond this machine.
func checkIsolated() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("listing network interfaces: %v", err)
	}
	if len(ifaces) != 1 || ifaces[0].Flags&net.FlagLoopback == 0 || ifaces[0].Flags&net.FlagUp == 0 {
		return fmt.Errorf("the network namespace must have one interface, loopback and up; it has %v", ifaces)
	}
	return nil
}
