//go:build bigfoot_overlay

package transparent

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// The proof of issue 10's guard levels for every kind: each request-level
// entry point (an HTTP request, a database/sql connection of a real
// driver, a name lookup, a process start) is called outside every sandbox
// at each level, with witnesses that count what reaches the outside
// stand-in (entrypoints_test.go). At error nothing arrives, the call
// returns the kind's typed refusal, and the right test fails (the one
// whose context the call carries; none for a call of no test); at warn
// the call arrives, is counted in GuardWarnings and written to standard
// error; at off it arrives silently; inside a sandbox it is scripted
// (here: unmocked) whatever the level.

// standInURL is the URL the HTTP row requests: the stand-in's witness,
// which accepts and closes every connection.
const standInURL = "http://" + standInIP + "/users?id=1"

// witnessDriver is a real database/sql driver as bigfoot sees one (not
// the SQL plugin's): its connector dials the DSN, an address, with a
// net.Dialer and the context database/sql gives it, as pgx and lib/pq do.
type witnessDriver struct{}

func (witnessDriver) Open(dsn string) (driver.Conn, error) {
	c, err := witnessDriver{}.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

func (witnessDriver) OpenConnector(dsn string) (driver.Connector, error) {
	return witnessConnector{dsn}, nil
}

type witnessConnector struct{ dsn string }

func (c witnessConnector) Connect(ctx context.Context) (driver.Conn, error) {
	nc, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "tcp", c.dsn)
	if err != nil {
		return nil, err
	}
	return witnessConn{nc}, nil
}

func (witnessConnector) Driver() driver.Driver { return witnessDriver{} }

// witnessConn is the connection: Ping (database/sql's default, with no
// Pinger) needs nothing else.
type witnessConn struct{ nc net.Conn }

func (c witnessConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("witness driver: no statements")
}
func (c witnessConn) Close() error { return c.nc.Close() }
func (c witnessConn) Begin() (driver.Tx, error) {
	return nil, errors.New("witness driver: no transactions")
}

var registerWitnessDriver sync.Once

// levelRow is one request-level entry point, called toward the stand-in.
type levelRow struct {
	name string
	kind bigfoot.GuardKind
	// call makes the call with ctx (when it takes one) and returns its error.
	call func(t *testing.T, ctx context.Context, ws *witnesses) error
	// arrived counts what reached the outside for this row.
	arrived func(t *testing.T, ws *witnesses) int64
	// warned is the call as GuardWarnings names it.
	warned func(t *testing.T) string
	// refusal checks the typed refusal of level error.
	refusal func(t *testing.T, err error)
	// takesCtx: the call can be tied to its test with bf.Context.
	takesCtx bool
	// prepare, if set, runs on the test's goroutine before each call.
	prepare func(t *testing.T)
}

// execMarker is the file the exec row's command appends a line to: the
// witness of a process start.
func execMarker(t *testing.T) string { return filepath.Join(t.TempDir(), "started") }

var execMarkers sync.Map // *testing.T -> its marker path (one per test run, as -count repeats names)

func markerOf(t *testing.T) string {
	if p, ok := execMarkers.Load(t); ok {
		return p.(string)
	}
	p, loaded := execMarkers.LoadOrStore(t, execMarker(t))
	if !loaded {
		t.Cleanup(func() { execMarkers.Delete(t) })
	}
	return p.(string)
}

