package bfredis_test

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// go-redis's ClusterClient against the plugin as a cluster of one node:
// the topology queries are answered by the plugin, the commands scripted.
func TestGoRedisClusterClient(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf).Cluster()
	r.Expect("SET", "k", "v").Reply(bfredis.OK)
	r.Expect("GET", "k").Reply("v")

	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:7000"}, Dialer: r.DialContext, MaxRetries: -1})
	defer c.Close()
	var got string
	var err error
	bf.Sandbox(func() {
		if err = c.Set(ctx(t), "k", "v", 0).Err(); err == nil {
			got, err = c.Get(ctx(t), "k").Result()
		}
	})
	if err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}
	r.AssertConnect("127.0.0.1:7000", "default", 0)
	r.AssertCommand("SET", "k", "v")
	r.AssertCommand("GET", "k")
}

// rueidis in cluster mode, the same way.
func TestRueidisCluster(t *testing.T) {
	bf := bigfoot.New(t)
	r := bfredis.For(bf).Cluster()
	r.Expect("GET", "k").Reply("v")

	var got string
	var err error
	bf.Sandbox(func() {
		var c rueidis.Client
		c, err = rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{"127.0.0.1:7000"}, DialCtxFn: r.DialCtxFn})
		if err != nil {
			return
		}
		defer c.Close()
		got, err = c.Do(ctx(t), c.B().Get().Key("k").Build()).ToString()
	})
	if err != nil || got != "v" {
		t.Fatalf("GET = %q, %v", got, err)
	}
	r.AssertConnect("127.0.0.1:7000", "default", 0)
	r.AssertCommand("GET", "k")
}
