//go:build bigfoot_overlay

package main

// This file is compiled with the bigfoot_overlay build tag, which the
// bigfoot command sets together with the -overlay that patches net/http.
// Without that overlay the function linked below does not exist, and the
// build fails at link time naming net/http.bigfootSetRoundTripHook.

import (
	"net/http"
	_ "unsafe" // for go:linkname
)

// setRoundTripHook is net/http.bigfootSetRoundTripHook, which sets the
// variable the patched (*http.Transport).roundTrip consults first.
//
//go:linkname setRoundTripHook net/http.bigfootSetRoundTripHook
func setRoundTripHook(h func(t *http.Transport, req *http.Request) (handled bool, resp *http.Response, err error))

// install sets h as the round-trip hook and reports that it did.
func install(h func(t *http.Transport, req *http.Request) (bool, *http.Response, error)) bool {
	setRoundTripHook(h)
	return true
}
