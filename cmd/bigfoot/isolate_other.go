//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

// errNoNamespaces is why -isolate cannot run outside Linux.
var errNoNamespaces = errors.New("network namespaces exist only on Linux")

// startInNetNamespace fails: only Linux has network namespaces.
func startInNetNamespace(*exec.Cmd) error { return errNoNamespaces }

// loopbackUp is never reached outside Linux.
func loopbackUp() error { return errNoNamespaces }
