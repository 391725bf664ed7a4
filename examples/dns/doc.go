// Package dns is production-style code that looks names up, and its tests
// with bigfoot's DNS plugin:
//
//   - discovery.go: Backends, service discovery over SRV records and the
//     targets' addresses through the *net.Resolver it is given (the seam);
//     discovery_test.go scripts the lookups, including a target that no
//     longer exists.
//   - mail.go: AcceptsMail, which calls net.LookupMX directly (no seam);
//     mail_test.go answers it under `bigfoot test` (transparent mode), and
//     shows that without bf.DNS() a lookup inside the sandbox fails at the
//     DNS level instead of reaching the network.
package dns
