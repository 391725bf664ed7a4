//go:build bigfoot_overlay

package transparent

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// outside is a non-loopback address (TEST-NET-1, RFC 5737). The tests run
// in a network namespace with loopback alone, so a dial the firewall lets
// through fails with "network is unreachable" and nothing leaves the
// machine.
const outside = "192.0.2.1:80"

// refused asserts that err is the firewall's refusal of address and
// returns it.
func refused(t *testing.T, err error, network, address string) *bigfoot.GuardedCallError {
	t.Helper()
	var g *bigfoot.GuardedCallError
	if !errors.As(err, &g) {
		t.Fatalf("dial %s %s: %v, want a *bigfoot.GuardedCallError", network, address, err)
	}
	if g.Plugin != "socket" || g.Op != "dial" || g.Network != network || g.Address != address {
		t.Errorf("refusal names %s %s %s %s, want socket dial %s %s", g.Plugin, g.Op, g.Network, g.Address, network, address)
	}
	if want := `bigfoot.AllowDial(t, "` + address + `")`; !strings.Contains(g.Fix, want) {
		t.Errorf("refusal's fix does not show %s:\n%s", want, g.Fix)
	}
	if !strings.Contains(err.Error(), address) {
		t.Errorf("refusal does not name %s: %v", address, err)
	}
	return g
}

// letThrough asserts that the firewall let a dial go to the network: it
// failed, since in the namespace nothing but loopback answers, but as the
// network fails, not as bigfoot refuses.
func letThrough(t *testing.T, err error, what string) {
	t.Helper()
	var g *bigfoot.GuardedCallError
	switch {
	case err == nil:
		t.Fatalf("%s: succeeded; in a network namespace with loopback alone it cannot", what)
	case errors.As(err, &g) || strings.Contains(err.Error(), "bigfoot"):
		t.Fatalf("%s: refused by bigfoot (%v), want it let through to the network", what, err)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("%s: %v, want a *net.OpError from the real dial", what, err)
	}
}

// TestFirewallAllowsLoopbackAndUnix reaches real local servers outside
// every sandbox: an httptest server by IP and by the name localhost, and a
// unix socket.
func TestFirewallAllowsLoopbackAndUnix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "real server")
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, url := range []string{srv.URL, "http://localhost:" + port} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("http.Get(%s) outside a sandbox: %v", url, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "real server" {
			t.Errorf("http.Get(%s) body %q, want %q", url, body, "real server")
		}
	}

	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			io.WriteString(c, "unix\n")
			c.Close()
		}
	}()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("unix dial outside a sandbox: %v", err)
	}
	got, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if got != "unix\n" {
		t.Errorf("unix socket read %q, want %q", got, "unix\n")
	}
}

// TestFirewallRefuses refuses non-loopback dials outside every sandbox,
// through each entry point, before any name is resolved.
func TestFirewallRefuses(t *testing.T) {
	_, err := net.Dial("tcp", outside)
	g := refused(t, err, "tcp", outside)
	if !strings.Contains(g.Reason, "outside every sandbox") || !strings.Contains(g.Reason, `"loopback", "unix" (default)`) {
		t.Errorf("reason does not say which rules apply: %s", g.Reason)
	}

	_, err = net.Dial("udp", "192.0.2.1:53")
	refused(t, err, "udp", "192.0.2.1:53")

	_, err = (&net.Dialer{}).DialContext(context.Background(), "tcp", "db.example.com:5432")
	refused(t, err, "tcp", "db.example.com:5432")

	// A clearly named error even through net/http's wrapping, in HTTP's
	// own terms (the guard level of http decides it).
	_, err = http.Get("http://192.0.2.1/")
	refusedHTTP(t, err, "GET", "http://192.0.2.1/", outside)
}

