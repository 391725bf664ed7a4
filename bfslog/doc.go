// Package bfslog is bigfoot's log plugin: every log/slog record the code
// writes becomes an interaction on the verifier's timeline, to be
// asserted after the sandbox like any call.
//
//	bf := bigfoot.New(t)
//	logger := slog.New(bf.Log().Handler())
//	bf.Sandbox(func() { charge(logger, "acct-1", 250) })
//	bf.Log().AssertInfo("charged", "account", "acct-1", "cents", 250)
//
// There is no script: logs are not external, so nothing has to be
// scripted for the code to log, but once a test uses the plugin every
// record must be asserted (an unasserted one fails the test at cleanup,
// shown as the AssertInfo line to paste).
//
// # Seam and transparent mode
//
// The seam is Handler, a slog.Handler (WithAttrs and WithGroup honoured),
// and Wrap, which records and also passes each record on to another
// handler (a JSON handler the code builds, say), and Logger, a
// *slog.Logger over Handler. Under `bigfoot test` slog.Default (and so
// slog.Info, slog.Warn, ... and slog.With) returns, inside a sandbox of a
// test that used bf.Log() before the sandbox, a logger over the plugin's
// handler: records made there are the test's, from its goroutine and the
// goroutines it starts, so parallel tests each get their own; outside
// sandboxes, and in tests that did not use bf.Log(), logs go where they
// would. A logger the code took from slog.Default before the sandbox, and
// the log package, keep writing where they did.
//
// # What is asserted
//
// A record is asserted by its level, its message and its attributes; its
// time and source are not. Attributes are compared in the order a
// slog.TextHandler prints them: the logger's With attributes first, in
// the order they were added, then the record's. Groups are flattened
// into dotted keys, as a TextHandler prints them: a record logged with
// WithGroup("req") and "id", 7 has the attribute "req.id" = 7, and so has
// one logged with slog.Group("req", "id", 7); an assertion may write
// either form (key-value pairs and slog.Attr values are interchangeable).
// A literal key "req.id" and a group req holding id are therefore the
// same. As in slog's handlers, an empty Attr is dropped, a group with no
// attributes is dropped, a group with an empty key is inlined, and
// LogValuer values are resolved.
//
// Values compare as slog holds them: any integer matches the int64 or
// uint64 slog stored (3 matches slog.Int("n", 3) and slog.Uint64("n", 3)),
// floats, strings, bools and durations by value, times with Equal, and
// other values (slog.Any) with reflect.DeepEqual, so an []byte compares
// by content and an errors.New value by its text. A matcher given as a
// value (bigfoot.Any(), bigfoot.HasPrefix...) gets the value as the API
// gave it to slog: the int64 of an int, the time.Duration, the
// http.Header or []byte of a slog.Any.
//
// The generic form is
//
//	bf.AssertInteraction(bfslog.Record, bigfoot.Fields{
//		"level": slog.LevelInfo,
//		"msg":   bigfoot.HasPrefix("charged"),
//		"attrs": bfslog.Attrs("account", "acct-1", "cents", bigfoot.Any()),
//	})
//
// Handler's Enabled reports true for every level: each record is an
// interaction, Debug included.
package bfslog
