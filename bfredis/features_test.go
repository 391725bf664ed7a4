package bfredis_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	"github.com/redis/go-redis/v9"
)

// ctx bounds every client call of these tests: nothing may hang.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func newClient(t *testing.T, r *bfredis.Plugin, protocol int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "localhost:6379", Dialer: r.DialContext, Protocol: protocol, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// Every RESP type, in both protocol versions, as go-redis decodes it.
func TestReplyTypes(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("RESP"+string(rune('0'+proto)), func(t *testing.T) {
			bf := bigfoot.New(t)
			r := bfredis.For(bf)
			r.Expect("GET", "missing").Reply(nil).
				Expect("INCR", "n").Reply(42).
				Expect("MGET", "a", "b").Reply([]any{"1", nil}).
				Expect("HGETALL", "h").Reply(map[string]any{"f1": "v1", "f2": "v2"}).
				Expect("SMEMBERS", "s").Reply(bfredis.Set{"x"}).
				Expect("INCRBYFLOAT", "f", "1.5").Reply(2.5).
				Expect("LPOP", "l").Reply(bfredis.Error("WRONGTYPE Operation against a key holding the wrong kind of value")).
				Expect("GET", "boom").Reply(nil, bigfoot.Raises(errors.New("LOADING Redis is loading the dataset in memory"))).
				Expect("GET", "plain").Reply(nil, bigfoot.Raises(errors.New("something broke"))).
				Expect("TYPE", "k").Reply(bfredis.Status("string"))

			c := newClient(t, r, proto)
			ctx := ctx(t)
			var (
				missingErr, wrongErr, loadingErr, plainErr error
				n                                          int64
				mget                                       []any
				hash                                       map[string]string
				members                                    []string
				f                                          float64
				typ                                        string
			)
			bf.Sandbox(func() {
				missingErr = c.Get(ctx, "missing").Err()
				n, _ = c.Incr(ctx, "n").Result()
				mget, _ = c.MGet(ctx, "a", "b").Result()
				hash, _ = c.HGetAll(ctx, "h").Result()
				members, _ = c.SMembers(ctx, "s").Result()
				f, _ = c.IncrByFloat(ctx, "f", 1.5).Result()
				wrongErr = c.LPop(ctx, "l").Err()
				loadingErr = c.Get(ctx, "boom").Err()
				plainErr = c.Get(ctx, "plain").Err()
				typ, _ = c.Type(ctx, "k").Result()
			})
			if missingErr != redis.Nil {
				t.Errorf("GET missing: %v, want redis.Nil", missingErr)
			}
			if n != 42 || f != 2.5 || typ != "string" {
				t.Errorf("INCR %d, INCRBYFLOAT %v, TYPE %q", n, f, typ)
			}
			if !reflect.DeepEqual(mget, []any{"1", nil}) {
				t.Errorf("MGET = %#v", mget)
			}
			if !reflect.DeepEqual(hash, map[string]string{"f1": "v1", "f2": "v2"}) {
				t.Errorf("HGETALL = %#v", hash)
			}
			if !reflect.DeepEqual(members, []string{"x"}) {
				t.Errorf("SMEMBERS = %#v", members)
			}
			if wrongErr == nil || wrongErr.Error() != "WRONGTYPE Operation against a key holding the wrong kind of value" {
				t.Errorf("LPOP error = %v", wrongErr)
			}
			if loadingErr == nil || loadingErr.Error() != "LOADING Redis is loading the dataset in memory" {
				t.Errorf("Raises with a code = %v", loadingErr)
			}
			if plainErr == nil || plainErr.Error() != "ERR something broke" {
				t.Errorf("Raises without a code = %v", plainErr)
			}
			r.AssertConnect("localhost:6379", "default", 0)
			r.AssertCommand("GET", "missing")
			r.AssertCommand("INCR", "n")
			r.AssertCommand("MGET", "a", "b")
			r.AssertCommand("HGETALL", "h")
			r.AssertCommand("SMEMBERS", "s")
			r.AssertCommand("INCRBYFLOAT", "f", 1.5)
			r.AssertCommand("LPOP", "l")
			r.AssertCommand("GET", "boom")
			r.AssertCommand("GET", "plain")
			r.AssertCommand("TYPE", "k")
		})
	}
}

