package guard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// The request-level kinds without the overlay: the hook functions are
// called directly, as the standard library's patched entry points call
// them. The same paths under the overlay, with witnesses that prove
// nothing leaves, are in ./transparent (levels_test.go).

func TestLocalName(t *testing.T) {
	for name, want := range map[string]int{
		"localhost": 1, "LocalHost.": 1, "app.localhost": 2, "A.B.LOCALHOST.": 2,
		".localhost": 0, "localhost.localdomain": 0, "notlocalhost": 0, "example.com": 0, "": 0,
	} {
		if got := localName(name); got != want {
			t.Errorf("localName(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestLoopbackAnswer(t *testing.T) {
	if got := loopbackAnswer(LookupHost, "").([]string); strings.Join(got, " ") != "127.0.0.1 ::1" {
		t.Errorf("host: %v", got)
	}
	for network, want := range map[string]string{"ip": "127.0.0.1 ::1", "ip4": "127.0.0.1", "tcp6": "::1", "udp": "127.0.0.1 ::1"} {
		var got []string
		for _, a := range loopbackAnswer(LookupIP, network).([]net.IPAddr) {
			got = append(got, a.IP.String())
		}
		if strings.Join(got, " ") != want {
			t.Errorf("ip, network %q: %v, want %s", network, got, want)
		}
	}
}

func TestFuncPackage(t *testing.T) {
	for fn, want := range map[string]string{
		"github.com/lib/pq.(*conn).dial":                        "github.com/lib/pq",
		"github.com/jackc/pgx/v5/pgconn.connectOne":             "github.com/jackc/pgx/v5/pgconn",
		"database/sql.(*DB).conn":                               "database/sql",
		"net.(*Dialer).DialContext":                             "net",
		"github.com/bigfoot-go/bigfoot/guard.checkOutside":      "github.com/bigfoot-go/bigfoot/guard",
		"example.com/x.init.func1":                              "example.com/x",
		"github.com/a/b.(*T[...]).M":                            "github.com/a/b",
		"noDotAtAll":                                            "",
		"github.com/bigfoot-go/bigfoot/transparent.witnessConn": "github.com/bigfoot-go/bigfoot/transparent",
	} {
		if got := funcPackage(fn); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", fn, got, want)
		}
	}
	for pkg, want := range map[string]bool{"net": true, "database/sql": true, "github.com/bigfoot-go/bigfoot/guard": true, "github.com/lib/pq": false} {
		if stdOrGuard(pkg) != want {
			t.Errorf("stdOrGuard(%q) = %v", pkg, !want)
		}
	}
}

// TestHTTPDialDecidedAsHTTP: the dial of a request marked by the
// round-trip hook is an http call: refused at error in HTTP's terms,
// failing the test the request belongs to; let through at warn (with its
// DNS, as a rule lets it) and counted; let through silently at off.
func TestHTTPDialDecidedAsHTTP(t *testing.T) {
	resetFirewall(t)
	resetLevels(t)
	hr := &httpRequest{method: "POST", url: "https://api.example.com/users?id=1", call: "http POST https://api.example.com/users"}
	ctx := context.WithValue(context.Background(), httpRequestKey{}, hr)

	ft := bftest.New(t)
	v := core.New(ft)
	owner := core.Owner{Verifier: v, Name: ft.Name()}
	err := checkOutside(ctx, owner, "socket", "dial", "tcp", "api.example.com:443", "")
	var g *core.GuardedCallError
	if !errors.As(err, &g) || g.Plugin != "http" || g.Op != "request" || g.Network != "POST" || g.Address != hr.url {
		t.Fatalf("at error: %v, want the http refusal", err)
	}
	for _, want := range []string{
		"bigfoot: http request POST https://api.example.com/users?id=1 refused: the request is outside every sandbox, and the connection it opens (tcp api.example.com:443) is refused by the firewall: the dial is outside every sandbox",
		`bigfoot.AllowDial(t, "api.example.com:443")`,
		"bigfoot.Guard(t, bigfoot.GuardHTTP, bigfoot.Warn)",
		`bf.HTTP().Expect("POST", "https://api.example.com/users?id=1", bfhttp.Response{Status: 200})`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal lacks %q:\n%v", want, err)
		}
	}
	checkFixParses(t, err.Error())
	if !strings.Contains(ft.All(), "bigfoot: http request POST") {
		t.Errorf("the request's test did not fail: %q", ft.All())
	}

	remove, _ := SetTestLevel(ft.Name(), KindHTTP, LevelWarn, "Guard(http=warn)")
	out := captureStderr(t, func() { err = checkOutside(ctx, owner, "socket", "dial", "tcp", "api.example.com:443", "") })
	remove()
	if err != nil {
		t.Fatalf("at warn: %v", err)
	}
	if !strings.Contains(out, "bigfoot: warning: guard http=warn (Guard(http=warn)) let http POST https://api.example.com/users through (the first time") {
		t.Errorf("the warning:\n%s", out)
	}
	if w := Warnings(); len(w) != 1 || w[0].Kind != KindHTTP || w[0].Call != hr.call || w[0].Count != 1 {
		t.Errorf("Warnings() = %+v", w)
	}

	// A dial level of warn does not let an HTTP request through: it is of kind http.
	remove, _ = SetTestLevel(ft.Name(), KindDial, LevelWarn, "Guard(dial=warn)")
	err = checkOutside(ctx, owner, "socket", "dial", "tcp", "api.example.com:443", "")
	remove()
	if !errors.As(err, &g) || g.Plugin != "http" {
		t.Errorf("at dial=warn, http=error: %v, want the http refusal", err)
	}
	// Without the mark, the same dial is a dial.
	if err := checkOutside(context.Background(), core.Owner{}, "socket", "dial", "tcp", "api.example.com:443", ""); !errors.As(err, &g) || g.Plugin != "socket" {
		t.Errorf("an unmarked dial: %v, want the socket refusal", err)
	}
}

// TestRoundTripHookMarksOutsideRequests: outside sandboxes, a request to
// a host that is not a loopback literal is sent again with its context
// marked, and its dial (here a transport's dial function that asks Dial,
// as the overlay's hook does) is decided as an http call; the caller gets
// back a response whose Request is its own.
func TestRoundTripHookMarksOutsideRequests(t *testing.T) {
	resetFirewall(t)
	resetLevels(t)
	var dials []string
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials = append(dials, addr)
		if d, _, err := Dial(ctx, network, addr); d == Answer {
			return nil, err
		}
		return nil, errors.New("the dial would go to the network")
	}}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://api.example.com/x", nil)
	handled, resp, err := roundTripHook(tr, req)
	var g *core.GuardedCallError
	if !handled || resp != nil || !errors.As(err, &g) || g.Plugin != "http" || g.Address != "http://api.example.com/x" {
		t.Fatalf("roundTripHook = %v, %v, %v; want the http refusal", handled, resp, err)
	}
	if len(dials) != 1 || dials[0] != "api.example.com:80" {
		t.Errorf("dials %v", dials)
	}

	// A request already marked, or to a loopback literal, goes on as it is.
	for _, u := range []string{"http://127.0.0.1:8080/", "http://[::1]/", "http://0.0.0.0:1/"} {
		req, _ := http.NewRequest("GET", u, nil)
		if handled, _, _ := roundTripHook(tr, req); handled {
			t.Errorf("roundTripHook took the loopback request %s", u)
		}
	}
	marked := req.WithContext(context.WithValue(req.Context(), httpRequestKey{}, &httpRequest{}))
	if handled, _, _ := roundTripHook(tr, marked); handled {
		t.Error("roundTripHook took a request it marked already")
	}
}

