//go:build bigfoot_overlay

package bfredis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/guard"
	redigo "github.com/gomodule/redigo/redis"
	"github.com/redis/go-redis/v9"
)

// These tests run only under the overlay (bigfoot test): the code under
// test dials with package net, and the plugin answers the dials to the
// addresses given to Serve.

func TestTransparentGoRedis(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("not transparent")
	}
	bf := bigfoot.New(t)
	r := bfredis.For(bf).Serve("cache.internal:6379")
	r.Expect("SET", "k", "v").Reply(bfredis.OK)
	r.Expect("GET", "k").Reply("v")

	client := redis.NewClient(&redis.Options{Addr: "cache.internal:6379"}) // no dialer: net's
	defer client.Close()
	var got string
	var err error
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = client.Set(ctx, "k", "v", 0).Err(); err == nil {
			got, err = client.Get(ctx, "k").Result()
		}
	})
	if err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}
	r.AssertConnect("cache.internal:6379", "default", 0)
	r.AssertCommand("SET", "k", "v")
	r.AssertCommand("GET", "k")
}

func TestTransparentRedigo(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf).Serve("localhost:6380")
	r.Expect("INCR", "hits").Reply(7)

	var n int
	var err error
	bf.Sandbox(func() {
		var c redigo.Conn
		if c, err = redigo.Dial("tcp", "localhost:6380", redigo.DialReadTimeout(5*time.Second)); err != nil {
			return
		}
		defer c.Close()
		n, err = redigo.Int(c.Do("INCR", "hits"))
	})
	if err != nil || n != 7 {
		t.Fatalf("INCR = %d, %v", n, err)
	}
	r.AssertConnect("localhost:6380", "default", 0)
	r.AssertCommand("INCR", "hits")
}

// A dial to an address the test did not give Serve goes on to the socket
// layer, which refuses it as unmocked: the redis plugin never guesses.
func TestTransparentOtherAddressGoesToTheSocketLayer(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bfredis.For(bf).Serve("localhost:6379")
		bf.Sandbox(func() {
			var c redigo.Conn
			c, err = redigo.Dial("tcp", "localhost:7000", redigo.DialConnectTimeout(time.Second))
			if c != nil {
				c.Close()
			}
		})
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) || unmocked.Plugin != "socket" {
		t.Fatalf("dial error = %v, want the socket plugin's unmocked error", err)
	}
	if !strings.Contains(ft.All(), "unmocked socket call") {
		t.Errorf("failure lacks the socket plugin's message:\n%s", ft.All())
	}
}

// With the plugin unused, a dial to a Redis port is the socket plugin's,
// as before the plugin existed.
func TestTransparentUnusedPluginLeavesDialsToTheSocketLayer(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().Expect("connect", nil).Expect("sendall", nil).
		Expect("recv", []byte("+PONG\r\n")).Expect("close", nil)
	var got string
	var err error
	bf.Sandbox(func() {
		var c redigo.Conn
		if c, err = redigo.Dial("tcp", "localhost:6379"); err != nil {
			return
		}
		got, err = redigo.String(c.Do("PING"))
		c.Close()
	})
	if err != nil || got != "PONG" {
		t.Fatalf("PING = %q, %v", got, err)
	}
	bf.Socket().AssertConnect("localhost", 6379)
	bf.Socket().AssertSendall([]byte("*1\r\n$4\r\nPING\r\n"))
	bf.Socket().AssertRecv(4096, []byte("+PONG\r\n"))
	bf.Socket().AssertClose()
}
