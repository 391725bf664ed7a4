package http_test

import "testing"

// TestEveryDoubleRuns runs each benchmark's body once on a few requests,
// so that plain `go test ./...` (and -race) proves the benchmarks still
// script, send and assert what they claim to.
func TestEveryDoubleRuns(t *testing.T) {
	w := newWorkload(10)
	for _, m := range modes {
		runBigfoot(t, w, m.send, 2)
		runHttpmock(t, w, m.send, 2)
		runGock(t, w, m.send, 2)
		runNone(t, w, m.send, 2)
		runFloor(t, w, m.send, 2)
	}
	runServer(t, w, 2)
}
