//go:build bigfoot_overlay

package tools

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
)

// Under bigfoot test, exec.Command inside the sandbox is answered from
// the script: go is not run.
func TestGoVersion(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"go", "env", "GOVERSION"}, bfexec.Result{Stdout: []byte("go1.99.0\n")})

	var v string
	var err error
	bf.Sandbox(func() { v, err = GoVersion() })

	if v != "go1.99.0" || err != nil {
		t.Fatalf("GoVersion = %q, %v", v, err)
	}
	bf.Exec().AssertRun([]string{"go", "env", "GOVERSION"}, "", nil)
}
