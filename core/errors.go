package core

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrPluginExists is returned (wrapped) when a second plugin of one kind is
// created on a verifier. Test for it with errors.Is.
var ErrPluginExists = errors.New("bigfoot: plugin already exists on this verifier")

// UnmockedInteractionError is returned by an intercepted call that no
// scripted step answers. The verifier also fails the test, so code that drops
// the error cannot hide it.
type UnmockedInteractionError struct {
	Plugin string // plugin that intercepted the call, e.g. "socket"
	Step   string // the step the call needed, e.g. "recv"
	Call   string // what the code did, e.g. "Read(len 1024) on tcp 127.0.0.1:9999"
	Reason string // why no step answered
	Fix    string // Go code that scripts the call
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *UnmockedInteractionError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: unmocked ")
	b.WriteString(e.Plugin)
	b.WriteString(" call ")
	b.WriteString(strconv.Quote(e.Step))
	if e.Call != "" {
		b.WriteString(": ")
		b.WriteString(e.Call)
	}
	if e.Reason != "" {
		b.WriteString("\n  ")
		b.WriteString(e.Reason)
	}
	writeFix(&b, e.Fix)
	return b.String()
}

// StepMismatchError is returned when a call meets a scripted step of another
// kind: the code and the script disagree about what happens next.
type StepMismatchError struct {
	Plugin    string   // e.g. "socket"
	Call      string   // the step the call needed, e.g. "recv"
	Step      string   // the scripted step it met, e.g. "sendall"
	Site      string   // file:line where that step was registered
	Remaining []string // the steps left in the session, in order
	On        string   // the connection, e.g. "tcp 127.0.0.1:25 (socket session 1)"
	Detail    string   // what the call carried, e.g. the bytes written
	Fix       string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *StepMismatchError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Plugin)
	b.WriteString(" call ")
	b.WriteString(strconv.Quote(e.Call))
	b.WriteString(" met scripted step ")
	b.WriteString(strconv.Quote(e.Step))
	if e.Site != "" {
		b.WriteString(" (registered at ")
		b.WriteString(e.Site)
		b.WriteString(")")
	}
	if e.Detail != "" || e.On != "" {
		b.WriteString("\n  the call: ")
		b.WriteString(e.Detail)
		if e.On != "" {
			if e.Detail != "" {
				b.WriteString(" ")
			}
			b.WriteString("on ")
			b.WriteString(e.On)
		}
	}
	b.WriteString("\n  script left in this session: [")
	b.WriteString(strings.Join(e.Remaining, " "))
	b.WriteString("]")
	writeFix(&b, e.Fix)
	return b.String()
}

// InvalidStateError is returned when a call is made from a state the
// plugin's state machine does not allow it from.
type InvalidStateError struct {
	Method    string   // the step name of the call, e.g. "recv"
	State     string   // the state the session was in
	ValidFrom []string // the states the call is allowed from, sorted
	// Err, when set, is what a real implementation would have returned
	// (net.ErrClosed for I/O on a closed connection), so errors.Is keeps working.
	Err error
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *InvalidStateError) Error() string {
	return "'" + e.Method + "' called in state '" + e.State +
		"'; valid from: [" + strings.Join(e.ValidFrom, " ") + "]"
}

// Unwrap returns the error a real implementation would have returned, if any.
func (e *InvalidStateError) Unwrap() error { return e.Err }

// UnknownStepError is reported when Expect names a step the plugin does not have.
type UnknownStepError struct {
	Plugin string
	Step   string
	Valid  []string
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *UnknownStepError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Plugin)
	b.WriteString(" has no step ")
	b.WriteString(strconv.Quote(e.Step))
	b.WriteString("; valid steps: ")
	b.WriteString(quoteAll(e.Valid))
	writeFix(&b, e.Fix)
	return b.String()
}

