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
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/record"
	"github.com/redis/go-redis/v9"
)

const (
	// redisFixtureDir holds the transcripts that record's unit tests decode.
	redisFixtureDir = "../../record/testdata/redis"
	// redisACLUser and redisACLPass are the user the capture creates, so
	// that a client authenticates with a password; the password must never
	// reach the emitted code.
	redisACLUser = "bfrecord"
	redisACLPass = "bf-redis-acl-secret-7731"
)

// redisDialer is the dialer the scenarios give go-redis: the capture's
// while capturing; nil (net's own dial, which the overlay intercepts) in
// the emitted tests, which declare it too.
var redisDialer func(ctx context.Context, network, addr string) (net.Conn, error)

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
	c := newCapture("TestRedis_" + name)
	redisDialer = c.DialContext
	defer func() { redisDialer = nil }()
	out := run(ctx, addr)
	return c.transcript(t), out
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
	addr := service(t, "BIGFOOT_REDIS_ADDR")
	redisWithACLUser(t, addr)
	for _, sc := range redisScenarios {
		t.Run(sc.name, func(t *testing.T) {
			outPath := filepath.Join("testdata", "redis", sc.name+".out")
			pathA := filepath.Join(redisFixtureDir, sc.name+".a.json")
			pathB := filepath.Join(redisFixtureDir, sc.name+".b.json")
			a, outA := redisCaptureRun(t, addr, sc.name, sc.run)
			if *update {
				b, outB := redisCaptureRun(t, addr, sc.name, sc.run)
				if outA != outB {
					t.Fatalf("the two runs printed differently:\n%s\n%s", outA, outB)
				}
				writeTranscript(t, pathA, a, "\t")
				writeTranscript(t, pathB, b, "\t")
				writeFixture(t, outPath, []byte(outA))
			}
			fa, fb := readTranscript(t, pathA, "TestCaptureRedis"), readTranscript(t, pathB, "TestCaptureRedis")
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
