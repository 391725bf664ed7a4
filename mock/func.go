package mock

import (
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/bigfoot-go/bigfoot/core"
)

// FuncMock is a strict double swapped into a function variable by Func.
// Calls inside the sandbox are answered from its script and recorded;
// every one must be asserted with AssertCall.
type FuncMock[F any] struct {
	m     *method
	zeros []reflect.Value
	calls slab[Call[F]] // what Expect returns; guarded by m.mu
}

// Call is one scripted answer of a FuncMock, as Expect returns it. Set what
// the call returns with Returns, Raises or Does; Optional, With and Times
// refine it. Each method returns the call, for chaining.
type Call[F any] struct {
	e      Expectation
	f      *FuncMock[F]
	out    []reflect.Value
	outBuf [2]reflect.Value // out's storage for the common short result lists
	does   reflect.Value
}

// Func swaps the function variable *target for a strict double until the
// verifier verifies (at the test's cleanup, for bigfoot.New(t)), and
// returns it. Calls made inside the sandbox take their answers from the
// double's script, Expect(args...).Returns(results...), and are recorded
// on the verifier's timeline; a call nothing answers fails the test and
// returns zero values (and, where the last result is an error, an
// *bigfoot.UnmockedInteractionError).
//
//	now := mock.Func(bf, &clock.Now)
//	now.Expect().Returns(time.Date(2025, time.March, 1, 9, 0, 0, 0, time.UTC))
//
// Func on a variable the same verifier already swapped returns the same
// double, so mock.Func(bf, &clock.Now) also reaches it later. A function
// variable is global: tests that swap the same one cannot run in parallel
// (the second is refused with *AlreadyMockedError).
func Func[F any](h core.Host, target *F) *FuncMock[F] {
	pc := core.Caller(0)
	v := h.Core()
	t := reflect.TypeFor[F]()
	if err := checkTarget("mock.Func", t, target != nil, true); err != nil {
		v.Reporter().Helper()
		v.Misuse(err)
		return nil
	}
	p := pluginOf(v)
	label := func() string { return targetLabel(pc, "Func", reflect.ValueOf(*target), t) }
	x, err := p.claim(unsafe.Pointer(target), "mock.Func", pc, label, func() (any, func()) {
		orig := *target
		f := newFuncMock[F](p, t, pc, label())
		*target = reflect.MakeFunc(t, f.impl).Interface().(F)
		return f, func() { *target = orig }
	})
	if err == nil {
		if f, ok := x.(*FuncMock[F]); ok {
			return f
		}
		err = &AlreadyMockedError{Target: label(), As: "mock.Spy", By: v.Name(),
			Fix: "// a function variable is either scripted (mock.Func) or spied on (mock.Spy) in one test: use one of them"}
	}
	v.Reporter().Helper()
	v.Misuse(err)
	return nil
}

func newFuncMock[F any](p *plugin, t reflect.Type, pc uintptr, label string) *FuncMock[F] {
	params, variadic, results := signatureOf(t)
	o := &owner{pc: pc, fn: "Func", fallback: "mock.Func(" + core.CurrentNames().Verifier + ", &" + label + ")", reuse: true}
	f := &FuncMock[F]{m: newMethod(p.v, label, "", funcForm, params, variadic, results, o)}
	p.trackLocked(f.m)
	f.zeros = make([]reflect.Value, len(results))
	for i, rt := range results {
		f.zeros[i] = reflect.Zero(rt)
	}
	return f
}

// signatureOf describes a function type's parameters (named arg0, arg1...)
// and results.
func signatureOf(t reflect.Type) (params []Param, variadic bool, results []reflect.Type) {
	for i := 0; i < t.NumIn(); i++ {
		p := Param{Name: "arg" + strconv.Itoa(i), Type: t.In(i), Key: modeOf(t.In(i))}
		if t.IsVariadic() && i == t.NumIn()-1 {
			p.Key = KeyNone
		}
		params = append(params, p)
	}
	for i := 0; i < t.NumOut(); i++ {
		results = append(results, t.Out(i))
	}
	return params, t.IsVariadic(), results
}