var levelRows = []levelRow{
	{
		name: "http request", kind: bigfoot.GuardHTTP, takesCtx: true,
		call: func(t *testing.T, ctx context.Context, ws *witnesses) error {
			tr := http.DefaultTransport.(*http.Transport).Clone() // the default's dial function, and a pool of its own
			defer tr.CloseIdleConnections()
			req, err := http.NewRequestWithContext(ctx, "GET", standInURL, nil)
			if err != nil {
				return err
			}
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err == nil {
				resp.Body.Close()
			}
			return err
		},
		arrived: func(t *testing.T, ws *witnesses) int64 { return ws.tcp.n.Load() },
		warned:  func(*testing.T) string { return "http GET http://" + standInIP + "/users" },
		refusal: func(t *testing.T, err error) {
			t.Helper()
			refusedHTTP(t, err, "GET", standInURL, standInIP+":80")
		},
	},
	{
		name: "database/sql connection", kind: bigfoot.GuardSQL, takesCtx: true,
		call: func(t *testing.T, ctx context.Context, ws *witnesses) error {
			registerWitnessDriver.Do(func() { sql.Register("bigfoot-witness", witnessDriver{}) })
			db, err := sql.Open("bigfoot-witness", standInIP+":80")
			if err != nil {
				return err
			}
			defer db.Close()
			return db.PingContext(ctx)
		},
		arrived: func(t *testing.T, ws *witnesses) int64 { return ws.tcp.n.Load() },
		warned: func(*testing.T) string {
			return "sql connect tcp " + standInIP + ":80 (driver github.com/bigfoot-go/bigfoot/transparent)"
		},
		refusal: func(t *testing.T, err error) {
			t.Helper()
			g := guarded(t, err, "sql", "connect", "tcp", standInIP+":80")
			wantAll(t, err.Error(), "a *sql.DB opens a connection outside every sandbox (driver github.com/bigfoot-go/bigfoot/transparent)",
				`bigfoot.AllowDial(t, "`+standInIP+`:80")`, "bigfoot.Guard(t, bigfoot.GuardSQL, bigfoot.Warn)", `bf.SQL().NewSession().Expect("connect", nil)`)
			parseFix(t, g.Fix)
		},
	},
	{
		name: "name lookup", kind: bigfoot.GuardDNS, takesCtx: true,
		call: func(t *testing.T, ctx context.Context, ws *witnesses) error {
			_, err := net.DefaultResolver.LookupHost(ctx, "api.example.com")
			return err
		},
		arrived: func(t *testing.T, ws *witnesses) int64 { return ws.dns.n.Load() },
		warned:  func(*testing.T) string { return "dns lookup host api.example.com" },
		refusal: func(t *testing.T, err error) {
			t.Helper()
			g := guarded(t, err, "dns", "lookup", "host", "api.example.com")
			wantAll(t, err.Error(), "the lookup is outside every sandbox, and answering it would ask a nameserver",
				`bigfoot.AllowDial(t, "api.example.com")`, "bigfoot.Guard(t, bigfoot.GuardDNS, bigfoot.Warn)",
				`bf.DNS().ExpectLookup("api.example.com", []string{"192.0.2.1"})`)
			parseFix(t, g.Fix)
		},
	},
	{
		name: "process start", kind: bigfoot.GuardExec,
		prepare: func(t *testing.T) { bfexec.DenyCommands(t, "sh") }, // the command firewall refuses it; the level decides
		call: func(t *testing.T, ctx context.Context, ws *witnesses) error {
			cmd := exec.Command("sh", "-c", "echo started >> "+markerOf(t))
			return cmd.Run()
		},
		arrived: func(t *testing.T, ws *witnesses) int64 {
			b, _ := os.ReadFile(markerOf(t))
			return int64(strings.Count(string(b), "started\n"))
		},
		warned: func(t *testing.T) string { return "exec start sh -c echo started >> " + markerOf(t) },
		refusal: func(t *testing.T, err error) {
			t.Helper()
			g := guarded(t, err, "exec", "start", "command", "sh -c echo started >> "+markerOf(t))
			wantAll(t, err.Error(), `the rule "sh"`, `bfexec.AllowCommands(t, "sh")`, "bigfoot.Guard(t, bigfoot.GuardExec, bigfoot.Warn)")
			parseFix(t, g.Fix)
		},
	},
}

