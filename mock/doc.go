// Package mock is bigfoot's plugin for mocking the program's own Go code:
// function variables, with no code generation, and interfaces, through
// mocks that `bigfoot mock` generates. Their calls go on the verifier's
// one timeline with every other plugin's (sockets, HTTP, SQL), and keep
// bigfoot's three guarantees: a call nothing scripted fails the test, every
// call must be asserted, every required expectation must be used.
//
// # Function variables
//
// Code under test that calls a package-level function variable
// (var Now = time.Now) can have it swapped for the test:
//
//	bf := bigfoot.New(t)
//	now := mock.Func(bf, &clock.Now)
//	fetch := mock.Func(bf, &store.Fetch)
//	now.Expect().Returns(time.Date(2025, time.March, 1, 9, 0, 0, 0, time.UTC))
//	fetch.Expect(bigfoot.Any(), "user:1").Returns(store.User{Name: "ada"}, nil)
//	fetch.Expect(bigfoot.Any(), "user:2").Raises(store.ErrNotFound)
//
//	bf.Sandbox(func() { greeting, err = greet(ctx, "user:1", "user:2") })
//
//	now.AssertCall()
//	fetch.AssertCall(ctx, "user:1")
//	fetch.AssertCall(bigfoot.Any(), "user:2")
//
// The variable is restored when the verifier verifies: at the test's
// cleanup for bigfoot.New(t), in VerifyAll for a manual verifier. mock.Func
// on a variable the verifier already swapped returns the same double, so
// mock.Func(bf, &clock.Now) reaches it from anywhere in the test.
//
// mock.Spy(bf, &pkg.Fn) swaps the variable for a spy that calls through to
// the function it held and records the arguments and the results; each call
// is asserted with AssertCall(args, results []any).
//
// # Interfaces
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot mock [-o file] [-pkg name] [-names I=Name] <package> <Interface>...
//
// generates, for each interface, a strict mock; as a go:generate line:
//
//	//go:generate go run github.com/bigfoot-go/bigfoot/cmd/bigfoot mock -o storemock/store.go . Store
//
// For interface Store with method Get(ctx context.Context, id string) (*User, error):
//
//	m := storemock.NewMockStore(bf)                 // implements Store
//	m.ExpectGet(ctx, "u1").Returns(&User{}, nil)     // typed arguments and results
//	m.ExpectGetMatch(bigfoot.Any(), "u1").Raises(err) // values or matchers
//	m.AssertGet(ctx, "u1")                           // typed
//	m.AssertGetMatch(bigfoot.Any(), "u1")            // values or matchers
//
// The typed call that Expect returns (MockStoreGetCall) has Returns (typed
// results), Raises(err) when the last result is an error, Does(fn) with the
// method's own signature, Optional(), With(opts...) and Times(n). Generics
// (NewMockRepo[K, V]), variadic methods, embedded interfaces (of the
// package and of others, io.ReadCloser included) and unexported types and
// interfaces (generated into the package itself) all work. The generator
// uses the standard library only: go list -export for the dependencies'
// export data, go/types on the package's source.
//
// # Decisions
//
//   - Expect takes its arguments as the call is written, variadic ones
//     spread: Expect("%d items", 3) for Logf(format string, args ...any).
//     A value must fit its parameter's type as Go would accept it in a
//     call: of that type, assignable to it, nil for a type that has nil, or
//     an untyped-constant-like value (int, float64, string, bool, rune) that
//     converts without loss, so Expect(5) fits an int64 and Expect("x") a
//     named string type. Anything else, or a wrong count, is an
//     *ArgumentError at the Expect line that names the parameter and shows
//     the signature and a call that fits. Every value that implements
//     core.Matcher (bigfoot.Any() and friends, gomock's matchers) is taken
//     as a matcher.
//   - Options attach three ways, all equivalent: methods on what Expect
//     returns (.Raises(err), .Optional(), .With(opts...)), trailing options
//     in Expect(args..., bigfoot.Optional()), and a trailing
//     bigfoot.Raises(err) in Returns, which then takes the results before
//     the error: Returns(partial, bigfoot.Raises(err)). Raises on a
//     function whose last result is not an error is an *ArgumentError.
//   - A function with results needs Returns, Raises or Does: a call that
//     takes an expectation without them fails with
//     *IncompleteExpectationError rather than returning made-up zeros.
//   - Calls take the first unused expectation whose arguments match, in
//     registration order among equal ones (bigfoot's matched queues, as
//     HTTP requests take responses). Exact arguments of the kinds a key can
//     hold (strings, integers, bools, []byte, and nil, ints, strings in
//     interface parameters) are found in O(1); expectations with matchers,
//     or with values compared by reflect.DeepEqual (structs, pointers,
//     contexts, floats), are scanned, in segments of 16 so that used ones
//     are passed over. Order across calls is checked by the assertions.
//   - Assertions check each field: a function's arguments are named arg0,
//     arg1... (reflection knows no parameter names), a spy's results
//     result0, result1...; a generated mock's fields are the method's
//     parameter names. Values compare as recorded: []byte by content, the
//     rest with reflect.DeepEqual after the same conversion as Expect's,
//     so an asserted 5 matches an int64 argument.
//   - A call outside every sandbox is refused with *bigfoot.GuardedCallError,
//     a call nothing answers with *bigfoot.UnmockedInteractionError; both
//     fail the test through the verifier (from any goroutine) and the call
//     returns zero values and the error as its last error result. Nothing
//     panics, so code that recovers panics or drops errors cannot hide the
//     failure.
//   - The generated mock's Expect<M>Match and Assert<M>Match forms take
//     their arguments as any: a matcher has no static type, and a Go
//     parameter cannot take both a T and a matcher. Each argument is checked
//     against the parameter's type when the test calls them, naming the
//     parameter. Everything else (the typed Expect<M>, Assert<M>, Returns,
//     Does) keeps the method's types.
//   - A []byte argument is copied when recorded: io.Writer callers reuse
//     their buffers.
//   - A spied call is recorded when it returns, with its results, so the
//     calls it makes come before it on the timeline. A spied call that
//     panics is not recorded; the panic goes on to the caller.
//   - Function variables are global. Two verifiers cannot swap one at once
//     (tests that mock it cannot run in parallel): the second gets
//     *AlreadyMockedError naming the first test and line. Calls reach the
//     double of whichever test swapped the variable.
//   - Messages show Go values as Go (GoString): a struct as a composite
//     literal of its non-zero fields, a pointer as &T{...}, time.Duration as
//     90 * time.Second, time.Time as time.Date(...), errors.New errors as
//     errors.New("..."), context.Background() as itself, bounded (long
//     strings elided in the middle, composites cut with a comment) and
//     always parseable. An assertion that fails shows both calls as Go and
//     the difference argument by argument and field by field
//     (*CallMismatchError, which wraps bigfoot.InteractionMismatchError).
//   - Hints name the mock as the test does: the test's file is parsed (only
//     when a message is printed) at the line that made the mock, for the
//     variable it was assigned to (fetch.AssertCall(...)); unassigned, a
//     function mock's hint repeats the call that made it
//     (mock.Func(bf, &store.Fetch).AssertCall(...)), which returns the same
//     double. Values that no Go expression equals (a derived context, a
//     func) become bigfoot.Any() in hints, with the value in a comment.
//   - The script of an expectation (fetch.Expect(...) in "never used"
//     messages) is rendered only when it is printed.
package mock
