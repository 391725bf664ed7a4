package bfredis_test

import (
	"errors"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// The failure paths, checked with bigfoot's exported fake test. Every
// hint is Go that parses.

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("failure lacks %q:\n%s", w, text)
		}
	}
}

// fixes returns the Go code after each "fix:" line, which must parse.
func checkFixesParse(t *testing.T, text string) {
	t.Helper()
	n := 0
	for _, part := range strings.Split(text, "fix:")[1:] {
		var lines []string
		for _, l := range strings.Split(part, "\n")[1:] {
			if !strings.HasPrefix(l, "\t") {
				break
			}
			lines = append(lines, strings.TrimPrefix(l, "\t"))
		}
		if len(lines) == 0 {
			continue
		}
		src := "package p\nfunc _() {\n" + strings.Join(lines, "\n") + "\n}\n"
		if _, err := parser.ParseFile(token.NewFileSet(), "fix.go", src, 0); err != nil {
			t.Errorf("fix does not parse: %v\n%s", err, src)
		}
		n++
	}
	if n == 0 {
		t.Errorf("no fix in:\n%s", text)
	}
}

// An unscripted command speaks the protocol, fails the test at once, and
// the client gets an error reply; the fix scripts it.
func TestUnexpectedCommand(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		r := bfredis.For(bf)
		r.Expect("GET", "other").Reply("x", bigfoot.Optional())
		c := newClient(t, r, 3)
		bf.Sandbox(func() { err = c.Set(ctx(t), "user:1", "ada lovelace", 0).Err() })
		r.AssertConnect("localhost:6379", "default", 0)
	})
	if err == nil || !strings.Contains(err.Error(), "unexpected command SET user:1 \"ada lovelace\"") {
		t.Errorf("client error = %v", err)
	}
	mustContain(t, ft.All(),
		`bigfoot: unmocked redis call "SET": unexpected command SET user:1 "ada lovelace" on localhost:6379 (db 0)`,
		`scripted and not yet taken: GET other`,
		`bfredis.For(bf).Expect("SET", "user:1", "ada lovelace").Reply(bfredis.OK)`,
		"failures_test.go:")
	if strings.Contains(ft.All(), `\r\n`) || strings.Contains(ft.All(), "*3") {
		t.Errorf("message shows wire bytes:\n%s", ft.All())
	}
	checkFixesParse(t, ft.All())
}

// The failure is typed: VerifyAll of a manual verifier returns it.
func TestUnexpectedCommandIsTyped(t *testing.T) {
	bf := bigfoot.NewStrictVerifier()
	r := bfredis.For(bf)
	c := newClient(t, r, 2)
	bf.Sandbox(func() { c.Del(ctx(t), "k") })
	var unmocked *bigfoot.UnmockedInteractionError
	if err := bf.VerifyAll(); !errors.As(err, &unmocked) || unmocked.Plugin != "redis" || unmocked.Step != "DEL" {
		t.Fatalf("VerifyAll = %v, want the unmocked DEL", err)
	}
	if !strings.Contains(unmocked.Fix, `bfredis.For(bf).Expect("DEL", "k").Reply(1)`) {
		t.Errorf("fix = %q", unmocked.Fix)
	}
}

// Handshake commands are never what the test has to script: a test that
// scripts nothing but its commands passes whatever go-redis sends on
// connect. A handshake command scripted by the test is answered from the
// script: here, an AUTH that fails.
func TestScriptedHandshakeCommandIsACommand(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	wrongPass := bfredis.Error("WRONGPASS invalid username-password pair or user is disabled.")
	r.Expect("HELLO", "3", bigfoot.Regexp("(?i)^auth$"), "app", "wrong").Reply(wrongPass) // go-redis tries HELLO first,
	r.Expect("AUTH", "app", "wrong").Reply(wrongPass)                                     // then AUTH
	c := redis.NewClient(&redis.Options{Addr: "localhost:6379", Dialer: r.DialContext, Username: "app", Password: "wrong", MaxRetries: -1})
	defer c.Close()
	var err error
	bf.Sandbox(func() { err = c.Get(ctx(t), "k").Err() })
	if err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("GET = %v, want WRONGPASS", err)
	}
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("HELLO", "3", bigfoot.Regexp("(?i)^auth$"), "app", "wrong")
	r.AssertCommand("AUTH", "app", "wrong")
}

