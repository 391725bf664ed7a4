// Package bigfoot is a strict test-double library. Code under test talks to
// the outside world (sockets, HTTP, SQL, DNS, processes, logs) and to its own
// functions; bigfoot answers those calls from a script
// the test wrote, records each on one timeline, and fails the test when a call
// was not scripted, when a recorded call was not asserted, or when a scripted
// step was never used.
//
//	func TestEcho(t *testing.T) {
//		bf := bigfoot.New(t)
//		bf.Socket().NewSession().
//			Expect("connect", nil).
//			Expect("sendall", nil).
//			Expect("recv", []byte("pong")).
//			Expect("close", nil)
//
//		bf.Sandbox(func() {
//			conn, _ := bf.Socket().Dial("tcp", "127.0.0.1:9999")
//			conn.Write([]byte("ping"))
//			conn.Read(make([]byte, 1024))
//			conn.Close()
//		})
//
//		bf.Socket().AssertConnect("127.0.0.1", 9999)
//		bf.Socket().AssertSendall([]byte("ping"))
//		bf.Socket().AssertRecv(1024, []byte("pong"))
//		bf.Socket().AssertClose()
//	}
//
// This package is the front door: the engine lives in package core, the
// interception plumbing in package guard, and the plugins in their own
// packages (socket, bfhttp, bfsql, bfdns, bfexec, bfslog, mock); the names
// here are aliases of theirs, so errors.As works with either. Importing it
// installs every standard-library plugin's hooks.
package bigfoot

import (
	"context"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/socket"
)

func init() {
	core.SetNames(core.Names{Verifier: "bf", Package: "bigfoot"})
	core.RegisterPackages("github.com/bigfoot-go/bigfoot")
}

// TestingT is what New needs of a test: *testing.T, *testing.B and
// *testing.F satisfy it, and so does package bftest's fake.
type TestingT interface {
	core.Reporter
	Cleanup(func())
}

// StrictVerifier owns one timeline shared by all plugins and enforces the
// three guarantees: every call scripted, every interaction asserted, every
// required step used.
type StrictVerifier struct {
	v *core.Verifier
}

// New returns a verifier bound to t: failures of intercepted calls fail t
// (from any goroutine), failed assertions stop it, and VerifyAll runs in
// t.Cleanup.
func New(t TestingT) *StrictVerifier {
	t.Helper()
	noteFirewallInactive(t) // once per test binary built without the overlay
	bf := &StrictVerifier{v: core.New(t)}
	t.Cleanup(bf.v.VerifyAtCleanup)
	return bf
}

// NewStrictVerifier returns a verifier for manual use without a test: every
// failure is returned as an error, and the caller runs VerifyAll.
func NewStrictVerifier() *StrictVerifier {
	return &StrictVerifier{v: core.New(nil)}
}

// Core returns the engine under bf, for plugin constructors such as
// socket.NewPlugin(bf).
func (bf *StrictVerifier) Core() *core.Verifier { return bf.v }

// Socket returns the verifier's socket plugin, created on first use.
func (bf *StrictVerifier) Socket() *socket.Plugin { return socket.For(bf.v) }

// Sandbox runs fn with the plugins answering calls from their scripts: the Go
// form of Python's `with bigfoot:`. Assertions come after it returns.
func (bf *StrictVerifier) Sandbox(fn func()) { bf.v.Sandbox(fn) }

// InAnyOrder runs fn, inside which assertions match any unasserted
// interaction instead of the next one: for goroutine fan-out.
func (bf *StrictVerifier) InAnyOrder(fn func()) { bf.v.InAnyOrder(fn) }

// AssertInteraction asserts the next unasserted interaction generically:
// src names its kind (socket.Recv, say) and fields gives a value or matcher
// for every field src declares. It returns the failure and, bound to a test,
// stops it.
func (bf *StrictVerifier) AssertInteraction(src *core.Source, fields Fields) error {
	err := bf.v.CheckInteraction(src, fields)
	if err != nil {
		bf.v.Reporter().Helper()
	}
	return bf.v.Fail(err)
}

// VerifyAll returns what verification finds: unasserted interactions, unused
// steps, and the failures of intercepted calls. A verifier from New runs it
// at cleanup by itself.
func (bf *StrictVerifier) VerifyAll() error { return bf.v.VerifyAll() }

// Context returns a context that routes calls made with it to bf's sandbox,
// for goroutines that did not descend from the one that entered it.
func (bf *StrictVerifier) Context(parent context.Context) context.Context {
	return core.WithSandbox(parent, bf.v)
}

// Fields maps the field names of an interaction to expected values or matchers.
type Fields = core.Fields

// StepOption modifies a scripted step; see Raises and Optional.
type StepOption = core.StepOption

// Raises makes a scripted step's call return err instead of its value.
func Raises(err error) StepOption { return core.Raises(err) }

// Optional marks a scripted step as not required (Python's required=False).
func Optional() StepOption { return core.Optional() }

// Matcher is satisfied by bigfoot's matchers and by gomock's.
type Matcher = core.Matcher

// Any matches every value; an assertion of only wildcards is rejected.
func Any() Matcher { return core.Any() }

// Eq matches values equal to want ([]byte by content).
func Eq(want any) Matcher { return core.Eq(want) }

// Not matches what m rejects.
func Not(m Matcher) Matcher { return core.Not(m) }

// Contains matches a string or []byte containing sub.
func Contains(sub string) Matcher { return core.Contains(sub) }

// HasPrefix matches a string or []byte starting with prefix.
func HasPrefix(prefix string) Matcher { return core.HasPrefix(prefix) }

// Regexp matches a string or []byte in which pattern finds a match; an
// invalid pattern panics as regexp.MustCompile does.
func Regexp(pattern string) Matcher { return core.Regexp(pattern) }

// Satisfies matches values of type T for which pred holds; desc is printed on failure.
func Satisfies[T any](desc string, pred func(T) bool) Matcher { return core.Satisfies(desc, pred) }

// The typed errors. Each is the same type as in package core.
type (
	UnmockedInteractionError    = core.UnmockedInteractionError
	UnassertedInteractionsError = core.UnassertedInteractionsError
	UnusedMocksError            = core.UnusedMocksError
	VerificationError           = core.VerificationError
	InteractionMismatchError    = core.InteractionMismatchError
	MissingAssertionFieldsError = core.MissingAssertionFieldsError
	AllWildcardAssertionError   = core.AllWildcardAssertionError
	AssertionInsideSandboxError = core.AssertionInsideSandboxError
	InvalidStateError           = core.InvalidStateError
	StepMismatchError           = core.StepMismatchError
	UnknownStepError            = core.UnknownStepError
	ReturnsTypeError            = core.ReturnsTypeError
	ScriptSealedError           = core.ScriptSealedError
	GuardedCallError            = core.GuardedCallError
	PostSandboxInteractionError = core.PostSandboxInteractionError
	SandboxMismatchError        = core.SandboxMismatchError
	InvalidAssertionError       = core.InvalidAssertionError
	PanicError                  = core.PanicError
	RepeatedFailureError        = core.RepeatedFailureError
	PluginExistsError           = core.PluginExistsError
)

// ErrPluginExists is wrapped by the error of a second plugin of one kind on a verifier.
var ErrPluginExists = core.ErrPluginExists
