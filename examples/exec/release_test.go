package tools

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
)

func TestTag(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().
		Expect([]string{"git", "tag", "-a", "v1.2.0", "-F", "-"}, bfexec.Result{}).
		Expect([]string{"git", "push", "origin", "v1.2.0"}, bfexec.Result{
			Stderr: []byte("error: failed to push some refs\n"), ExitCode: 1})

	var err error
	bf.Sandbox(func() { err = Tag(bf.Exec().Command, "", "v1.2.0", "Release 1.2.0\n") })

	if err == nil || err.Error() != "git push: exit 1: error: failed to push some refs" {
		t.Fatalf("Tag = %v", err)
	}
	bf.Exec().AssertRun([]string{"git", "tag", "-a", "v1.2.0", "-F", "-"}, "", []byte("Release 1.2.0\n"))
	bf.Exec().AssertRun([]string{"git", "push", "origin", "v1.2.0"}, "", nil)
}