// A pipeline: commands in one write, each its own interaction, replies in order.
func TestPipeline(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("INCR", "a").Reply(1).Expect("INCR", "b").Reply(2).Expect("GET", "c").Reply("3")

	c := newClient(t, r, 3)
	var cmds []redis.Cmder
	var err error
	bf.Sandbox(func() {
		cmds, err = c.Pipelined(ctx(t), func(p redis.Pipeliner) error {
			p.Incr(ctx(t), "a")
			p.Incr(ctx(t), "b")
			p.Get(ctx(t), "c")
			return nil
		})
	})
	if err != nil || len(cmds) != 3 || cmds[1].(*redis.IntCmd).Val() != 2 || cmds[2].(*redis.StringCmd).Val() != "3" {
		t.Fatalf("pipeline = %v, %v", cmds, err)
	}
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("INCR", "a")
	r.AssertCommand("INCR", "b")
	r.AssertCommand("GET", "c")
}

// MULTI/EXEC: the plugin answers MULTI and EXEC, the queued commands take
// their scripted replies, and EXEC returns them.
func TestMultiExec(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("SET", "k", "v").Reply(bfredis.OK).Expect("INCR", "n").Reply(5)

	c := newClient(t, r, 3)
	var incr *redis.IntCmd
	var err error
	bf.Sandbox(func() {
		_, err = c.TxPipelined(ctx(t), func(p redis.Pipeliner) error {
			p.Set(ctx(t), "k", "v", 0)
			incr = p.Incr(ctx(t), "n")
			return nil
		})
	})
	if err != nil || incr.Val() != 5 {
		t.Fatalf("tx = %v, INCR %d", err, incr.Val())
	}
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("MULTI")
	r.AssertCommand("SET", "k", "v")
	r.AssertCommand("INCR", "n")
	r.AssertCommand("EXEC")
}

// A WATCHed transaction whose EXEC the test scripts to fail, as when
// another client changed the key: go-redis returns redis.TxFailedErr.
func TestWatchedExecFails(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("WATCH", "k").Reply(bfredis.OK).
		Expect("GET", "k").Reply("1").
		Expect("SET", "k", "2").Reply(bfredis.OK).
		Expect("EXEC").Reply(bfredis.NilArray)

	c := newClient(t, r, 2)
	var err error
	bf.Sandbox(func() {
		err = c.Watch(ctx(t), func(tx *redis.Tx) error {
			v, err := tx.Get(ctx(t), "k").Result()
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx(t), func(p redis.Pipeliner) error {
				p.Set(ctx(t), "k", v[:0]+"2", 0)
				return nil
			})
			return err
		}, "k")
	})
	if !errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("Watch = %v, want redis.TxFailedErr", err)
	}
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("WATCH", "k")
	r.AssertCommand("GET", "k")
	r.AssertCommand("MULTI")
	r.AssertCommand("SET", "k", "2")
	r.AssertCommand("EXEC")
}

