package mock

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/bigfoot-go/bigfoot/core"
)

// plugin is the mock plugin of one verifier: the function variables it
// swapped (restored at VerifyAll, which a bound verifier runs at cleanup)
// and the sources its mocks put on the timeline.
type plugin struct {
	v *core.Verifier

	mu       sync.Mutex // guards funcs, methods and restores
	funcs    map[unsafe.Pointer]any
	methods  []*method
	restores []func()
}

var pluginKey = core.NewKey[*plugin]("mock", "mock.Func(bf, &fn)")

func pluginOf(v *core.Verifier) *plugin {
	return pluginKey.Of(v, func(v *core.Verifier) *plugin {
		p := &plugin{v: v} // funcs is made by the first claim: a generated mock's plugin never needs it
		v.OnVerify(p.verify)
		return p
	})
}

// swapped holds the function variables swapped by any verifier in the
// process: a variable is global, so two tests may not swap it at once.
var swapped struct {
	mu sync.Mutex // guards by
	by map[unsafe.Pointer]swapRecord
}

type swapRecord struct {
	v  *core.Verifier
	as string // "mock.Func" or "mock.Spy"
	pc uintptr
}

// track keeps m's source findable for messages until verification.
func (p *plugin) track(m *method) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trackLocked(m)
}

// trackLocked is track with p.mu held (inside claim).
func (p *plugin) trackLocked(m *method) {
	sources.Store(m.src, m)
	p.methods = append(p.methods, m)
}

// verify restores the swapped variables, last swapped first, renders the
// scripts of unused expectations, and forgets the plugin's sources. It
// runs in VerifyAll, before the verifier lists unused steps.
func (p *plugin) verify() error {
	p.mu.Lock()
	restores := p.restores
	p.restores = nil
	methods := p.methods
	p.methods = nil
	funcs := p.funcs
	p.funcs = nil
	p.mu.Unlock()
	for i := len(restores) - 1; i >= 0; i-- {
		restores[i]()
	}
	swapped.mu.Lock()
	for ptr := range funcs {
		if r, ok := swapped.by[ptr]; ok && r.v == p.v {
			delete(swapped.by, ptr)
		}
	}
	swapped.mu.Unlock()
	for _, m := range methods {
		m.fillScripts()
		sources.Delete(m.src)
	}
	return nil
}

// claim returns the mock of target on this verifier, making it with make
// (which swaps the variable) on first use. It refuses a variable another
// verifier has swapped.
func (p *plugin) claim(target unsafe.Pointer, as string, pc uintptr, label func() string, make func() (any, func())) (any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if x, ok := p.funcs[target]; ok {
		return x, nil
	}
	swapped.mu.Lock()
	defer swapped.mu.Unlock()
	if r, ok := swapped.by[target]; ok && r.v != p.v {
		by := r.v.Name()
		return nil, &AlreadyMockedError{Target: label(), As: r.as, By: by, Site: core.SiteOf(r.pc),
			Fix: "// a function variable is global: tests that swap it cannot run at the same time.\n" +
				"// Remove t.Parallel() from them, or make sure " + by + " verifies (bf.VerifyAll()) before this test swaps it."}
	}
	x, restore := make()
	if p.funcs == nil {
		p.funcs = map[unsafe.Pointer]any{}
	}
	p.funcs[target] = x
	p.restores = append(p.restores, restore)
	if swapped.by == nil {
		swapped.by = map[unsafe.Pointer]swapRecord{}
	}
	swapped.by[target] = swapRecord{v: p.v, as: as, pc: pc}
	return x, nil
}

// Param describes one parameter of a mocked method to the runtime;
// generated code makes them with ParamOf.
type Param struct {
	Name string       // the field name on the timeline: the parameter's name, or arg0, arg1...
	Type reflect.Type // the parameter's type; for a variadic parameter, the slice type
	Key  KeyMode      // how it takes part in the exact key; KeyNone for a variadic one
}

// ParamOf describes a parameter of type T.
func ParamOf[T any](name string, key KeyMode) Param {
	return Param{Name: name, Type: reflect.TypeFor[T](), Key: key}
}

