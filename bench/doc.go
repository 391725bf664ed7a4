// Package bench holds bigfoot's benchmarks and its concurrency stress test;
// it has no non-test code. Run the benchmarks with
//
//	go test -run '^$' -bench . -benchmem -count 5 ./bench/
//
// and the stress test under the race detector with
//
//	go test -race -run Stress ./bench/
//
// The bugs BENCH.md reports as found while measuring are fixed; their
// regression tests live in package core (core/regress_test.go).
//
// BENCH.md at the repository root records the figures and reads them against
// DESIGN §9. The comparisons with gomock, go-sqlmock and httpmock live in the
// separate module bench/alternatives, so that the bigfoot module never
// requires them.
package bench