// TestGuardLevelsEveryKind is the table: every request-level kind at
// every level, outside every sandbox (with no test's context, and with
// one), and inside a sandbox.
func TestGuardLevelsEveryKind(t *testing.T) {
	ws := standIn(t)
	for _, row := range levelRows {
		t.Run(row.name, func(t *testing.T) {
			t.Run("error", func(t *testing.T) {
				bigfoot.Guard(t, row.kind, bigfoot.Error)
				before, beforeAll := row.arrived(t, ws), ws.counts()
				running := bftest.New(t) // a test running meanwhile, which must not be blamed
				bigfoot.New(running)
				err := callBounded(t, row, context.Background(), ws)
				noArrivals(t, ws, beforeAll, "at error")
				if n := row.arrived(t, ws) - before; n != 0 {
					t.Errorf("at error %d arrived", n)
				}
				row.refusal(t, err)
				if running.Failed() {
					t.Errorf("a call that belongs to no test failed a running one: %q", running.All())
				}
				if row.takesCtx {
					before := row.arrived(t, ws)
					fake, other := bftest.New(t), bftest.New(t)
					bf := bigfoot.New(fake)
					bigfoot.New(other)
					err := callBounded(t, row, bf.Context(context.Background()), ws)
					settle()
					if n := row.arrived(t, ws) - before; n != 0 {
						t.Errorf("with the test's context, %d arrived", n)
					}
					row.refusal(t, err)
					if !strings.Contains(fake.All(), " refused: ") {
						t.Errorf("the test whose context the call carried did not fail; it reported %q", fake.All())
					}
					if other.Failed() {
						t.Errorf("another test failed: %q", other.All())
					}
				}
			})

			t.Run("warn", func(t *testing.T) {
				bigfoot.Guard(t, row.kind, bigfoot.Warn)
				call := row.warned(t)
				before, warned := row.arrived(t, ws), warningCount(row.kind, call)
				var err error
				stderr := captureStderr(t, func() { err = callBounded(t, row, context.Background(), ws) })
				arrivedSince(t, row, ws, before, "at warn")
				notRefused(t, err, "at warn")
				if n := warningCount(row.kind, call) - warned; n != 1 {
					t.Errorf("GuardWarnings counted %d calls of %q, want 1; it holds %+v", n, call, bigfoot.GuardWarnings())
				}
				if warned == 0 {
					want := "bigfoot: warning: guard " + row.kind.String() + "=warn (bigfoot.Guard(t, " + kindExpr(row.kind) +
						", bigfoot.Warn) in " + t.Name() + ") let " + call + " through (the first time; it is counted from now on)"
					if !strings.Contains(stderr, want) || !strings.Contains(stderr, "at level error it is refused: bigfoot: ") {
						t.Errorf("standard error lacks the warning\n%s\nit holds:\n%s", want, stderr)
					}
				}
				if row.takesCtx {
					before := row.arrived(t, ws)
					fake := bftest.New(t)
					bf := bigfoot.New(fake)
					err := callBounded(t, row, bf.Context(context.Background()), ws)
					arrivedSince(t, row, ws, before, "at warn, with the test's context")
					notRefused(t, err, "at warn, with the test's context")
					if fake.Failed() {
						t.Errorf("a call let through at warn failed its test: %q", fake.All())
					}
				}
			})

			t.Run("off", func(t *testing.T) {
				bigfoot.Guard(t, row.kind, bigfoot.Off)
				call := row.warned(t)
				before, warned := row.arrived(t, ws), warningCount(row.kind, call)
				var err error
				stderr := captureStderr(t, func() { err = callBounded(t, row, context.Background(), ws) })
				arrivedSince(t, row, ws, before, "at off")
				notRefused(t, err, "at off")
				if warningCount(row.kind, call) != warned || strings.Contains(stderr, "bigfoot: warning") {
					t.Errorf("at off the call was reported: warnings %d -> %d; standard error:\n%s", warned, warningCount(row.kind, call), stderr)
				}
			})

			t.Run("inside a sandbox at warn", func(t *testing.T) {
				bigfoot.Guard(t, row.kind, bigfoot.Warn)
				before, beforeAll := row.arrived(t, ws), ws.counts()
				fake := bftest.New(t)
				bf := bigfoot.New(fake)
				var err error
				bf.Sandbox(func() { err = callBounded(t, row, context.Background(), ws) })
				noArrivals(t, ws, beforeAll, "inside a sandbox")
				if n := row.arrived(t, ws) - before; n != 0 {
					t.Errorf("inside a sandbox %d arrived", n)
				}
				var unmocked *bigfoot.UnmockedInteractionError
				if !errors.As(err, &unmocked) {
					t.Errorf("inside a sandbox: %v, want a *bigfoot.UnmockedInteractionError", err)
				}
				if !strings.Contains(fake.All(), "bigfoot: unmocked ") {
					t.Errorf("the sandbox's test did not fail with the unmocked call; it reported %q", fake.All())
				}
			})
		})
	}
	t.Run("no late arrivals", func(t *testing.T) {
		noArrivals(t, ws, ws.counts(), "after every call returned")
	})
}

