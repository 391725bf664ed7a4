package bfexec

import "testing"

// NativeHelperForTest returns the native helper's path, or "" and why
// the seam uses the Go helper.
func NativeHelperForTest() (path, why string) {
	nativeHelperPath()
	return native.path, native.why
}

// UseGoHelperForTest makes the seam's Cmds start the Go helper until t
// ends, for tests of the fallback.
func UseGoHelperForTest(t testing.TB) {
	forceGoHelper.Store(true)
	t.Cleanup(func() { forceGoHelper.Store(false) })
}
