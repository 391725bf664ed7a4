package bfdns

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// withConf makes the plugin see conf as the system's resolver
// configuration until the test ends.
func withConf(t *testing.T, conf *resolvConf) {
	t.Helper()
	confCache.mu.Lock()
	old, oldRead := confCache.conf, confCache.read
	confCache.conf, confCache.read = conf, time.Now().Add(time.Hour)
	confCache.mu.Unlock()
	t.Cleanup(func() {
		confCache.mu.Lock()
		confCache.conf, confCache.read = old, oldRead
		confCache.mu.Unlock()
	})
}

// ask sends one query over a connection of lookup id, as Go's resolver
// (viaResolver) or a client of its own, and returns the response or the
// connection's error.
func ask(t *testing.T, p *Plugin, id string, viaResolver bool, name string, qtype uint16) (*message, error) {
	t.Helper()
	c := &packetConn{&conn{p: p, id: id, viaResolver: viaResolver, remote: serverAddr("udp", "10.0.0.53:53"), wake: make(chan struct{}, 1)}}
	defer c.Close()
	q, err := (&message{ID: 7, Flags: flagRecursionDes, Questions: []question{{Name: name, Type: qtype, Class: classINET}}}).pack()
	if err != nil {
		t.Fatal(err)
	}
	c.Write(q)
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	if err != nil {
		return nil, err
	}
	m, err := parseMessage(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	return m, nil
}

// TestSearchList walks the search list as Go's resolver does: names of
// the list that are not scripted are not found, quietly, and a lookup
// fails once, when its last name is asked.
func TestSearchList(t *testing.T) {
	withConf(t, &resolvConf{search: []string{"corp.example."}, ndots: 1, server: "10.0.0.53:53"})
	ft := bftest.New(t)
	v := core.New(ft)
	p := For(v)
	p.ExpectLookup("db", []string{"10.0.0.5"})
	p.ExpectLookup("api.corp.example", []string{"10.0.0.6"})
	v.Sandbox(func() {
		// "db": db.corp.example. first, then db.
		for _, qt := range []uint16{typeA, typeAAAA} {
			if m, err := ask(t, p, "L1", true, "db.corp.example.", qt); err != nil || m.rcode() != rcodeNXDomain {
				t.Errorf("db.corp.example.: %v %v", m, err)
			}
		}
		m, err := ask(t, p, "L1", true, "db.", typeA)
		if err != nil || len(m.Answers) != 1 || m.Answers[0].IP != netip.MustParseAddr("10.0.0.5") {
			t.Errorf("db.: %+v %v", m, err)
		}
		if m, err := ask(t, p, "L1", true, "db.", typeAAAA); err != nil || len(m.Answers) != 0 || m.rcode() != rcodeSuccess {
			t.Errorf("db. AAAA: %+v %v", m, err)
		}
		// "api" with the search list gives api.corp.example., scripted.
		if m, err := ask(t, p, "L2", true, "api.corp.example.", typeA); err != nil || len(m.Answers) != 1 {
			t.Errorf("api.corp.example.: %+v %v", m, err)
		}
		// An unscripted "foo": quiet for foo.corp.example., unmocked at foo.
		if m, err := ask(t, p, "L3", true, "foo.corp.example.", typeA); err != nil || m.rcode() != rcodeNXDomain {
			t.Errorf("foo.corp.example.: %v %v", m, err)
		}
		for i := 0; i < 3; i++ { // the resolver retries
			if _, err := ask(t, p, "L3", true, "foo.", typeA); err == nil {
				t.Error("foo.: answered")
			}
		}
		// An unscripted two-label name: itself first, then with the suffix.
		ask(t, p, "L4", true, "x.other.", typeA)
		if _, err := ask(t, p, "L4", true, "x.other.corp.example.", typeA); err == nil {
			t.Error("x.other: answered")
		}
	})
	if n := len(ft.Errors()); n != 2 {
		t.Errorf("%d failures, want 2 (one per unscripted lookup):\n%s", n, ft.All())
	}
	for _, w := range []string{`LookupHost("foo")`, `LookupHost("x.other")`} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
	if err := p.AssertLookup("db"); err != nil {
		t.Error(err)
	}
	if err := p.AssertLookup("api.corp.example"); err != nil {
		t.Error(err)
	}
}

// TestSearchListTransparent applies the search list at the lookup level
// as the resolver does on the wire.
func TestSearchListTransparent(t *testing.T) {
	withConf(t, &resolvConf{search: []string{"corp.example."}, ndots: 1, server: "10.0.0.53:53"})
	v := core.New(nil)
	p := For(v)
	p.ExpectLookup("db.corp.example", []string{"10.0.0.7"}).ExpectLookup("cache", []string{"10.0.0.8"})
	v.Sandbox(func() {
		for host, want := range map[string]string{"db": "10.0.0.7", "cache": "10.0.0.8"} {
			ans, err := p.answer(&query{kind: kindHost, name: host})
			if err != nil || len(ans.Addrs) != 1 || ans.Addrs[0] != want {
				t.Errorf("%s: %+v %v", host, ans, err)
			}
		}
	})
	v.InAnyOrder(func() {
		if err := p.AssertLookup("db.corp.example"); err != nil {
			t.Error(err)
		}
		if err := p.AssertLookup("cache"); err != nil {
			t.Error(err)
		}
	})
}

// TestRawClientQueries: a client that speaks DNS itself makes one lookup
// per query; its unscripted query fails at once.
func TestRawClientQueries(t *testing.T) {
	withConf(t, &resolvConf{search: []string{"corp.example."}, ndots: 1, server: "10.0.0.53:53"})
	ft := bftest.New(t)
	v := core.New(ft)
	p := For(v)
	p.ExpectTXT("example.com", []string{"hello"})
	v.Sandbox(func() {
		m, err := ask(t, p, "R1", false, "example.com.", typeTXT)
		if err != nil || len(m.Answers) != 1 || m.Answers[0].TXT[0] != "hello" || m.ID != 7 || m.Flags&flagResponse == 0 {
			t.Errorf("TXT: %+v %v", m, err)
		}
		if _, err := ask(t, p, "R2", false, "db.", typeA); err == nil {
			t.Error("an unscripted query was answered")
		}
		if _, err := ask(t, p, "R3", false, "example.com.", 6 /* SOA */); err == nil {
			t.Error("an SOA query was answered")
		}
	})
	if n := len(ft.Errors()); n != 2 || !strings.Contains(ft.All(), "bfdns answers A, AAAA, CNAME, MX, NS, TXT, SRV and PTR queries") {
		t.Errorf("%d failures:\n%s", n, ft.All())
	}
	p.AssertTXT("example.com")
}

func TestStreamFraming(t *testing.T) {
	v := core.New(nil)
	p := For(v)
	p.ExpectLookup("s.example.com", []string{"192.0.2.9"})
	v.Sandbox(func() {
		c := p.newConn("tcp", "10.0.0.53:53", false)
		if _, ok := c.(net.PacketConn); ok {
			t.Fatal("a TCP connection is a PacketConn")
		}
		q, _ := (&message{ID: 9, Questions: []question{{Name: "s.example.com.", Type: typeA, Class: classINET}}}).pack()
		framed := binary.BigEndian.AppendUint16(nil, uint16(len(q)))
		framed = append(framed, q...)
		c.Write(framed[:5]) // in two writes
		c.Write(framed[5:])
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		var got []byte
		buf := make([]byte, 7) // in short reads
		for len(got) < 2 || len(got) < 2+int(binary.BigEndian.Uint16(got)) {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
		}
		m, err := parseMessage(got[2:])
		if err != nil || m.ID != 9 || len(m.Answers) != 1 {
			t.Errorf("%+v %v", m, err)
		}
		// Nothing more to read: the deadline ends the wait.
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		var ne net.Error
		if _, err := c.Read(buf); !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read past the response: %v", err)
		}
		c.Close()
		if _, err := c.Write(framed); !errors.Is(err, net.ErrClosed) {
			t.Errorf("write after close: %v", err)
		}
	})
	if err := p.AssertLookup("s.example.com"); err != nil {
		t.Error(err)
	}
}

