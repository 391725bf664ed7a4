//go:build !amd64

package core

// haveFramePCs is false where no frame-pointer walk is written: Caller
// and CaptureStack use runtime.Callers alone.
const haveFramePCs = false

func framePCs([]uintptr) int { return 0 }
