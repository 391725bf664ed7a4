package bfhttp

import (
	"net/url"
	"testing"
)

// isPlainPath's table accepts only bytes EscapedPath leaves as they are,
// so that sentURL may write such a path as it is (FuzzSentURL compares
// sentURL with url.URL.String).
func TestPlainPathIsWhatEscapedPathKeeps(t *testing.T) {
	for c := range 256 {
		path := "/a" + string(rune(c))
		if c >= 0x80 {
			path = "/a" + string([]byte{byte(c)})
		}
		u := &url.URL{Scheme: "https", Host: "x.test", Path: path}
		if isPlainPath(path) && u.EscapedPath() != path {
			t.Errorf("byte %#x: isPlainPath accepts %q, which EscapedPath writes %q", c, path, u.EscapedPath())
		}
	}
}
