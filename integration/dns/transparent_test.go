//go:build bigfoot_overlay

package dns

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/bigfoot-go/bigfoot/socket"
	"github.com/miekg/dns"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"
)

// These tests run under bigfoot test (transparent mode): the clients are
// used as production code uses them, with host names, and no seam.

const natsInfo = `INFO {"server_id":"NBIGFOOT","server_name":"bigfoot","version":"2.10.0","proto":1,"host":"0.0.0.0","port":4222,"headers":true,"max_payload":1048576}` + "\r\n"

// TestNATSWithAHostName: nats.go looks the server's host name up itself
// (to spread connections over its addresses); bf.DNS() answers that
// lookup, and the socket plugin the connection to the address it gave.
func TestNATSWithAHostName(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().ExpectLookup("nats.internal", []string{"10.0.0.7"})
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("recv", []byte(natsInfo)).
		Expect("sendall", nil). // CONNECT {...}
		Expect("sendall", nil). // PING
		Expect("recv", []byte("PONG\r\n")).
		Expect("sendall", nil). // PUB and the flush's PING
		Expect("recv", []byte("PONG\r\n")).
		Expect("close", nil)

	bf.Sandbox(func() {
		nc, err := nats.Connect("nats://nats.internal:4222", nats.NoReconnect(), nats.Timeout(2*time.Second))
		if err != nil {
			t.Error(err)
			return
		}
		if err := nc.Publish("orders.created", []byte("42")); err != nil {
			t.Error(err)
		}
		if err := nc.Flush(); err != nil {
			t.Error(err)
		}
		nc.Close()
	})

	bf.DNS().AssertLookup("nats.internal")
	bf.Socket().AssertConnect("10.0.0.7", 4222)
	bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": []byte(natsInfo)})
	bf.AssertInteraction(socket.Sendall, bigfoot.Fields{"data": bigfoot.HasPrefix(`CONNECT {"verbose":false`)})
	bf.Socket().AssertSendall([]byte("PING\r\n"))
	bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": []byte("PONG\r\n")})
	bf.Socket().AssertSendall([]byte("PUB orders.created 2\r\n42\r\nPING\r\n"))
	bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": []byte("PONG\r\n")})
	bf.Socket().AssertClose()
}

// fakeRedis is a test's own server on loopback that speaks just enough
// RESP: HELLO is unknown (so the client speaks RESP2), PING is PONG.
func fakeRedis(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if !strings.HasPrefix(line, "*") {
						continue
					}
					n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
					var args []string
					for i := 0; i < n; i++ {
						r.ReadString('\n')
						a, _ := r.ReadString('\n')
						args = append(args, strings.TrimSpace(a))
					}
					switch strings.ToUpper(args[0]) {
					case "PING":
						io.WriteString(c, "+PONG\r\n")
					case "HELLO":
						io.WriteString(c, "-ERR unknown command 'HELLO'\r\n")
					default:
						io.WriteString(c, "+OK\r\n")
					}
				}
			}()
		}
	}()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestRedisWithAHostName: go-redis looks its host name up itself when the
// client is made (to tell internal from external endpoints), then dials
// it with a net.Dialer. The socket plugin lets the dial through to the
// test's own server (a pass-through rule); both lookups, go-redis's and
// the dial's, are answered by bf.DNS(): the name resolves to loopback
// only in the test.
func TestRedisWithAHostName(t *testing.T) {
	port := fakeRedis(t)
	bf := bigfoot.New(t)
	bf.Socket().PassThrough("redis.internal:" + port)
	bf.DNS().
		ExpectLookup("redis.internal", []string{"127.0.0.1"}). // redis.NewClient's own
		ExpectLookup("redis.internal", []string{"127.0.0.1"})  // the dial's

	var pong string
	var err error
	bf.Sandbox(func() {
		rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:" + port, DisableIdentity: true, MaxRetries: -1})
		pong, err = rdb.Ping(context.Background()).Result()
		rdb.Close()
	})
	if err != nil || pong != "PONG" {
		t.Fatalf("Ping = %q, %v", pong, err)
	}
	bf.DNS().AssertLookup("redis.internal")
	bf.DNS().AssertLookup("redis.internal")
}