// Result describes one result of a mocked method; generated code makes
// them with ResultOf.
type Result struct{ Type reflect.Type }

// ResultOf describes a result of type T.
func ResultOf[T any]() Result { return Result{Type: reflect.TypeFor[T]()} }

// isMatcher reports whether an argument given to Expect or an assertion is
// a matcher rather than a value. Any value that implements core.Matcher is.
func isMatcher(x any) bool {
	_, ok := x.(core.Matcher)
	return ok
}

// splitOptions takes trailing bigfoot.StepOption values off a list of
// arguments (or results), where the list is longer than the types allow
// or the type at that position is not a StepOption.
func splitOptions(xs []any, types []reflect.Type) ([]any, []core.StepOption) {
	var opts []core.StepOption
	for len(xs) > 0 {
		o, ok := xs[len(xs)-1].(core.StepOption)
		if !ok {
			break
		}
		if i := len(xs) - 1; i < len(types) && types[i] == stepOptionType {
			break
		}
		opts = append([]core.StepOption{o}, opts...)
		xs = xs[:len(xs)-1]
	}
	return xs, opts
}

var (
	stepOptionType = reflect.TypeFor[core.StepOption]()
	stringType     = reflect.TypeFor[string]()
	intType        = reflect.TypeFor[int]()
	boolType       = reflect.TypeFor[bool]()
	bytesType      = reflect.TypeFor[[]byte]()
)

// conform returns x as a value of type t the way Go accepts an argument of
// a call: a value of type t, a value assignable to it, nil for a type that
// has nil, or a value of an untyped constant's default type (int, float64,
// string, bool, rune, complex128) that converts to t without overflow, so
// that Expect(5) fits an int64 parameter and Expect("x") a named string.
func conform(x any, t reflect.Type) (reflect.Value, bool) {
	if x == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
			return reflect.Zero(t), true
		}
		return reflect.Value{}, false
	}
	v := reflect.ValueOf(x)
	vt := v.Type()
	if vt == t {
		return v, true
	}
	if vt.AssignableTo(t) {
		if t.Kind() == reflect.Interface {
			return v, true // keep the dynamic value
		}
		return v.Convert(t), true
	}
	if vt.PkgPath() != "" || vt.Name() == "" || t.Kind() == reflect.Interface {
		return reflect.Value{}, false
	}
	switch vt.Kind() {
	case reflect.Bool:
		if t.Kind() == reflect.Bool {
			return v.Convert(t), true
		}
	case reflect.String:
		if t.Kind() == reflect.String {
			return v.Convert(t), true
		}
	case reflect.Int, reflect.Int32:
		n := v.Int()
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if c := v.Convert(t); c.Int() == n {
				return c, true
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if c := v.Convert(t); n >= 0 && c.Uint() == uint64(n) {
				return c, true
			}
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			return v.Convert(t), true
		}
	case reflect.Float64:
		f := v.Float()
		switch t.Kind() {
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			return v.Convert(t), true
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if floatFits(f) {
				if c := reflect.ValueOf(int64(f)).Convert(t); float64(c.Int()) == f {
					return c, true
				}
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if floatFits(f) && f >= 0 {
				if c := reflect.ValueOf(uint64(f)).Convert(t); float64(c.Uint()) == f {
					return c, true
				}
			}
		}
	case reflect.Complex128:
		if t.Kind() == reflect.Complex64 || t.Kind() == reflect.Complex128 {
			return v.Convert(t), true
		}
	}
	return reflect.Value{}, false
}

// valueOf turns a value of type t (a parameter's or result's) into the
// core.Value the timeline keeps. Recording a call and writing an
// expectation or assertion go through it alike, so the kinds agree; a
// []byte is copied, since the caller may reuse its buffer (io.Writer).
func valueOf(v reflect.Value, t reflect.Type) core.Value {
	switch t {
	case stringType:
		return core.String(v.String())
	case intType:
		return core.Int(int(v.Int()))
	case boolType:
		return core.Bool(v.Bool())
	case bytesType:
		return core.Bytes(Clone(v.Bytes()))
	}
	if !v.IsValid() {
		return core.ValueOf(nil)
	}
	if t.Kind() == reflect.Interface {
		if v.Kind() == reflect.Interface && v.IsNil() {
			return core.ValueOf(nil)
		}
		return core.ValueOf(v.Interface())
	}
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !v.IsNil() {
		c := reflect.MakeSlice(t, v.Len(), v.Len())
		reflect.Copy(c, v)
		v = c
	}
	return core.ValueOf(v.Interface())
}