// TestRoundTripHookFastPathAllocs: a request to an httptest server outside
// sandboxes allocates nothing in the hook.
func TestRoundTripHookFastPathAllocs(t *testing.T) {
	tr := &http.Transport{}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:8080/x", nil)
	if n := testing.AllocsPerRun(100, func() { roundTripHook(tr, req) }); n != 0 {
		t.Errorf("roundTripHook on a loopback request allocates %v times", n)
	}
}

// TestLookupsOutsideRefused: a lookup outside every sandbox is refused at
// error before any resolver runs, in DNS's terms, with a fix per kind of
// lookup; localhost names are answered as loopback; a resolver with a Dial
// of its own, a let-through dial's lookups and the firewall's off switch
// leave the lookup to the resolver.
func TestLookupsOutsideRefused(t *testing.T) {
	resetFirewall(t)
	resetLevels(t)
	withResolverFiles(t, "127.0.0.1 localhost\n", "hosts: files dns\n")
	ctx := context.Background()
	for _, tt := range []struct {
		kind, name, arg1, arg2, network, address, script string
	}{
		{LookupHost, "api.example.com", "", "", "host", "api.example.com", `bf.DNS().ExpectLookup("api.example.com", []string{"192.0.2.1"})`},
		{LookupIP, "api.example.com", "tcp4", "", "ip", "api.example.com", `bf.DNS().ExpectLookup("api.example.com"`},
		{LookupCNAME, "www.example.com", "", "", "cname", "www.example.com", `ExpectCNAME("www.example.com", `},
		{LookupMX, "example.com", "", "", "mx", "example.com", `ExpectMX("example.com", []*net.MX{`},
		{LookupNS, "example.com", "", "", "ns", "example.com", `ExpectNS("example.com", `},
		{LookupTXT, "example.com", "", "", "txt", "example.com", `ExpectTXT("example.com", `},
		{LookupSRV, "example.com", "ldap", "tcp", "srv", "_ldap._tcp.example.com", `ExpectSRV("ldap", "tcp", "example.com", `},
		{LookupAddr, "192.0.2.1", "", "", "addr", "192.0.2.1", `ExpectAddr("192.0.2.1", `},
		{LookupMX, "localhost", "", "", "mx", "localhost", `ExpectMX("localhost", `},
	} {
		ft := bftest.New(t)
		v := core.New(ft)
		handled, res, err := lookupHook(core.WithSandbox(ctx, v), tt.kind, tt.name, tt.arg1, tt.arg2, false)
		var g *core.GuardedCallError
		if !handled || res != nil || !errors.As(err, &g) {
			t.Errorf("%s %s: %v, %v, %v; want the dns refusal", tt.kind, tt.name, handled, res, err)
			continue
		}
		if g.Plugin != "dns" || g.Op != "lookup" || g.Network != tt.network || g.Address != tt.address {
			t.Errorf("%s %s: refusal names %q %q %q %q", tt.kind, tt.name, g.Plugin, g.Op, g.Network, g.Address)
		}
		for _, want := range []string{"bigfoot: dns lookup " + tt.network + " " + tt.address + " refused: the lookup is outside every sandbox",
			"bigfoot.Guard(t, bigfoot.GuardDNS, bigfoot.Warn)", tt.script} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s %s: the refusal lacks %q:\n%v", tt.kind, tt.name, want, err)
			}
		}
		checkFixParses(t, err.Error())
		if !strings.Contains(ft.All(), "bigfoot: dns lookup") {
			t.Errorf("%s %s: the test whose context the lookup carried did not fail: %q", tt.kind, tt.name, ft.All())
		}
	}

	for _, name := range []string{"app.localhost", "X.LOCALHOST."} {
		handled, res, err := lookupHook(ctx, LookupIP, name, "ip6", "", false)
		ips, _ := res.([]net.IPAddr)
		if !handled || err != nil || len(ips) != 1 || !ips[0].IP.Equal(net.IPv6loopback) {
			t.Errorf("lookup of %s: %v, %v, %v; want ::1 without a query", name, handled, res, err)
		}
	}
	if handled, _, _ := lookupHook(ctx, LookupHost, "Localhost.", "", "", false); handled {
		t.Error("localhost, loopback in the hosts file, was not left to the resolver (which reads that file and asks no one)")
	}
	withResolverFiles(t, "10.0.0.1 localhost\n", "hosts: files dns\n")
	if handled, res, err := lookupHook(ctx, LookupHost, "localhost", "", "", false); !handled || err != nil || len(res.([]string)) != 2 {
		t.Errorf("localhost not loopback in the hosts file: %v, %v, %v; want loopback without a query", handled, res, err)
	}

	if handled, _, _ := lookupHook(ctx, LookupHost, "api.example.com", "", "", true); handled {
		t.Error("a resolver with a Dial of its own was not left to that Dial")
	}
	letThrough := context.WithValue(ctx, letThroughKey{}, true)
	if handled, _, _ := lookupHook(letThrough, LookupHost, "api.example.com", "", "", false); handled {
		t.Error("the lookup of a dial that was let through was refused")
	}
	if err := SetFirewall(FirewallConfig{Off: true}); err != nil {
		t.Fatal(err)
	}
	if handled, _, _ := lookupHook(ctx, LookupHost, "api.example.com", "", "", false); handled {
		t.Error("with the firewall off a lookup was refused")
	}
}

