// Package alternatives benchmarks bigfoot against the test-double libraries
// DESIGN §9 compares it with: gomock (go.uber.org/mock) ordered
// expectations, go-sqlmock, and httpmock. It is its own module, so that the
// bigfoot module never requires them. Run it from this directory:
//
//	go test -run '^$' -bench . -benchmem -count 5 .
//
// BENCH.md at the repository root records the figures.
package alternatives
