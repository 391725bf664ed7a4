package bigfoot

import "github.com/bigfoot-go/bigfoot/bfhttp"

// HTTP returns the verifier's HTTP plugin, created on first use: an
// http.RoundTripper answering requests from the responses scripted with
// Expect, and, under bigfoot test, every *http.Transport's requests made
// inside the sandbox. Using it is what makes requests be answered at the
// request level rather than reach the dial and the socket plugin.
func (bf *StrictVerifier) HTTP() *bfhttp.Plugin { return bfhttp.For(bf.v) }
