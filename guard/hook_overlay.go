//go:build bigfoot_overlay

package guard

// This file is compiled with the bigfoot_overlay build tag, which the
// bigfoot command sets together with the -overlay that patches the
// standard library. Without that overlay the functions linked below do not
// exist, and the build fails at link time naming them: use 'bigfoot test',
// or pass both -overlay="$(bigfoot overlay)" and -tags=bigfoot_overlay.

import (
	"context"
	"net"
	"net/http"
	_ "unsafe" // for go:linkname
)

// transparent reports whether the standard library was compiled with
// bigfoot's hooks (the overlay).
const transparent = true

// setDialHook sets the hook consulted first thing in
// net.(*Dialer).DialContext.
//
//go:linkname setDialHook net.bigfootSetDialHook
func setDialHook(h func(ctx context.Context, network, address string) (bool, context.Context, net.Conn, error))

// setRoundTripHook sets the hook consulted first thing in
// net/http.(*Transport).roundTrip.
//
//go:linkname setRoundTripHook net/http.bigfootSetRoundTripHook
func setRoundTripHook(h func(t *http.Transport, req *http.Request) (bool, *http.Response, error))

// setCloseIdleHook sets the hook consulted first thing in
// net/http.(*Transport).CloseIdleConnections.
//
//go:linkname setCloseIdleHook net/http.bigfootSetCloseIdleHook
func setCloseIdleHook(h func(t *http.Transport))
