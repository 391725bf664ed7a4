package netdialhook

// This file is the variant compiled without the bigfoot overlay. The overlay
// replaces it (same path) with a variant that links to net's hook variable;
// the bigfoot command keeps that variant's source. Keep the exported API of
// the two in step: a test in cmd/bigfoot compares them.

// Available reports whether this binary was compiled with the bigfoot overlay (transparent mode).
func Available() bool { return false }

// Install sets the hook; it is called once from a package init. A no-op returning false when !Available().
//
// Call it before anything dials: package net reads the hook without
// synchronization.
func Install(f Func) bool { return false }
