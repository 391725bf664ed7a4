package tools

import (
	"fmt"
	"os/exec"
	"strings"
)

// Tag creates an annotated tag with message (given to git on stdin) in
// the repository at dir, and pushes it.
func Tag(command func(string, ...string) *exec.Cmd, dir, tag, message string) error {
	cmd := command("git", "tag", "-a", tag, "-F", "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(message)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git tag: %v: %s", err, out)
	}
	push := command("git", "push", "origin", tag)
	push.Dir = dir
	if _, err := push.Output(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return fmt.Errorf("git push: exit %d: %s", ee.ExitCode(), strings.TrimSpace(string(ee.Stderr)))
		}
		return err
	}
	return nil
}
