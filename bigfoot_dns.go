package bigfoot

import "github.com/bigfoot-go/bigfoot/bfdns"

// DNS returns the verifier's DNS plugin, created on first use: lookups
// scripted with ExpectLookup (and ExpectMX, ExpectTXT, ...), a
// *net.Resolver seam (Resolver), and, under bigfoot test, every lookup
// made inside the sandbox by any resolver. Using it is what makes lookups
// be answered at the lookup level, never by the socket plugin.
func (bf *StrictVerifier) DNS() *bfdns.Plugin { return bfdns.For(bf.v) }
