// Package transparent holds the tests of bigfoot's transparent mode: code
// that dials with package net (net.Dial, net.DialTimeout, net.Dialer,
// http.Get, net/smtp) answered by scripted sessions, the routing of dials
// to sandboxes across goroutines, contexts and parallel tests, the
// firewall for dials outside every sandbox, and the guard levels of every
// kind (dial, http, sql, dns, exec) outside sandboxes (levels_test.go).
//
// Its test files carry the build tag bigfoot_overlay, so plain go test
// compiles none of them; run them with
//
//	go run ./cmd/bigfoot test ./transparent
//
// Every test runs inside a network namespace that has only a loopback
// interface (TestMain re-executes the test binary under 'unshare -n'), so
// nothing can leave the machine even if interception or the firewall
// failed. Where no such namespace can be made (no unshare or ip command, no
// privilege, not Linux) the package fails rather than skips.
package transparent
