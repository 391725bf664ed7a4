package mock

import (
	"unsafe"

	"github.com/bigfoot-go/bigfoot/core"
)

// anyWord is the type word of core.Any()'s matcher, and anyWant its
// wanted value: WantMatcher recognizes the wildcard by one comparison.
var (
	anyWord = typeWord(core.Any())
	anyWant = core.MatcherValue(core.Any())
)

// typeWord returns the type word of x's interface (nil for nil).
func typeWord(x any) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&x)) }

// The Want functions are the generated Match forms' fast path
// (Expect<Method>Match, Assert<Method>Match of a method without variadic
// parameters): the generator knows each parameter's type, so it converts
// the common arguments (matchers, and values of a parameter of type
// string, int or bool) itself, without Mock.ExpectMatch's walk over the
// arguments and their types. Each writes the wanted value to *w and, when
// k is not nil, the argument's fragment to k, exactly as ExpectMatch
// converts and keys that argument; it reports false for any other
// argument, and the generated method then hands all of them to
// ExpectMatch or CheckMatch, which convert them by reflection or report
// the misuse (so the checks and messages are the same either way). k and
// w are the caller's: a false result leaves them half written, and the
// caller drops them.

// WantString is the fast path of an argument for a parameter of type
// string: a string or a matcher.
func WantString(x any, w *core.Value, k *Key) bool {
	if s, ok := x.(string); ok {
		*w = core.String(s)
		if k != nil {
			k.String(s)
		}
		return true
	}
	return WantMatcher(x, w, k)
}

// WantInt is the fast path of an argument for a parameter of type int: an
// int (an untyped constant passed as any is one) or a matcher.
func WantInt(x any, w *core.Value, k *Key) bool {
	if n, ok := x.(int); ok {
		*w = core.Int(n)
		if k != nil {
			k.Int(int64(n))
		}
		return true
	}
	return WantMatcher(x, w, k)
}

// WantBool is the fast path of an argument for a parameter of type bool: a
// bool or a matcher.
func WantBool(x any, w *core.Value, k *Key) bool {
	if t, ok := x.(bool); ok {
		*w = core.Bool(t)
		if k != nil {
			k.Bool(t)
		}
		return true
	}
	return WantMatcher(x, w, k)
}

// WantMatcher is the fast path of an argument for a parameter of any other
// type: a matcher (bigfoot.Any() and friends), which such parameters are
// most often given in the Match forms. A matcher leaves the call unkeyed,
// as ExpectMatch has it.
func WantMatcher(x any, w *core.Value, k *Key) bool {
	if typeWord(x) == anyWord {
		// Any(), the matcher these forms are given most: known by its
		// type word, without the type assertion's lookup.
		*w = anyWant
		if k != nil {
			k.None()
		}
		return true
	}
	m, ok := x.(core.Matcher)
	if !ok {
		return false
	}
	*w = core.MatcherValue(m)
	if k != nil {
		k.None()
	}
	return true
}
