// Package payments is production-style code that logs with log/slog, and its
// tests with bigfoot's log plugin:
//
//   - payments.go: Refund, which logs through the *slog.Logger it is
//     given (the seam); payments_test.go asserts its records, With
//     attributes and groups included.
//   - audit.go: Audit, which calls slog.Info itself (no seam);
//     audit_test.go asserts its records under `bigfoot test`.
package payments