func checkTarget(call string, t reflect.Type, nonNil, funcOK bool) error {
	if t.Kind() != reflect.Func {
		return &TargetError{Call: call, Reason: "the target must be a pointer to a function variable; got a *" + typeName(t, ""),
			Fix: "var Now = time.Now // in the code under test: a variable the test can swap\n" + call + "(bf, &pkg.Now)"}
	}
	if !nonNil {
		return &TargetError{Call: call, Reason: "the target is a nil pointer",
			Fix: call + "(bf, &pkg.Now) // the address of the function variable"}
	}
	return nil
}

// targetLabel names the function variable in messages: the test's own
// spelling of the target ("store.Fetch"), else the function it held.
func targetLabel(pc uintptr, fn string, cur reflect.Value, t reflect.Type) string {
	if s := siteOf(pc, fn); len(s.Args) == 2 {
		return strings.TrimPrefix(strings.TrimSpace(s.Args[1]), "&")
	}
	if cur.IsValid() && !cur.IsNil() {
		if f := runtime.FuncForPC(cur.Pointer()); f != nil {
			name := f.Name()
			if i := strings.LastIndexByte(name, '/'); i >= 0 {
				name = name[i+1:]
			}
			return name
		}
	}
	return "the " + typeName(t, "") + " variable"
}

// impl answers a call of the double.
func (f *FuncMock[F]) impl(in []reflect.Value) []reflect.Value {
	m := f.m
	var buf [6]core.Value
	vals := buf[:0]
	var k Key
	for i := range m.params {
		p := &m.params[i]
		vals = append(vals, valueOf(in[i], p.Type))
		k.add(p.Key, in[i])
	}
	e, err := m.call(&k, vals)
	if e == nil {
		return f.failed(err)
	}
	c := e.answer().(*Call[F])
	if c.does.IsValid() {
		if m.variadic {
			return c.does.CallSlice(in)
		}
		return c.does.Call(in)
	}
	return c.out
}

// failed returns zero values, and err as a last error result.
func (f *FuncMock[F]) failed(err error) []reflect.Value {
	if !f.m.errLast {
		return f.zeros
	}
	out := append([]reflect.Value(nil), f.zeros...)
	out[len(out)-1] = reflect.ValueOf(&err).Elem()
	return out
}

// Expect scripts the answer to one call with these arguments, written as
// the call is (variadic arguments spread): values, which must fit the
// parameters' types (an untyped constant fits as in Go: 5 fits an int64),
// or matchers such as bigfoot.Any(). Calls take the first unused
// expectation whose arguments match, in registration order for equal
// ones. Trailing bigfoot.Raises and bigfoot.Optional options apply to the
// expectation, as the methods of the same name do.
func (f *FuncMock[F]) Expect(args ...any) *Call[F] {
	pc := core.Caller(0)
	m := f.m
	args, opts := splitOptions(args, m.paramTypes())
	m.mu.Lock()
	c := f.calls.next()
	m.mu.Unlock()
	c.f = f
	var k Key
	var buf [6]core.Value // register copies them
	want, err := m.wantArgs("Expect", args, &k, buf[:])
	if err != nil {
		m.v.Reporter().Helper()
		m.v.Misuse(err)
		return c
	}
	m.register(&c.e, c, want, &k, pc)
	if len(opts) > 0 && !c.with(opts) {
		m.v.Reporter().Helper()
		m.v.Misuse(m.raisesError("Expect"))
	}
	return c
}