// TestAllowDial lets matching dials through while the test runs, and only
// then; a rule for a host name lets its DNS queries through too.
func TestAllowDial(t *testing.T) {
	t.Run("prefix", func(t *testing.T) {
		bigfoot.AllowDial(t, "192.0.2.0/24")
		_, err := net.Dial("tcp", outside)
		letThrough(t, err, "dial allowed by 192.0.2.0/24")
		_, err = net.Dial("tcp", "198.51.100.1:80")
		refused(t, err, "tcp", "198.51.100.1:80")
	})
	_, err := net.Dial("tcp", outside)
	refused(t, err, "tcp", outside) // the rule ended with its test

	t.Run("host name", func(t *testing.T) {
		bigfoot.AllowDial(t, "db.invalid:5432")
		_, err := net.Dial("tcp", "db.invalid:5432")
		// net resolves the name: the query to the resolver goes through the
		// hook as well, and must not be refused.
		letThrough(t, err, "dial allowed by db.invalid:5432")
		_, err = net.Dial("tcp", "db.invalid:5433")
		refused(t, err, "tcp", "db.invalid:5433")
	})

	t.Run("invalid rule", func(t *testing.T) {
		fake := bftest.New(t)
		fake.Run(func() { bigfoot.AllowDial(fake, "10.0.0.0/99") })
		if msg := fake.All(); !strings.Contains(msg, `invalid dial rule "10.0.0.0/99"`) {
			t.Errorf("AllowDial with an invalid rule reported %q", msg)
		}
	})
}

// TestDenyLoopback refuses loopback outside sandboxes while the test runs,
// except for what an allow rule names.
func TestDenyLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	t.Run("deny", func(t *testing.T) {
		bigfoot.DenyLoopback(t)
		_, err := net.Dial("tcp", addr)
		g := refused(t, err, "tcp", addr)
		if want := "bigfoot.DenyLoopback(t) in " + t.Name(); !strings.Contains(g.Reason, want) {
			t.Errorf("reason does not name %s: %s", want, g.Reason)
		}
		_, err = net.Dial("tcp", "localhost:1")
		refused(t, err, "tcp", "localhost:1")

		bigfoot.AllowDial(t, addr)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial allowed by name despite DenyLoopback: %v", err)
		}
		c.Close()
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("loopback after the DenyLoopback test ended: %v", err)
	}
	c.Close()
}

// TestSetFirewall sets the process-wide policy, as TestMain would.
func TestSetFirewall(t *testing.T) {
	t.Cleanup(func() {
		if err := bigfoot.SetFirewall(bigfoot.Firewall{}); err != nil {
			t.Error(err)
		}
	})
	if err := bigfoot.SetFirewall(bigfoot.Firewall{Allow: []string{"192.0.2.1"}}); err != nil {
		t.Fatal(err)
	}
	_, err := net.Dial("tcp", outside)
	letThrough(t, err, "dial allowed by SetFirewall")

	var ruleErr *bigfoot.DialRuleError
	if err := bigfoot.SetFirewall(bigfoot.Firewall{Allow: []string{"db:port"}}); !errors.As(err, &ruleErr) {
		t.Errorf("SetFirewall with an invalid rule: %v, want a *bigfoot.DialRuleError", err)
	}
	_, err = net.Dial("tcp", outside)
	letThrough(t, err, "dial after a rejected SetFirewall") // the policy did not change

	if err := bigfoot.SetFirewall(bigfoot.Firewall{DenyLoopback: true}); err != nil {
		t.Fatal(err)
	}
	_, err = net.Dial("tcp", "127.0.0.1:1")
	g := refused(t, err, "tcp", "127.0.0.1:1")
	if !strings.Contains(g.Reason, "bigfoot.SetFirewall(bigfoot.Firewall{DenyLoopback: true})") {
		t.Errorf("reason does not name the policy: %s", g.Reason)
	}

	if err := bigfoot.SetFirewall(bigfoot.Firewall{Off: true}); err != nil {
		t.Fatal(err)
	}
	_, err = net.Dial("tcp", outside)
	letThrough(t, err, "dial with the firewall off")
}

// TestRefusalFailsOnlyTheTestItBelongsTo: a refused dial fails the test
// whose bf.Context it carries, and no other; a dial that carries none
// belongs to no test, even when only one test is running, because it may
// come from a goroutine an earlier test left behind.
func TestRefusalFailsOnlyTheTestItBelongsTo(t *testing.T) {
	fake := bftest.New(t)
	bigfoot.New(fake)
	_, err := net.Dial("tcp", outside)
	refused(t, err, "tcp", outside)
	fake.RunCleanups()
	if msg := fake.All(); msg != "" {
		t.Errorf("the only running test was failed by a dial that does not belong to it: %q", msg)
	}

	one, two := bftest.New(t), bftest.New(t)
	bf := bigfoot.New(one)
	bigfoot.New(two)
	_, err = net.Dial("tcp", outside)
	refused(t, err, "tcp", outside)
	_, err = (&net.Dialer{}).DialContext(bf.Context(context.Background()), "tcp", "192.0.2.2:80")
	refused(t, err, "tcp", "192.0.2.2:80")
	one.RunCleanups()
	two.RunCleanups()
	if msg := one.All(); strings.Contains(msg, outside) || !strings.Contains(msg, "192.0.2.2:80") {
		t.Errorf("test whose context the dial carried reported %q, want the refusal of 192.0.2.2:80 only", msg)
	}
	if msg := two.All(); msg != "" {
		t.Errorf("the other test reported %q, want nothing", msg)
	}
}

