package core

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unsafe"
)

// kind tags the variant a Value holds.
type kind uint8

const (
	kindNil kind = iota
	kindInt
	kindString
	kindBytes
	kindBool
	kindMatcher
	kindOther
	kindSnapshot
)

// Value is one recorded or expected field value. It is a small tagged union so
// that the common field types (int, string, []byte, bool) are stored without
// boxing them in an interface: recording and asserting them does not allocate.
// It is kept to six words, since the timeline holds one per recorded field: a
// []byte shares s (its data and length) and i (its capacity) with the other
// kinds.
type Value struct {
	kind kind
	i    int64  // an int, a bool (1 or 0), or a []byte's capacity (-1: a nil []byte)
	s    string // a string, or a []byte's bytes (see bytes)
	x    any
}

// Int returns a Value holding n.
func Int(n int) Value { return Value{kind: kindInt, i: int64(n)} }

// String returns a Value holding s.
func String(s string) Value { return Value{kind: kindString, s: s} }

// Bytes returns a Value holding b. The slice is kept, not copied: callers that
// record caller-owned buffers copy them first.
func Bytes(b []byte) Value {
	if b == nil {
		return Value{kind: kindBytes, i: -1}
	}
	return Value{kind: kindBytes, i: int64(cap(b)), s: unsafe.String(unsafe.SliceData(b), len(b))}
}

// bytes returns the []byte a kindBytes value holds: the slice given to
// Bytes, with its length and capacity (an empty one as []byte{}).
func (v Value) bytes() []byte {
	switch {
	case v.i < 0:
		return nil
	case len(v.s) == 0:
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(v.s), v.i)[:len(v.s)]
}

// Bool returns a Value holding t.
func Bool(t bool) Value {
	if t {
		return Value{kind: kindBool, i: 1}
	}
	return Value{kind: kindBool}
}

// ValueOf converts any Go value (or a Matcher) into a Value.
func ValueOf(x any) Value {
	switch t := x.(type) {
	case nil:
		return Value{}
	case Value:
		return t
	case int:
		return Int(t)
	case string:
		return String(t)
	case []byte:
		return Bytes(t)
	case bool:
		return Bool(t)
	case Matcher:
		return Value{kind: kindMatcher, x: t}
	case Snapshot:
		return Value{kind: kindSnapshot, x: t}
	}
	return Value{kind: kindOther, x: x}
}

// A Snapshot is a recorded value kept in a compact form of the plugin's
// (a request header as a few slices cut from an arena, rather than a map
// copied on every call), standing for the Go value Materialize returns.
// Everything outside the plugin sees only that value: Value.Interface,
// matchers, hints and messages. A plugin records one with ValueOf.
type Snapshot interface {
	// Materialize returns the Go value the snapshot stands for, made
	// anew on each call (only assertions with foreign matchers and
	// failure messages ask for it).
	Materialize() any
}

// A SnapshotMatcher is a Matcher that can also match a Snapshot without
// materializing it: a plugin's own matcher for its own snapshots, on the
// path every passing assertion takes.
type SnapshotMatcher interface {
	Matcher
	MatchesSnapshot(s Snapshot) bool
}

// Interface returns the value as the Go value it was made from.
func (v Value) Interface() any {
	switch v.kind {
	case kindInt:
		return int(v.i)
	case kindString:
		return v.s
	case kindBytes:
		return v.bytes()
	case kindBool:
		return v.i == 1
	case kindMatcher, kindOther:
		return v.x
	case kindSnapshot:
		return v.x.(Snapshot).Materialize()
	}
	return nil
}

// IsMatcher reports whether the value is a Matcher rather than a plain value.
func (v Value) IsMatcher() bool { return v.kind == kindMatcher }

// isWildcard reports whether the value is a matcher that accepts everything.
func (v Value) isWildcard() bool {
	if v.kind != kindMatcher {
		return false
	}
	if w, ok := v.x.(interface{ isWildcard() bool }); ok {
		return w.isWildcard()
	}
	// gomock's Any() describes itself this way; treat it as the wildcard it is.
	return v.x.(Matcher).String() == "is anything"
}

// matches reports whether the recorded value got satisfies the expected value v.
func (v Value) matches(got Value) bool {
	switch v.kind {
	case kindMatcher:
		if got.kind == kindSnapshot {
			if sm, ok := v.x.(SnapshotMatcher); ok {
				return sm.MatchesSnapshot(got.x.(Snapshot))
			}
		}
		return v.x.(Matcher).Matches(got.Interface())
	case kindBytes:
		return got.kind == kindBytes && v.s == got.s // the same bytes, as bytes.Equal compares them
	case kindNil:
		return got.kind == kindNil || (got.kind == kindBytes && len(got.s) == 0)
	case kindOther:
		switch got.kind {
		case kindOther:
			return reflect.DeepEqual(v.x, got.x)
		case kindSnapshot:
			return reflect.DeepEqual(v.x, got.Interface())
		}
		return false
	case kindSnapshot:
		return reflect.DeepEqual(v.Interface(), got.Interface())
	}
	return v.kind == got.kind && v.i == got.i && v.s == got.s
}

