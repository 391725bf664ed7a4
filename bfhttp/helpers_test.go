package bfhttp_test

import (
	"go/token"
	"os"
)

var tokenFileSet = token.NewFileSet()

func readSelf() (string, error) {
	b, err := os.ReadFile("bfhttp_test.go")
	return string(b), err
}
