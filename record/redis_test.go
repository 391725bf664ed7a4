package record

import (
	"errors"
	"fmt"
	"go/parser"
	"strconv"
	"strings"
	"testing"
)

// The fixtures in testdata/redis are two runs of each scenario of
// integration/record/capture_redis_test.go, captured from redis-server
// 7 with go-redis v9 (RESP3); the same module proves that the code
// emitted from them passes under bigfoot test, and fails when the code
// changes.

// redisEmit emits a fixture's two runs with verifier v and returns the
// code as lines: setup, script, assertions.
func redisEmit(t *testing.T, name, v string, opts *Options) *Code {
	t.Helper()
	code, err := Emit(v, readFixture(t, "redis", name+".a"), readFixture(t, "redis", name+".b"), opts)
	if err != nil {
		t.Fatalf("Emit(%s): %v", name, err)
	}
	for _, l := range append(append(append([]string{}, code.Setup...), code.Script...), code.Assert...) {
		if _, err := parser.ParseExpr(l); err != nil {
			t.Errorf("emitted line does not parse: %s: %v", l, err)
		}
	}
	return code
}

func redisCheckLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRedisFixtureBasic(t *testing.T) {
	code := redisEmit(t, "basic", "bf", nil)
	redisCheckLines(t, "setup", code.Setup, []string{`bfredis.For(bf).Serve("127.0.0.1:6399")`})
	redisCheckLines(t, "script", code.Script, []string{
		`bfredis.For(bf).Expect("SET", "bf:rec:k", "v1", "ex", "60").Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("GET", "bf:rec:k").Reply("v1")`,
		`bfredis.For(bf).Expect("GET", "bf:rec:missing").Reply(nil)`,
		`bfredis.For(bf).Expect("INCR", "bf:rec:n").Reply(1)`,
		`bfredis.For(bf).Expect("INCR", "bf:rec:k").Reply(nil, bigfoot.Raises(bfredis.Error("ERR value is not an integer or out of range")))`,
		`bfredis.For(bf).Expect("HSET", "bf:rec:h", "name", "ada", "lang", "go").Reply(2)`,
		`bfredis.For(bf).Expect("HGETALL", "bf:rec:h").Reply(map[string]any{"lang": "go", "name": "ada"})`,
		`bfredis.For(bf).Expect("LPUSH", "bf:rec:l", "x", "y").Reply(2)`,
		`bfredis.For(bf).Expect("LRANGE", "bf:rec:l", "0", "-1").Reply([]any{"y", "x"})`,
		`bfredis.For(bf).Expect("SET", "bf:rec:bin", []byte("\xff\x00a")).Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("GET", "bf:rec:bin").Reply("\xff\x00a")`,
		`bfredis.For(bf).Expect("DEL", "bf:rec:k", "bf:rec:n", "bf:rec:h", "bf:rec:l", "bf:rec:bin").Reply(5)`,
	})
	redisCheckLines(t, "assertions", code.Assert[:3], []string{
		`bfredis.For(bf).AssertConnect("127.0.0.1:6399", "default", 0)`,
		`bfredis.For(bf).AssertCommand("SET", "bf:rec:k", "v1", "ex", "60")`,
		`bfredis.For(bf).AssertCommand("GET", "bf:rec:k")`,
	})
	if len(code.Assert) != 13 {
		t.Errorf("%d assertions, want the connect and 12 commands:\n%s", len(code.Assert), strings.Join(code.Assert, "\n"))
	}
	redisCheckLines(t, "imports", code.Imports, []string{"github.com/bigfoot-go/bigfoot", "github.com/bigfoot-go/bigfoot/bfredis"})
}

// MULTI and EXEC are bfredis's own (asserted, never scripted); each queued
// command is scripted with its element of EXEC's reply, an error element
// as bigfoot.Raises.
func TestRedisFixtureTransaction(t *testing.T) {
	code := redisEmit(t, "tx", "bf", nil)
	redisCheckLines(t, "script", code.Script, []string{
		`bfredis.For(bf).Expect("SET", "bf:rec:t", "abc").Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("INCR", "bf:rec:t").Reply(nil, bigfoot.Raises(bfredis.Error("ERR value is not an integer or out of range")))`,
		`bfredis.For(bf).Expect("APPEND", "bf:rec:t", "def").Reply(6)`,
		`bfredis.For(bf).Expect("DEL", "bf:rec:t").Reply(1)`,
	})
	redisCheckLines(t, "assertions", code.Assert, []string{
		`bfredis.For(bf).AssertConnect("127.0.0.1:6399", "default", 0)`,
		`bfredis.For(bf).AssertCommand("MULTI")`,
		`bfredis.For(bf).AssertCommand("SET", "bf:rec:t", "abc")`,
		`bfredis.For(bf).AssertCommand("INCR", "bf:rec:t")`,
		`bfredis.For(bf).AssertCommand("APPEND", "bf:rec:t", "def")`,
		`bfredis.For(bf).AssertCommand("DEL", "bf:rec:t")`,
		`bfredis.For(bf).AssertCommand("EXEC")`,
	})
}

