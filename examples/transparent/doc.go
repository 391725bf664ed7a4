// Package transparent is production-style code with no seam for a test to
// fill: it dials with package net directly. Its tests, in the _test.go files,
// answer those dials from scripted sessions with no change to the code,
// which works only under the bigfoot command (transparent mode):
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./examples/...
//
// The test files carry the build tag bigfoot_overlay, which that command
// sets, so plain go test builds this package and runs none of them.
//
//   - status.go: FetchStatus, the reference page's "Full example", calling
//     net.Dial; status_test.go scripts the exchange.
//   - health.go: Healthy, calling http.Get through the default transport;
//     health_test.go scripts the HTTP exchange byte for byte.
//   - alert.go: SendAlert, a net/smtp sender; alert_test.go scripts the
//     SMTP dialogue.
//   - firewall_test.go: what happens to a dial made outside the sandbox.
package transparent
