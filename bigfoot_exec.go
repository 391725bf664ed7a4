package bigfoot

import "github.com/bigfoot-go/bigfoot/bfexec"

// Exec returns the verifier's exec plugin, created on first use: commands
// scripted with Expect, an *exec.Cmd seam (Command, CommandContext) that
// never runs a real process, and, under bigfoot test, every exec.Cmd
// started inside the sandbox.
func (bf *StrictVerifier) Exec() *bfexec.Plugin { return bfexec.For(bf.v) }