func TestRedisFixturePipeline(t *testing.T) {
	code := redisEmit(t, "pipeline", "bf", nil)
	redisCheckLines(t, "script", code.Script, []string{
		`bfredis.For(bf).Expect("SET", "bf:rec:p", "10").Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("INCRBY", "bf:rec:p", "5").Reply(15)`,
		`bfredis.For(bf).Expect("GET", "bf:rec:p").Reply("15")`,
		`bfredis.For(bf).Expect("DEL", "bf:rec:p").Reply(1)`,
	})
	// One Write carried the whole pipeline: the calls share its Seq and
	// keep the order they were sent in.
	calls, err := Decode(readFixture(t, "redis", "pipeline.a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 5 || calls[1].Seq != calls[4].Seq || calls[0].Seq != calls[1].Seq {
		t.Errorf("pipeline calls' Seqs: %v", redisSeqs(calls))
	}
}

func redisSeqs(calls []Call) []int64 {
	var s []int64
	for _, c := range calls {
		s = append(s, c.Seq)
	}
	return s
}

// The client authenticates with HELLO 3 AUTH user password and SELECTs
// database 2: none of it is emitted, the connect says who it was, and the
// password is nowhere in the calls.
func TestRedisFixtureACLNeverEmitsAUTH(t *testing.T) {
	const password = "bf-redis-acl-secret-7731"
	a := readFixture(t, "redis", "acl.a")
	if !strings.Contains(string(a.Conns[0].Sent()), password) {
		t.Fatal("the fixture no longer authenticates with the password")
	}
	code := redisEmit(t, "acl", "bf", nil)
	redisCheckLines(t, "assertions", code.Assert, []string{
		`bfredis.For(bf).AssertConnect("127.0.0.1:6399", "bfrecord", 2)`,
		`bfredis.For(bf).AssertCommand("SET", "bf:rec:acl", "yes")`,
		`bfredis.For(bf).AssertCommand("GET", "bf:rec:acl")`,
		`bfredis.For(bf).AssertCommand("DEL", "bf:rec:acl")`,
	})
	calls, err := Decode(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	redisNoSecret(t, calls, password)
	for _, l := range append(code.Script, code.Assert...) {
		for _, w := range []string{"HELLO", "AUTH", "SELECT", "CLIENT"} {
			if strings.Contains(l, `"`+w+`"`) {
				t.Errorf("handshake command %s emitted: %s", w, l)
			}
		}
	}
}

// redisNoSecret fails when secret is in any Field, Setup or rendered line
// of calls, rendered with their own values as exprs.
func redisNoSecret(t *testing.T, calls []Call, secret string) {
	t.Helper()
	for _, c := range calls {
		for _, f := range c.Fields {
			if strings.Contains(f.Raw, secret) || strings.Contains(f.Go, secret) {
				t.Errorf("field %s holds the secret: %+v", f.Name, f)
			}
		}
		for _, s := range c.Setup {
			if strings.Contains(s, secret) {
				t.Errorf("setup holds the secret: %s", s)
			}
		}
		script, assert := renderOwn(c)
		if strings.Contains(script+assert, secret) {
			t.Errorf("rendered code holds the secret:\n%s\n%s", script, assert)
		}
	}
}

// A SUBSCRIBE's messages become its bfredis.Messages reply; the connect
// of each identity comes right before its first command.
func TestRedisFixturePubSub(t *testing.T) {
	code := redisEmit(t, "pubsub", "bf", nil)
	redisCheckLines(t, "script", code.Script, []string{
		`bfredis.For(bf).Expect("SUBSCRIBE", "bf:rec:news").Reply(bfredis.Messages(bfredis.Message{Channel: "bf:rec:news", Payload: "hello"}))`,
		`bfredis.For(bf).Expect("PUBLISH", "bf:rec:news", "hello").Reply(1)`,
	})
	redisCheckLines(t, "assertions", code.Assert, []string{
		`bfredis.For(bf).AssertConnect("127.0.0.1:6399", "default", 0)`,
		`bfredis.For(bf).AssertCommand("SUBSCRIBE", "bf:rec:news")`,
		`bfredis.For(bf).AssertConnect("127.0.0.1:6399", "default", 1)`,
		`bfredis.For(bf).AssertCommand("PUBLISH", "bf:rec:news", "hello")`,
	})
}

// Under RESP2 (go-redis with Protocol: 2) HGETALL's reply is a flat
// array and a subscriber's confirmations and messages are arrays.
func TestRedisFixtureRESP2(t *testing.T) {
	code := redisEmit(t, "resp2", "bf", nil)
	redisCheckLines(t, "script", code.Script, []string{
		`bfredis.For(bf).Expect("HSET", "bf:rec:r2", "a", "1", "b", "2").Reply(2)`,
		`bfredis.For(bf).Expect("HGETALL", "bf:rec:r2").Reply([]any{"a", "1", "b", "2"})`,
		`bfredis.For(bf).Expect("SMEMBERS", "bf:rec:none").Reply([]any{})`,
		`bfredis.For(bf).Expect("GET", "bf:rec:none").Reply(nil)`,
		`bfredis.For(bf).Expect("PSUBSCRIBE", "bf:rec:ch.*").Reply(bfredis.Messages(bfredis.Message{Pattern: "bf:rec:ch.*", Channel: "bf:rec:ch.1", Payload: "one"}))`,
		`bfredis.For(bf).Expect("PUBLISH", "bf:rec:ch.1", "one").Reply(1)`,
		`bfredis.For(bf).Expect("PUNSUBSCRIBE", "bf:rec:ch.*").Reply(nil)`,
		`bfredis.For(bf).Expect("DEL", "bf:rec:r2").Reply(1)`,
	})
	redisCheckLines(t, "assertions", code.Assert[4:7], []string{
		`bfredis.For(bf).AssertCommand("GET", "bf:rec:none")`,
		`bfredis.For(bf).AssertConnect("127.0.0.1:6399", "default", 4)`,
		`bfredis.For(bf).AssertCommand("PSUBSCRIBE", "bf:rec:ch.*")`,
	})
}

// Render uses the verifier's name it is given, never "bf".
func TestRedisRenderUsesTheVerifierName(t *testing.T) {
	code := redisEmit(t, "tx", "verifier", nil)
	for _, l := range append(append(code.Setup, code.Script...), code.Assert...) {
		if !strings.HasPrefix(l, "bfredis.For(verifier).") {
			t.Errorf("line not written for verifier: %s", l)
		}
	}
}

// redisConn builds a connection from alternating sent and received
// bytes, each its own chunk, Seqs counting from 2 (the dial is 1).
func redisConn(parts ...string) *Conn {
	c := &Conn{Seq: 1, Network: "tcp", Address: "cache.internal:6379"}
	for i, p := range parts {
		c.Chunks = append(c.Chunks, Chunk{Seq: int64(i + 2), Send: i%2 == 0, Data: []byte(p)})
	}
	return c
}

// redisRESP is the array of bulk strings a client sends.
func redisRESP(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

// redisRender decodes c and renders each call with its own values.
func redisRender(t *testing.T, c *Conn, opts *Options) (scripts, asserts []string, calls []Call) {
	t.Helper()
	calls, err := redisDecoder{}.Decode(c, opts)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	for _, call := range calls {
		exprs := make([]string, len(call.Fields))
		for i, f := range call.Fields {
			exprs[i] = f.Go
			if f.Secret {
				exprs[i] = "bigfoot.Any()"
			}
		}
		s, a := call.Render("bf", exprs)
		for _, l := range []string{s, a} {
			if l == "" {
				continue
			}
			if _, err := parser.ParseExpr(l); err != nil {
				t.Errorf("rendered line does not parse: %s: %v", l, err)
			}
		}
		if s != "" {
			scripts = append(scripts, s)
		}
		if a != "" {
			asserts = append(asserts, a)
		}
	}
	return scripts, asserts, calls
}

// Every RESP3 type a server sends becomes the bfredis value it writes
// back as; RESP2's null array is bfredis.NilArray.
func TestRedisReplyTypes(t *testing.T) {
	for _, c := range []struct {
		reply, want string
	}{
		{"+OK\r\n", "bfredis.OK"},
		{"+PONG\r\n", `bfredis.Status("PONG")`},
		{"-WRONGTYPE Operation against a key\r\n", `nil, bigfoot.Raises(bfredis.Error("WRONGTYPE Operation against a key"))`},
		{"!9\r\nERR blob!\r\n", `nil, bigfoot.Raises(bfredis.Error("ERR blob!"))`},
		{":-42\r\n", "-42"},
		{"$5\r\nhello\r\n", `"hello"`},
		{"$-1\r\n", "nil"},
		{"_\r\n", "nil"},
		{"*-1\r\n", "bfredis.NilArray"},
		{"*3\r\n$1\r\na\r\n:2\r\n$-1\r\n", `[]any{"a", 2, nil}`},
		{"*2\r\n*1\r\n+x\r\n*0\r\n", `[]any{[]any{bfredis.Status("x")}, []any{}}`},
		{"%2\r\n+b\r\n:1\r\n$1\r\na\r\n,1.5\r\n", `map[string]any{"a": float64(1.5), "b": 1}`},
		{"~2\r\n$1\r\nx\r\n$1\r\ny\r\n", `bfredis.Set{"x", "y"}`},
		{",3\r\n", "float64(3)"},
		{",inf\r\n", "math.Inf(1)"},
		{",-inf\r\n", "math.Inf(-1)"},
		{",nan\r\n", "math.NaN()"},
		{"#t\r\n", "true"},
		{"#f\r\n", "false"},
		{"=15\r\ntxt:Some string\r\n", `"Some string"`},
		{"|1\r\n+key-popularity\r\n%0\r\n:7\r\n", "7"}, // an attribute is metadata: the reply follows it
		{"*1\r\n-ERR inner\r\n", `[]any{bfredis.Error("ERR inner")}`},
	} {
		scripts, _, _ := redisRender(t, redisConn(redisRESP("GET", "k"), c.reply), nil)
		want := `bfredis.For(bf).Expect("GET", "k").Reply(` + c.want + `)`
		if len(scripts) != 1 || scripts[0] != want {
			t.Errorf("reply %q:\n got %v\nwant %s", c.reply, scripts, want)
		}
	}
}

// Replies bfredis has no value for fail the decoding with a typed error
// that says what is not supported.
func TestRedisUnsupportedReplies(t *testing.T) {
	for _, c := range []struct{ name, reply, want string }{
		{"big number", "(3492890328409238509324850943850943825024385\r\n", "big number"},
		{"push as a reply", ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n", "invalidate"},
	} {
		_, err := redisDecoder{}.Decode(redisConn(redisRESP("GET", "k"), c.reply), nil)
		var de *RedisDecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrRedisUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a *RedisDecodeError about %s matching ErrRedisUnsupported", c.name, err, c.want)
		}
	}
}

// Bytes that are not RESP fail with the place they are at.
func TestRedisMalformed(t *testing.T) {
	for _, c := range []struct{ name, sent, recv, want string }{
		{"reply type", redisRESP("GET", "k"), "?x\r\n", `unknown RESP type "?" at byte 0`},
		{"integer", redisRESP("GET", "k"), ":x1\r\n", "invalid integer"},
		{"bulk CRLF", redisRESP("GET", "k"), "$1\r\nabc\r\n", "bulk string not followed by CRLF"},
		{"command element", "*1\r\n:1\r\n", "", "a command's elements are bulk strings"},
	} {
		_, err := redisDecoder{}.Decode(redisConn(c.sent, c.recv), nil)
		var de *RedisDecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrRedisUnsupported) {
			t.Errorf("%s: err = %v, want a *RedisDecodeError with %q", c.name, err, c.want)
		}
	}
}

func TestRedisDetect(t *testing.T) {
	for _, c := range []struct {
		name string
		conn *Conn
		want bool
	}{
		{"command", redisConn(redisRESP("PING")), true},
		{"command in two writes", redisConn("*2\r", "", "\n$3\r\nGET\r\n$1\r\nk\r\n"), true},
		{"http", redisConn("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		{"postgres startup", redisConn("\x00\x00\x00\x08\x04\xd2\x16\x2f"), false},
		{"empty array", redisConn("*0\r\n"), false},
		{"inline", redisConn("PING\r\n"), false},
		{"nothing sent", redisConn(), false},
		{"answered for TLS", func() *Conn { c := redisConn(redisRESP("PING")); c.PlainForTLS = true; return c }(), false},
	} {
		if got := (redisDecoder{}).Detect(c.conn); got != c.want {
			t.Errorf("%s: Detect = %v, want %v", c.name, got, c.want)
		}
	}
}

// The handshake is bfredis's: not emitted, but AUTH's user and SELECT's
// database make the connect, recorded right before the first command,
// and again when they change, once per identity.
func TestRedisHandshakeAndIdentity(t *testing.T) {
	c := redisConn(
		redisRESP("HELLO", "3", "AUTH", "app", "hunter2", "SETNAME", "x"), "%1\r\n+proto\r\n:3\r\n",
		redisRESP("CLIENT", "SETINFO", "LIB-NAME", "x"), "+OK\r\n",
		redisRESP("PING"), "+PONG\r\n",
		redisRESP("GET", "a"), "$1\r\n1\r\n",
		redisRESP("SELECT", "3"), "+OK\r\n",
		redisRESP("GET", "b"), "$-1\r\n",
		redisRESP("AUTH", "other", "pw2"), "+OK\r\n",
		redisRESP("AUTH", "pw3"), "+OK\r\n",
		redisRESP("SELECT", "0"), "+OK\r\n",
		redisRESP("GET", "c"), "_\r\n",
		redisRESP("AUTH", "bad", "wrong"), "-WRONGPASS invalid username-password pair\r\n",
		redisRESP("GET", "d"), "-NOAUTH Authentication required.\r\n",
		redisRESP("AUTH", "app", "hunter2"), "+OK\r\n",
		redisRESP("GET", "e"), "$-1\r\n", // as app on 0 again: no second connect
		redisRESP("QUIT"), "+OK\r\n",
	)
	scripts, asserts, calls := redisRender(t, c, nil)
	redisCheckLines(t, "asserts", asserts, []string{
		`bfredis.For(bf).AssertConnect("cache.internal:6379", "app", 0)`,
		`bfredis.For(bf).AssertCommand("GET", "a")`,
		`bfredis.For(bf).AssertConnect("cache.internal:6379", "app", 3)`,
		`bfredis.For(bf).AssertCommand("GET", "b")`,
		`bfredis.For(bf).AssertConnect("cache.internal:6379", "default", 0)`,
		`bfredis.For(bf).AssertCommand("GET", "c")`,
		// bfredis answers AUTH itself, so the emitted test runs on as the
		// user the code named, whatever the real server said.
		`bfredis.For(bf).AssertConnect("cache.internal:6379", "bad", 0)`,
		`bfredis.For(bf).AssertCommand("GET", "d")`,
		`bfredis.For(bf).AssertCommand("GET", "e")`,
	})
	if len(scripts) != 5 {
		t.Errorf("scripts: %v", scripts)
	}
	// The connect takes its command's Seq and comes before it.
	if calls[0].Seq != calls[1].Seq || calls[1].Seq != 8 {
		t.Errorf("Seqs %v: the first connect and GET a should both be 8", redisSeqs(calls))
	}
	for _, s := range []string{"hunter2", "pw2", "pw3", "wrong"} {
		redisNoSecret(t, calls, s)
	}
	if calls[0].Setup[0] != `bfredis.For(bf).Serve("cache.internal:6379")` {
		t.Errorf("setup: %v", calls[0].Setup)
	}
}

// Passwords in commands that are not the handshake are secrets: the
// emitter puts a matcher there, and their Raw is empty so no matcher
// can be inferred from them.
func TestRedisSecretArguments(t *testing.T) {
	c := redisConn(
		redisRESP("ACL", "SETUSER", "u", "on", ">s3cret-one", "~*"), "+OK\r\n",
		redisRESP("CONFIG", "SET", "requirepass", "s3cret-two"), "+OK\r\n",
		redisRESP("HSET", "user:1", "password", "s3cret-three", "name", "ada"), ":2\r\n",
		redisRESP("MIGRATE", "h", "1", "k", "0", "5", "AUTH2", "u", "s3cret-four"), "+OK\r\n",
		redisRESP("HGET", "user:1", "password"), "$12\r\ns3cret-three\r\n",
		redisRESP("HGETALL", "user:1"), "%2\r\n$4\r\nname\r\n$3\r\nada\r\n$8\r\npassword\r\n$12\r\ns3cret-three\r\n",
		redisRESP("CONFIG", "GET", "requirepass"), "%1\r\n$11\r\nrequirepass\r\n$10\r\ns3cret-two\r\n",
		redisRESP("MULTI"), "+OK\r\n",
		redisRESP("AUTH", "s3cret-five"), "+QUEUED\r\n",
		redisRESP("EXEC"), "*1\r\n+OK\r\n",
		redisRESP("SET", "token", "s3cret-six"), "+OK\r\n",
	)
	scripts, _, calls := redisRender(t, c, &Options{Redact: []string{"token"}})
	for _, s := range []string{"s3cret-one", "s3cret-two", "s3cret-three", "s3cret-four", "s3cret-five", "s3cret-six"} {
		redisNoSecret(t, calls, s)
	}
	want := []string{
		`bfredis.For(bf).Expect("ACL", "SETUSER", "u", "on", bigfoot.Any(), "~*").Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("CONFIG", "SET", "requirepass", bigfoot.Any()).Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("HSET", "user:1", "password", bigfoot.Any(), "name", "ada").Reply(2)`,
		`bfredis.For(bf).Expect("MIGRATE", "h", "1", "k", "0", "5", "AUTH2", "u", bigfoot.Any()).Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("HGET", "user:1", "password").Reply("REDACTED")`,
		`bfredis.For(bf).Expect("HGETALL", "user:1").Reply(map[string]any{"name": "ada", "password": "REDACTED"})`,
		`bfredis.For(bf).Expect("CONFIG", "GET", "requirepass").Reply(map[string]any{"requirepass": "REDACTED"})`,
		`bfredis.For(bf).Expect("AUTH", bigfoot.Any()).Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("SET", "token", bigfoot.Any()).Reply(bfredis.OK)`,
	}
	redisCheckLines(t, "scripts", scripts, want)
	for _, call := range calls {
		for _, f := range call.Fields {
			if f.Secret && (f.Raw != "" || !f.Matchable) {
				t.Errorf("secret field %+v: Raw must be empty and the field matchable", f)
			}
		}
	}
}

// A WATCHed transaction that failed: EXEC is scripted with
// bfredis.NilArray; DISCARD is bfredis's own; a refusal inside MULTI is
// not something bfredis reproduces.
func TestRedisTransactions(t *testing.T) {
	scripts, asserts, _ := redisRender(t, redisConn(
		redisRESP("WATCH", "k"), "+OK\r\n",
		redisRESP("MULTI"), "+OK\r\n",
		redisRESP("INCR", "k"), "+QUEUED\r\n",
		redisRESP("EXEC"), "*-1\r\n",
		redisRESP("MULTI"), "+OK\r\n",
		redisRESP("SET", "a", "1"), "+QUEUED\r\n",
		redisRESP("DISCARD"), "+OK\r\n",
		redisRESP("EXEC"), "-ERR EXEC without MULTI\r\n",
	), nil)
	redisCheckLines(t, "scripts", scripts, []string{
		`bfredis.For(bf).Expect("WATCH", "k").Reply(bfredis.OK)`,
		`bfredis.For(bf).Expect("INCR", "k").Reply(nil)`,
		`bfredis.For(bf).Expect("EXEC").Reply(bfredis.NilArray)`,
		`bfredis.For(bf).Expect("SET", "a", "1").Reply(nil)`,
	})
	redisCheckLines(t, "asserts", asserts, []string{
		`bfredis.For(bf).AssertConnect("cache.internal:6379", "default", 0)`,
		`bfredis.For(bf).AssertCommand("WATCH", "k")`,
		`bfredis.For(bf).AssertCommand("MULTI")`,
		`bfredis.For(bf).AssertCommand("INCR", "k")`,
		`bfredis.For(bf).AssertCommand("EXEC")`,
		`bfredis.For(bf).AssertCommand("MULTI")`,
		`bfredis.For(bf).AssertCommand("SET", "a", "1")`,
		`bfredis.For(bf).AssertCommand("DISCARD")`,
	})
	_, err := redisDecoder{}.Decode(redisConn(
		redisRESP("MULTI"), "+OK\r\n",
		redisRESP("SET", "a"), "-ERR wrong number of arguments for 'set' command\r\n",
		redisRESP("EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n",
	), nil)
	if !errors.Is(err, ErrRedisUnsupported) || !strings.Contains(err.Error(), `SET "a" (ERR wrong number of arguments`) {
		t.Errorf("EXECABORT: err = %v", err)
	}
}

// RESP2 subscriptions: the confirmations are arrays, messages are given
// to the subscription of their channel or pattern, PING is answered as
// bfredis does; a message of no subscription is an error.
func TestRedisPubSubRESP2(t *testing.T) {
	scripts, asserts, _ := redisRender(t, redisConn(
		redisRESP("SUBSCRIBE", "a", "b"), "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$2\r\nhi\r\n",
		redisRESP("PSUBSCRIBE", "n.*"), "*3\r\n$10\r\npsubscribe\r\n$3\r\nn.*\r\n:3\r\n",
		redisRESP("PING"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n*4\r\n$8\r\npmessage\r\n$3\r\nn.*\r\n$3\r\nn.1\r\n$1\r\nx\r\n",
		redisRESP("GET", "k"), "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
		redisRESP("UNSUBSCRIBE"), "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nlate\r\n",
	), nil)
	redisCheckLines(t, "scripts", scripts, []string{
		`bfredis.For(bf).Expect("SUBSCRIBE", "a", "b").Reply(bfredis.Messages(bfredis.Message{Channel: "b", Payload: "hi"}, bfredis.Message{Channel: "a", Payload: "late"}))`,
		`bfredis.For(bf).Expect("PSUBSCRIBE", "n.*").Reply(bfredis.Messages(bfredis.Message{Pattern: "n.*", Channel: "n.1", Payload: "x"}))`,
		`bfredis.For(bf).Expect("UNSUBSCRIBE").Reply(nil)`,
	})
	if len(asserts) != 4 {
		t.Errorf("asserts: %v", asserts)
	}
	_, err := redisDecoder{}.Decode(redisConn(
		redisRESP("SUBSCRIBE", "a"), ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n>3\r\n$7\r\nmessage\r\n$1\r\nz\r\n$1\r\nx\r\n",
	), nil)
	if err == nil || !strings.Contains(err.Error(), `a message on "z" arrived with no SUBSCRIBE of it`) {
		t.Errorf("message of no subscription: err = %v", err)
	}
}

// A command whose reply was never read still reached the server (and
// reaches bfredis): it is scripted with nil and asserted; the bytes of a
// command the client never finished are no command; inline commands are
// read as bfredis reads them.
func TestRedisIncompleteAndInline(t *testing.T) {
	scripts, asserts, _ := redisRender(t, redisConn(
		"*1\r\n$4\r\nPING\r\n", "+PONG\r\n",
		"EXISTS k\r\n", ":1\r\n",
		redisRESP("GET", "k")+"*2\r\n$3\r\nGET", "",
	), nil)
	redisCheckLines(t, "scripts", scripts, []string{
		`bfredis.For(bf).Expect("EXISTS", "k").Reply(1)`,
		`bfredis.For(bf).Expect("GET", "k").Reply(nil /* no reply was read */)`,
	})
	if len(asserts) != 3 {
		t.Errorf("asserts: %v", asserts)
	}
}

// The decoder is registered: Decode gives a Redis connection to it.
func TestRedisRegistered(t *testing.T) {
	calls, err := Decode(&Transcript{Conns: []Conn{*redisConn(redisRESP("GET", "k"), "$1\r\nv\r\n")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0].Plugin != "redis" || calls[1].Fields[0].Raw != "GET" {
		t.Errorf("calls: %+v", calls)
	}
}

// FuzzRedisDecode feeds the decoder any bytes as a connection's two
// directions, split into chunks: it never panics, and every line it
// renders parses as Go.
func FuzzRedisDecode(f *testing.F) {
	for _, name := range []string{"basic.a", "tx.a", "pubsub.a", "pipeline.a", "acl.a", "resp2.a"} {
		tr := readFixture(f, "redis", name)
		for _, c := range tr.Conns {
			f.Add(c.Sent(), c.Received(), uint8(7))
		}
	}
	f.Fuzz(func(t *testing.T, sent, recv []byte, split uint8) {
		c := &Conn{Seq: 1, Network: "tcp", Address: "127.0.0.1:6379"}
		n := int(split%16) + 1
		for i := 0; i < len(sent) || i < len(recv); i += n {
			if i < len(sent) {
				c.Chunks = append(c.Chunks, Chunk{Seq: int64(len(c.Chunks) + 2), Send: true, Data: sent[i:min(i+n, len(sent))]})
			}
			if i < len(recv) {
				c.Chunks = append(c.Chunks, Chunk{Seq: int64(len(c.Chunks) + 2), Data: recv[i:min(i+n, len(recv))]})
			}
		}
		redisDecoder{}.Detect(c)
		calls, err := redisDecoder{}.Decode(c, nil)
		if err != nil {
			return
		}
		for _, call := range calls {
			s, a := renderOwn(call)
			mustParse(t, s, a)
		}
	})
}

// FuzzRedisRESP checks the reply parser alone: no panic, no claim larger
// than the bytes, and a value it accepts renders as Go that parses.
func FuzzRedisRESP(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "*2\r\n$1\r\na\r\n:1\r\n", "%1\r\n+a\r\n,1.5\r\n", "|1\r\n+a\r\n+b\r\n#t\r\n",
		"*99999999\r\n", "$2147483647\r\n", "=5\r\ntxt:x\r\n", "~1\r\n_\r\n", ">1\r\n+a\r\n", "(12\r\n", strings.Repeat("*1\r\n", 100) + ":1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := parseRESP(b, 0, 0)
		if err != nil {
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("parseRESP took %d of %d bytes", n, len(b))
		}
		if _, err := parser.ParseExpr(redisReplyGo(v, false, nil)); err != nil {
			t.Fatalf("reply %q renders as %s: %v", b, redisReplyGo(v, false, nil), err)
		}
	})
}

// Decoding a recorded go-redis connection: the handshake (HELLO, CLIENT
// SETINFO) is bfredis's and gives only the connect; the command becomes
// a script line and an assertion.
func Example_redis() {
	send := func(seq int64, s string) Chunk { return Chunk{Seq: seq, Send: true, Data: []byte(s)} }
	recv := func(seq int64, s string) Chunk { return Chunk{Seq: seq, Data: []byte(s)} }
	t := &Transcript{Test: "TestCache", Conns: []Conn{{Seq: 1, Network: "tcp", Address: "localhost:6379", Chunks: []Chunk{
		send(2, "*2\r\n$5\r\nhello\r\n$1\r\n3\r\n"), recv(3, "%1\r\n$5\r\nproto\r\n:3\r\n"),
		send(4, "*4\r\n$6\r\nclient\r\n$7\r\nsetinfo\r\n$8\r\nLIB-NAME\r\n$8\r\ngo-redis\r\n"), recv(5, "+OK\r\n"),
		send(6, "*2\r\n$3\r\nget\r\n$4\r\nuser\r\n"), recv(7, "$3\r\nada\r\n"),
	}}}}
	code, err := Emit("bf", t, t, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range append(append(code.Setup, code.Script...), code.Assert...) {
		fmt.Println(l)
	}
	// Output:
	// bfredis.For(bf).Serve("localhost:6379")
	// bfredis.For(bf).Expect("GET", "user").Reply("ada")
	// bfredis.For(bf).AssertConnect("localhost:6379", "default", 0)
	// bfredis.For(bf).AssertCommand("GET", "user")
}

// The whole message of a transaction bfredis cannot reproduce: what
// happened, why, and the fix, whose Go parses.
func TestRedisUnsupportedMessage(t *testing.T) {
	_, err := Decode(&Transcript{Conns: []Conn{*redisConn(
		redisRESP("MULTI"), "+OK\r\n",
		redisRESP("SET", "a"), "-ERR wrong number of arguments for 'set' command\r\n",
		redisRESP("EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n",
	)}}, nil)
	const want = `redis connection to cache.internal:6379: EXEC: the transaction was aborted because Redis refused the queued command SET "a" ` +
		`(ERR wrong number of arguments for 'set' command); bfredis queues every scripted command (+QUEUED), so it cannot reproduce ` +
		`a refusal inside MULTI: script this transaction by hand, EXEC with bigfoot.Raises(bfredis.Error("EXECABORT Transaction discarded because of previous errors."))`
	if err == nil || err.Error() != want {
		t.Fatalf("err =\n%v\nwant\n%s", err, want)
	}
	fix := err.Error()[strings.LastIndex(err.Error(), "EXEC with ")+len("EXEC with "):]
	if _, perr := parser.ParseExpr(fix); perr != nil {
		t.Errorf("the fix %s does not parse: %v", fix, perr)
	}
	var de *RedisDecodeError
	if !errors.As(err, &de) || !de.Unsupported || de.Command != "EXEC" {
		t.Errorf("err is not the typed error: %#v", de)
	}
}
