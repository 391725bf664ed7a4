// Package pgwire holds what bfpg (the fake Postgres server) and the
// Postgres decoder of `bigfoot record` must read the same way: how a
// statement is classified (transaction control, empty, COPY, its
// parameters) and how wire values are decoded (binary COPY data, the
// binary forms of the types bfpg sends). One implementation keeps the
// recorder's generated code in step with what bfpg replays. It is an
// exported package of the core module (standard library only), as the
// rule for plugins asks: bfpg uses nothing a third-party Postgres plugin
// could not.
package pgwire
