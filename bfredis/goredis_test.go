package bfredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	"github.com/redis/go-redis/v9"
)

func TestGoRedisSetGet(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf)
	r.Expect("SET", "k", "v").Reply(bfredis.OK)
	r.Expect("GET", "k").Reply("v")

	client := redis.NewClient(&redis.Options{Addr: "localhost:6379", Dialer: r.DialContext})
	defer client.Close()
	var got string
	var err error
	bf.Sandbox(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = client.Set(ctx, "k", "v", 0).Err(); err != nil {
			return
		}
		got, err = client.Get(ctx, "k").Result()
	})
	if err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}

	r.AssertConnect("localhost:6379", "default", 0)
	r.AssertCommand("SET", "k", "v")
	r.AssertCommand("GET", "k")
}
