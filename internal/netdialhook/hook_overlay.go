//go:build bigfoot_overlay

package netdialhook

// This file is compiled with the bigfoot_overlay build tag, which the
// bigfoot command sets together with the -overlay that patches package net.
// Without that overlay the function linked below does not exist, and the
// build fails at link time naming net.bigfootSetDialHook.

import (
	"context"
	"net"
	_ "unsafe" // for go:linkname
)

// setNetHook is net.bigfootSetDialHook, which sets the variable the patched
// net.(*Dialer).DialContext consults before dialing.
//
//go:linkname setNetHook net.bigfootSetDialHook
func setNetHook(h func(context.Context, string, string) (bool, context.Context, net.Conn, error))

// Available reports whether this binary was compiled with the bigfoot overlay (transparent mode).
func Available() bool { return true }

// Install sets the hook; it is called once from a package init. A no-op returning false when !Available().
//
// Call it before anything dials: package net reads the hook without
// synchronization.
func Install(f Func) bool {
	setNetHook(f)
	return true
}
