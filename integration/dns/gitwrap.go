package dns

import (
	"os/exec"
	"strings"
)

// Branches is a CLI wrapper: it runs git to list the local branches of
// the repository at dir, through the command function it is given
// (exec.Command in production).
func Branches(command func(string, ...string) *exec.Cmd, dir string) ([]string, error) {
	cmd := command("git", "branch", "--format=%(refname:short)")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}