// TestPassThrough lets a sandbox's dials to the test's own server go to
// the network while the rest are scripted.
func TestPassThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "real server")
	}))
	defer srv.Close()

	bf := bigfoot.New(t)
	bf.Socket().PassThrough(srv.Listener.Addr().String())
	scriptPing(bf, "scripted")
	var body, reply string
	bf.Sandbox(func() {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatalf("http.Get of the passed-through server: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)

		c, err := net.Dial("tcp", "db.invalid:5432")
		if err != nil {
			t.Fatalf("scripted dial: %v", err)
		}
		reply, _ = ping(c)
	})
	if body != "real server" || reply != "scripted" {
		t.Errorf("got %q and %q, want %q and %q", body, reply, "real server", "scripted")
	}
	assertPing(bf, "db.invalid", 5432, "scripted") // the passed-through dial is not recorded

	t.Run("invalid rule", func(t *testing.T) {
		fake := bftest.New(t)
		fake.Run(func() { bigfoot.New(fake).Socket().PassThrough("") })
		if msg := fake.All(); !strings.Contains(msg, `invalid dial rule ""`) {
			t.Errorf("PassThrough with an invalid rule reported %q", msg)
		}
	})
}

// TestEnvironment runs this test binary again with the firewall's
// environment variables set; the child tests below check the effect.
func TestEnvironment(t *testing.T) {
	for _, tt := range []struct {
		env  string
		test string
	}{
		{"BIGFOOT_FIREWALL=off", "TestChildFirewallOff"},
		{"BIGFOOT_ALLOW=192.0.2.0/24, db.invalid:*", "TestChildAllowEnv"},
		{"BIGFOOT_FIREWALL=maybe", "TestChildBadEnv"},
	} {
		t.Run(tt.test, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^"+tt.test+"$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), tt.env, childEnv+"=1", quickRaceExit())
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: "+tt.test) {
				t.Errorf("%s %s: %v\n%s", tt.env, tt.test, err, out)
			}
		})
	}
}

// childEnv marks the test binary that TestEnvironment runs.
const childEnv = "BIGFOOT_TEST_FIREWALL_CHILD"

func child(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("run by TestEnvironment")
	}
}

func TestChildFirewallOff(t *testing.T) {
	child(t)
	_, err := net.Dial("tcp", outside)
	letThrough(t, err, "dial with BIGFOOT_FIREWALL=off")
	if !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("dial in the namespace: %v, want ENETUNREACH", err)
	}
}

func TestChildAllowEnv(t *testing.T) {
	child(t)
	_, err := net.Dial("tcp", outside)
	letThrough(t, err, "dial allowed by BIGFOOT_ALLOW")
	_, err = net.Dial("tcp", "db.invalid:1")
	letThrough(t, err, "dial allowed by BIGFOOT_ALLOW")
	_, err = net.Dial("tcp", "198.51.100.1:80")
	g := refused(t, err, "tcp", "198.51.100.1:80")
	if !strings.Contains(g.Reason, `"192.0.2.0/24", "db.invalid:*" (BIGFOOT_ALLOW)`) {
		t.Errorf("reason does not list the rules of BIGFOOT_ALLOW: %s", g.Reason)
	}
}

func TestChildBadEnv(t *testing.T) {
	child(t)
	_, err := net.Dial("tcp", outside)
	g := refused(t, err, "tcp", outside)
	if !strings.Contains(g.Reason, `BIGFOOT_FIREWALL="maybe" is neither on nor off`) {
		t.Errorf("reason does not report the bad setting: %s", g.Reason)
	}
}
