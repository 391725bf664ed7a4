// Package examples holds, as runnable tests, one Go version of each example on
// the reference page of the socket plugin of bigfoot for Python. Each test
// drives production-style code that receives its dial function as a
// parameter (the seam), scripts the connections it will make, runs it inside
// the sandbox, checks its result and asserts every interaction.
//
//   - setup_test.go: TestEchoClient, the echo client from "Setup": one
//     connection that sends "ping" and receives "pong".
//   - manual_test.go: TestManualVerifier, the same outside the testing
//     helpers: bigfoot.NewStrictVerifier, socket.NewPlugin, assertions and
//     VerifyAll that return errors, and the second socket.NewPlugin on one
//     verifier failing with bigfoot.ErrPluginExists.
//   - scripting_test.go: TestScriptingASession, a "send" step that reports 5
//     bytes written, and TestScriptingASessionShortSend, a send step that
//     reports fewer bytes than the Write was given (io.ErrShortWrite).
//   - multiple_connections_test.go: TestTwoConnections, two sessions taken by
//     two connections in registration order.
//   - full_example_test.go: TestFetchStatus, the "Full example":
//     fetchStatus against monitoring.internal:5000, "STATUS\r\n" answered by
//     "OK 200\r\n".
//   - invalid_state_test.go: TestInvalidStateError, a Write after Close
//     failing with *bigfoot.InvalidStateError and its exact text (in Go a
//     connection exists only once it is connected, so a call after Close is
//     how running code reaches a wrong state), and
//     TestInvalidStateErrorInScript, the reference page's own case (recv
//     before connect), refused by Expect when the script is written.
//
// The subpackage transparent holds production code with no seam (net.Dial,
// http.Get, net/smtp) and tests that run under `bigfoot test`.
//
// The package has no code of its own: everything is in its tests.
package examples
