package guard

import (
	"errors"
	"strings"
	"testing"
)

func TestDialRulesMatch(t *testing.T) {
	tests := []struct {
		rule    string
		network string
		address string
		want    bool
	}{
		{"*", "tcp", "example.com:443", true},
		{"*", "unix", "/tmp/s", true},

		{"loopback", "tcp", "127.0.0.1:80", true},
		{"loopback", "tcp", "127.3.4.5:80", true},
		{"loopback", "tcp6", "[::1]:80", true},
		{"loopback", "tcp", "[::ffff:127.0.0.1]:80", true},
		{"loopback", "tcp", "localhost:80", true},
		{"loopback", "tcp", "LOCALHOST.:80", true},
		{"loopback", "tcp", "app.localhost:80", false}, // a name like any other: never resolved to decide
		{"loopback", "tcp", ":80", true},
		{"loopback", "tcp", "0.0.0.0:80", true},
		{"loopback", "tcp", "[::]:80", true},
		{"loopback", "ip4:icmp", "127.0.0.1", true},
		{"loopback", "tcp", "128.0.0.1:80", false},
		{"loopback", "tcp", "127.0.0.1.example.com:80", false},
		{"loopback", "tcp", "localhost.example.com:80", false},
		{"loopback", "unix", "/tmp/s", false},

		{"unix", "unix", "/tmp/s", true},
		{"unix", "unixgram", "@abstract", true},
		{"unix", "unixpacket", "/tmp/s", true},
		{"unix", "tcp", "127.0.0.1:80", false},

		{"10.0.0.0/8", "tcp", "10.1.2.3:5432", true},
		{"10.0.0.0/8", "udp", "10.1.2.3:53", true},
		{"10.0.0.0/8", "tcp", "11.1.2.3:5432", false},
		{"10.0.0.0/8", "tcp", "[::ffff:10.1.2.3]:1", true},
		{"10.0.0.0/8", "tcp", "ten.internal:1", false}, // names are not resolved
		{"fd00::/8", "tcp", "[fd12::1]:80", true},
		{"fd00::/8", "tcp", "10.1.2.3:80", false},

		{"10.1.2.3", "tcp", "10.1.2.3:1", true},
		{"10.1.2.3", "tcp", "10.1.2.4:1", false},
		{"::1", "tcp", "[::1]:8080", true},
		{"[::1]", "tcp", "[::1]:8080", true},
		{"[::1]:8080", "tcp", "[::1]:8080", true},
		{"[::1]:8080", "tcp", "[::1]:8081", false},
		{"[fe80::1]:*", "tcp", "[fe80::1%eth0]:22", true},

		{"db.internal", "tcp", "db.internal:5432", true},
		{"db.internal", "tcp", "DB.Internal.:1", true},
		{"db.internal", "tcp", "x.db.internal:1", false},
		{"db.internal:5432", "tcp", "db.internal:5432", true},
		{"db.internal:5432", "tcp", "db.internal:5433", false},
		{"db.internal:5432", "tcp", "10.0.0.1:5432", false},
		{"db.internal:*", "tcp", "db.internal:1", true},
		{"*.internal", "tcp", "db.internal:1", true},
		{"*.internal", "tcp", "a.b.internal:1", true},
		{"*.internal", "tcp", "internal:1", false},
		{"*.internal", "tcp", "10.0.0.1:1", false},
		{"*.internal:443", "tcp", "api.internal:443", true},
		{"*.internal:443", "tcp", "api.internal:80", false},
		{"*:443", "tcp", "anything.example:443", true},
		{"*:443", "tcp", "10.0.0.1:443", true},
		{"*:443", "tcp", "10.0.0.1:80", false},
		{"db.internal:5432", "unix", "db.internal:5432", false},

		{"mail.internal:25", "tcp", "mail.internal:smtp", true}, // service names come from the local table
	}
	for _, tt := range tests {
		r, err := ParseDialRules(tt.rule)
		if err != nil {
			t.Errorf("ParseDialRules(%q): %v", tt.rule, err)
			continue
		}
		rule, got := r.Match(tt.network, tt.address)
		if got != tt.want || (got && rule != tt.rule) {
			t.Errorf("rule %q, dial %s %s: matched %v (by %q), want %v", tt.rule, tt.network, tt.address, got, rule, tt.want)
		}
	}
}

func TestParseDialRulesLists(t *testing.T) {
	r, err := ParseDialRules("a.internal:1, 10.0.0.0/8", "unix")
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 3 || r.String() != `"a.internal:1", "10.0.0.0/8", "unix"` {
		t.Errorf("parsed %d rules: %s", r.Len(), r)
	}
	if rule, ok := r.Match("tcp", "10.9.9.9:1"); !ok || rule != "10.0.0.0/8" {
		t.Errorf("Match = %q, %v; want the second rule", rule, ok)
	}
	var nilRules *DialRules
	if _, ok := nilRules.Match("tcp", "10.0.0.1:1"); ok || nilRules.Len() != 0 {
		t.Error("nil rules match something")
	}
	all, _ := ParseDialRules("*")
	both := r.Concat(all)
	if both.Len() != 4 || r.Len() != 3 {
		t.Errorf("Concat: %d rules, original now %d", both.Len(), r.Len())
	}
}

func TestParseDialRulesInvalid(t *testing.T) {
	for _, rule := range []string{"", " ", "a,,b", "10.0.0.0/33", "db:port", "db:70000", "db:-1", "a b", "*x.internal", "[::1", "db.internal:"} {
		_, err := ParseDialRules(rule)
		var e *DialRuleError
		if !errors.As(err, &e) {
			t.Errorf("ParseDialRules(%q) = %v, want a *DialRuleError", rule, err)
			continue
		}
		if !strings.Contains(err.Error(), "fix:") {
			t.Errorf("error for %q does not show valid rules: %v", rule, err)
		}
	}
}

func TestLoopbackLiteral(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:80":          true,
		"127.255.0.9:1":         true,
		"[::1]:443":             true,
		":8080":                 true,
		"0.0.0.0:80":            true,
		"[::]:80":               true,
		"127.0.0.1.nip.io:80":   false,
		"127.0.0.1":             false, // no port: the full check decides
		"localhost:80":          false, // a name: the full check decides
		"10.0.0.1:80":           false,
		"::1:80":                false,
		"[::ffff:127.0.0.1]:80": false, // the full check allows it
		"[0:0:0:0:0:0:0:1]:80":  false, // the full check allows it
		"127.0.0.01:80":         false, // not an IP to net either
		"127.0.0.256:80":        false,
		"127.0.0:80":            false,
		"127.0.0.1.2:80":        false,
		"127..0.1:80":           false,
		"127.0.0.:80":           false,
		"127.0.0.1:":            true, // net reports the missing port
		"":                      false,
	} {
		if got := loopbackLiteral(addr); got != want {
			t.Errorf("loopbackLiteral(%q) = %v, want %v", addr, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { loopbackLiteral("127.0.0.1:8080") }); n != 0 {
		t.Errorf("loopbackLiteral allocates %v times", n)
	}
}