// ReturnsTypeError is reported when Expect is given a returns value whose type
// does not fit the step.
type ReturnsTypeError struct {
	Plugin string
	Step   string
	Got    string // the Go type given, e.g. "string"
	Want   string // what fits, e.g. "[]byte"
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ReturnsTypeError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Plugin)
	b.WriteString(" step ")
	b.WriteString(strconv.Quote(e.Step))
	b.WriteString(" returns ")
	b.WriteString(e.Want)
	b.WriteString(", got a value of type ")
	b.WriteString(e.Got)
	writeFix(&b, e.Fix)
	return b.String()
}

// ScriptSealedError is reported when Expect is called on a session that can no
// longer change: it is already bound to a connection, or verification ran.
type ScriptSealedError struct {
	Plugin string
	Step   string
	State  string // "bound" or "verified"
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ScriptSealedError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: Expect(")
	b.WriteString(strconv.Quote(e.Step))
	b.WriteString(", ...) on a ")
	b.WriteString(e.Plugin)
	b.WriteString(" session that is already ")
	b.WriteString(e.State)
	b.WriteString("; a session's script is fixed once a connection takes it")
	writeFix(&b, e.Fix)
	return b.String()
}

// UnassertedInteractionsError is reported at verification when recorded
// interactions were never asserted.
type UnassertedInteractionsError struct {
	Interactions []*Interaction
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *UnassertedInteractionsError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(strconv.Itoa(len(e.Interactions)))
	b.WriteString(" recorded interaction(s) were never asserted:\n")
	for _, in := range e.Interactions {
		b.WriteString("  ")
		b.WriteString(in.String())
		b.WriteByte('\n')
	}
	b.WriteString("fix: assert them after the sandbox, in this order:\n")
	for _, in := range e.Interactions {
		b.WriteString("\t")
		b.WriteString(in.Hint())
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

// UnusedStep is one scripted step that was never consumed.
type UnusedStep struct {
	Plugin  string
	Step    string
	Session int    // 1-based, in registration order within the plugin
	Index   int    // 1-based position of the step in its session
	Site    string // file:line where the step was registered
	Example string // a returns value that fits the step, as Go code
	// Script, for a matched queue's entry, is the Go code that registered
	// it; Session and Index are then 0.
	Script string
}

// UnusedMocksError is reported at verification when required scripted steps
// were never consumed.
type UnusedMocksError struct {
	Steps []UnusedStep
	Notes []string // plugin notes, e.g. why a dial may not have been intercepted
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *UnusedMocksError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(strconv.Itoa(len(e.Steps)))
	b.WriteString(" scripted step(s) were never used:\n")
	for _, s := range e.Steps {
		b.WriteString("  ")
		b.WriteString(s.Plugin)
		if s.Script != "" {
			b.WriteString(": ")
			b.WriteString(s.Script)
			b.WriteString(" registered at ")
			b.WriteString(s.Site)
			b.WriteByte('\n')
			continue
		}
		b.WriteString(" session ")
		b.WriteString(strconv.Itoa(s.Session))
		b.WriteString(" step ")
		b.WriteString(strconv.Itoa(s.Index))
		b.WriteString(" ")
		b.WriteString(strconv.Quote(s.Step))
		b.WriteString(" registered at ")
		b.WriteString(s.Site)
		b.WriteByte('\n')
	}
	for _, n := range e.Notes {
		b.WriteString("note: ")
		b.WriteString(n)
		b.WriteByte('\n')
	}
	b.WriteString("fix: make the code under test perform them, delete them, or mark them optional:\n")
	first := e.Steps[0]
	if first.Script != "" {
		b.WriteString("\t// pass " + names.Package + ".Optional() to the Expect call for a step the code may not take")
	} else {
		b.WriteString("\tExpect(" + strconv.Quote(first.Step) + ", " + first.Example + ", " + names.Package + ".Optional())")
	}
	return b.String()
}

// VerificationError is reported when verification finds both unasserted
// interactions and unused steps. errors.As reaches either part.
type VerificationError struct {
	Unasserted *UnassertedInteractionsError
	Unused     *UnusedMocksError
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *VerificationError) Error() string {
	return e.Unasserted.Error() + "\n" + e.Unused.Error()
}

// Unwrap returns both parts, for errors.Is and errors.As.
func (e *VerificationError) Unwrap() []error { return []error{e.Unasserted, e.Unused} }

// FieldDiff is one field of an assertion that did not match.
type FieldDiff struct {
	Field    string
	Expected Value
	Actual   Value
}

// InteractionMismatchError is returned by an assertion that does not match the
// next unasserted interaction (or, inside InAnyOrder, any of them).
type InteractionMismatchError struct {
	Source     *Source
	Expected   []Value        // in Source.Fields order
	Actual     *Interaction   // nil when nothing was left to assert
	Diffs      []FieldDiff    // set when Actual has the same source
	Remaining  []*Interaction // the unasserted interactions, from the next one on (at most 10)
	More       int            // how many more are not listed in Remaining
	InAnyOrder bool
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *InteractionMismatchError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: assertion does not match")
	if e.InAnyOrder {
		b.WriteString(" any unasserted interaction")
	} else {
		b.WriteString(" the next interaction")
	}
	b.WriteString("\n  expected: ")
	b.WriteString(describe(e.Source, e.Expected))
	if e.Actual == nil {
		b.WriteString("\n  actual:   nothing; every recorded interaction is already asserted")
		b.WriteString("\nfix: delete this assertion, or make the code under test perform the call inside the sandbox")
		return b.String()
	}
	b.WriteString("\n  actual:   ")
	b.WriteString(e.Actual.String())
	for _, d := range e.Diffs {
		b.WriteString("\n  field ")
		b.WriteString(d.Field)
		at := FirstDifference(d.Expected, d.Actual)
		if at >= 0 {
			b.WriteString(" (first difference at byte ")
			b.WriteString(strconv.Itoa(at))
			if x, y := describeByteAt(d.Expected, at), describeByteAt(d.Actual, at); x != "" || y != "" {
				b.WriteString(": expected " + x + ", got " + y)
			}
			b.WriteString(")")
		}
		b.WriteString(":\n    - ")
		b.WriteString(d.Expected.GoStringAround(at))
		b.WriteString("\n    + ")
		b.WriteString(d.Actual.GoStringAround(at))
	}
	b.WriteString("\n  unasserted timeline:")
	for _, in := range e.Remaining {
		b.WriteString("\n    ")
		b.WriteString(in.String())
	}
	if e.More > 0 {
		b.WriteString("\n    ... and ")
		b.WriteString(strconv.Itoa(e.More))
		b.WriteString(" more")
	}
	writeFix(&b, e.Actual.Hint())
	return b.String()
}

// MissingAssertionFieldsError is returned by an assertion that does not name
// every field its source declares (or names fields it does not declare).
type MissingAssertionFieldsError struct {
	Source  *Source
	Missing []string
	Unknown []string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *MissingAssertionFieldsError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: assertion on ")
	b.WriteString(e.Source.Expr())
	if len(e.Missing) > 0 {
		b.WriteString(" is missing field(s) ")
		b.WriteString(quoteAll(e.Missing))
	}
	if len(e.Unknown) > 0 {
		if len(e.Missing) > 0 {
			b.WriteString(" and")
		}
		b.WriteString(" names unknown field(s) ")
		b.WriteString(quoteAll(e.Unknown))
	}
	b.WriteString("; it declares ")
	b.WriteString(quoteAll(e.Source.Fields))
	b.WriteString(" and every one must be asserted (use " + names.Package + ".Any() for a value you do not care about)")
	writeFix(&b, genericHint(e.Source, nil))
	return b.String()
}

// AllWildcardAssertionError is returned by an assertion whose every field is a
// wildcard: it would accept any interaction and so proves nothing.
type AllWildcardAssertionError struct {
	Source *Source
	Next   *Interaction // the next unasserted interaction of Source, if any
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *AllWildcardAssertionError) Error() string {
	msg := "bigfoot: assertion on " + e.Source.Expr() + " uses " + names.Package + ".Any() for every field, so it proves nothing\n" +
		"fix: give at least one field its expected value"
	if e.Next != nil {
		msg += "; the next such interaction is asserted by\n\t" + e.Next.Hint()
	}
	return msg
}

// AssertionInsideSandboxError is returned by an assertion made while the
// sandbox is still open: interactions are asserted after it closes.
type AssertionInsideSandboxError struct {
	Source *Source
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *AssertionInsideSandboxError) Error() string {
	return "bigfoot: assertion on " + e.Source.Expr() + " made inside the sandbox\n" +
		"fix: move the assertion after the sandbox closes:\n" +
		"\t" + names.Verifier + ".Sandbox(func() { /* code under test */ })\n\t// assertions here"
}

// GuardedCallError is returned for a call that was refused because no sandbox
// was active to answer it, or because the firewall does not allow its address.
type GuardedCallError struct {
	Plugin  string // e.g. "socket"
	Op      string // e.g. "dial", "read"
	Network string // e.g. "tcp"
	Address string // e.g. "db.internal:5432"
	Reason  string
	Fix     string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *GuardedCallError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Plugin)
	b.WriteString(" ")
	b.WriteString(e.Op)
	b.WriteString(" ")
	b.WriteString(e.Network)
	b.WriteString(" ")
	b.WriteString(e.Address)
	b.WriteString(" refused: ")
	b.WriteString(e.Reason)
	writeFix(&b, e.Fix)
	return b.String()
}

func writeFix(b *strings.Builder, fix string) {
	if fix == "" {
		return
	}
	b.WriteString("\nfix:\n\t")
	b.WriteString(strings.ReplaceAll(fix, "\n", "\n\t"))
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// describeByteAt names the byte at offset i of a text value, for diffs:
// whitespace by name, so that an exact compare never fails invisibly.
func describeByteAt(v Value, i int) string {
	t, ok := v.text()
	if !ok {
		return ""
	}
	if i >= len(t) {
		return "the end"
	}
	switch c := t[i]; c {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '\n':
		return "a newline"
	case '\r':
		return "a carriage return"
	default:
		return strconv.QuoteRune(rune(c))
	}
}

// PluginExistsError is returned when a second plugin of one kind is created
// on a verifier. errors.Is(err, ErrPluginExists) holds.
type PluginExistsError struct {
	Plugin   string
	Accessor string // how a test reaches the plugin, e.g. "bf.Socket()"
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *PluginExistsError) Error() string {
	fix := "// reuse the first one"
	if e.Accessor != "" {
		fix = "// reuse the first one; " + e.Accessor + " returns it, creating it on first use:\n" + e.Accessor
	}
	return "bigfoot: a " + e.Plugin + " plugin is already registered on this verifier; each verifier has at most one\n" +
		"fix:\n\t" + strings.ReplaceAll(fix, "\n", "\n\t")
}

// Unwrap makes errors.Is(err, ErrPluginExists) true.
func (e *PluginExistsError) Unwrap() error { return ErrPluginExists }

// InvalidAssertionError is returned by an assertion that cannot be checked
// at all, such as one given a nil source.
type InvalidAssertionError struct {
	Reason string
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *InvalidAssertionError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: invalid assertion: ")
	b.WriteString(e.Reason)
	writeFix(&b, e.Fix)
	return b.String()
}

// PanicError is returned by an intercepted call whose plugin code or
// matcher panicked: the panic is reported with its own text and stack
// rather than left to crash a goroutine or hang the test.
type PanicError struct {
	Plugin string
	Value  any
	Stack  string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *PanicError) Error() string {
	stack := e.Stack
	if len(stack) > 4096 {
		stack = stack[:4096] + "\n..."
	}
	return "bigfoot: panic in the " + e.Plugin + " plugin while answering a call: " + fmt.Sprint(e.Value) + "\n" + stack
}

// RepeatedFailureError says that a failure already reported happened again
// (a client retrying): it is printed once, with the count.
type RepeatedFailureError struct {
	Text  string // the failure's message
	Count int    // how many times it happened
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *RepeatedFailureError) Error() string {
	first, _, _ := strings.Cut(e.Text, "\n")
	return "bigfoot: the failure reported above happened " + strconv.Itoa(e.Count) + " times in all (printed once): " + first
}

// PostSandboxInteractionError is returned for a call made on behalf of a
// sandbox that has already closed: by a goroutine it started, or with a
// context from its Context, or on a connection it opened. The call is
// refused, and the test it belongs to fails if it is still running.
type PostSandboxInteractionError struct {
	Plugin string // e.g. "socket"
	Call   string // e.g. "dial tcp db.internal:5432"
	Test   string // the test whose sandbox it was
	Site   string // where the code made the call
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *PostSandboxInteractionError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Plugin)
	b.WriteString(" ")
	b.WriteString(e.Call)
	b.WriteString(" made after the sandbox of ")
	b.WriteString(e.Test)
	b.WriteString(" closed")
	if e.Site != "" {
		b.WriteString("\n  called at ")
		b.WriteString(e.Site)
	}
	writeFix(&b, "// finish the work inside the sandbox: wait for the goroutines it starts before it returns\n"+
		names.Verifier+".Sandbox(func() {\n\tvar wg sync.WaitGroup\n\t// start the work with wg.Add / wg.Done\n\twg.Wait()\n})")
	return b.String()
}

// SandboxMismatchError is returned when a connection or other resource
// made in one test's sandbox is used from another's: pooled connections
// shared between parallel tests, say. The call is refused.
type SandboxMismatchError struct {
	Plugin string
	Call   string // e.g. "write on tcp 10.0.0.1:80"
	Owner  string // the test whose sandbox made the resource
	User   string // the test whose sandbox used it
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *SandboxMismatchError) Error() string {
	return "bigfoot: " + e.Plugin + " " + e.Call + " in the sandbox of " + e.User +
		" uses a connection made in the sandbox of " + e.Owner + "\n" +
		"fix:\n\t// give each test its own client (or transport), or close idle connections at the end of each sandbox:\n\t" +
		"client.CloseIdleConnections()"
}

// ErrInvalidEntry is returned (wrapped) when a plugin adds an entry a
// Queue cannot keep. errors.Is(err, ErrInvalidEntry) holds for an
// *InvalidEntryError.
var ErrInvalidEntry = errors.New("bigfoot: invalid queue entry")

// InvalidEntryError is a plugin's misuse of Queue.Add or Queue.AddEntry:
// an entry added twice (AddEntry keeps the caller's storage, so a second
// registration would corrupt the first), a nil entry, or one that sets
// both Match and MatchEntry. It is reported when the entry is added.
type InvalidEntryError struct {
	Plugin string // the queue's plugin, e.g. "mock"
	Reason string // what is wrong with the entry
	Site   string // where the entry was first added, when it was
	Fix    string // Go code that registers the entry correctly
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *InvalidEntryError) Error() string {
	var b strings.Builder
	b.WriteString("bigfoot: ")
	b.WriteString(e.Plugin)
	b.WriteString(" plugin added an invalid queue entry: ")
	b.WriteString(e.Reason)
	if e.Site != "" {
		b.WriteString("\n  first added at ")
		b.WriteString(e.Site)
	}
	writeFix(&b, e.Fix)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidEntry) true.
func (e *InvalidEntryError) Unwrap() error { return ErrInvalidEntry }
