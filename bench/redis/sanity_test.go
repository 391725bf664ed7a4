package redisbench

import "testing"

// TestEveryDoubleRuns runs each benchmark's body on a few GETs, so that
// plain `go test ./...` (and -race, and bigfoot test) proves the
// benchmarks still script, send and check what they claim to.
func TestEveryDoubleRuns(t *testing.T) {
	for name, run := range map[string]func(testing.TB, *testing.B, int){
		"bigfoot": runGETbigfoot, "bigfootPerTest": runGETPerTestbigfoot,
		"miniredis": runGETminiredis, "miniredisPerTest": runGETPerTestminiredis,
		"redismock": runGETredismock, "redismockPerTest": runGETPerTestredismock,
	} {
		t.Run(name, func(t *testing.T) { run(t, nil, 3) })
	}
}
