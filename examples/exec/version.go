package tools

import (
	"os/exec"
	"strings"
)

// GoVersion returns the installed Go's version, e.g. "go1.26.8". It calls
// exec.Command itself: there is no command function for a test to pass.
func GoVersion() (string, error) {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	return strings.TrimSpace(string(out)), err
}
