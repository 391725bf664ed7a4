package core

import (
	"strconv"
	"unicode/utf8"
)

// Messages are bounded: a test that moved 100 MB through a scripted
// connection must not print it. Long values are elided in the middle with
// their length, and a whole message is cut to MaxMessage.

// MaxMessage is the most bytes any message of bigfoot's prints.
const MaxMessage = 64 << 10

// Values longer than elideAt bytes are shown as their first elideHead and
// last elideTail bytes around a note of how many were left out.
const (
	elideAt   = 512
	elideHead = 192
	elideTail = 64
)

// Bound cuts s to at most MaxMessage bytes, keeping its start and end and
// saying how much was left out.
func Bound(s string) string {
	if len(s) <= MaxMessage {
		return s
	}
	head := cutRunes(s, MaxMessage-8<<10)
	tail := s[len(s)-6<<10:]
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	return head + "\n... " + strconv.Itoa(len(s)-len(head)-len(tail)) + " bytes of this message elided ...\n" + tail
}

// cutRunes returns the longest prefix of s of at most n bytes that does not
// split a UTF-8 sequence.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// quoteElided renders s as a Go string expression; a long one keeps its
// start and end (and, when around >= 0, the bytes around that offset) with a
// comment giving how many bytes are left out. The result parses as Go.
func quoteElided(s string, around int) string {
	if len(s) <= elideAt {
		return strconv.Quote(s)
	}
	if around < 0 || around < elideHead {
		return strconv.Quote(cutRunes(s, elideHead)) + " + /* " + strconv.Itoa(len(s)-elideHead-elideTail) +
			" bytes elided (" + strconv.Itoa(len(s)) + " in all) */ " + strconv.Quote(s[len(s)-elideTail:])
	}
	// Show the start, then a window around the difference, then the end.
	from := max(around-32, elideHead)
	to := min(around+96, len(s)-elideTail)
	if to <= from {
		return quoteElided(s, -1)
	}
	return strconv.Quote(s[:elideHead]) + " + /* " + strconv.Itoa(from-elideHead) + " bytes elided */ " +
		strconv.Quote(s[from:to]) + " + /* " + strconv.Itoa(len(s)-elideTail-to) + " bytes elided (" +
		strconv.Itoa(len(s)) + " in all) */ " + strconv.Quote(s[len(s)-elideTail:])
}

// FirstDifference returns the offset of the first byte at which two string
// or []byte values differ, or -1 when they are not both text or are equal.
func FirstDifference(a, b Value) int {
	x, ok1 := a.text()
	y, ok2 := b.text()
	if !ok1 || !ok2 || x == y {
		return -1
	}
	n := min(len(x), len(y))
	for i := 0; i < n; i++ {
		if x[i] != y[i] {
			return i
		}
	}
	return n
}

func (v Value) text() (string, bool) {
	switch v.k() {
	case kindString:
		return v.str(), true
	case kindBytes:
		return string(v.bytes()), true
	}
	return "", false
}

// GoStringAround is GoString for a value shown in a diff: a long value
// keeps the bytes around offset at, the first difference.
func (v Value) GoStringAround(at int) string {
	switch v.k() {
	case kindString:
		return quoteElided(v.str(), at)
	case kindBytes:
		if v.isNilBytes() {
			return "nil"
		}
		return "[]byte(" + quoteElided(string(v.bytes()), at) + ")"
	}
	return v.GoString()
}
