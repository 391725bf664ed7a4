package bfredis_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	redigo "github.com/gomodule/redigo/redis"
	"github.com/redis/go-redis/v9"
)

// rememberVisit is code under test: it counts a user's visits in Redis.
func rememberVisit(ctx context.Context, rdb *redis.Client, user string) (int64, error) {
	n, err := rdb.Incr(ctx, "visits:"+user).Result()
	if err != nil {
		return 0, err
	}
	return n, rdb.Expire(ctx, "visits:"+user, 24*time.Hour).Err()
}

// go-redis v9 over the plugin's dialer: the handshake (HELLO, CLIENT
// SETINFO, ...) is the plugin's; the test scripts and asserts its two
// commands. In a test, bigfoot.New(t) runs VerifyAll at cleanup.
func Example() {
	bf := bigfoot.NewStrictVerifier()
	r := bfredis.For(bf)
	r.Expect("INCR", "visits:ada").Reply(3)
	r.Expect("EXPIRE", "visits:ada", 86400).Reply(1)

	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", Dialer: r.DialContext})
	defer rdb.Close()
	var n int64
	var err error
	bf.Sandbox(func() { n, err = rememberVisit(context.Background(), rdb, "ada") })
	fmt.Println(n, err)

	fmt.Println(r.AssertConnect("localhost:6379", "default", 0))
	fmt.Println(r.AssertCommand("INCR", "visits:ada"))
	fmt.Println(r.AssertCommand("EXPIRE", "visits:ada", 86400))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// 3 <nil>
	// <nil>
	// <nil>
	// <nil>
	// VerifyAll: <nil>
}

// Error replies: a missing key is nil (go-redis's redis.Nil), a Redis
// error is a bfredis.Error, or any error through bigfoot.Raises.
func ExampleExpectation_Reply() {
	bf := bigfoot.NewStrictVerifier()
	r := bfredis.For(bf)
	r.Expect("GET", "missing").Reply(nil)
	r.Expect("LPUSH", "k", "x").Reply(bfredis.Error("WRONGTYPE Operation against a key holding the wrong kind of value"))
	r.Expect("GET", "k").Reply(nil, bigfoot.Raises(errors.New("LOADING Redis is loading the dataset in memory")))

	rdb := redis.NewClient(&redis.Options{Dialer: r.DialContext, MaxRetries: -1})
	defer rdb.Close()
	ctx := context.Background()
	bf.Sandbox(func() {
		fmt.Println(rdb.Get(ctx, "missing").Err() == redis.Nil)
		fmt.Println(rdb.LPush(ctx, "k", "x").Err())
		fmt.Println(rdb.Get(ctx, "k").Err())
	})
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("GET", "missing")
	r.AssertCommand("LPUSH", "k", "x")
	r.AssertCommand("GET", "k")
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// true
	// WRONGTYPE Operation against a key holding the wrong kind of value
	// LOADING Redis is loading the dataset in memory
	// VerifyAll: <nil>
}

// A transaction: MULTI and EXEC are answered by the plugin and asserted,
// each queued command takes its scripted reply.
func ExamplePlugin_AssertCommand() {
	bf := bigfoot.NewStrictVerifier()
	r := bfredis.For(bf)
	r.Expect("DECRBY", "stock:42", 1).Reply(9).Expect("RPUSH", "orders", "42").Reply(1)

	rdb := redis.NewClient(&redis.Options{Dialer: r.DialContext})
	defer rdb.Close()
	ctx := context.Background()
	var stock *redis.IntCmd
	bf.Sandbox(func() {
		rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			stock = p.DecrBy(ctx, "stock:42", 1)
			p.RPush(ctx, "orders", "42")
			return nil
		})
	})
	fmt.Println(stock.Val())
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("MULTI")
	r.AssertCommand("DECRBY", "stock:42", 1)
	r.AssertCommand("RPUSH", "orders", "42")
	r.AssertCommand("EXEC")
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// 9
	// VerifyAll: <nil>
}

// Pub/Sub: a SUBSCRIBE's scripted messages, delivered after the
// confirmation.
func ExampleMessages() {
	bf := bigfoot.NewStrictVerifier()
	r := bfredis.For(bf)
	r.Expect("SUBSCRIBE", "orders").Reply(bfredis.Messages(bfredis.Message{Channel: "orders", Payload: "42"}))

	rdb := redis.NewClient(&redis.Options{Dialer: r.DialContext})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bf.Sandbox(func() {
		sub := rdb.Subscribe(ctx, "orders")
		defer sub.Close()
		msg, err := sub.ReceiveMessage(ctx)
		fmt.Println(msg.Channel, msg.Payload, err)
	})
	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("SUBSCRIBE", "orders")
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// orders 42 <nil>
	// VerifyAll: <nil>
}

// redigo, dialing with the plugin: AUTH and SELECT are the handshake,
// recorded as the one connect.
func ExamplePlugin_DialContext() {
	bf := bigfoot.NewStrictVerifier()
	r := bfredis.For(bf)
	r.Expect("HGET", "user:1", "name").Reply("Ada")

	bf.Sandbox(func() {
		c, err := redigo.Dial("tcp", "cache:6379", redigo.DialContextFunc(r.DialContext),
			redigo.DialUsername("app"), redigo.DialPassword("secret"), redigo.DialDatabase(4))
		if err != nil {
			fmt.Println(err)
			return
		}
		defer c.Close()
		fmt.Println(redigo.String(c.Do("HGET", "user:1", "name")))
	})
	fmt.Println(r.AssertConnect("cache:6379", "app", 4))
	fmt.Println(r.AssertCommand("HGET", "user:1", "name"))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// Ada <nil>
	// <nil>
	// <nil>
	// VerifyAll: <nil>
}
