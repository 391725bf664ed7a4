// Package bfredis is bigfoot's Redis plugin: an in-process Redis server,
// speaking RESP2 and RESP3, on every connection the code under test dials
// through it. It serves whatever client the code uses (go-redis, redigo,
// rueidis, ...): the client's handshake (HELLO, AUTH, SELECT, CLIENT
// SETINFO/SETNAME/MAINT_NOTIFICATIONS/TRACKING, the PING on connect) is
// answered by the plugin and never scripted, and the test scripts and
// asserts commands:
//
//	r := bfredis.For(bf)
//	r.Expect("SET", "k", "v").Reply(bfredis.OK)
//	r.Expect("GET", "k").Reply("v")
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379", Dialer: r.DialContext})
//	bf.Sandbox(func() { /* code under test with client */ })
//
//	r.AssertConnect("localhost:6379", "default", 0) // once per address, user and db
//	r.AssertCommand("SET", "k", "v")
//	r.AssertCommand("GET", "k")
//
// # Matching and order
//
// A command takes the first unused scripted reply whose name (in any case)
// and arguments match it; equal scripts are taken in the order they were
// registered. Order is checked by the assertions: every command is an
// interaction on the verifier's one timeline, pipelined ones and those of
// a MULTI/EXEC each on its own, in the order the server received them.
// A command nothing was scripted for fails the test at once (a
// *bigfoot.UnmockedInteractionError, "unexpected command GET k") and the
// client gets an error reply.
//
// The handshake is not recorded. What the code connected as (the address
// it dialed, the user of AUTH or HELLO, "default" without one, and the
// database of SELECT) is recorded once per verifier for each such
// identity, just before the first command sent as it: a pool of ten
// connections to one database is one connect to assert, whatever the
// client's version or pool size. A handshake command the test scripts
// itself (to make AUTH fail, say) is answered from the script and recorded
// like any other command.
//
// MULTI, EXEC and DISCARD are answered as Redis does and recorded; the
// commands between them take their scripted replies when queued (+QUEUED)
// and EXEC returns them. Script EXEC to make it return bfredis.NilArray (a
// WATCHed key changed). SUBSCRIBE and PSUBSCRIBE take a
// bfredis.Messages(...) reply: the plugin confirms each channel, then
// delivers the messages.
//
// # Reaching the plugin
//
// Seam: hand the client a dialer: DialContext (go-redis's Options.Dialer,
// redigo's DialContextFunc), Dial (redigo's DialNetDial) or DialCtxFn
// (rueidis's ClientOption.DialCtxFn). Transparent mode (bigfoot test): a
// dial inside the sandbox to an address given to Serve is answered by the
// plugin, above the socket layer; with the plugin unused, or for other
// addresses, dials go on to the socket plugin as before.
package bfredis
