//go:build !bigfoot_overlay

package netdialhook

// This file is compiled without the bigfoot_overlay build tag; with it,
// hook_overlay.go replaces it. Keep the exported API and docs of the two in
// step: a test in this package compares them.

// Available reports whether this binary was compiled with the bigfoot overlay (transparent mode).
func Available() bool { return false }

// Install sets the hook; it is called once from a package init. A no-op returning false when !Available().
//
// Call it before anything dials: package net reads the hook without
// synchronization.
func Install(f Func) bool { return false }
