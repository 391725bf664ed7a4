package record

// The Redis fixtures of record's redis decoder, captured from the real
// server (redis-server on loopback) with the real client, go-redis v9.
// Each scenario runs twice, as `bigfoot record` runs a test twice. Run
//
//	go test -run TestCaptureRedis -update .
//
// with BIGFOOT_REDIS_ADDR set (source .ci/services.sh start) to write
// ../../record/testdata/redis/<scenario>.{a,b}.json and
// testdata/redis/<scenario>.out; without -update the test captures again
// and checks that the committed fixtures emit the same code and the
// scenarios print the same results.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/record"
	"github.com/redis/go-redis/v9"
)

// redisUpdate reports whether -update was given. The flag is the
// package's (capture_pg_test.go defines it); it is defined here only if
// it is not, so that each capture file stands on its own.
func redisUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "write the fixtures from the real servers")
	}
}

const (
	// redisFixtureDir holds the transcripts that record's unit tests decode.
	redisFixtureDir = "../../record/testdata/redis"
	// redisACLUser and redisACLPass are the user the capture creates, so
	// that a client authenticates with a password; the password must never
	// reach the emitted code.
	redisACLUser = "bfrecord"
	redisACLPass = "bf-redis-acl-secret-7731"
)

// redisAddr returns the real server's address, or skips (fails when the
// services are required) with how to start it.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("BIGFOOT_REDIS_ADDR")
	if addr == "" {
		if os.Getenv("BIGFOOT_SERVICES") == "required" {
			t.Fatal("BIGFOOT_REDIS_ADDR is not set but BIGFOOT_SERVICES=required: start the servers with `source .ci/services.sh start`")
		}
		t.Skip("no Redis: BIGFOOT_REDIS_ADDR is unset; start one with `source .ci/services.sh start` in the repository's root")
	}
	return addr
}

// redisDialer is the dialer the scenarios give go-redis: the capture's
// while capturing; nil (net's own dial, which the overlay intercepts) in
// the emitted tests, which declare it too.
var redisDialer func(ctx context.Context, network, addr string) (net.Conn, error)

// redisCapture records every connection it dials into a transcript, as
// the recorder of `bigfoot record` does (guard/record.go).
type redisCapture struct {
	seq atomic.Int64
	mu  sync.Mutex // guards t, and orders each chunk's Seq with its append
	t   record.Transcript
}

func (c *redisCapture) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, network, address)
	c.mu.Lock()
	defer c.mu.Unlock()
	rc := record.Conn{Seq: c.seq.Add(1), Network: network, Address: address}
	if err != nil {
		rc.Err = err.Error()
	}
	c.t.Conns = append(c.t.Conns, rc)
	if err != nil {
		return nil, err
	}
	return &redisCaptureConn{Conn: conn, c: c, idx: len(c.t.Conns) - 1}, nil
}

// redisCaptureConn is a real connection whose reads and writes go to the
// transcript. A Postgres SSLRequest or GSSENCRequest as the first write is
// answered 'N' here, as the recorder does (no Redis client sends one, but
// the wrapper is the recorder's).
type redisCaptureConn struct {
	net.Conn
	c   *redisCapture
	idx int

	first   atomic.Bool  // the first write was seen
	pending atomic.Int32 // an 'N' owed to the next read
	closed  atomic.Bool
}

var redisPlainRequests = [][]byte{
	{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f},
	{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30},
}

func (w *redisCaptureConn) Write(p []byte) (int, error) {
	if !w.first.Swap(true) {
		for _, req := range redisPlainRequests {
			if bytes.Equal(p, req) {
				w.c.mu.Lock()
				w.c.t.Conns[w.idx].PlainForTLS = true
				w.c.mu.Unlock()
				w.pending.Store(1)
				return len(p), nil
			}
		}
	}
	n, err := w.Conn.Write(p)
	w.chunk(true, p[:n], 0, err)
	return n, err
}

