// Package redisbench compares a scripted Redis GET (scripted, sent and
// asserted) with bigfoot's bfredis plugin, github.com/alicebob/miniredis
// and github.com/go-redis/redismock, all through go-redis v9. See
// RESULTS.md for the figures and the command that produced them.
package redisbench