// Returns sets the call's results, one per result of the function (each of
// its type, or nil, or an untyped constant that fits). A trailing
// bigfoot.Raises(err) sets the last (error) result and then the others
// may be given without it: Returns("", bigfoot.Raises(io.EOF)).
func (c *Call[F]) Returns(results ...any) *Call[F] {
	m := c.f.m
	results, opts := splitOptions(results, m.results)
	raises, optional := core.ApplyOptions(opts)
	if raises != nil && m.errLast && len(results) == len(m.results)-1 {
		results = append(results, raises)
	} else if raises != nil {
		m.v.Reporter().Helper()
		if !m.errLast {
			m.v.Misuse(m.raisesError("Returns"))
			return c
		}
		m.v.Misuse(&ArgumentError{Func: m.label, Method: "Returns", Index: -1, Got: strconv.Itoa(len(results)) + " result(s) and bigfoot.Raises",
			Want:      "with Raises, give the results before the error (" + strconv.Itoa(len(m.results)-1) + "), or Raises alone",
			Signature: m.signature(), Fix: m.expectFix(nil)})
		return c
	}
	var dst []reflect.Value
	if c.out == nil {
		dst = c.outBuf[:] // not yet set: a failing Returns leaves no results half written
	}
	rvs, _, err := m.wantResults("Returns", results, false, dst)
	if err != nil {
		m.v.Reporter().Helper()
		m.v.Misuse(err)
		return c
	}
	c.out = rvs
	if optional {
		c.e.Optional()
	}
	c.e.Ready()
	return c
}

// Raises makes the call return err as its last result (which must be an
// error), with the other results zero unless Returns set them.
func (c *Call[F]) Raises(err error) *Call[F] {
	m := c.f.m
	if !m.errLast {
		m.v.Reporter().Helper()
		m.v.Misuse(m.raisesError("Raises"))
		return c
	}
	c.raise(err)
	return c
}

func (c *Call[F]) raise(err error) {
	if c.out == nil {
		c.out = append([]reflect.Value(nil), c.f.zeros...)
	} else {
		c.out = append([]reflect.Value(nil), c.out...)
	}
	c.out[len(c.out)-1] = reflect.ValueOf(&err).Elem()
	c.e.Ready()
}

// Does makes the call answer by calling fn with its arguments: for results
// that depend on them. The call is still recorded and asserted.
func (c *Call[F]) Does(fn F) *Call[F] {
	v := reflect.ValueOf(fn)
	if v.IsNil() {
		m := c.f.m
		m.v.Reporter().Helper()
		m.v.Misuse(&ArgumentError{Func: m.label, Method: "Does", Index: -1, Got: "a nil function",
			Want: "Does needs the function that computes the results", Fix: "Does(func(...) ... { return ... })"})
		return c
	}
	c.does = v
	c.e.Ready()
	return c
}

// Optional marks the call as not required: unused, it is not reported.
func (c *Call[F]) Optional() *Call[F] {
	c.e.Optional()
	return c
}

// With applies bigfoot.Raises and bigfoot.Optional.
func (c *Call[F]) With(opts ...core.StepOption) *Call[F] {
	if !c.with(opts) {
		c.f.m.v.Reporter().Helper()
		c.f.m.v.Misuse(c.f.m.raisesError("With"))
	}
	return c
}

func (c *Call[F]) with(opts []core.StepOption) bool {
	raises, err := c.e.With(opts...)
	if err != nil {
		return false
	}
	if raises != nil {
		c.raise(raises)
	}
	return true
}

// Times makes the expectation answer n calls with these arguments.
func (c *Call[F]) Times(n int) *Call[F] {
	if err := c.e.Times(n); err != nil {
		c.f.m.v.Reporter().Helper()
		c.f.m.v.Misuse(err)
	}
	return c
}

// AssertCall asserts that the next interaction is a call of this function
// with these arguments (values or matchers, written as the call is). It
// returns the failure and, bound to a test, stops it.
func (f *FuncMock[F]) AssertCall(args ...any) error {
	var buf [6]core.Value
	want, err := f.m.wantArgs("AssertCall", args, nil, buf[:])
	if err == nil {
		err = f.m.check(want)
	}
	if err != nil {
		f.m.v.Reporter().Helper()
	}
	return f.m.v.Fail(err)
}

// Source is the source of this function's interactions, for the generic
// bf.AssertInteraction(src, bigfoot.Fields{"arg0": ...}); its fields are
// arg0, arg1, ... in parameter order.
func (f *FuncMock[F]) Source() *core.Source { return f.m.src }

// FuncSpy calls through to the function a variable held, and records each
// call's arguments and results, which are asserted with AssertCall.
type FuncSpy[F any] struct {
	m     *method
	orig  reflect.Value
	zeros []reflect.Value
}

