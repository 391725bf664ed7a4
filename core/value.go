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
//
// It is four words, two of them pointers, since every expectation and every
// recorded interaction holds one per field: the payloads share the words by
// kind (a string's or a []byte's data, or an interface's two words, in typ
// and ptr; an int, a bool or a length in n), so that copying one moves 32
// bytes and the garbage collector scans two pointers, not six words with
// three. typ and ptr are real pointers (never integers), so the collector
// keeps what they reach alive and checkptr accepts them.
type Value struct {
	typ  unsafe.Pointer // an interface's type word (kindMatcher, kindOther, kindSnapshot)
	ptr  unsafe.Pointer // a string's or a []byte's data, or an interface's data word
	n    int64          // an int, a bool (1 or 0), or a string's or a []byte's length
	meta uint64         // the kind in the low byte; for a []byte, bytesNil, and its capacity from bit capShift on
}

const (
	kindMask = 0xff
	bytesNil = 1 << 8 // a nil []byte (as against an empty one)
	capShift = 9
)

// eface is the layout of an empty interface, whose two words a Value
// holds for the kinds that keep one.
type eface struct {
	typ, data unsafe.Pointer
}

// boxed returns a Value of kind k holding x as its interface words.
func boxed(k kind, x any) Value {
	e := (*eface)(unsafe.Pointer(&x))
	return Value{typ: e.typ, ptr: e.data, meta: uint64(k)}
}

// k returns the value's kind.
func (v Value) k() kind { return kind(v.meta & kindMask) }

// iface returns the interface a kindMatcher, kindOther or kindSnapshot
// value holds.
func (v Value) iface() any {
	e := eface{typ: v.typ, data: v.ptr}
	return *(*any)(unsafe.Pointer(&e))
}

// str returns the string a kindString value holds, or a kindBytes value's
// bytes viewed as a string.
func (v Value) str() string { return unsafe.String((*byte)(v.ptr), int(v.n)) }

// anyType is the type word of Any()'s matcher, so that the wildcard is
// recognized by one comparison (a type switch or an interface comparison
// costs a call on the path of every assertion).
var anyType = typeOf(anyMatcher{})

// typeOf returns x's type word.
func typeOf(x any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&x)).typ }

// IsAny reports whether the value is Any()'s matcher, which accepts every
// value: a plugin's matching can skip it without calling it.
func (v Value) IsAny() bool { return v.k() == kindMatcher && v.typ == anyType }

// Int returns a Value holding n.
func Int(n int) Value { return Value{n: int64(n), meta: uint64(kindInt)} }

// String returns a Value holding s.
func String(s string) Value {
	return Value{ptr: unsafe.Pointer(unsafe.StringData(s)), n: int64(len(s)), meta: uint64(kindString)}
}

// Bytes returns a Value holding b. The slice is kept, not copied: callers that
// record caller-owned buffers copy them first.
func Bytes(b []byte) Value {
	if b == nil {
		return Value{meta: uint64(kindBytes) | bytesNil}
	}
	return Value{ptr: unsafe.Pointer(unsafe.SliceData(b)), n: int64(len(b)), meta: uint64(kindBytes) | uint64(cap(b))<<capShift}
}

// isNilBytes reports whether a kindBytes value holds a nil []byte.
func (v Value) isNilBytes() bool { return v.meta&bytesNil != 0 }

// bytes returns the []byte a kindBytes value holds: the slice given to
// Bytes, with its length and capacity (an empty one as []byte{}).
func (v Value) bytes() []byte {
	switch {
	case v.isNilBytes():
		return nil
	case v.n == 0:
		return []byte{}
	}
	return unsafe.Slice((*byte)(v.ptr), v.meta>>capShift)[:v.n]
}

// Bool returns a Value holding t.
func Bool(t bool) Value {
	if t {
		return Value{n: 1, meta: uint64(kindBool)}
	}
	return Value{meta: uint64(kindBool)}
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
		return boxed(kindMatcher, x)
	case Snapshot:
		return boxed(kindSnapshot, x)
	}
	return boxed(kindOther, x)
}

