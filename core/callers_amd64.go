package core

// haveFramePCs tells that framePCs walks frame pointers on this platform.
const haveFramePCs = true

// framePCs stores the return addresses of the physical frames above its
// caller, from its caller's caller on, into buf, and returns how many it
// stored (see callers_amd64.s).
//
//go:noescape
func framePCs(buf []uintptr) int
