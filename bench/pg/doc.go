// Package pgbench holds the benchmarks of bigfoot's Postgres plugin
// (bfpg) beside pgxmock: see RESULTS.md for the figures and the command.
package pgbench