// TestGuardLevelsAfterTheTest: a level lasts as long as the test that set
// it; after it, each kind is refused again.
func TestGuardLevelsAfterTheTest(t *testing.T) {
	ws := standIn(t)
	for _, row := range levelRows {
		t.Run(row.name, func(t *testing.T) {
			t.Run("at warn", func(t *testing.T) {
				bigfoot.Guard(t, row.kind, bigfoot.Warn)
				if l, _ := bigfoot.GuardLevelOf(row.kind); l != bigfoot.Warn {
					t.Errorf("GuardLevelOf(%v) = %v while the test runs", row.kind, l)
				}
			})
			before := row.arrived(t, ws)
			err := callBounded(t, row, context.Background(), ws)
			settle()
			if n := row.arrived(t, ws) - before; n != 0 {
				t.Errorf("after the test that set warn ended, %d arrived", n)
			}
			row.refusal(t, err)
		})
	}
}

// TestHTTPLetThroughBelow: an HTTP request let through at http=warn goes
// through to the host by name, with the DNS queries that resolve it (the
// dial of a request let through lets its lookups through), while the
// levels of dial and dns stay error: a suite migrating its HTTP calls
// need not open every dial and lookup. A plain dial to the same host is
// still refused.
func TestHTTPLetThroughBelow(t *testing.T) {
	ws := standIn(t)
	bigfoot.Guard(t, bigfoot.GuardHTTP, bigfoot.Warn)
	dnsBefore := ws.dns.n.Load()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://api.example.com/", nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Do(req)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("request at http=warn: %v, want the nameserver witness's answer (no such host)", err)
	}
	settle()
	if ws.dns.n.Load() == dnsBefore {
		t.Error("the lookup of the request's dial did not reach the nameserver witness")
	}
	_, err = net.DialTimeout("tcp", "api.example.com:80", 2*time.Second)
	refused(t, err, "tcp", "api.example.com:80")
	_, err = net.LookupHost("api.example.com")
	var g *bigfoot.GuardedCallError
	if !errors.As(err, &g) || g.Plugin != "dns" {
		t.Errorf("a lookup at dns=error: %v, want the dns refusal", err)
	}
}

// TestLookupsOutsideSandboxes: outside sandboxes no lookup reaches a
// nameserver unless let through. localhost is answered from the hosts
// file and names under .localhost as loopback, with no query; other names
// and other kinds of lookup are refused; a rule that names the host lets
// its lookups through, as it lets its dials.
func TestLookupsOutsideSandboxes(t *testing.T) {
	ws := standIn(t)
	before := ws.dns.n.Load()
	for _, name := range []string{"localhost", "app.localhost", "A.B.LOCALHOST."} {
		addrs, err := net.LookupHost(name)
		if err != nil || len(addrs) == 0 {
			t.Errorf("LookupHost(%q) = %v, %v, want loopback", name, addrs, err)
		}
		for _, a := range addrs {
			if ip := net.ParseIP(a); ip == nil || !ip.IsLoopback() {
				t.Errorf("LookupHost(%q) gave %s", name, a)
			}
		}
	}
	ips, err := net.DefaultResolver.LookupIP(context.Background(), "ip4", "svc.localhost")
	if err != nil || len(ips) != 1 || !ips[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("LookupIP(ip4, svc.localhost) = %v, %v", ips, err)
	}
	for name, lookup := range map[string]func() error{
		"LookupMX":   func() error { _, err := net.LookupMX("example.com"); return err },
		"LookupTXT":  func() error { _, err := net.LookupTXT("example.com"); return err },
		"LookupAddr": func() error { _, err := net.LookupAddr("192.0.2.1"); return err },
		"LookupSRV": func() error {
			_, _, err := net.LookupSRV("ldap", "tcp", "example.com")
			return err
		},
		"LookupMX localhost": func() error { _, err := net.LookupMX("localhost"); return err },
		"ResolveTCPAddr":     func() error { _, err := net.ResolveTCPAddr("tcp", "api.example.com:80"); return err },
	} {
		var g *bigfoot.GuardedCallError
		if err := lookup(); !errors.As(err, &g) || g.Plugin != "dns" || g.Op != "lookup" {
			t.Errorf("%s: %v, want the dns refusal", name, err)
		} else {
			parseFix(t, g.Fix)
		}
	}
	settle()
	if n := ws.dns.n.Load() - before; n != 0 {
		t.Errorf("%d queries reached a nameserver", n)
	}

	bigfoot.AllowDial(t, "allowed.example.com:443")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = net.DefaultResolver.LookupHost(ctx, "allowed.example.com")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("a lookup a rule allows: %v, want the nameserver witness's answer", err)
	}
	settle()
	if ws.dns.n.Load() == before {
		t.Error("the lookup a rule allows did not reach the nameserver witness")
	}
}

