//go:build bigfoot_overlay

package bfdns_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/guard"
)

// These tests run only under the overlay (bigfoot test), where every
// lookup method of net.Resolver is hooked.

func TestEveryResolverInsideTheSandbox(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("not transparent")
	}
	bf := bigfoot.New(t)
	bf.DNS().
		ExpectLookup("api.example.com", []string{"192.0.2.10", "2001:db8::10"}).
		ExpectLookup("api.example.com", []string{"192.0.2.10", "2001:db8::10"}).
		ExpectLookup("api.example.com", []string{"192.0.2.10", "2001:db8::10"}).
		ExpectLookup("api.example.com", []string{"192.0.2.10", "2001:db8::10"}).
		ExpectTXT("example.com", []string{"v=spf1 -all"}).
		ExpectTXT("example.com", []string{"v=spf1 -all"}).
		ExpectMX("example.com", []*net.MX{{Host: "mx.example.com", Pref: 5}}).
		ExpectAddr("192.0.2.10", []string{"api.example.com"})
	custom := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("this resolver's dial must not be reached")
	}}
	bf.Sandbox(func() {
		if addrs, err := net.LookupHost("api.example.com"); err != nil || len(addrs) != 2 || addrs[0] != "192.0.2.10" {
			t.Errorf("net.LookupHost = %v, %v", addrs, err)
		}
		if ips, err := net.LookupIP("api.example.com"); err != nil || len(ips) != 2 {
			t.Errorf("net.LookupIP = %v, %v", ips, err)
		}
		if ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip4", "api.example.com"); err != nil || len(ips) != 1 || ips[0].String() != "192.0.2.10" {
			t.Errorf("LookupNetIP = %v, %v", ips, err)
		}
		if ips, err := custom.LookupIPAddr(context.Background(), "api.example.com"); err != nil || len(ips) != 2 {
			t.Errorf("custom resolver = %v, %v", ips, err)
		}
		if txt, err := net.LookupTXT("example.com"); err != nil || len(txt) != 1 {
			t.Errorf("net.LookupTXT = %v, %v", txt, err)
		}
		if txt, err := custom.LookupTXT(context.Background(), "example.com"); err != nil || len(txt) != 1 {
			t.Errorf("LookupTXT = %v, %v", txt, err)
		}
		if mx, err := net.LookupMX("example.com"); err != nil || len(mx) != 1 || mx[0].Host != "mx.example.com." {
			t.Errorf("net.LookupMX = %v, %v", mx, err)
		}
		if names, err := net.LookupAddr("192.0.2.10"); err != nil || len(names) != 1 || names[0] != "api.example.com." {
			t.Errorf("net.LookupAddr = %v, %v", names, err)
		}
		// IP literals are not lookups.
		if addrs, err := net.LookupHost("192.0.2.99"); err != nil || addrs[0] != "192.0.2.99" {
			t.Errorf("literal: %v %v", addrs, err)
		}
	})
	for i := 0; i < 4; i++ {
		bf.DNS().AssertLookup("api.example.com")
	}
	bf.DNS().AssertTXT("example.com")
	bf.DNS().AssertTXT("example.com")
	bf.DNS().AssertMX("example.com")
	bf.DNS().AssertAddr("192.0.2.10")
}

func TestNotFoundIsAResolversError(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().ExpectLookup("gone.example.com", nil, bigfoot.Raises(&net.DNSError{IsNotFound: true}))
	var err error
	bf.Sandbox(func() { _, err = net.LookupHost("gone.example.com") })
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound || de.Err != "no such host" || de.Name != "gone.example.com" || de.Server == "" {
		t.Errorf("err = %#v", err)
	}
	bf.DNS().AssertLookup("gone.example.com")
}

// TestWithoutThePluginALookupFailsAtTheDNSLevel: the layer rule. A
// lookup inside a sandbox of a test that did not use bf.DNS() fails once,
// as unmocked at the DNS level; it never dials, so the socket plugin's
// sessions are left for the code's own connections.
func TestWithoutThePluginALookupFailsAtTheDNSLevel(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Socket().NewSession().Expect("connect", nil, bigfoot.Optional())
		bf.Sandbox(func() { _, err = net.LookupHost("redis.internal") })
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) || unmocked.Plugin != "dns" {
		t.Errorf("err = %v, want the DNS plugin's unmocked failure", err)
	}
	if n := len(ft.Errors()); n != 1 {
		t.Errorf("%d failures, want one:\n%s", n, ft.All())
	}
	for _, w := range []string{
		`unmocked dns call "lookup": LookupHost("redis.internal")`,
		"answered from bf.DNS()'s script, and this test scripts none",
		`bf.DNS().ExpectLookup("redis.internal", []string{"192.0.2.1"})`,
	} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
	if strings.Contains(ft.All(), "socket") {
		t.Errorf("the socket plugin was involved:\n%s", ft.All())
	}
}

