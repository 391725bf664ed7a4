package mock

import (
	"strconv"
	"strings"

	"github.com/bigfoot-go/bigfoot/core"
)

// ArgumentError is reported when a script or an assertion gives arguments
// or results that do not fit the function's signature: a wrong count, or a
// value that is neither of the parameter's type (as Go would accept it in a
// call) nor a matcher. It is reported at the line that wrote them.
type ArgumentError struct {
	Func      string // the mocked function, e.g. "store.Fetch" or "kv.Store.Get"
	Method    string // what was called, e.g. "Expect", "Returns", "AssertCall"
	What      string // "argument" or "result"
	Index     int    // 0-based position, or -1 when the count is wrong
	Param     string // the parameter, e.g. "key string" or "string"
	Got       string // what was given, e.g. "int 5" or "1 argument"
	Want      string // what fits, e.g. "a string, or a matcher"
	Signature string // the function's type, e.g. "func(context.Context, string) (string, error)"
	Fix       string // Go code that fits
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ArgumentError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Func)
	b.WriteString(": ")
	b.WriteString(e.Method)
	if e.Index < 0 {
		b.WriteString(" was given ")
		b.WriteString(e.Got)
		b.WriteString("; ")
		b.WriteString(e.Want)
	} else {
		b.WriteString("'s ")
		b.WriteString(e.What)
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(e.Index + 1))
		if e.Param != "" {
			b.WriteString(" (")
			b.WriteString(e.Param)
			b.WriteByte(')')
		}
		b.WriteString(" is ")
		b.WriteString(e.Got)
		b.WriteString("; want ")
		b.WriteString(e.Want)
	}
	if e.Signature != "" {
		b.WriteString("\n  signature: ")
		b.WriteString(e.Signature)
	}
	writeFix(&b, e.Fix)
	return b.String()
}

// TargetError is reported when mock.Func or mock.Spy is given something it
// cannot swap: a nil pointer, a pointer to something other than a function
// variable, or (for Spy) a variable holding nil.
type TargetError struct {
	Call   string // e.g. "mock.Spy"
	Reason string
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *TargetError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Call)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	writeFix(&b, e.Fix)
	return b.String()
}

// AlreadyMockedError is reported when a function variable is mocked while
// another verifier (a test running in parallel, or one that has not
// cleaned up) still has it swapped, or when one test makes it both a
// mock.Func and a mock.Spy. A function variable is global: two tests cannot
// swap it at once.
type AlreadyMockedError struct {
	Target string // e.g. "store.Fetch"
	As     string // how it is swapped already: "mock.Func" or "mock.Spy"
	By     string // the test (verifier) that swapped it
	Site   string // file:line where it was swapped
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *AlreadyMockedError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Target)
	b.WriteString(" is already swapped by ")
	b.WriteString(e.As)
	b.WriteString(" in ")
	b.WriteString(e.By)
	if e.Site != "" {
		b.WriteString(" (at ")
		b.WriteString(e.Site)
		b.WriteByte(')')
	}
	writeFix(&b, e.Fix)
	return b.String()
}

// IncompleteExpectationError is returned by a call that took a scripted
// expectation which says nothing about what to return: Expect(...) of a
// function with results, with no Returns, Raises or Does. The test fails
// too; the call returns zero values.
type IncompleteExpectationError struct {
	Func   string // e.g. "store.Fetch"
	Script string // the expectation, e.g. `fetch.Expect("k")`
	Site   string // where it was registered
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *IncompleteExpectationError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: a call of ")
	b.WriteString(e.Func)
	b.WriteString(" took the expectation ")
	b.WriteString(e.Script)
	b.WriteString(" (registered at ")
	b.WriteString(e.Site)
	b.WriteString("), which has no Returns: the function has results, and a mock does not make them up")
	writeFix(&b, e.Fix)
	return b.String()
}

// CallMismatchError is returned by an assertion on a mock that does not
// match the next interaction (or, inside InAnyOrder, any unasserted one). It
// shows both calls as Go, and the differences argument by argument and
// field by field. errors.As also finds the *core.InteractionMismatchError
// (bigfoot.InteractionMismatchError) it wraps.
type CallMismatchError struct {
	Mismatch  *core.InteractionMismatchError
	Expected  string   // the asserted call, as Go
	Actual    string   // the interaction met, as Go for a mock's, else as the timeline shows it
	Diffs     []string // per argument (and field), "name:\n - want\n + got"
	Remaining []string // the unasserted timeline, from the next interaction on
	More      int      // how many more are not listed
	Fix       string   // the assertion that matches the interaction met
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *CallMismatchError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: assertion does not match")
	if e.Mismatch != nil && e.Mismatch.InAnyOrder {
		b.WriteString(" any unasserted interaction")
	} else {
		b.WriteString(" the next interaction")
	}
	b.WriteString("\n  expected: ")
	b.WriteString(e.Expected)
	if e.Actual == "" {
		b.WriteString("\n  actual:   nothing; every recorded interaction is already asserted")
		b.WriteString("\nfix: delete this assertion, or make the code under test perform the call inside the sandbox")
		return b.String()
	}
	b.WriteString("\n  actual:   ")
	b.WriteString(e.Actual)
	for _, d := range e.Diffs {
		b.WriteString("\n  ")
		b.WriteString(d)
	}
	b.WriteString("\n  unasserted timeline:")
	for _, r := range e.Remaining {
		b.WriteString("\n    ")
		b.WriteString(r)
	}
	if e.More > 0 {
		b.WriteString("\n    ... and ")
		b.WriteString(strconv.Itoa(e.More))
		b.WriteString(" more")
	}
	writeFix(&b, e.Fix)
	return b.String()
}

// Unwrap returns the core mismatch, for errors.As.
func (e *CallMismatchError) Unwrap() error {
	if e.Mismatch == nil {
		return nil
	}
	return e.Mismatch
}

func writeFix(b *strings.Builder, fix string) {
	if fix == "" {
		return
	}
	b.WriteString("\nfix:\n\t")
	b.WriteString(strings.ReplaceAll(fix, "\n", "\n\t"))
}
