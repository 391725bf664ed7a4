// Package dns proves bigfoot's DNS, process and log plugins (bfdns,
// bfexec, bfslog) against unmodified real clients, in a module of its own
// so that the core module's users never download them:
//
//   - github.com/nats-io/nats.go and github.com/redis/go-redis/v9 with
//     host names, in transparent mode (transparent_test.go): both look
//     their server's name up themselves, and bf.DNS() answers those
//     lookups, while the socket plugin answers (or, by a pass-through
//     rule, lets through to the test's own server) their connections.
//   - github.com/miekg/dns as a client: over a connection of
//     bf.DNS().Resolver() under plain go test, and dialing a name server
//     itself in transparent mode; either way bigfoot's in-process server
//     answers it, and miekg/dns packs the queries and parses the answers
//     of bigfoot's own DNS codec for every record type.
//   - Branches (gitwrap.go), a CLI wrapper that runs git, through the seam
//     and through exec.Command itself.
//   - A logger the code built with slog.NewJSONHandler, wrapped by
//     bf.Log().Wrap, and the same handler made the default logger.
//
// Under plain go test, TestTransparentMode runs the transparent-mode tests
// through the bigfoot command.
package dns