// Spy swaps the function variable *target for a spy until the verifier
// verifies: each call inside the sandbox goes through to the function the
// variable held, and its arguments and results are recorded, to be
// asserted with AssertCall(args, results). A spied call is recorded when it
// returns (calls it makes come before it on the timeline). Calls outside
// the sandbox are refused, as a mock's are.
func Spy[F any](h core.Host, target *F) *FuncSpy[F] {
	pc := core.Caller(0)
	v := h.Core()
	t := reflect.TypeFor[F]()
	if err := checkTarget("mock.Spy", t, target != nil, true); err != nil {
		v.Reporter().Helper()
		v.Misuse(err)
		return nil
	}
	if reflect.ValueOf(*target).IsNil() {
		v.Reporter().Helper()
		v.Misuse(&TargetError{Call: "mock.Spy", Reason: "the variable holds nil: there is no function to call through to",
			Fix: "mock.Func(bf, &pkg.Fn) // script the calls instead"})
		return nil
	}
	p := pluginOf(v)
	label := func() string { return targetLabel(pc, "Spy", reflect.ValueOf(*target), t) }
	x, err := p.claim(unsafe.Pointer(target), "mock.Spy", pc, label, func() (any, func()) {
		orig := *target
		params, variadic, results := signatureOf(t)
		o := &owner{pc: pc, fn: "Spy", fallback: "mock.Spy(" + core.CurrentNames().Verifier + ", &" + label() + ")", reuse: true}
		s := &FuncSpy[F]{m: newMethod(v, label(), "", spyForm, params, variadic, results, o), orig: reflect.ValueOf(orig)}
		p.trackLocked(s.m)
		s.zeros = make([]reflect.Value, len(results))
		for i, rt := range results {
			s.zeros[i] = reflect.Zero(rt)
		}
		*target = reflect.MakeFunc(t, s.impl).Interface().(F)
		return s, func() { *target = orig }
	})
	if err == nil {
		if s, ok := x.(*FuncSpy[F]); ok {
			return s
		}
		err = &AlreadyMockedError{Target: label(), As: "mock.Func", By: v.Name(),
			Fix: "// a function variable is either scripted (mock.Func) or spied on (mock.Spy) in one test: use one of them"}
	}
	v.Reporter().Helper()
	v.Misuse(err)
	return nil
}

func (s *FuncSpy[F]) impl(in []reflect.Value) []reflect.Value {
	m := s.m
	if !m.v.InSandbox() {
		vals := make([]core.Value, len(m.params))
		for i := range m.params {
			vals[i] = valueOf(in[i], m.params[i].Type)
		}
		err := m.refused(vals)
		m.v.Report(err)
		if !m.errLast {
			return s.zeros
		}
		out := append([]reflect.Value(nil), s.zeros...)
		out[len(out)-1] = reflect.ValueOf(&err).Elem()
		return out
	}
	var out []reflect.Value
	if m.variadic {
		out = s.orig.CallSlice(in)
	} else {
		out = s.orig.Call(in)
	}
	var buf [8]core.Value
	vals := buf[:0]
	for i := range m.params {
		vals = append(vals, valueOf(in[i], m.params[i].Type))
	}
	for i, rt := range m.results {
		vals = append(vals, valueOf(out[i], rt))
	}
	m.v.Record(m.src, vals...)
	return out
}

// AssertCall asserts that the next interaction is a call of the spied
// function with these arguments (written as the call is) that returned
// these results; values or matchers in both.
func (s *FuncSpy[F]) AssertCall(args []any, results []any) error {
	var buf [8]core.Value // the arguments, then the results appended
	want, err := s.m.wantArgs("AssertCall", args, nil, buf[:])
	var res []core.Value
	if err == nil {
		_, res, err = s.m.wantResults("AssertCall", results, true, nil)
	}
	if err == nil {
		err = s.m.check(append(want, res...))
	}
	if err != nil {
		s.m.v.Reporter().Helper()
	}
	return s.m.v.Fail(err)
}

// Source is the source of the spy's interactions; its fields are arg0,
// arg1, ... then result0, result1, ...
func (s *FuncSpy[F]) Source() *core.Source { return s.m.src }