// MatcherValue returns a Value holding m: ValueOf(m), without its type
// switch, for a plugin that has already told a matcher from a plain value.
func MatcherValue(m Matcher) Value {
	if m == nil {
		return Value{}
	}
	return boxed(kindMatcher, m)
}

// SnapshotValue returns a Value holding s: ValueOf(s), without its type
// switch, for a plugin recording its own snapshot on every call. A nil s
// is the nil Value; a snapshot that is also a Matcher is held as the
// matcher, as ValueOf holds it.
func SnapshotValue(s Snapshot) Value {
	switch m := s.(type) {
	case nil:
		return Value{}
	case Matcher:
		return boxed(kindMatcher, m)
	}
	return boxed(kindSnapshot, s)
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
	switch v.k() {
	case kindInt:
		return int(v.n)
	case kindString:
		return v.str()
	case kindBytes:
		return v.bytes()
	case kindBool:
		return v.n == 1
	case kindMatcher, kindOther:
		return v.iface()
	case kindSnapshot:
		return v.iface().(Snapshot).Materialize()
	}
	return nil
}

// IsMatcher reports whether the value is a Matcher rather than a plain value.
func (v Value) IsMatcher() bool { return v.k() == kindMatcher }

// isWildcard reports whether the value is a matcher that accepts everything.
func (v Value) isWildcard() bool {
	if v.k() != kindMatcher {
		return false
	}
	if v.typ == anyType {
		return true
	}
	x := v.iface()
	if w, ok := x.(interface{ isWildcard() bool }); ok {
		return w.isWildcard()
	}
	// gomock's Any() describes itself this way; treat it as the wildcard it is.
	return x.(Matcher).String() == "is anything"
}

// matches reports whether the recorded value got satisfies the expected value v.
func (v Value) matches(got Value) bool {
	switch v.k() {
	case kindMatcher:
		if v.typ == anyType {
			return true // Any() accepts every value, as its Matches says
		}
		if got.k() == kindSnapshot {
			if sm, ok := v.iface().(SnapshotMatcher); ok {
				return sm.MatchesSnapshot(got.iface().(Snapshot))
			}
		}
		return v.iface().(Matcher).Matches(got.Interface())
	case kindBytes:
		return got.k() == kindBytes && v.str() == got.str() // the same bytes, as bytes.Equal compares them
	case kindNil:
		return got.k() == kindNil || (got.k() == kindBytes && got.n == 0)
	case kindOther:
		switch got.k() {
		case kindOther:
			return reflect.DeepEqual(v.iface(), got.iface())
		case kindSnapshot:
			return reflect.DeepEqual(v.iface(), got.Interface())
		}
		return false
	case kindSnapshot:
		return reflect.DeepEqual(v.Interface(), got.Interface())
	case kindString:
		return got.meta == v.meta && v.str() == got.str()
	}
	// kindInt, kindBool
	return got.meta == v.meta && v.n == got.n
}

// GoString renders the value as a Go expression that compiles, for hints.
func (v Value) GoString() string {
	switch v.k() {
	case kindNil:
		return "nil"
	case kindInt:
		return strconv.FormatInt(v.n, 10)
	case kindString, kindBytes:
		return v.GoStringAround(-1)
	case kindBool:
		return strconv.FormatBool(v.n == 1)
	case kindMatcher:
		return v.iface().(Matcher).String()
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
	dst = append(dst, byte(v.k()))
	switch v.k() {
	case kindInt, kindBool:
		dst = strconv.AppendInt(dst, v.n, 10)
	case kindString, kindBytes:
		// nil and empty []byte compare equal, so they share a key.
		dst = strconv.AppendInt(dst, v.n, 10)
		dst = append(dst, ':')
		dst = append(dst, v.str()...)
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