// Left-over scripts and unasserted commands fail the test at cleanup, with
// the assertion to paste.
func TestUnassertedAndUnused(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		r := bfredis.For(bf)
		r.Expect("GET", "k").Reply("v").Expect("DEL", "k").Reply(1)
		c := newClient(t, r, 3)
		bf.Sandbox(func() { c.Get(ctx(t), "k") })
	})
	mustContain(t, ft.All(),
		"2 recorded interaction(s) were never asserted",
		`#1 redis connect to "localhost:6379" as user "default", db 0`,
		"#2 redis command GET k",
		`bfredis.For(bf).AssertConnect("localhost:6379", "default", 0)`,
		`bfredis.For(bf).AssertCommand("GET", "k")`,
		`redis: bfredis.For(bf).Expect("DEL", "k").Reply(1) registered at`, "failures_test.go:")
	checkFixesParse(t, ft.All())
}

// A wrong assertion shows both commands as the protocol shows them, and
// the assertion that matches.
func TestWrongAssertion(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		r := bfredis.For(bf)
		r.Expect("GET", "k").Reply("v")
		c := newClient(t, r, 2)
		bf.Sandbox(func() { c.Get(ctx(t), "k") })
		r.AssertConnect("localhost:6379", "default", 0)
		r.AssertCommand("GET", "key")
	})
	mustContain(t, ft.All(),
		"expected: redis command GET key",
		"actual:   #2 redis command GET k",
		`bfredis.For(bf).AssertCommand("GET", "k")`)
	if len(ft.Fatals()) != 1 {
		t.Errorf("fatals = %q", ft.Fatals())
	}
	checkFixesParse(t, ft.All())
}

// Misuses stop the test at the line that made them, with a typed error.
func TestMisuses(t *testing.T) {
	cases := []struct {
		name   string
		script func(r *bfredis.Plugin)
		want   []string
	}{
		{"reply type", func(r *bfredis.Plugin) { r.Expect("GET", "k").Reply(struct{}{}) }, []string{
			"a reply of type struct {} has no Redis reply type", `bfredis.For(bf).Expect("GET", "k").Reply("value")`}},
		{"nested reply type", func(r *bfredis.Plugin) { r.Expect("MGET", "k").Reply([]any{"a", 1.5i}) }, []string{
			"a reply of type complex128 (element 1)"}},
		{"argument type", func(r *bfredis.Plugin) { r.Expect("GET", struct{}{}) }, []string{
			"argument 0 is of type struct {}"}},
		{"missing reply", func(r *bfredis.Plugin) { r.Expect("GET", "k"); r.Expect("GET", "j").Reply("v") }, []string{
			`bfredis.For(bf).Expect("GET", "k") at `, "failures_test.go:", "has no reply", `.Reply(bfredis.OK)`}},
		{"subscription for another command", func(r *bfredis.Plugin) { r.Expect("GET", "k").Reply(bfredis.Messages()) }, []string{
			"bfredis.Subscription for GET"}},
		{"bad serve address", func(r *bfredis.Plugin) { r.Serve("localhost") }, []string{
			`bfredis.For(bf).Serve("localhost")`, `missing port`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := bftest.New(t)
			ft.Run(func() {
				bf := bigfoot.New(ft)
				tc.script(bfredis.For(bf))
			})
			if len(ft.Fatals()) == 0 {
				t.Fatalf("no misuse reported:\n%s", ft.All())
			}
			mustContain(t, ft.Fatals()[0], tc.want...)
			checkFixesParse(t, ft.Fatals()[0])
		})
	}
}

// Manual mode: a misuse panics with the typed error.
func TestMisuseTypedInManualMode(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	r, err := bfredis.NewPlugin(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bfredis.NewPlugin(v); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Errorf("second NewPlugin = %v, want ErrPluginExists", err)
	}
	defer func() {
		var rt *bfredis.ReplyTypeError
		if p, _ := recover().(error); !errors.As(p, &rt) {
			t.Errorf("panic = %v, want *bfredis.ReplyTypeError", p)
		}
	}()
	r.Expect("GET", "k").Reply(make(chan int))
}

// An Expect never completed with Reply fails verification.
func TestMissingReplyAtVerify(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bfredis.For(bf).Expect("GET", "k")
	})
	mustContain(t, ft.All(), `bfredis.For(bf).Expect("GET", "k") at`, "has no reply")
}

