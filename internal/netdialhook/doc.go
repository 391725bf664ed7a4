// Package netdialhook lets bigfoot's transparent mode intercept dials made
// through package net without changing the code that dials.
//
// Go cannot patch functions at run time, so the hook lives in a patched copy
// of the standard library's net package that the bigfoot command compiles in
// with the go command's -overlay flag. The same overlay replaces hook.go in
// this package with a variant that links to the hook variable in net. Without
// the overlay (plain go build or go test) Available reports false and Install
// does nothing, so code that imports this package always builds.
package netdialhook

import (
	"context"
	"net"
)

// Func decides a dial before package net does. handled=false lets net dial as usual.
//
// It is called from net.(*Dialer).DialContext, which net.Dial, net.DialTimeout,
// (*net.Dialer).Dial and http.DefaultTransport all go through. It may be
// called concurrently from many goroutines.
type Func func(ctx context.Context, network, address string) (handled bool, conn net.Conn, err error)