// TestCgoResolverOutsideSandboxes runs TestLookupsOutsideSandboxes again in
// a child process with GODEBUG=netdns=cgo: the C library's resolver, which
// sends its queries without package net, is stopped before it runs.
func TestCgoResolverOutsideSandboxes(t *testing.T) {
	const marker = "BIGFOOT_TEST_CGO_CHILD"
	if os.Getenv(marker) == "1" {
		return // the child runs the tests named below
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^(TestLookupsOutsideSandboxes|TestGuardLevelsEveryKind)$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), marker+"=1", "GODEBUG=netdns=cgo+1", quickRaceExit())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestLookupsOutsideSandboxes") || !strings.Contains(string(out), "--- PASS: TestGuardLevelsEveryKind") {
		t.Fatalf("child with GODEBUG=netdns=cgo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "go package net: GODEBUG setting forcing use of the cgo resolver") {
		t.Errorf("the child did not use the cgo resolver:\n%s", out)
	}
}

// TestSeamCannotPassThrough: the SQL plugin's own *sql.DB used outside the
// sandbox has no database behind it, so sql=warn refuses it too, with a
// *CannotPassThroughError that says why and wraps the refusal; so does
// exec=off for the exec plugin's own command.
func TestSeamCannotPassThrough(t *testing.T) {
	ft := bftest.New(t)
	var err error
	ft.Run(func() {
		bigfoot.Guard(ft, bigfoot.GuardSQL, bigfoot.Warn)
		bf := bigfoot.New(ft)
		db := bf.SQL().Open("app")
		err = db.Ping()
	})
	var cannot *bigfoot.CannotPassThroughError
	var g *bigfoot.GuardedCallError
	if !errors.As(err, &cannot) || !errors.As(err, &g) || g.Plugin != "sql" {
		t.Fatalf("seam outside the sandbox at warn: %v, want a *CannotPassThroughError wrapping the refusal", err)
	}
	wantAll(t, ft.All(), `bigfoot: guard sql=warn (bigfoot.Guard(t, bigfoot.GuardSQL, bigfoot.Warn) in `+t.Name()+`) would let sql connect "app" through, but it cannot pass through safely: `,
		"no database behind it", "bf.Sandbox(func() { /* the code that makes the call */ })")

	// The exec plugin's own command starts no process: exec=off cannot
	// let it through either.
	ft = bftest.New(t)
	ft.Run(func() {
		bigfoot.Guard(ft, bigfoot.GuardExec, bigfoot.Off)
		bf := bigfoot.New(ft)
		err = bf.Exec().Command("true").Run()
	})
	if !errors.As(err, &cannot) || cannot.Kind != bigfoot.GuardExec || !errors.As(err, &g) || g.Plugin != "exec" {
		t.Fatalf("the exec seam outside the sandbox at off: %v, want a *CannotPassThroughError wrapping the refusal", err)
	}
	wantAll(t, ft.All(), "would let exec start true through, but it cannot pass through safely: the command is the exec plugin's (bf.Exec().Command), which starts no process")
}

// callBounded makes row's call, failing the test rather than hanging if
// it does not return in 10 seconds.
func callBounded(t *testing.T, row levelRow, ctx context.Context, ws *witnesses) error {
	t.Helper()
	if row.prepare != nil {
		row.prepare(t)
	}
	done := make(chan error, 1)
	go func() { done <- row.call(t, ctx, ws) }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", row.name)
		return nil
	}
}

