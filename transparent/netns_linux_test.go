//go:build bigfoot_overlay && linux

package transparent

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal kills the re-executed tests if this process dies
// (go test's own timeout, say).
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
