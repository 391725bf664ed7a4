// Package record is bigfoot's record mode, the engine of `bigfoot record`:
// the transcripts a test binary writes while its sandboxes' unscripted
// calls go through to real services (package guard's recorder fills them:
// connections byte by byte, HTTP exchanges, name lookups and processes,
// one sequence for all), and the decoders and emitter that turn two runs'
// transcripts into the Go code of a strict test.
//
// Each call is decoded at the layer of the plugin that would answer it: an
// HTTP exchange as a bfhttp request, a Redis connection as bfredis
// commands, a Postgres connection as bfpg queries, a lookup as bfdns, a
// process as bfexec, and any other connection as a socket session. Emit
// compares the two runs field by field: a field that differs (a nonce, a
// timestamp, an ID) or is a secret (Authorization, Cookie, passwords, and
// what Options.Redact names) is written as a matcher; everything else as
// its value. A plugin outside the project adds its protocol with
// Register.
package record