// Clone returns a copy of a byte slice (nil stays nil), for recording a
// []byte argument the caller may reuse.
func Clone[S ~[]E, E any](s S) S {
	if s == nil {
		return nil
	}
	return append(S(make([]E, 0, len(s))), s...)
}

// Rest returns a variadic argument as recorded: nil when empty, so that
// f("x") and f("x", []any{}...) record alike.
func Rest[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// describeGot says what an argument was, for ArgumentError.
func describeGot(x any, local string) string {
	if x == nil {
		return "nil"
	}
	s, _ := render(x, nil, local)
	return "a " + typeName(reflect.TypeOf(x), local) + " (" + cutText(s, 120) + ")"
}

// wantArgs converts the arguments given to Expect or an assertion, written
// as the call is (variadic elements spread), to one value per field (in
// dst when it fits), keyed in k as a call's would be. Assertions pass a
// nil k: they find the interaction by its values, not by key.
func (m *method) wantArgs(call string, args []any, k *Key, dst []core.Value) (want []core.Value, err error) {
	n := len(m.params)
	fixed := n
	if m.variadic {
		fixed = n - 1
	}
	if len(args) < fixed || (!m.variadic && len(args) != n) {
		want := strconv.Itoa(n) + " argument(s), one per parameter (a value or a matcher)"
		if m.variadic {
			want = "at least " + strconv.Itoa(fixed) + " argument(s), then the variadic ones as the call passes them"
		}
		return nil, &ArgumentError{Func: m.label, Method: call, Index: -1,
			Got: strconv.Itoa(len(args)) + " argument(s)", Want: "the function takes " + want,
			Signature: m.signature(), Fix: m.exampleCall(call)}
	}
	if n <= len(dst) {
		want = dst[:n]
	} else {
		want = make([]core.Value, n)
	}
	for i := 0; i < fixed; i++ {
		p := &m.params[i]
		x := args[i]
		// The common cases without reflection (and without comparing
		// reflect.Types, an interface comparison per argument).
		switch v := x.(type) {
		case string:
			if m.pfast[i] == fastString {
				want[i] = core.String(v)
				if k != nil {
					k.String(v)
				}
				continue
			}
		case int:
			if m.pfast[i] == fastInt {
				want[i] = core.Int(v)
				if k != nil {
					k.Int(int64(v))
				}
				continue
			}
		case bool:
			if m.pfast[i] == fastBool {
				want[i] = core.Bool(v)
				if k != nil {
					k.Bool(v)
				}
				continue
			}
		case core.Matcher:
			want[i] = core.MatcherValue(v)
			if k != nil {
				k.None()
			}
			continue
		}
		rv, ok := conform(x, p.Type)
		if !ok {
			return nil, m.argError(call, i, x, p.Type, m.owner.site().Pkg)
		}
		want[i] = valueOf(rv, p.Type)
		if k != nil {
			k.add(p.Key, rv)
		}
	}
	if m.variadic {
		t := m.params[n-1].Type
		rest := args[fixed:]
		elems := make([]core.Value, len(rest))
		vals := make([]reflect.Value, len(rest))
		hasMatcher := false
		for j, x := range rest {
			if isMatcher(x) {
				elems[j] = core.ValueOf(x)
				hasMatcher = true
				continue
			}
			rv, ok := conform(x, t.Elem())
			if !ok {
				return nil, m.argError(call, fixed+j, x, t.Elem(), m.owner.site().Pkg)
			}
			vals[j] = rv
			elems[j] = core.ValueOf(safeInterface(rv))
		}
		switch {
		case hasMatcher:
			want[n-1] = core.ValueOf(elemsMatcher{elems: elems})
		case len(rest) == 0:
			want[n-1] = valueOf(reflect.Zero(t), t)
		default:
			s := reflect.MakeSlice(t, len(rest), len(rest))
			for j, rv := range vals {
				s.Index(j).Set(rv)
			}
			want[n-1] = valueOf(s, t)
		}
		if k != nil {
			k.None()
		}
	}
	return want, nil
}

func (m *method) argError(call string, i int, x any, t reflect.Type, local string) error {
	param := typeName(t, local)
	fixed := len(m.params)
	if m.variadic {
		fixed--
	}
	if i < len(m.params) && i < fixed && m.params[i].Name != "" && !strings.HasPrefix(m.params[i].Name, "arg") {
		param = m.params[i].Name + " " + param
	} else if i >= fixed {
		param = "variadic " + param
	}
	return &ArgumentError{Func: m.label, Method: call, What: "argument", Index: i, Param: param,
		Got: describeGot(x, local), Want: "a " + typeName(t, local) + " (or a value Go converts to one, as a constant), or a matcher such as " +
			core.CurrentNames().Package + ".Any()", Signature: m.signature(), Fix: m.exampleCall(call)}
}

// wantResults converts the results given to Returns (assert false: as
// the reflect values the call returns) or to a spy's assertion (assert
// true: values or matchers, as the timeline keeps them) to the result
// types. Only the form asked for is made, the reflect values in dst when
// they fit: Returns runs once per expectation.
func (m *method) wantResults(call string, results []any, assert bool, dst []reflect.Value) ([]reflect.Value, []core.Value, error) {
	if len(results) != len(m.results) {
		return nil, nil, &ArgumentError{Func: m.label, Method: call, Index: -1,
			Got:       strconv.Itoa(len(results)) + " result(s)",
			Want:      "the function returns " + strconv.Itoa(len(m.results)) + " result(s), and " + call + " takes one value for each",
			Signature: m.signature(), Fix: m.exampleCall(call)}
	}
	var rvs []reflect.Value
	var vals []core.Value
	switch {
	case assert:
		vals = make([]core.Value, len(results))
	case len(results) <= len(dst):
		rvs = dst[:len(results):len(results)]
	default:
		rvs = make([]reflect.Value, len(results))
	}
	for i, x := range results {
		t := m.results[i]
		if assert && isMatcher(x) {
			vals[i] = core.ValueOf(x)
			continue
		}
		rv, ok := conform(x, t)
		if !ok {
			local := m.owner.site().Pkg
			return nil, nil, &ArgumentError{Func: m.label, Method: call, What: "result", Index: i, Param: typeName(t, local),
				Got: describeGot(x, local), Want: "a " + typeName(t, local) + " (or a value Go converts to one, as a constant)",
				Signature: m.signature(), Fix: m.exampleCall(call)}
		}
		if t.Kind() == reflect.Interface && rv.Type() != t {
			c := reflect.New(t).Elem()
			c.Set(rv)
			rv = c
		}
		if assert {
			vals[i] = valueOf(rv, t)
		} else {
			rvs[i] = rv
		}
	}
	return rvs, vals, nil
}

// exampleCall is a call of the named method that fits the signature.
func (m *method) exampleCall(call string) string {
	local := m.owner.site().Pkg
	acc := m.owner.accessor()
	var args []string
	for i, p := range m.params {
		if m.variadic && i == len(m.params)-1 {
			break
		}
		args = append(args, placeholder(p.Type, local))
	}
	var res []string
	for _, t := range m.results {
		res = append(res, zeroLit(t, local))
	}
	switch {
	case call == "Returns" || call == "Expect":
		return m.expectFix(nil)
	case m.form == spyForm:
		return acc + ".AssertCall([]any{" + strings.Join(args, ", ") + "}, []any{" + strings.Join(res, ", ") + "})"
	case strings.HasPrefix(call, "Expect") || strings.HasPrefix(call, "Assert"):
		if m.form == ifaceForm && !strings.HasSuffix(call, "Match") {
			call += "Match"
		}
		return acc + "." + call + "(" + strings.Join(args, ", ") + ")"
	}
	return m.expectFix(nil)
}