// TestAResolversOwnDialIsTheLayerBelow: without bf.DNS(), a resolver
// with a Dial of its own sends its DNS over that dial (here a dial that
// fails), as the design's layers say; only the system's resolvers fail as
// unmocked at the DNS level.
func TestAResolversOwnDialIsTheLayerBelow(t *testing.T) {
	ft := bftest.New(t)
	var dialed atomic.Int32
	r := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		dialed.Add(1)
		return nil, errors.New("no name server here")
	}}
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Sandbox(func() { r.LookupHost(context.Background(), "own-dial.example.com") })
	})
	if dialed.Load() == 0 || ft.Failed() {
		t.Errorf("dialed %d times; failures:\n%s", dialed.Load(), ft.All())
	}
}

// TestCgoResolverIsIntercepted runs this test binary again with
// GODEBUG=netdns=cgo, the cgo resolver, whose lookups do not dial.
func TestCgoResolverIsIntercepted(t *testing.T) {
	if os.Getenv("BFDNS_CGO_CHILD") == "1" {
		// Outside the sandbox the resolver is the cgo one (netdns=cgo+1 says so).
		net.LookupHost("localhost")
		bf := bigfoot.New(t)
		bf.DNS().ExpectLookup("cgo.example.com", []string{"192.0.2.77"})
		var addrs []string
		bf.Sandbox(func() { addrs, _ = net.LookupHost("cgo.example.com") })
		if len(addrs) != 1 || addrs[0] != "192.0.2.77" {
			t.Fatalf("cgo lookup = %v", addrs)
		}
		bf.DNS().AssertLookup("cgo.example.com")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCgoResolverIsIntercepted$", "-test.v")
	cmd.Env = append(os.Environ(), "BFDNS_CGO_CHILD=1", "GODEBUG=netdns=cgo+1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "go package net: GODEBUG setting forcing use of the cgo resolver") {
		t.Errorf("the child did not use the cgo resolver:\n%s", out)
	}
}

// TestDialLookupsWhenTheSocketLayerLetsGo: the lookup a Dial makes for a
// host name the socket plugin let through is answered from the script.
func TestDialLookupsWhenTheSocketLayerLetsGo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "hello")
			c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	bf := bigfoot.New(t)
	bf.Socket().PassThrough("db.internal:*", "localhost:*")
	bf.DNS().ExpectLookup("db.internal", []string{"127.0.0.1"})
	bf.Sandbox(func() {
		c, err := net.DialTimeout("tcp", "db.internal:"+port, 5*time.Second)
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		if string(b) != "hello" {
			t.Errorf("read %q", b)
		}
	})
	bf.DNS().AssertLookup("db.internal")
}

// TestLetThroughDialWithoutThePlugin: with no bf.DNS(), the lookup of a
// dial a rule let through goes to the real resolver (here /etc/hosts).
func TestLetThroughDialWithoutThePlugin(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	bf := bigfoot.New(t)
	bf.Socket().PassThrough("localhost:*")
	bf.Sandbox(func() {
		c, err := net.DialTimeout("tcp4", "localhost:"+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), 5*time.Second)
		if err != nil {
			t.Error(err)
			return
		}
		c.Close()
	})
}

func TestPostSandboxLookupIsRefused(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.DNS()
		release := make(chan struct{})
		done := make(chan struct{})
		bf.Sandbox(func() {
			go func() {
				defer close(done)
				<-release
				_, err = net.LookupHost("late.example.com")
			}()
		})
		close(release)
		<-done
	})
	var post *bigfoot.PostSandboxInteractionError
	if !errors.As(err, &post) || !strings.Contains(ft.All(), "dns lookup late.example.com made after the sandbox of") {
		t.Errorf("err %v:\n%s", err, ft.All())
	}
}

func TestParallelTestsResolveTheirOwn(t *testing.T) {
	for i := 0; i < 6; i++ {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			bf := bigfoot.New(t)
			want := "192.0.2." + strconv.Itoa(i+1)
			bf.DNS().ExpectLookup("svc.example.com", []string{want})
			var got []string
			bf.Sandbox(func() {
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { defer wg.Done(); got, _ = net.LookupHost("svc.example.com") }()
				wg.Wait()
			})
			if len(got) != 1 || got[0] != want {
				t.Errorf("got %v, want %s", got, want)
			}
			bf.DNS().AssertLookup("svc.example.com")
		})
	}
}
