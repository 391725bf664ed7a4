package redisbench

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
	"github.com/go-redis/redismock/v9"
	"github.com/redis/go-redis/v9"
)

// Each benchmark does, per operation, what a test does for one GET: script
// the reply, send the GET through a go-redis v9 client, and check that the
// GET happened (an assertion, or the library's equivalent).

// bigfoot: b.N replies scripted, one sandbox in which the client sends b.N
// GETs, then b.N assertions: the cost of a whole interaction, including
// the timeline, as a test with many commands pays it.
func BenchmarkGET_bigfoot(b *testing.B) { runGETbigfoot(b, b, b.N) }

func runGETbigfoot(tb testing.TB, b *testing.B, n int) {
	ctx := context.Background()
	bf := bigfoot.New(tb)
	r := bfredis.For(bf)
	rdb := redis.NewClient(&redis.Options{Dialer: r.DialContext, PoolSize: 1})
	defer rdb.Close()
	if b != nil {
		b.ReportAllocs()
		b.ResetTimer()
	}
	for range n {
		r.Expect("GET", "k").Reply("v")
	}
	bf.Sandbox(func() {
		for range n {
			if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
				tb.Fatalf("GET = %q, %v", v, err)
			}
		}
	})
	r.AssertConnect("localhost:6379", "default", 0)
	for range n {
		r.AssertCommand("GET", "k")
	}
}

// bigfoot, one test per GET: a verifier, a client, its connection and
// handshake, one scripted GET, its assertions and VerifyAll.
func BenchmarkGETPerTest_bigfoot(b *testing.B) { runGETPerTestbigfoot(b, b, b.N) }

func runGETPerTestbigfoot(tb testing.TB, b *testing.B, n int) {
	ctx := context.Background()
	if b != nil {
		b.ReportAllocs()
	}
	for range n {
		bf := bigfoot.NewStrictVerifier()
		r := bfredis.For(bf)
		r.Expect("GET", "k").Reply("v")
		rdb := redis.NewClient(&redis.Options{Dialer: r.DialContext, PoolSize: 1})
		bf.Sandbox(func() {
			if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
				tb.Fatalf("GET = %q, %v", v, err)
			}
		})
		rdb.Close()
		if err := r.AssertConnect("localhost:6379", "default", 0); err != nil {
			tb.Fatal(err)
		}
		if err := r.AssertCommand("GET", "k"); err != nil {
			tb.Fatal(err)
		}
		if err := bf.VerifyAll(); err != nil {
			tb.Fatal(err)
		}
	}
}

// miniredis: a real server on loopback; the "script" is setting the key,
// the check is the value read back (miniredis does not record commands).
func BenchmarkGET_miniredis(b *testing.B) { runGETminiredis(b, b, b.N) }

func runGETminiredis(tb testing.TB, b *testing.B, n int) {
	ctx := context.Background()
	mr := miniredis.RunT(tb)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), PoolSize: 1})
	defer rdb.Close()
	if b != nil {
		b.ReportAllocs()
		b.ResetTimer()
	}
	for range n {
		if err := mr.Set("k", "v"); err != nil {
			tb.Fatal(err)
		}
		if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
			tb.Fatalf("GET = %q, %v", v, err)
		}
	}
}

// miniredis, one test per GET: a server started and closed per test.
func BenchmarkGETPerTest_miniredis(b *testing.B) { runGETPerTestminiredis(b, b, b.N) }

func runGETPerTestminiredis(tb testing.TB, b *testing.B, n int) {
	ctx := context.Background()
	if b != nil {
		b.ReportAllocs()
	}
	for range n {
		mr := miniredis.NewMiniRedis()
		if err := mr.Start(); err != nil {
			tb.Fatal(err)
		}
		mr.Set("k", "v")
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), PoolSize: 1})
		if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
			tb.Fatalf("GET = %q, %v", v, err)
		}
		rdb.Close()
		mr.Close()
	}
}

// redismock: an expectation per GET, checked by ExpectationsWereMet.
func BenchmarkGET_redismock(b *testing.B) { runGETredismock(b, b, b.N) }

func runGETredismock(tb testing.TB, b *testing.B, n int) {
	ctx := context.Background()
	rdb, mock := redismock.NewClientMock()
	defer rdb.Close()
	if b != nil {
		b.ReportAllocs()
		b.ResetTimer()
	}
	for range n {
		mock.ExpectGet("k").SetVal("v")
		if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
			tb.Fatalf("GET = %q, %v", v, err)
		}
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		tb.Fatal(err)
	}
}

// redismock, one test per GET: a mock client per test.
func BenchmarkGETPerTest_redismock(b *testing.B) { runGETPerTestredismock(b, b, b.N) }

func runGETPerTestredismock(tb testing.TB, b *testing.B, n int) {
	ctx := context.Background()
	if b != nil {
		b.ReportAllocs()
	}
	for range n {
		rdb, mock := redismock.NewClientMock()
		mock.ExpectGet("k").SetVal("v")
		if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
			tb.Fatalf("GET = %q, %v", v, err)
		}
		if err := mock.ExpectationsWereMet(); err != nil {
			tb.Fatal(err)
		}
		rdb.Close()
	}
}
