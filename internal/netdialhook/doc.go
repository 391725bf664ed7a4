// Package netdialhook lets bigfoot's transparent mode intercept dials made
// through package net without changing the code that dials.
//
// Go cannot patch functions at run time, so the hook lives in a patched copy
// of the standard library's net package that the bigfoot command compiles in
// with the go command's -overlay flag. The bigfoot command also sets the
// build tag bigfoot_overlay, which selects hook_overlay.go, the variant of
// this package that links to the hook variable in net. Without the tag
// (plain go build or go test) hook.go is compiled instead: Available
// reports false and Install does nothing, so code that imports this package
// always builds.
//
// The overlay only replaces files under GOROOT, never files of this module,
// because the go command refuses overlays of files in the module cache.
// Setting the tag without the overlay fails to link, with an error that
// names net.bigfootSetDialHook: use 'bigfoot test', or pass both
// -overlay="$(bigfoot overlay)" and -tags=bigfoot_overlay.
package netdialhook

import (
	"context"
	"net"
)

// Func decides a dial before package net does. With handled true, the dial
// returns conn and err. With handled false, net dials as usual, with next
// as its context if next is not nil: a hook may mark the context of a dial
// it lets through, to recognise the dials net makes on its behalf (the DNS
// queries that resolve its host name come back through the hook with a
// context derived from next).
//
// It is called first thing in net.(*Dialer).DialContext, which net.Dial,
// net.DialTimeout, (*net.Dialer).Dial, http.DefaultTransport and the pure Go
// DNS resolver all go through. It may be called concurrently from many
// goroutines.
type Func func(ctx context.Context, network, address string) (handled bool, next context.Context, conn net.Conn, err error)
