//go:build !(linux && amd64)

package bfexec

// nativeHelper is empty where no native helper is built: the test binary
// is the helper (helper.go). linux/arm64 could have one; it needs an
// assembler for it and a machine to check it on.
var nativeHelper []byte