func (w *redisCaptureConn) Read(p []byte) (int, error) {
	if len(p) > 0 && w.pending.CompareAndSwap(1, 0) {
		p[0] = 'N'
		return 1, nil
	}
	n, err := w.Conn.Read(p)
	var ne net.Error
	if n > 0 || err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
		w.chunk(false, p[:n], len(p), err)
	}
	if n > 0 {
		w.first.Store(true)
	}
	return n, err
}

func (w *redisCaptureConn) chunk(send bool, data []byte, size int, err error) {
	if len(data) == 0 && err == nil {
		return
	}
	ch := record.Chunk{Send: send, Size: size, Data: bytes.Clone(data)}
	if err != nil && !w.closed.Load() {
		ch.Err = err.Error()
	}
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	ch.Seq = w.c.seq.Add(1)
	w.c.t.Conns[w.idx].Chunks = append(w.c.t.Conns[w.idx].Chunks, ch)
}

func (w *redisCaptureConn) Close() error {
	err := w.Conn.Close()
	if !w.closed.Swap(true) {
		w.c.mu.Lock()
		rc := &w.c.t.Conns[w.idx]
		rc.Closed, rc.ClosedSeq = true, w.c.seq.Add(1)
		w.c.mu.Unlock()
	}
	return err
}

// The scenarios: the code under test. Each makes its own client over
// redisDialer and returns what it got, one line per call. The emit test
// copies their source (and redisResults) into the test it generates.

// redisScenarioBasic is a cache's commands: SET with expiry, GET hit and
// miss, INCR, a hash, a list, a binary value, an error reply, DEL.
func redisScenarioBasic(ctx context.Context, addr string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer})
	defer c.Close()
	var r redisResults
	r.add(c.Set(ctx, "bf:rec:k", "v1", time.Minute).Result())
	r.add(c.Get(ctx, "bf:rec:k").Result())
	_, err := c.Get(ctx, "bf:rec:missing").Result()
	r.add(errors.Is(err, redis.Nil), err)
	r.add(c.Incr(ctx, "bf:rec:n").Result())
	r.add(c.Incr(ctx, "bf:rec:k").Result()) // an error reply: not an integer
	r.add(c.HSet(ctx, "bf:rec:h", "name", "ada", "lang", "go").Result())
	r.add(c.HGetAll(ctx, "bf:rec:h").Result())
	r.add(c.LPush(ctx, "bf:rec:l", "x", "y").Result())
	r.add(c.LRange(ctx, "bf:rec:l", 0, -1).Result())
	r.add(c.Set(ctx, "bf:rec:bin", []byte{0xff, 0x00, 'a'}, 0).Result())
	r.add(c.Get(ctx, "bf:rec:bin").Bytes())
	r.add(c.Del(ctx, "bf:rec:k", "bf:rec:n", "bf:rec:h", "bf:rec:l", "bf:rec:bin").Result())
	return r.String()
}

// redisScenarioPipeline sends three commands in one pipeline.
func redisScenarioPipeline(ctx context.Context, addr string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer})
	defer c.Close()
	var r redisResults
	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "bf:rec:p", "10", 0)
		p.IncrBy(ctx, "bf:rec:p", 5)
		p.Get(ctx, "bf:rec:p")
		p.Del(ctx, "bf:rec:p")
		return nil
	})
	r.add(len(cmds), err)
	for _, cmd := range cmds {
		r.add(cmd.String())
	}
	return r.String()
}

// redisScenarioTx runs a MULTI/EXEC transaction, one of whose commands
// fails inside EXEC.
func redisScenarioTx(ctx context.Context, addr string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer})
	defer c.Close()
	var r redisResults
	cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "bf:rec:t", "abc", 0)
		p.Incr(ctx, "bf:rec:t") // fails inside EXEC: not an integer
		p.Append(ctx, "bf:rec:t", "def")
		p.Del(ctx, "bf:rec:t")
		return nil
	})
	r.add(len(cmds), err)
	for _, cmd := range cmds {
		r.add(cmd.String())
	}
	return r.String()
}

