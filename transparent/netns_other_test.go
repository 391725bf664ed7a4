//go:build bigfoot_overlay && !linux

package transparent

import "os/exec"

// setParentDeathSignal does nothing: outside Linux there is no unshare,
// and reexecInNetns fails before using it.
func setParentDeathSignal(*exec.Cmd) {}
