package bfdns_test

import (
	"context"
	"errors"
	"go/parser"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfdns"
	"github.com/bigfoot-go/bigfoot/bftest"
)

var ctx = context.Background()

func TestHostLookups(t *testing.T) {
	bf := bigfoot.New(t)
	for i := 0; i < 5; i++ { // five lookups below
		bf.DNS().ExpectLookup("api.example.com", []string{"192.0.2.10", "2001:db8::10"})
	}
	r := bf.DNS().Resolver()
	var host []string
	var ipAll, ip4 []net.IP
	var ipAddr []net.IPAddr
	var netIP []netip.Addr
	bf.Sandbox(func() {
		var err error
		if host, err = r.LookupHost(ctx, "api.example.com"); err != nil {
			t.Error(err)
		}
		if ipAll, err = r.LookupIP(ctx, "ip", "API.example.com."); err != nil {
			t.Error(err)
		}
		if ip4, err = r.LookupIP(ctx, "ip4", "api.example.com"); err != nil {
			t.Error(err)
		}
		if ipAddr, err = r.LookupIPAddr(ctx, "api.example.com"); err != nil {
			t.Error(err)
		}
		if netIP, err = r.LookupNetIP(ctx, "ip6", "api.example.com"); err != nil {
			t.Error(err)
		}
	})
	if !slices.Contains(host, "192.0.2.10") || !slices.Contains(host, "2001:db8::10") || len(host) != 2 {
		t.Errorf("LookupHost = %v", host)
	}
	if len(ipAll) != 2 || len(ip4) != 1 || !ip4[0].Equal(net.ParseIP("192.0.2.10")) || len(ipAddr) != 2 {
		t.Errorf("LookupIP = %v, %v; LookupIPAddr = %v", ipAll, ip4, ipAddr)
	}
	if len(netIP) != 1 || netIP[0] != netip.MustParseAddr("2001:db8::10") {
		t.Errorf("LookupNetIP = %v", netIP)
	}
	// One lookup, one interaction, whatever the queries it took.
	for _, h := range []string{"api.example.com", "API.example.com", "api.example.com", "api.example.com", "api.example.com"} {
		bf.DNS().AssertLookup(h)
	}
}

func TestLookupsTakeAnswersInOrder(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().
		ExpectLookup("db.internal", []string{"10.0.0.1"}).
		ExpectLookup("db.internal", []string{"10.0.0.2"}).
		ExpectLookup("cache.internal", []string{"10.0.1.1"})
	var got []string
	bf.Sandbox(func() {
		for _, h := range []string{"cache.internal", "db.internal", "db.internal"} {
			addrs, err := bf.DNS().Resolver().LookupHost(ctx, h)
			if err != nil {
				t.Error(err)
			}
			got = append(got, addrs...)
		}
	})
	if strings.Join(got, " ") != "10.0.1.1 10.0.0.1 10.0.0.2" {
		t.Errorf("addresses %v", got)
	}
	bf.DNS().AssertLookup("cache.internal")
	bf.DNS().AssertLookup("db.internal")
	bf.DNS().AssertLookup("db.internal")
}

func TestConcurrentLookups(t *testing.T) {
	bf := bigfoot.New(t)
	hosts := []string{"a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com", "f.example.com"}
	for i, h := range hosts {
		bf.DNS().ExpectLookup(h, []string{netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}).String()})
	}
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for i, h := range hosts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				addrs, err := bf.DNS().Resolver().LookupHost(ctx, h)
				if err != nil || len(addrs) != 1 || addrs[0] != netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}).String() {
					t.Errorf("%s: %v %v", h, addrs, err)
				}
			}()
		}
		wg.Wait()
	})
	bf.InAnyOrder(func() {
		for _, h := range hosts {
			bf.DNS().AssertLookup(h)
		}
	})
}

func TestNotFoundAsFromARealResolver(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().ExpectLookup("gone.example.com", nil, bigfoot.Raises(&net.DNSError{IsNotFound: true}))
	var err error
	bf.Sandbox(func() { _, err = bf.DNS().Resolver().LookupHost(ctx, "gone.example.com") })
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound || de.Name != "gone.example.com" || de.Err != "no such host" || de.Server == "" {
		t.Errorf("err = %#v", err)
	}
	bf.DNS().AssertLookup("gone.example.com")
}