// SUBSCRIBE with scripted messages, in both protocol versions.
func TestSubscribe(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("RESP"+string(rune('0'+proto)), func(t *testing.T) {
			bf := bigfoot.New(t)
			r := bfredis.For(bf)
			r.Expect("SUBSCRIBE", "news").Reply(bfredis.Messages(
				bfredis.Message{Channel: "news", Payload: "hello"},
				bfredis.Message{Channel: "news", Payload: "world"}))
			r.Expect("UNSUBSCRIBE").Reply(nil, bigfoot.Optional())

			c := newClient(t, r, proto)
			var got []string
			var err error
			bf.Sandbox(func() {
				sub := c.Subscribe(ctx(t), "news")
				defer sub.Close()
				for len(got) < 2 {
					var msg *redis.Message
					if msg, err = sub.ReceiveMessage(ctx(t)); err != nil {
						return
					}
					got = append(got, msg.Channel+":"+msg.Payload)
				}
			})
			if err != nil || !reflect.DeepEqual(got, []string{"news:hello", "news:world"}) {
				t.Fatalf("messages = %q, %v", got, err)
			}
			r.AssertConnect("localhost:6379", "default", 0)
			r.AssertCommand("SUBSCRIBE", "news")
			if len(bf.Core().Interactions()) > 2 {
				r.AssertCommand("UNSUBSCRIBE")
			}
		})
	}
}

// PSUBSCRIBE messages carry the pattern.
func TestPSubscribe(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("PSUBSCRIBE", "news.*").Reply(bfredis.Messages(bfredis.Message{Pattern: "news.*", Channel: "news.eu", Payload: "hi"}))
	r.Expect("PUNSUBSCRIBE").Reply(nil, bigfoot.Optional())

	c := newClient(t, r, 3)
	var msg *redis.Message
	var err error
	bf.Sandbox(func() {
		sub := c.PSubscribe(ctx(t), "news.*")
		defer sub.Close()
		msg, err = sub.ReceiveMessage(ctx(t))
	})
	if err != nil || msg.Pattern != "news.*" || msg.Channel != "news.eu" || msg.Payload != "hi" {
		t.Fatalf("message = %+v, %v", msg, err)
	}
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("PSUBSCRIBE", "news.*")
	if len(bf.Core().Interactions()) > 2 {
		r.AssertCommand("PUNSUBSCRIBE")
	}
}

// Arguments may be matchers, in the script and in the assertion.
func TestMatchers(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("SET", bigfoot.HasPrefix("session:"), bigfoot.Any(), "ex", "60").Reply(bfredis.OK)

	c := newClient(t, r, 3)
	var err error
	bf.Sandbox(func() { err = c.Set(ctx(t), "session:42", "token", time.Minute).Err() })
	if err != nil {
		t.Fatal(err)
	}
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("set", "session:42", bigfoot.Any(), "ex", 60)
}

// One connect per address, user and database, however many connections
// the pool opens; a SELECT changes what later commands are sent as.
func TestConnectOncePerIdentity(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	for range 8 {
		r.Expect("INCR", "n").Reply(1)
	}
	c := redis.NewClient(&redis.Options{Addr: "localhost:6379", Dialer: r.DialContext, DB: 3, Username: "app", Password: "pw", PoolSize: 8})
	defer c.Close()
	bf.Sandbox(func() {
		done := make(chan struct{})
		for range 8 {
			go func() {
				defer func() { done <- struct{}{} }()
				c.Incr(ctx(t), "n")
			}()
		}
		for range 8 {
			<-done
		}
	})
	r.AssertConnect("localhost:6379", "app", 3)
	for range 8 {
		r.AssertCommand("INCR", "n")
	}
}

// The wire, byte for byte, for a raw RESP2 client: a subscription with a
// message, a PING while subscribed (a "pong" message), a refused command.
func TestRawSubscriberWire(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("SUBSCRIBE", "a").Reply(bfredis.Messages(bfredis.Message{Channel: "a", Payload: "m"}))
	var got string
	bf.Sandbox(func() {
		c, err := r.DialContext(ctx(t), "tcp", "localhost:6379")
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
		buf := make([]byte, 4096)
		n, err := c.Read(buf)
		if err != nil {
			t.Error(err)
		}
		got = string(buf[:n])
	})
	want := "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n" +
		"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n" +
		"*2\r\n$4\r\npong\r\n$0\r\n\r\n" +
		"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
	if got != want {
		t.Errorf("wire:\n got %q\nwant %q", got, want)
	}
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("SUBSCRIBE", "a")
}