// Scripts that no connection reached say how to reach the plugin.
func TestNotDialed(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bfredis.For(bf).Expect("GET", "k").Reply("v")
		bf.Sandbox(func() {})
	})
	mustContain(t, ft.All(), "no connection reached it", "Dialer: bfredis.For(bf).DialContext")
	checkFixesParse(t, ft.All())
}

// A dial outside the sandbox is refused.
func TestDialOutsideSandbox(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		_, err = bfredis.For(bf).DialContext(ctx(t), "tcp", "localhost:6379")
	})
	var guarded *bigfoot.GuardedCallError
	if !errors.As(err, &guarded) {
		t.Fatalf("dial = %v, want *bigfoot.GuardedCallError", err)
	}
	mustContain(t, ft.All(), "redis dial tcp localhost:6379 refused: no sandbox is open")
}

// A client that sends bytes that are no command gets Redis's protocol
// error and the connection closes; the test fails with a typed error.
func TestProtocolError(t *testing.T) {
	ft := bftest.New(t)
	var reply []byte
	var readErr error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		r := bfredis.For(bf)
		bf.Sandbox(func() {
			c, err := r.DialContext(ctx(t), "tcp", "localhost:6379")
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.Write([]byte("*1\r\n$x\r\n"))
			buf := make([]byte, 256)
			n, _ := c.Read(buf)
			reply = buf[:n]
			_, readErr = c.Read(buf)
		})
	})
	if !strings.HasPrefix(string(reply), "-ERR Protocol error: invalid bulk length\r\n") {
		t.Errorf("reply = %q", reply)
	}
	if readErr == nil || readErr.Error() != "EOF" {
		t.Errorf("read after protocol error = %v, want EOF", readErr)
	}
	mustContain(t, ft.All(), "bigfoot: redis protocol error: invalid bulk length at byte 5")
}

// A command on a connection that outlived its sandbox is refused with
// *bigfoot.PostSandboxInteractionError; a client's keep-alive PING or
// close is no interaction and passes.
func TestCommandAfterSandbox(t *testing.T) {
	ft := bftest.New(t)
	var pingErr, getErr error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		r := bfredis.For(bf)
		r.Expect("GET", "k").Reply("v")
		c := newClient(t, r, 3)
		bf.Sandbox(func() { c.Get(ctx(t), "k") })
		r.AssertConnect("localhost:6379", "default", 0)
		r.AssertCommand("GET", "k")
		pingErr = c.Ping(ctx(t)).Err()
		getErr = c.Get(ctx(t), "k").Err()
	})
	if pingErr != nil {
		t.Errorf("PING after the sandbox = %v", pingErr)
	}
	if getErr == nil || !strings.Contains(getErr.Error(), "sent after the sandbox closed") {
		t.Errorf("GET after the sandbox = %v", getErr)
	}
	mustContain(t, ft.All(), "bigfoot: redis command GET k made after the sandbox of ", "failures_test.go:")
	if n := len(ft.Errors()); n != 1 {
		t.Errorf("errors = %q", ft.Errors())
	}
}

// rueidis closed after the sandbox (its close PING) passes.
func TestRueidisClosedAfterSandbox(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("GET", "k").Reply("v")
	var c rueidis.Client
	var err error
	bf.Sandbox(func() {
		c, err = rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{"localhost:6379"}, DialCtxFn: r.DialCtxFn})
		if err == nil {
			err = c.Do(ctx(t), c.B().Get().Key("k").Build()).Error()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("GET", "k")
}

// Matchers show in <> where the protocol shows arguments.
func TestMatcherMessages(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		r := bfredis.For(bf)
		r.Expect("GET", bigfoot.HasPrefix("user:")).Reply("v", bigfoot.Optional())
		r.Expect("GET", "k").Reply("v")
		c := newClient(t, r, 2)
		bf.Sandbox(func() { c.Get(ctx(t), "k"); c.Get(ctx(t), "zz") })
		r.AssertConnect("localhost:6379", "default", 0)
		r.AssertCommand("GET", "key", bigfoot.Any())
	})
	mustContain(t, ft.All(),
		`unexpected command GET zz on localhost:6379 (db 0)`,
		`scripted and not yet taken for GET: GET <bigfoot.HasPrefix("user:")> (at `,
		`expected: redis command GET key <bigfoot.Any()>`,
		`actual:   #2 redis command GET k`,
		`bfredis.For(bf).AssertCommand("GET", "k")`)
	checkFixesParse(t, ft.All())
}