func TestTimeoutAndServerFailure(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().
		ExpectLookup("slow.example.com", nil, bigfoot.Raises(&net.DNSError{IsTimeout: true})).
		ExpectMX("broken.example.com", nil, bigfoot.Raises(errors.New("anything else")))
	var errTimeout, errFail error
	bf.Sandbox(func() {
		_, errTimeout = bf.DNS().Resolver().LookupHost(ctx, "slow.example.com")
		_, errFail = bf.DNS().Resolver().LookupMX(ctx, "broken.example.com")
	})
	var de *net.DNSError
	if !errors.As(errTimeout, &de) || !de.IsTimeout {
		t.Errorf("timeout: %v", errTimeout)
	}
	if !errors.As(errFail, &de) || !de.IsTemporary || de.IsNotFound {
		t.Errorf("server failure: %v", errFail)
	}
	bf.DNS().AssertLookup("slow.example.com")
	bf.DNS().AssertMX("broken.example.com")
}

func TestOtherRecordTypes(t *testing.T) {
	bf := bigfoot.New(t)
	long := strings.Repeat("k", 600)
	bf.DNS().
		ExpectMX("example.com", []*net.MX{{Host: "mx2.example.com", Pref: 20}, {Host: "mx1.example.com.", Pref: 10}}).
		ExpectTXT("example.com", []string{"v=spf1 -all", long}).
		ExpectSRV("xmpp-server", "tcp", "example.com", []*net.SRV{{Target: "xmpp.example.com", Port: 5269, Priority: 10, Weight: 5}}).
		ExpectCNAME("www.example.com", "web.example.net").
		ExpectNS("example.com", []*net.NS{{Host: "ns1.example.com"}, {Host: "ns2.example.com"}}).
		ExpectAddr("192.0.2.10", []string{"host.example.com"}).
		ExpectAddr("2001:db8::10", []string{"host6.example.com."})
	r := bf.DNS().Resolver()
	var mx []*net.MX
	var txt, names4, names6 []string
	var srvName, cname string
	var srvs []*net.SRV
	var ns []*net.NS
	bf.Sandbox(func() {
		var err error
		if mx, err = r.LookupMX(ctx, "example.com"); err != nil {
			t.Error(err)
		}
		if txt, err = r.LookupTXT(ctx, "example.com"); err != nil {
			t.Error(err)
		}
		if srvName, srvs, err = r.LookupSRV(ctx, "xmpp-server", "tcp", "example.com"); err != nil {
			t.Error(err)
		}
		if cname, err = r.LookupCNAME(ctx, "www.example.com"); err != nil {
			t.Error(err)
		}
		if ns, err = r.LookupNS(ctx, "example.com"); err != nil {
			t.Error(err)
		}
		if names4, err = r.LookupAddr(ctx, "192.0.2.10"); err != nil {
			t.Error(err)
		}
		if names6, err = r.LookupAddr(ctx, "2001:db8:0::10"); err != nil {
			t.Error(err)
		}
	})
	if len(mx) != 2 || mx[0].Host != "mx1.example.com." || mx[0].Pref != 10 || mx[1].Host != "mx2.example.com." {
		t.Errorf("MX %v %v", mx[0], mx[1])
	}
	if len(txt) != 2 || txt[0] != "v=spf1 -all" || txt[1] != long {
		t.Errorf("TXT %q", txt)
	}
	if srvName != "_xmpp-server._tcp.example.com." || len(srvs) != 1 || *srvs[0] != (net.SRV{Target: "xmpp.example.com.", Port: 5269, Priority: 10, Weight: 5}) {
		t.Errorf("SRV %q %v", srvName, srvs)
	}
	if cname != "web.example.net." {
		t.Errorf("CNAME %q", cname)
	}
	if len(ns) != 2 || ns[0].Host != "ns1.example.com." {
		t.Errorf("NS %v", ns)
	}
	if !slices.Equal(names4, []string{"host.example.com."}) || !slices.Equal(names6, []string{"host6.example.com."}) {
		t.Errorf("PTR %v %v", names4, names6)
	}
	bf.DNS().AssertMX("example.com")
	bf.DNS().AssertTXT("example.com")
	bf.DNS().AssertSRV("xmpp-server", "tcp", "example.com")
	bf.DNS().AssertCNAME("www.example.com")
	bf.DNS().AssertNS("example.com")
	bf.DNS().AssertAddr("192.0.2.10")
	bf.DNS().AssertAddr("2001:db8::10")
}