// redisScenarioACL connects as a user with a password, on database 2.
func redisScenarioACL(ctx context.Context, addr string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer, Username: "bfrecord", Password: "bf-redis-acl-secret-7731", DB: 2})
	defer c.Close()
	var r redisResults
	r.add(c.Set(ctx, "bf:rec:acl", "yes", 0).Result())
	r.add(c.Get(ctx, "bf:rec:acl").Result())
	r.add(c.Del(ctx, "bf:rec:acl").Result())
	return r.String()
}

// redisScenarioPubSub subscribes on one client and publishes on another.
// The publisher uses database 1 (pub/sub ignores databases) so that each
// connection has its own identity: record's decoders see one connection
// at a time, so two connections as one identity would each assert their
// connect, where bfredis records it once (see the report of the redis
// decoder).
func redisScenarioPubSub(ctx context.Context, addr string) string {
	sub := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer})
	defer sub.Close()
	pub := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer, DB: 1})
	defer pub.Close()
	var r redisResults
	ps := sub.Subscribe(ctx, "bf:rec:news")
	r.add(ps.Receive(ctx)) // the confirmation
	r.add(pub.Publish(ctx, "bf:rec:news", "hello").Result())
	r.add(ps.ReceiveMessage(ctx))
	r.add(ps.Close())
	return r.String()
}

// redisScenarioRESP2 speaks RESP2 (no HELLO 3): HGETALL's reply is a
// flat array, a miss is $-1, and the subscriber's confirmations and
// messages are arrays. The subscriber uses database 4 for an identity of
// its own (see redisScenarioPubSub).
func redisScenarioRESP2(ctx context.Context, addr string) string {
	c := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer, Protocol: 2})
	defer c.Close()
	sub := redis.NewClient(&redis.Options{Addr: addr, Dialer: redisDialer, Protocol: 2, DB: 4})
	defer sub.Close()
	var r redisResults
	r.add(c.HSet(ctx, "bf:rec:r2", "a", "1", "b", "2").Result())
	r.add(c.HGetAll(ctx, "bf:rec:r2").Result())
	r.add(c.SMembers(ctx, "bf:rec:none").Result())
	_, err := c.Get(ctx, "bf:rec:none").Result()
	r.add(errors.Is(err, redis.Nil))
	ps := sub.PSubscribe(ctx, "bf:rec:ch.*")
	r.add(ps.Receive(ctx))
	r.add(c.Publish(ctx, "bf:rec:ch.1", "one").Result())
	r.add(ps.ReceiveMessage(ctx))
	r.add(ps.PUnsubscribe(ctx, "bf:rec:ch.*"))
	r.add(ps.Receive(ctx))
	r.add(ps.Close())
	r.add(c.Del(ctx, "bf:rec:r2").Result())
	return r.String()
}

// redisResults collects a scenario's results, one line per call.
type redisResults struct{ lines []string }

