//go:build !bigfoot_overlay

package guard

// This file is compiled without the bigfoot_overlay build tag (plain go
// build or go test); with it, hook_overlay.go replaces it. Keep the two in
// step: a test in this package compares their declarations. Without the
// overlay there are no hooks to set, so the setters do nothing.

import (
	"context"
	"net"
	"net/http"
)

// transparent reports whether the standard library was compiled with
// bigfoot's hooks (the overlay).
const transparent = false

// setDialHook sets the hook consulted first thing in
// net.(*Dialer).DialContext.
func setDialHook(h func(ctx context.Context, network, address string) (bool, context.Context, net.Conn, error)) {
}

// setRoundTripHook sets the hook consulted first thing in
// net/http.(*Transport).roundTrip.
func setRoundTripHook(h func(t *http.Transport, req *http.Request) (bool, *http.Response, error)) {}

// setCloseIdleHook sets the hook consulted first thing in
// net/http.(*Transport).CloseIdleConnections.
func setCloseIdleHook(h func(t *http.Transport)) {}