// GoString renders the value as a Go expression that compiles, for hints.
func (v Value) GoString() string {
	switch v.kind {
	case kindNil:
		return "nil"
	case kindInt:
		return strconv.FormatInt(v.i, 10)
	case kindString, kindBytes:
		return v.GoStringAround(-1)
	case kindBool:
		return strconv.FormatBool(v.i == 1)
	case kindMatcher:
		return v.x.(Matcher).String()
	}
	s := fmt.Sprintf("%#v", v.Interface())
	if len(s) > 4*elideAt {
		s = cutRunes(s, 4*elideAt) + " /* ... " + strconv.Itoa(len(s)-4*elideAt) + " more bytes of this value */"
	}
	return s
}

// String renders the value for people: like GoString, but a matcher shows its
// description without Go syntax around it.
func (v Value) String() string { return v.GoString() }

// appendKey appends an unambiguous encoding of a plain (non-matcher) value,
// used to index interactions for InAnyOrder lookups.
func (v Value) appendKey(dst []byte) []byte {
	dst = append(dst, byte(v.kind))
	switch v.kind {
	case kindInt, kindBool:
		dst = strconv.AppendInt(dst, v.i, 10)
	case kindString:
		dst = strconv.AppendInt(dst, int64(len(v.s)), 10)
		dst = append(dst, ':')
		dst = append(dst, v.s...)
	case kindBytes:
		// nil and empty compare equal, so they share a key.
		dst = strconv.AppendInt(dst, int64(len(v.s)), 10)
		dst = append(dst, ':')
		dst = append(dst, v.s...)
	case kindOther, kindSnapshot:
		// A snapshot is keyed as the value it stands for, so that it
		// finds an expected plain value.
		x := v.Interface()
		s := fmt.Sprintf("%T:%#v", x, x)
		dst[len(dst)-1] = byte(kindOther)
		dst = strconv.AppendInt(dst, int64(len(s)), 10)
		dst = append(dst, ':')
		dst = append(dst, s...)
	}
	return append(dst, 0)
}

// Matcher is the method set shared with gomock's matchers, so a matcher from
// go.uber.org/mock works in bigfoot assertions unchanged.
type Matcher interface {
	// Matches reports whether x is acceptable.
	Matches(x any) bool
	// String describes what the matcher accepts.
	String() string
}

type anyMatcher struct{}

func (anyMatcher) Matches(any) bool { return true }
func (anyMatcher) String() string   { return names.Package + ".Any()" }
func (anyMatcher) isWildcard() bool { return true }
func (anyMatcher) GoString() string { return names.Package + ".Any()" }

// Any matches every value. An assertion made only of Any is rejected: it
// would prove nothing.
func Any() Matcher { return anyMatcher{} }

type eqMatcher struct{ want Value }

func (m eqMatcher) Matches(x any) bool { return m.want.matches(ValueOf(x)) }
func (m eqMatcher) String() string     { return names.Package + ".Eq(" + m.want.GoString() + ")" }

// Eq matches values equal to want ([]byte by content, other types by
// reflect.DeepEqual).
func Eq(want any) Matcher { return eqMatcher{ValueOf(want)} }

type notMatcher struct{ m Matcher }

func (n notMatcher) Matches(x any) bool { return !n.m.Matches(x) }
func (n notMatcher) String() string     { return names.Package + ".Not(" + n.m.String() + ")" }

// Not matches the values m rejects.
func Not(m Matcher) Matcher { return notMatcher{m} }

// funcMatcher is a named matcher: String renders name(args) with the
// front door's package name, read when a message is printed.
type funcMatcher struct {
	name  string // e.g. "Contains"
	arg   string // e.g. "abc", shown quoted (and elided when long)
	extra string // further arguments as Go code, e.g. ", pred"
	fn    func(any) bool
}

func (f funcMatcher) Matches(x any) bool { return f.fn(x) }
func (f funcMatcher) String() string {
	return names.Package + "." + f.name + "(" + quoteElided(f.arg, -1) + f.extra + ")"
}

// Satisfies matches values of type T for which pred returns true. desc says
// what pred checks; it is printed when an assertion fails.
func Satisfies[T any](desc string, pred func(T) bool) Matcher {
	return funcMatcher{
		name: "Satisfies", arg: desc, extra: ", pred",
		fn: func(x any) bool {
			t, ok := x.(T)
			return ok && pred(t)
		},
	}
}

// text returns the textual content of string and []byte values.
func text(x any) (string, bool) {
	switch t := x.(type) {
	case string:
		return t, true
	case []byte:
		return string(t), true
	}
	return "", false
}

// Contains matches a string or []byte that contains sub.
func Contains(sub string) Matcher {
	return funcMatcher{
		name: "Contains", arg: sub,
		fn: func(x any) bool {
			s, ok := text(x)
			return ok && strings.Contains(s, sub)
		},
	}
}

// HasPrefix matches a string or []byte that starts with prefix.
func HasPrefix(prefix string) Matcher {
	return funcMatcher{
		name: "HasPrefix", arg: prefix,
		fn: func(x any) bool {
			s, ok := text(x)
			return ok && strings.HasPrefix(s, prefix)
		},
	}
}

// Regexp matches a string or []byte in which the regular expression pattern
// finds a match. An invalid pattern panics, as regexp.MustCompile does: it is
// a mistake in the test, found the first time the test runs.
func Regexp(pattern string) Matcher {
	re := regexp.MustCompile(pattern)
	return funcMatcher{
		name: "Regexp", arg: pattern,
		fn: func(x any) bool {
			s, ok := text(x)
			return ok && re.MatchString(s)
		},
	}
}