func TestArpaNames(t *testing.T) {
	for name, want := range map[string]string{
		"1.2.0.192.in-addr.arpa": "192.0.2.1",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa": "2001:db8::1",
	} {
		if ip, ok := arpaAddr(name); !ok || ip.String() != want {
			t.Errorf("%s: %v %v", name, ip, ok)
		}
	}
	for _, bad := range []string{"1.2.3.in-addr.arpa", "x.2.0.192.in-addr.arpa", "1.0.ip6.arpa", "example.com"} {
		if _, ok := arpaAddr(bad); ok {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestResolvConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(path, []byte("# comment\nnameserver 10.1.2.3\nnameserver bogus\ndomain old.example\nsearch a.example b.example. ; x\noptions ndots:3 timeout:1\n"), 0o644)
	c := readResolvConf(path)
	if c.server != "10.1.2.3:53" || c.ndots != 3 || strings.Join(c.search, ",") != "a.example.,b.example." {
		t.Errorf("%+v", c)
	}
	if got := strings.Join(c.nameList("x.y"), ","); got != "x.y.a.example.,x.y.b.example.,x.y." {
		t.Errorf("nameList = %s", got)
	}
	if got := strings.Join(c.nameList("a.b.c.d"), ","); got != "a.b.c.d.,a.b.c.d.a.example.,a.b.c.d.b.example." {
		t.Errorf("nameList = %s", got)
	}
	if got := c.nameList("rooted."); len(got) != 1 || got[0] != "rooted." {
		t.Errorf("nameList = %v", got)
	}
	// RFC 7686: a .onion name itself never goes to DNS (its suffixed forms do, as in net).
	if got := strings.Join(c.nameList("x.onion"), ","); got != "x.onion.a.example.,x.onion.b.example." {
		t.Errorf("nameList of .onion = %v", got)
	}
	if c := readResolvConf(filepath.Join(t.TempDir(), "missing")); c.server != "127.0.0.1:53" || c.ndots != 1 {
		t.Errorf("defaults %+v", c)
	}
}