// TestLookupAllowedByRules: a rule that names the host (any port), a
// suffix, "*", or a nameserver of resolv.conf lets lookups through; a
// prefix, loopback and the default loopback allowance do not (a stub
// resolver on loopback forwards queries out).
func TestLookupAllowedByRules(t *testing.T) {
	resetFirewall(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("nameserver 10.9.9.53\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := resolvConfPath
	resolvConfPath = conf
	t.Cleanup(func() { resolvConfPath = saved })
	// A new modification time, so that the cache reads the new file.
	later := time.Now().Add(time.Hour)
	os.Chtimes(conf, later, later)

	for _, tt := range []struct {
		rules []string
		kind  string
		name  string
		want  bool
	}{
		{nil, LookupHost, "db.internal", false},
		{[]string{"db.internal:5432"}, LookupHost, "db.internal", true},
		{[]string{"DB.internal"}, LookupIP, "db.internal.", true},
		{[]string{"*.internal"}, LookupMX, "mail.internal", true},
		{[]string{"*.internal"}, LookupHost, "example.com", false},
		{[]string{"*"}, LookupAddr, "192.0.2.1", true},
		{[]string{"192.0.2.0/24"}, LookupAddr, "192.0.2.1", false},
		{[]string{"loopback"}, LookupHost, "example.com", false},
		{[]string{"10.9.9.53:53"}, LookupHost, "example.com", true},
		{[]string{"10.0.0.0/8"}, LookupTXT, "example.com", true},
	} {
		rules, err := ParseDialRules(tt.rules...)
		if err != nil {
			t.Fatal(err)
		}
		s := &fwSnapshot{}
		if rules.Len() > 0 {
			s.allow = []ownedRules{{"test", rules}}
		}
		if got := lookupAllowed(s, tt.kind, tt.name); got != tt.want {
			t.Errorf("rules %q, %s %s: allowed %v, want %v", tt.rules, tt.kind, tt.name, got, tt.want)
		}
	}
}

// TestCommandsOutsideAtLevels: the command firewall's refusal of a start
// outside sandboxes is decided by the level of exec: refused at error,
// started at warn (counted) and off.
func TestCommandsOutsideAtLevels(t *testing.T) {
	resetLevels(t)
	remove, err := AddCommandRules("bfexec.DenyCommands(t, \"curl\") in "+t.Name(), []string{"curl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	// A URL of its own for each run: a refusal of no test is written to
	// standard error once per distinct message.
	url := "https://example.com/" + strconv.FormatInt(time.Now().UnixNano(), 36)
	c := &Command{Path: "/usr/bin/curl", Args: []string{"curl", url}}
	var d Decision
	out := captureStderr(t, func() { d, _, err = StartCommand(c) })
	var g *core.GuardedCallError
	if d != Answer || !errors.As(err, &g) || g.Plugin != "exec" {
		t.Fatalf("at error: %v, %v; want the refusal", d, err)
	}
	for _, want := range []string{`bfexec.AllowCommands(t, "curl")`, "bigfoot.Guard(t, bigfoot.GuardExec, bigfoot.Warn)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal lacks %q:\n%v", want, err)
		}
	}
	checkFixParses(t, err.Error())
	if !strings.Contains(out, "bigfoot: exec start command curl "+url+" refused") {
		t.Errorf("a refusal of no test was not written to standard error:\n%s", out)
	}

	for _, level := range []Level{LevelWarn, LevelOff} {
		removeLevel, _ := SetTestLevel(t.Name(), KindExec, level, "Guard(exec="+level.String()+")")
		out := captureStderr(t, func() { d, _, err = StartCommand(c) })
		removeLevel()
		if d != Pass || err != nil {
			t.Errorf("at %v: %v, %v; want the start to go on", level, d, err)
		}
		if reported := strings.Contains(out, "let exec start curl "+url+" through"); reported != (level == LevelWarn) {
			t.Errorf("at %v, standard error:\n%s", level, out)
		}
	}
	if w := Warnings(); len(w) != 1 || w[0].Kind != KindExec || w[0].Call != "exec start curl "+url {
		t.Errorf("Warnings() = %+v", w)
	}
}

// TestRefuseOutside: a seam's refusal is the refusal at error, and a
// *CannotPassThroughError that wraps it at warn and off, reported on the
// seam's test either way.
func TestRefuseOutside(t *testing.T) {
	resetLevels(t)
	ft := bftest.New(t)
	v := core.New(ft)
	refused := &core.GuardedCallError{Plugin: "sql", Op: "connect", Network: "to", Address: `"app"`, Reason: "no sandbox is open"}
	if err := RefuseOutside(KindSQL, v, `sql connect "app"`, refused, "nothing behind it"); err != refused {
		t.Errorf("at error: %v", err)
	}
	remove, _ := SetTestLevel(ft.Name(), KindSQL, LevelOff, "Guard(sql=off)")
	defer remove()
	err := RefuseOutside(KindSQL, v, `sql connect "app"`, refused, "nothing behind it")
	var cannot *CannotPassThroughError
	if !errors.As(err, &cannot) || !errors.Is(err, refused) || cannot.Level != LevelOff {
		t.Fatalf("at off: %v", err)
	}
	if !strings.Contains(err.Error(), `bigfoot: guard sql=off (Guard(sql=off)) would let sql connect "app" through, but it cannot pass through safely: nothing behind it`) {
		t.Errorf("message:\n%v", err)
	}
	checkFixParses(t, err.Error())
	if len(ft.Errors()) != 2 {
		t.Errorf("the seam's test got %d failures, want 2: %q", len(ft.Errors()), ft.All())
	}
}

// BenchmarkRoundTripHook is the round-trip hook outside sandboxes for a
// request to an httptest server (a loopback literal, left untouched): the
// common case, which must stay a few nanoseconds and allocate nothing.
func BenchmarkRoundTripHook(b *testing.B) {
	tr := &http.Transport{}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:8080/x", nil)
	b.Run("loopback", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			roundTripHook(tr, req)
		}
	})
}
