// Package passfail is a scratch package for TestBigfootTest: each test
// shows whether bigfoot test passed a flag through and reported go test's
// exit code.
package passfail

import (
	"flag"
	"testing"

	"github.com/bigfoot-go/bigfoot/guard"
)

var word = flag.String("word", "", "set through -args")

func TestPass(t *testing.T) { t.Log("TestPass ran") }

func TestFail(t *testing.T) { t.Fatal("boom from TestFail") }

func TestAvailable(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("not built with the bigfoot overlay")
	}
}

func TestArgs(t *testing.T) {
	if *word != "hello" {
		t.Fatalf("-word=%q, want %q", *word, "hello")
	}
}
