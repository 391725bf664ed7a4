package bfredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	redigo "github.com/gomodule/redigo/redis"
	"github.com/redis/rueidis"
)

func TestRedigoSetGet(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("SET", "k", "v").Reply(bfredis.OK)
	r.Expect("GET", "k").Reply("v")

	var got string
	var err error
	bf.Sandbox(func() {
		var c redigo.Conn
		c, err = redigo.Dial("tcp", "localhost:6379", redigo.DialContextFunc(r.DialContext),
			redigo.DialDatabase(2), redigo.DialPassword("secret"), redigo.DialReadTimeout(5*time.Second))
		if err != nil {
			return
		}
		defer c.Close()
		if _, err = c.Do("SET", "k", "v"); err != nil {
			return
		}
		got, err = redigo.String(c.Do("GET", "k"))
	})
	if err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}

	r.AssertConnect("localhost:6379", "default", 2)
	r.AssertCommand("SET", "k", "v")
	r.AssertCommand("GET", "k")
}

func TestRueidisSetGet(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("SET", "k", "v").Reply(bfredis.OK)
	r.Expect("GET", "k").Reply("v")

	var got string
	var err error
	bf.Sandbox(func() {
		var client rueidis.Client
		client, err = rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{"localhost:6379"}, DialCtxFn: r.DialCtxFn,
			Username: "app", Password: "secret", SelectDB: 1})
		if err != nil {
			return
		}
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = client.Do(ctx, client.B().Set().Key("k").Value("v").Build()).Error(); err != nil {
			return
		}
		got, err = client.Do(ctx, client.B().Get().Key("k").Build()).ToString()
	})
	if err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}

	r.AssertConnect("localhost:6379", "app", 1)
	r.AssertCommand("SET", "k", "v")
	r.AssertCommand("GET", "k")
}