// TestRedisScriptedBySocket: the same client with its connection scripted
// by the socket plugin. go-redis's own lookup is answered by bf.DNS(); the
// dial of the host name is answered by the socket plugin before net
// resolves anything, so it makes no lookup.
func TestRedisScriptedBySocket(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().ExpectLookup("redis.internal", []string{"10.0.0.8"})
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil). // HELLO 3
		Expect("recv", []byte("-ERR unknown command 'HELLO'\r\n")).
		Expect("sendall", nil). // PING
		Expect("recv", []byte("+PONG\r\n")).
		Expect("close", nil)

	var pong string
	var err error
	bf.Sandbox(func() {
		rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:6379", DisableIdentity: true, MaxRetries: -1})
		pong, err = rdb.Ping(context.Background()).Result()
		rdb.Close()
	})
	if err != nil || pong != "PONG" {
		t.Fatalf("Ping = %q, %v", pong, err)
	}
	bf.DNS().AssertLookup("redis.internal")
	bf.Socket().AssertConnect("redis.internal", 6379)
	bf.Socket().AssertSendall([]byte("*2\r\n$5\r\nhello\r\n$1\r\n3\r\n"))
	bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": []byte("-ERR unknown command 'HELLO'\r\n")})
	bf.Socket().AssertSendall([]byte("*1\r\n$4\r\nping\r\n"))
	bf.AssertInteraction(socket.Recv, bigfoot.Fields{"size": bigfoot.Any(), "data": []byte("+PONG\r\n")})
	bf.Socket().AssertClose()
}

// TestMiekgClientDialsANameServer: miekg/dns dials a name server itself;
// inside the sandbox of a test that used bf.DNS(), that dial is answered
// by the plugin's DNS server, over UDP and TCP.
func TestMiekgClientDialsANameServer(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().
		ExpectMX("example.com", []*net.MX{{Host: "mx.example.com", Pref: 10}}).
		ExpectMX("example.com", []*net.MX{{Host: "mx.example.com", Pref: 10}}).
		ExpectLookup("gone.example.com", nil, bigfoot.Raises(&net.DNSError{IsNotFound: true}))
	var answers []string
	var rcode int
	bf.Sandbox(func() {
		for _, network := range []string{"udp", "tcp"} {
			m := new(dns.Msg)
			m.SetQuestion("example.com.", dns.TypeMX)
			r, _, err := (&dns.Client{Net: network}).Exchange(m, "10.0.0.53:53")
			if err != nil {
				t.Fatal(err)
			}
			answers = append(answers, r.Answer[0].(*dns.MX).Mx)
		}
		m := new(dns.Msg)
		m.SetQuestion("gone.example.com.", dns.TypeA)
		r, _, err := new(dns.Client).Exchange(m, "10.0.0.53:53")
		if err != nil {
			t.Fatal(err)
		}
		rcode = r.Rcode
	})
	if !slices.Equal(answers, []string{"mx.example.com.", "mx.example.com."}) || rcode != dns.RcodeNameError {
		t.Errorf("answers %v, rcode %d", answers, rcode)
	}
	bf.DNS().AssertMX("example.com")
	bf.DNS().AssertMX("example.com")
	bf.DNS().AssertLookup("gone.example.com")
}

// TestGitWrapperWithNoSeam: the CLI wrapper given exec.Command itself:
// inside the sandbox git does not run; outside it, it does (the command
// firewall allows starts by default).
func TestGitWrapperWithNoSeam(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().Expect([]string{"git", "branch", "--format=%(refname:short)"}, bfexec.Result{Stdout: []byte("main\n")})
	var got []string
	var err error
	bf.Sandbox(func() { got, err = Branches(exec.Command, "") })
	if err != nil || !slices.Equal(got, []string{"main"}) {
		t.Errorf("Branches = %v, %v", got, err)
	}
	bf.Exec().AssertRun([]string{"git", "branch", "--format=%(refname:short)"}, "", nil)

	if _, err := exec.LookPath("git"); err == nil {
		out, err := exec.Command("git", "--version").Output()
		if err != nil || !strings.HasPrefix(string(out), "git version") {
			t.Errorf("real git outside the sandbox: %q, %v", out, err)
		}
	}
}

// TestDefaultJSONLogger: a program that made a JSON logger its default;
// inside the sandbox of a test that used bf.Log(), its slog.Info calls
// are the test's interactions, and outside it they go to its handler.
func TestDefaultJSONLogger(t *testing.T) {
	old := slog.Default()
	r, w, _ := os.Pipe()
	slog.SetDefault(slog.New(slog.NewJSONHandler(w, nil)))
	defer slog.SetDefault(old)

	bf := bigfoot.New(t)
	bf.Log()
	bf.Sandbox(func() { slog.Info("inside", "n", 1) })
	slog.Info("outside")
	w.Close()
	out, _ := io.ReadAll(r)

	bf.Log().AssertInfo("inside", "n", 1)
	if !strings.Contains(string(out), `"msg":"outside"`) || strings.Contains(string(out), "inside") {
		t.Errorf("the JSON handler wrote %q", out)
	}
}
