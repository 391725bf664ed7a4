package dns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"os/exec"
	"slices"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/miekg/dns"
)

// These tests run under plain go test, through the plugins' seams.

// TestMiekgClientOverTheSeam: github.com/miekg/dns as a client, over a
// connection of the plugin's resolver: it packs the queries and parses
// the answers of bigfoot's DNS codec for every record type.
func TestMiekgClientOverTheSeam(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().
		ExpectLookup("api.example.com", []string{"192.0.2.10", "2001:db8::10"}).
		ExpectLookup("api.example.com", []string{"192.0.2.10", "2001:db8::10"}).
		ExpectMX("example.com", []*net.MX{{Host: "mx.example.com", Pref: 10}}).
		ExpectTXT("example.com", []string{"v=spf1 -all"}).
		ExpectSRV("", "", "_sip._udp.example.com", []*net.SRV{{Target: "sip.example.com", Port: 5060, Priority: 1, Weight: 2}}).
		ExpectNS("example.com", []*net.NS{{Host: "ns1.example.com"}}).
		ExpectCNAME("www.example.com", "web.example.net").
		ExpectAddr("192.0.2.10", []string{"api.example.com"})
	answers := map[uint16]string{}
	bf.Sandbox(func() {
		for _, q := range []struct {
			name  string
			qtype uint16
		}{
			{"api.example.com.", dns.TypeA}, {"api.example.com.", dns.TypeAAAA}, {"example.com.", dns.TypeMX},
			{"example.com.", dns.TypeTXT}, {"_sip._udp.example.com.", dns.TypeSRV}, {"example.com.", dns.TypeNS},
			{"www.example.com.", dns.TypeCNAME}, {"10.2.0.192.in-addr.arpa.", dns.TypePTR},
		} {
			conn, err := bf.DNS().Resolver().Dial(context.Background(), "udp", "192.0.2.53:53")
			if err != nil {
				t.Fatal(err)
			}
			m := new(dns.Msg)
			m.SetQuestion(q.name, q.qtype)
			r, _, err := new(dns.Client).ExchangeWithConn(m, &dns.Conn{Conn: conn})
			conn.Close()
			if err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
				t.Fatalf("%s %s: %v %v", q.name, dns.TypeToString[q.qtype], r, err)
			}
			answers[q.qtype] = r.Answer[0].String()
		}
	})
	for qtype, want := range map[uint16]string{
		dns.TypeA:     "api.example.com.\t60\tIN\tA\t192.0.2.10",
		dns.TypeAAAA:  "api.example.com.\t60\tIN\tAAAA\t2001:db8::10",
		dns.TypeMX:    "example.com.\t60\tIN\tMX\t10 mx.example.com.",
		dns.TypeTXT:   "example.com.\t60\tIN\tTXT\t\"v=spf1 -all\"",
		dns.TypeSRV:   "_sip._udp.example.com.\t60\tIN\tSRV\t1 2 5060 sip.example.com.",
		dns.TypeNS:    "example.com.\t60\tIN\tNS\tns1.example.com.",
		dns.TypeCNAME: "www.example.com.\t60\tIN\tCNAME\tweb.example.net.",
		dns.TypePTR:   "10.2.0.192.in-addr.arpa.\t60\tIN\tPTR\tapi.example.com.",
	} {
		if answers[qtype] != want {
			t.Errorf("%s: %q, want %q", dns.TypeToString[qtype], answers[qtype], want)
		}
	}
	// A client of its own makes one lookup per query.
	bf.DNS().AssertLookup("api.example.com")
	bf.DNS().AssertLookup("api.example.com")
	bf.DNS().AssertMX("example.com")
	bf.DNS().AssertTXT("example.com")
	bf.DNS().AssertSRV("sip", "udp", "example.com")
	bf.DNS().AssertNS("example.com")
	bf.DNS().AssertCNAME("www.example.com")
	bf.DNS().AssertAddr("192.0.2.10")
}

// TestGitWrapper: a CLI wrapper that runs git, answered from the script.
func TestGitWrapper(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Exec().
		Expect([]string{"git", "branch", "--format=%(refname:short)"}, bfexec.Result{Stdout: []byte("main\nfeature/x\n")}).
		Expect([]string{"git", "branch", "--format=%(refname:short)"}, bfexec.Result{
			Stderr: []byte("fatal: not a git repository (or any of the parent directories): .git\n"), ExitCode: 128})

	var got []string
	var err1, err2 error
	bf.Sandbox(func() {
		got, err1 = Branches(bf.Exec().Command, "")
		_, err2 = Branches(bf.Exec().Command, "")
	})
	if err1 != nil || !slices.Equal(got, []string{"main", "feature/x"}) {
		t.Errorf("Branches = %v, %v", got, err1)
	}
	var ee *exec.ExitError
	if !errors.As(err2, &ee) || ee.ExitCode() != 128 || !bytes.Contains(ee.Stderr, []byte("not a git repository")) {
		t.Errorf("second Branches: %v", err2)
	}
	bf.Exec().AssertRun([]string{"git", "branch", "--format=%(refname:short)"}, "", nil)
	bf.Exec().AssertRun([]string{"git", "branch", "--format=%(refname:short)"}, "", nil)
}

// TestWrappedJSONLogger: a logger the code built with
// slog.NewJSONHandler, wrapped: the records are asserted and the JSON is
// still written.
func TestWrappedJSONLogger(t *testing.T) {
	bf := bigfoot.New(t)
	var out bytes.Buffer
	logger := slog.New(bf.Log().Wrap(slog.NewJSONHandler(&out, nil)))
	bf.Sandbox(func() {
		logger.With("svc", "orders").WithGroup("req").Info("created", "id", 42, "tags", []string{"a", "b"})
	})
	bf.Log().AssertInfo("created", "svc", "orders", "req.id", 42, "req.tags", []string{"a", "b"})
	var rec struct {
		Msg string `json:"msg"`
		Svc string `json:"svc"`
		Req struct {
			ID int `json:"id"`
		} `json:"req"`
	}
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil || rec.Msg != "created" || rec.Svc != "orders" || rec.Req.ID != 42 {
		t.Errorf("JSON %s: %+v %v", out.String(), rec, err)
	}
}
