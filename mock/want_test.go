package mock

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

// wantMatcherOf is a matcher of a type of the test's, as a test's own
// matcher would be.
type wantMatcherOf struct{}

func (wantMatcherOf) Matches(any) bool { return true }
func (wantMatcherOf) String() string   { return "mine" }

// The generated Match forms' fast path (the Want functions) converts and
// keys each argument it accepts exactly as ExpectMatch's wantArgs does,
// and refuses every argument wantArgs converts by reflection or reports,
// so that the generated method's fallback gives the same result and the
// same messages.
func TestWantFunctionsAgreeWithWantArgs(t *testing.T) {
	v := core.New(nil)
	m := newMethod(v, "pkg.F", "F", ifaceForm, []Param{
		ParamOf[context.Context]("ctx", KeyAny), ParamOf[string]("s", KeyString),
		ParamOf[int]("n", KeyInt), ParamOf[bool]("b", KeyBool),
	}, false, nil, &owner{fallback: "f"})
	want := [4]func(x any, w *core.Value, k *Key) bool{WantMatcher, WantString, WantInt, WantBool}
	type ID string
	for _, tc := range []struct {
		name string
		args [4]any
		fast bool // every argument takes the fast path
	}{
		{"Any and values", [4]any{core.Any(), "k", 7, true}, true},
		{"matchers everywhere", [4]any{core.Any(), core.Any(), wantMatcherOf{}, core.Any()}, true},
		{"empty and zero values", [4]any{wantMatcherOf{}, "", 0, false}, true},
		{"a context value", [4]any{context.Background(), "k", 7, true}, false},
		{"nil context", [4]any{nil, "k", 7, true}, false},
		{"a named string type", [4]any{core.Any(), ID("k"), 7, true}, false},
		{"an int64 for an int", [4]any{core.Any(), "k", int64(7), true}, false},
		{"a string for an int", [4]any{core.Any(), "k", "7", true}, false},
		{"nil for a bool", [4]any{core.Any(), "k", 7, nil}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var slowKey Key
			var buf [6]core.Value
			slow, slowErr := m.wantArgs("ExpectFMatch", tc.args[:], &slowKey, buf[:])
			var k Key
			var w [4]core.Value
			fast := true
			for i, x := range tc.args {
				fast = fast && want[i](x, &w[i], &k)
			}
			var aw [4]core.Value
			assertFast := true
			for i, x := range tc.args {
				assertFast = assertFast && want[i](x, &aw[i], nil)
			}
			if fast != tc.fast || assertFast != tc.fast {
				t.Fatalf("fast path taken: %v (expect), %v (assert); want %v", fast, assertFast, tc.fast)
			}
			if !fast {
				return // the generated method hands the arguments to ExpectMatch: nothing to compare
			}
			if slowErr != nil {
				t.Fatalf("wantArgs refused what the fast path took: %v", slowErr)
			}
			for i := range w {
				if !sameValue(w[i], slow[i]) || !sameValue(aw[i], slow[i]) {
					t.Errorf("argument %d: fast path %#v (assert %#v); wantArgs %#v", i, w[i], aw[i], slow[i])
				}
			}
			fk, fkeyed := k.key()
			sk, skeyed := slowKey.key()
			if fk != sk || fkeyed != skeyed || k.args != slowKey.args || k.ends != slowKey.ends {
				t.Errorf("key %q (keyed %v, ends %v); wantArgs keys %q (keyed %v, ends %v)", fk, fkeyed, k.ends, sk, skeyed, slowKey.ends)
			}
		})
	}
	// The misuse the fallback reports, for an argument the fast path refused.
	var k Key
	var buf [6]core.Value
	_, err := m.wantArgs("ExpectFMatch", []any{core.Any(), "k", "7", true}, &k, buf[:])
	var ae *ArgumentError
	if !errors.As(err, &ae) || ae.Index != 2 {
		t.Fatalf("wantArgs(string for int) = %v; want an *ArgumentError for argument 2", err)
	}
}

// sameValue reports whether two wanted values are the same: kind and
// payload, and for a matcher the same matcher.
func sameValue(a, b core.Value) bool {
	if a.IsMatcher() != b.IsMatcher() {
		return false
	}
	if a.IsMatcher() {
		return a.IsAny() == b.IsAny() && reflect.TypeOf(a.Interface()) == reflect.TypeOf(b.Interface())
	}
	return a.GoString() == b.GoString() && reflect.TypeOf(a.Interface()) == reflect.TypeOf(b.Interface())
}
