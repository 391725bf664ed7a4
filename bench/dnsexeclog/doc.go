// Package dnsexeclog holds the benchmarks of bfdns, bfexec and bfslog,
// each beside what its users would otherwise run: a real lookup of
// localhost, a real /bin/true, a slog.TextHandler writing to io.Discard.
// See RESULTS.md for the figures and how to rerun them.
package dnsexeclog