func (r *redisResults) add(v ...any) {
	for i, x := range v {
		if b, ok := x.([]byte); ok {
			v[i] = fmt.Sprintf("%q", b)
		}
	}
	r.lines = append(r.lines, strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

func (r *redisResults) String() string { return strings.Join(r.lines, "\n") + "\n" }

// redisScenarios are the scenarios by fixture name.
var redisScenarios = []struct {
	name string
	fn   string // the function's name, for the emit test
	run  func(ctx context.Context, addr string) string
}{
	{"basic", "redisScenarioBasic", redisScenarioBasic},
	{"pipeline", "redisScenarioPipeline", redisScenarioPipeline},
	{"tx", "redisScenarioTx", redisScenarioTx},
	{"acl", "redisScenarioACL", redisScenarioACL},
	{"pubsub", "redisScenarioPubSub", redisScenarioPubSub},
	{"resp2", "redisScenarioRESP2", redisScenarioRESP2},
}

// redisAdmin is a client outside the capture, for set-up and clean-up.
func redisAdmin(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// redisCaptureRun runs one scenario against the real server and returns
// its transcript and output. The keys it uses are deleted first.
func redisCaptureRun(t *testing.T, addr, name string, run func(context.Context, string) string) (*record.Transcript, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	admin := redisAdmin(t, addr)
	for db := range 3 {
		if err := admin.Do(ctx, "SELECT", db).Err(); err != nil {
			t.Fatal(err)
		}
		keys, err := admin.Keys(ctx, "bf:rec:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 0 {
			admin.Del(ctx, keys...)
		}
	}
	capture := &redisCapture{}
	capture.t.Test = "TestRedis_" + name
	redisDialer = capture.DialContext
	defer func() { redisDialer = nil }()
	out := run(ctx, addr)
	capture.mu.Lock()
	defer capture.mu.Unlock()
	b, err := json.Marshal(&capture.t)
	if err != nil {
		t.Fatal(err)
	}
	var tr record.Transcript
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return &tr, out
}

// redisWithACLUser creates the password user for the ACL scenario and
// deletes it when the test ends.
func redisWithACLUser(t *testing.T, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin := redisAdmin(t, addr)
	if err := admin.Do(ctx, "ACL", "SETUSER", redisACLUser, "reset", "on", ">"+redisACLPass, "~bf:rec:*", "&*", "+@all").Err(); err != nil {
		t.Fatalf("ACL SETUSER: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := admin.Do(ctx, "ACL", "DELUSER", redisACLUser).Err(); err != nil {
			t.Errorf("ACL DELUSER: %v", err)
		}
	})
}

func writeRedisJSON(t *testing.T, path string, tr *record.Transcript) {
	t.Helper()
	b, err := json.MarshalIndent(tr, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readRedisJSON(t *testing.T, path string) *record.Transcript {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (capture the fixtures with `go test -run TestCaptureRedis -update .`)", err)
	}
	tr := new(record.Transcript)
	if err := json.Unmarshal(b, tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// redisCode is the code record emits from two runs, as one text.
func redisCode(t *testing.T, a, b *record.Transcript) string {
	t.Helper()
	code, err := record.Emit("bf", a, b, nil)
	if err != nil {
		t.Fatalf("Emit: %v", err)
	}
	return strings.Join(code.Setup, "\n") + "\n--\n" + strings.Join(code.Script, "\n") + "\n--\n" + strings.Join(code.Assert, "\n") + "\n--\n" + strings.Join(code.Imports, "\n")
}

func TestCaptureRedis(t *testing.T) {
	addr := redisAddr(t)
	redisWithACLUser(t, addr)
	for _, sc := range redisScenarios {
		t.Run(sc.name, func(t *testing.T) {
			outPath := filepath.Join("testdata", "redis", sc.name+".out")
			pathA := filepath.Join(redisFixtureDir, sc.name+".a.json")
			pathB := filepath.Join(redisFixtureDir, sc.name+".b.json")
			a, outA := redisCaptureRun(t, addr, sc.name, sc.run)
			if redisUpdate() {
				b, outB := redisCaptureRun(t, addr, sc.name, sc.run)
				if outA != outB {
					t.Fatalf("the two runs printed differently:\n%s\n%s", outA, outB)
				}
				if err := os.MkdirAll(redisFixtureDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Dir(outPath), 0o755); err != nil {
					t.Fatal(err)
				}
				writeRedisJSON(t, pathA, a)
				writeRedisJSON(t, pathB, b)
				if err := os.WriteFile(outPath, []byte(outA), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fa, fb := readRedisJSON(t, pathA), readRedisJSON(t, pathB)
			want, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			if outA != string(want) {
				t.Errorf("the scenario printed\n%s\nthe fixture's run printed\n%s", outA, want)
			}
			if got, want := redisCode(t, fa, a), redisCode(t, fa, fb); got != want {
				t.Errorf("a fresh capture emits\n%s\n\nthe fixtures emit\n%s", got, want)
			}
			if strings.Contains(redisCode(t, fa, fb), redisACLPass) {
				t.Errorf("the ACL password reached the emitted code")
			}
		})
	}
}
