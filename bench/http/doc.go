// Package http holds the benchmarks of bigfoot's HTTP plugin beside the
// libraries its users would otherwise pick: github.com/jarcoal/httpmock,
// github.com/h2non/gock and net/http/httptest's real server. It is a
// module of its own so that bigfoot's go.mod gains none of them. The
// figures and the command that produced them are in RESULTS.md.
package http