// arrivedSince waits (bounded) for row's witness to count one more than
// before.
func arrivedSince(t *testing.T, row levelRow, ws *witnesses, before int64, what string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for row.arrived(t, ws) == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if row.arrived(t, ws) == before {
		t.Errorf("%s the call did not reach the outside", what)
	}
}

// notRefused checks that err, if any, is the outside's answer, not a
// refusal of bigfoot's.
func notRefused(t *testing.T, err error, what string) {
	t.Helper()
	var g *bigfoot.GuardedCallError
	var cannot *bigfoot.CannotPassThroughError
	var unmocked *bigfoot.UnmockedInteractionError
	if errors.As(err, &g) || errors.As(err, &cannot) || errors.As(err, &unmocked) || (err != nil && strings.Contains(err.Error(), "bigfoot: ")) {
		t.Errorf("%s the call was refused: %v", what, err)
	}
}

func warningCount(kind bigfoot.GuardKind, call string) int {
	for _, w := range bigfoot.GuardWarnings() {
		if w.Kind == kind && w.Call == call {
			return w.Count
		}
	}
	return 0
}

func kindExpr(k bigfoot.GuardKind) string {
	return map[bigfoot.GuardKind]string{bigfoot.GuardDial: "bigfoot.GuardDial", bigfoot.GuardHTTP: "bigfoot.GuardHTTP",
		bigfoot.GuardSQL: "bigfoot.GuardSQL", bigfoot.GuardDNS: "bigfoot.GuardDNS", bigfoot.GuardExec: "bigfoot.GuardExec"}[k]
}

// guarded checks that err is a *bigfoot.GuardedCallError naming what it
// refused, and returns it.
func guarded(t *testing.T, err error, plugin, op, network, address string) *bigfoot.GuardedCallError {
	t.Helper()
	var g *bigfoot.GuardedCallError
	if !errors.As(err, &g) {
		t.Fatalf("returned %v, want a *bigfoot.GuardedCallError", err)
	}
	if g.Plugin != plugin || g.Op != op || g.Network != network || g.Address != address {
		t.Errorf("refusal names %q %q %q %q, want %q %q %q %q", g.Plugin, g.Op, g.Network, g.Address, plugin, op, network, address)
	}
	return g
}

// refusedHTTP checks that err is the refusal of an HTTP request outside
// every sandbox, in HTTP's terms (method and URL), and that its fix
// allows the address the request dialed, shows the level that lets it
// through and the script that answers it, and parses.
func refusedHTTP(t *testing.T, err error, method, url, dialed string) {
	t.Helper()
	g := guarded(t, err, "http", "request", method, url)
	wantAll(t, err.Error(), "bigfoot: http request "+method+" "+url+" refused: the request is outside every sandbox, and the connection it opens (tcp "+dialed+") is refused by the firewall",
		`bigfoot.AllowDial(t, "`+dialed+`")`, "bigfoot.Guard(t, bigfoot.GuardHTTP, bigfoot.Warn)",
		`bf.HTTP().Expect("`+method+`", "`+url+`", bfhttp.Response{Status: 200})`)
	parseFix(t, g.Fix)
}

func wantAll(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the message lacks %q:\n%s", w, text)
		}
	}
}

var fixFset = token.NewFileSet()

// parseFix checks that a fix is Go statements.
func parseFix(t *testing.T, fix string) {
	t.Helper()
	if _, err := parser.ParseFile(fixFset, "fix.go", "package p\nfunc _() {\n"+fix+"\n}\n", 0); err != nil {
		t.Errorf("the fix does not parse: %v\n%s", err, fix)
	}
}

// stderrMu keeps captures of standard error from overlapping.
var stderrMu sync.Mutex

// captureStderr returns what fn wrote to os.Stderr (bigfoot's warnings),
// passing it on to the real standard error as well.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrMu.Lock()
	saved := os.Stderr
	os.Stderr = w
	var buf strings.Builder
	done := make(chan struct{})
	go func() { io.Copy(io.MultiWriter(&buf, saved), r); close(done) }()
	fn()
	os.Stderr = saved
	stderrMu.Unlock()
	w.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("reading the captured standard error did not end")
	}
	return buf.String()
}
