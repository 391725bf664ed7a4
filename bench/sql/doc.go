// Package sqlbench compares bigfoot's SQL plugin with go-sqlmock and
// pgxmock: N scripted statements per verifier (or mock), each scripted,
// executed through the library's client and checked, for N = 10², 10³ and
// 10⁴. See RESULTS.md for the figures and the command that produces them.
package sqlbench