func TestCNAMEOfAPlainHost(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().ExpectLookup("plain.example.com", []string{"192.0.2.7"})
	var cname string
	var err error
	bf.Sandbox(func() { cname, err = bf.DNS().Resolver().LookupCNAME(ctx, "plain.example.com") })
	if cname != "plain.example.com." || err != nil {
		t.Errorf("LookupCNAME = %q, %v: a name with addresses and no CNAME is its own", cname, err)
	}
	bf.DNS().AssertLookup("plain.example.com")
}

func TestGenericAndManual(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	p, err := bfdns.NewPlugin(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bfdns.NewPlugin(v); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Errorf("second NewPlugin: %v", err)
	}
	p.ExpectLookup("x.example.com", []string{"192.0.2.1"})
	v.Sandbox(func() { p.Resolver().LookupHost(ctx, "x.example.com") })
	if err := p.AssertLookup("y.example.com"); err == nil {
		t.Error("a wrong host passed")
	}
	if err := v.AssertInteraction(bfdns.Lookup, bigfoot.Fields{"host": bigfoot.HasPrefix("x.")}); err != nil {
		t.Error(err)
	}
	if err := v.VerifyAll(); err != nil {
		t.Error(err)
	}
}

// The failure paths, with their messages.

func TestUnscriptedLookupFailsOnce(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.DNS().ExpectLookup("other.example.com", []string{"192.0.2.1"}, bigfoot.Optional())
		bf.Sandbox(func() { _, err = bf.DNS().Resolver().LookupHost(ctx, "nope.example.com") })
	})
	if err == nil {
		t.Fatal("the lookup succeeded")
	}
	if n := len(ft.Errors()); n != 1 {
		t.Errorf("%d failures, want one per lookup (not per query or retry):\n%s", n, ft.All())
	}
	for _, w := range []string{
		`unmocked dns call "lookup": LookupHost("nope.example.com")`,
		`the answers not yet taken:` + "\n\t" + `bf.DNS().ExpectLookup("other.example.com", []string{"192.0.2.1"}, bigfoot.Optional())`,
		`bf.DNS().ExpectLookup("nope.example.com", []string{"192.0.2.1"})`,
		`bf.DNS().ExpectLookup("nope.example.com", nil, bigfoot.Raises(&net.DNSError{Err: "no such host", Name: "nope.example.com", IsNotFound: true}))`,
	} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
	if strings.Contains(ft.All(), "times in all") {
		t.Errorf("the failure was repeated:\n%s", ft.All())
	}
	parseFixes(t, ft.All())
}

func TestUnscriptedRecordTypes(t *testing.T) {
	for _, tt := range []struct {
		lookup func(r *net.Resolver) error
		want   string
	}{
		{func(r *net.Resolver) error { _, err := r.LookupMX(ctx, "m.example.com"); return err }, `bf.DNS().ExpectMX("m.example.com", []*net.MX{{Host: "mail.example.com.", Pref: 10}})`},
		{func(r *net.Resolver) error { _, err := r.LookupTXT(ctx, "t.example.com"); return err }, `bf.DNS().ExpectTXT("t.example.com", []string{"v=spf1 -all"})`},
		{func(r *net.Resolver) error { _, err := r.LookupNS(ctx, "n.example.com"); return err }, `bf.DNS().ExpectNS("n.example.com", []*net.NS{{Host: "ns1.example.com."}})`},
		{func(r *net.Resolver) error { _, _, err := r.LookupSRV(ctx, "sip", "udp", "s.example.com"); return err },
			`bf.DNS().ExpectSRV("sip", "udp", "s.example.com", []*net.SRV{{Target: "host.example.com.", Port: 443, Priority: 10, Weight: 5}})`},
		{func(r *net.Resolver) error { _, err := r.LookupAddr(ctx, "192.0.2.99"); return err }, `bf.DNS().ExpectAddr("192.0.2.99", []string{"host.example.com."})`},
	} {
		t.Run(tt.want[len("bf.DNS().Expect"):strings.Index(tt.want, "(\"")], func(t *testing.T) {
			ft := bftest.New(t)
			var err error
			ft.Run(func() {
				bf := bigfoot.New(ft)
				bf.DNS()
				bf.Sandbox(func() { err = tt.lookup(bf.DNS().Resolver()) })
			})
			if err == nil || len(ft.Errors()) != 1 || !strings.Contains(ft.All(), tt.want) {
				t.Errorf("err %v; want one failure with %q:\n%s", err, tt.want, ft.All())
			}
			parseFixes(t, ft.All())
		})
	}
}

func TestOutsideTheSandbox(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.DNS().ExpectLookup("x.example.com", []string{"192.0.2.1"}, bigfoot.Optional())
		_, err = bf.DNS().Resolver().LookupHost(ctx, "x.example.com")
	})
	if err == nil || len(ft.Errors()) != 1 || !strings.Contains(ft.All(), "bigfoot: dns lookup udp") ||
		!strings.Contains(ft.All(), "refused: no sandbox is open") {
		t.Errorf("err %v:\n%s", err, ft.All())
	}
}

func TestUnassertedAndUnused(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.DNS().ExpectLookup("a.example.com", []string{"192.0.2.1"}).
			ExpectSRV("", "", "_ldap._tcp.example.com", []*net.SRV{{Target: "ldap.example.com", Port: 389}}).
			ExpectTXT("unused.example.com", []string{"x"})
		bf.Sandbox(func() {
			bf.DNS().Resolver().LookupHost(ctx, "a.example.com")
			bf.DNS().Resolver().LookupSRV(ctx, "", "", "_ldap._tcp.example.com")
		})
	})
	for _, w := range []string{
		`bf.DNS().AssertLookup("a.example.com")`,
		`bf.DNS().AssertSRV("ldap", "tcp", "example.com")`,
		`dns: bf.DNS().ExpectTXT("unused.example.com", []string{"x"}) registered at`,
	} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
	parseFixes(t, ft.All())
}

func TestMisuse(t *testing.T) {
	for _, tt := range []struct {
		name   string
		expect func(p *bfdns.Plugin)
		want   string
	}{
		{"host", func(p *bfdns.Plugin) { p.ExpectLookup("bad host", []string{"192.0.2.1"}) }, "the host is not a name a resolver looks up"},
		{"address", func(p *bfdns.Plugin) { p.ExpectLookup("h.example.com", []string{"h2.example.com"}) }, `the address "h2.example.com" is not an IP address`},
		{"empty", func(p *bfdns.Plugin) { p.ExpectLookup("h.example.com", nil) }, "the answer is empty; a name with no records is not found"},
		{"mx host", func(p *bfdns.Plugin) { p.ExpectMX("example.com", []*net.MX{{Host: ""}}) }, "an MX record's host is not a domain name"},
		{"reverse", func(p *bfdns.Plugin) { p.ExpectAddr("host", []string{"x.example.com"}) }, "the address is not an IP address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ft := bftest.New(t)
			ft.Run(func() { tt.expect(bigfoot.New(ft).DNS()) })
			if len(ft.Fatals()) != 1 || !strings.Contains(ft.All(), tt.want) {
				t.Errorf("want one fatal failure with %q:\n%s", tt.want, ft.All())
			}
			parseFixes(t, ft.All())
		})
	}
}

// parseFixes parses every bf.DNS() line of a failure as Go.
func parseFixes(t *testing.T, msg string) {
	t.Helper()
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "bf.DNS().") || strings.Contains(line, " registered at ") {
			continue
		}
		if _, err := parser.ParseExpr(line); err != nil {
			t.Errorf("fix does not parse: %v\n%s", err, line)
		}
	}
}
