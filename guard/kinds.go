package guard

// Guard levels for the request-level kinds (http, sql, dns, exec): how a
// call outside every sandbox that would reach the real world is decided by
// the level of its own kind rather than by the dial beneath it.
//
//   - http: a request outside every sandbox to a host that is not a
//     loopback literal is marked (its context carries the request), and
//     the dial its transport makes for it is decided as an http call: the
//     firewall on the address actually dialed (so proxies, unix sockets and
//     custom dial functions are judged by where they connect), then the
//     level of http, with a refusal that names the method and URL. A
//     request let through lets its dial through, and the DNS of that dial.
//   - sql: a dial a database/sql driver makes while database/sql opens a
//     connection (found on the dialing goroutine's stack, only when the
//     firewall refuses the dial) is decided as an sql call, by the level
//     of sql, with a refusal that names the driver.
//   - dns: a lookup outside every sandbox never reaches a nameserver
//     unless it is let through: localhost and names under .localhost are
//     answered as loopback without a query (localhost from the hosts file
//     where the firewall's check finds it loopback there), names a
//     firewall rule allows and lookups of dials that were let through go
//     on, and every other lookup is decided by the level of dns before
//     the resolver (Go's or the C library's) runs.
//   - exec: the command firewall's refusal is decided by the level of exec
//     (StartCommand).

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/bigfoot-go/bigfoot/core"
)

// ---------------------------------------------------------------------------
// http

// httpRequestKey marks the context of a request made outside every
// sandbox, so that the dial its transport makes is decided as an http
// call. The value is the *httpRequest.
type httpRequestKey struct{}

// httpRequest is a request outside every sandbox, as its refusal and its
// warning name it.
type httpRequest struct {
	method string
	url    string // redacted, as sent (no fragment)
	call   string // "http GET https://host/path": the query left out, so that warn counts one call per endpoint
}

// outsideRoundTrip handles a request made outside every sandbox. One to a
// loopback literal (an httptest server), or with the firewall off, goes
// on untouched and costs a few compares; any other is sent again with its
// context marked, so that the dial it makes meets the guard level of http
// (requestRefusal). owner is the test the request provably belongs to
// (its context came from the verifier's Context), or the zero Owner.
func outsideRoundTrip(t *http.Transport, req *http.Request) (bool, *http.Response, error) {
	if req.URL == nil {
		return false, nil, nil // net/http fails it with its own message
	}
	if host := req.URL.Host; host == "127.0.0.1" || (len(host) > 10 && host[:10] == "127.0.0.1:") || loopbackHost(req.URL.Hostname()) {
		return false, nil, nil // an httptest server: the common case, with no context lookup
	}
	if policy().fastAllow == fastOff {
		return false, nil, nil
	}
	if ctx := req.Context(); ctx.Value(httpRequestKey{}) != nil || LetThroughContext(ctx) {
		return false, nil, nil // sent again by us, or let through already
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	hr := &httpRequest{method: method, url: sentURL(req.URL)}
	u := *req.URL
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	hr.call = "http " + method + " " + u.Redacted()
	marked := req.WithContext(context.WithValue(req.Context(), httpRequestKey{}, hr))
	resp, err := t.RoundTrip(marked)
	if resp != nil && resp.Request == marked {
		resp.Request = req // as if never re-sent: the caller's own request
	}
	return true, resp, err
}

// sentURL is the URL as a transport sends it, redacted: without the
// fragment or a password.
func sentURL(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.Redacted()
}

// loopbackHost reports, without allocating, whether host (as
// url.URL.Hostname gives it) is a loopback or unspecified IP literal.
func loopbackHost(host string) bool {
	if host == "" {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// requestRefusal tells whether a dial that the firewall refused (with
// refused) was made for a request-level call: the dial of an HTTP request
// marked by outsideRoundTrip, or of a database/sql driver opening a
// connection. Then it returns that call's kind, its text for warnings,
// and the refusal in the call's own terms; otherwise a nil error.
func requestRefusal(ctx context.Context, network, address string, refused *core.GuardedCallError) (Kind, string, error) {
	if ctx != nil {
		if hr, ok := ctx.Value(httpRequestKey{}).(*httpRequest); ok {
			return KindHTTP, hr.call, httpRefusal(hr, network, address, refused)
		}
	}
	// Under the overlay, only once a *sql.DB has asked for a connection
	// (sqlSeen); without it no hook tells, so always.
	if !transparent || sqlSeen.Load() {
		if driver, ok := sqlDriverOnStack(); ok {
			return KindSQL, "sql connect " + network + " " + address + " (driver " + driver + ")", sqlRefusal(driver, network, address, refused)
		}
	}
	return 0, "", nil
}

func httpRefusal(hr *httpRequest, network, address string, refused *core.GuardedCallError) *core.GuardedCallError {
	n := core.CurrentNames()
	script := "// or answer it from a script: make the request inside " + n.Verifier + ".Sandbox, after\n" +
		n.Verifier + ".HTTP().Expect(" + strconv.Quote(hr.method) + ", " + strconv.Quote(hr.url) + ", bfhttp.Response{Status: 200})"
	if len(core.OpenSandboxes()) > 0 {
		script = "// or answer it from the script of the sandbox it belongs to: send it with a context that carries it\n" +
			"req = req.WithContext(" + n.Verifier + ".Context(req.Context()))"
	}
	return &core.GuardedCallError{
		Plugin: "http", Op: "request", Network: hr.method, Address: hr.url,
		Reason: "the request is outside every sandbox, and the connection it opens (" + network + " " + address +
			") is refused by the firewall: " + refused.Reason,
		Fix: "// let this test's requests to it go through:\n" +
			n.Package + ".AllowDial(t, " + strconv.Quote(address) + ")\n" +
			"// or, while migrating a suite, let requests outside sandboxes through, each reported once with a count:\n" +
			n.Package + ".Guard(t, " + n.Package + ".GuardHTTP, " + n.Package + ".Warn)\n" +
			script,
	}
}

// sqlDriverOnStack reports whether the calling goroutine is inside
// database/sql (opening a connection: database/sql calls its driver's
// Connect on the goroutine that asked for the connection, or on its own
// opener goroutine), and names the package of the driver function that
// database/sql called. Only refusals pay for it: it reads the stack.
func sqlDriverOnStack() (driver string, ok bool) {
	var pcs [64]uintptr
	n := runtime.Callers(3, pcs[:])
	last := ""
	for _, pc := range pcs[:n] {
		// The function's name alone, without file and line: a package
		// is all this needs, and inlining moves no call across one here
		// (database/sql calls its driver through an interface).
		f := runtime.FuncForPC(pc - 1)
		if f == nil {
			continue
		}
		pkg := funcPackage(f.Name())
		switch {
		case pkg == "database/sql":
			if last == "" {
				last = "unknown"
			}
			return last, true
		case pkg != "" && !stdOrGuard(pkg):
			last = pkg
		}
	}
	return "", false
}

// funcPackage returns the import path of a function as runtime.Frame
// names it ("github.com/lib/pq.(*conn).dial" gives "github.com/lib/pq").
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}

// stdOrGuard reports whether pkg is of the standard library (no dot in
// its first element) or this package: frames a driver's name is not.
func stdOrGuard(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".") || pkg == "github.com/bigfoot-go/bigfoot/guard"
}

func sqlRefusal(driver, network, address string, refused *core.GuardedCallError) *core.GuardedCallError {
	n := core.CurrentNames()
	return &core.GuardedCallError{
		Plugin: "sql", Op: "connect", Network: network, Address: address,
		Reason: "a *sql.DB opens a connection outside every sandbox (driver " + driver +
			"), and the firewall refuses its dial: " + refused.Reason,
		Fix: "// let this test's connections to it go through:\n" +
			n.Package + ".AllowDial(t, " + strconv.Quote(address) + ")\n" +
			"// or, while migrating a suite, let database connections outside sandboxes through, each reported once with a count:\n" +
			n.Package + ".Guard(t, " + n.Package + ".GuardSQL, " + n.Package + ".Warn)\n" +
			"// or answer it from a script: use the *sql.DB inside " + n.Verifier + ".Sandbox, after\n" +
			n.Verifier + ".SQL().NewSession().Expect(\"connect\", nil)",
	}
}

// ---------------------------------------------------------------------------
// dns

// lookupOutside decides a lookup that belongs to no open sandbox (owner is
// the test it provably belongs to, if any, whose sandbox has not opened).
// It reports whether the hook answered, and the answer, as lookupHook
// returns them. A lookup no rule or level lets through never reaches the
// resolver, so it sends no query, whichever resolver (Go's or the C
// library's) would have answered.
func lookupOutside(ctx context.Context, owner core.Owner, kind, name, arg1, arg2 string, dial bool) (bool, any, error) {
	if LetThroughContext(ctx) {
		return false, nil, nil // a dial let through: its lookups go with it
	}
	if dial {
		// The resolver has a Dial of its own (a test's socket seam, a
		// dialer the code chose): its queries travel over that Dial, the
		// layer below, which meets the dial hook as any dial does.
		return false, nil, nil
	}
	s := policy()
	if s.off != "" {
		return false, nil, nil // the firewall's off switch: as before bigfoot
	}
	if kind == LookupHost || kind == LookupIP {
		switch localName(name) {
		case 1:
			if ok, _ := localhostIsLoopback(); ok {
				return false, nil, nil // answered from the hosts file, with no query (checked, see localhostIsLoopback)
			}
			return true, loopbackAnswer(kind, arg1), nil
		case 2:
			return true, loopbackAnswer(kind, arg1), nil
		}
	}
	if !lookupAllowed(s, kind, name) {
		refused := lookupRefusal(kind, name, arg1, arg2)
		if err := Enforce(KindDNS, owner, "dns lookup "+kind+" "+lookupName(kind, name, arg1, arg2), refused, ""); err != nil {
			return true, nil, err
		}
	}
	return relookup(context.WithValue(ctx, letThroughKey{}, true), kind, name, arg1, arg2)
}

// localName tells whether name is localhost (1) or a name under
// .localhost (2), any case, a trailing dot allowed; 0 otherwise.
func localName(name string) int {
	name = strings.TrimSuffix(name, ".")
	switch {
	case strings.EqualFold(name, "localhost"):
		return 1
	case len(name) > len(".localhost") && strings.EqualFold(name[len(name)-len(".localhost"):], ".localhost"):
		return 2
	}
	return 0
}

// loopbackAnswer is the answer to a lookup of a localhost name (RFC 6761:
// always loopback): for LookupIP, of the family the network asks for.
func loopbackAnswer(kind, network string) any {
	want4, want6 := true, true
	if network != "" {
		switch network[len(network)-1] {
		case '4':
			want6 = false
		case '6':
			want4 = false
		}
	}
	if kind == LookupHost {
		return []string{"127.0.0.1", "::1"}
	}
	var ips []net.IPAddr
	if want4 {
		ips = append(ips, net.IPAddr{IP: net.IPv4(127, 0, 0, 1)})
	}
	if want6 {
		ips = append(ips, net.IPAddr{IP: net.IPv6loopback})
	}
	return ips
}

// lookupAllowed reports whether an allow rule of the firewall names the
// host looked up (whatever its port), or a nameserver the resolver would
// ask: the rule that lets dials to a name through lets its lookups
// through too, and so does one that lets DNS queries reach a nameserver.
func lookupAllowed(s *fwSnapshot, kind, name string) bool {
	if len(s.allow) == 0 {
		return false
	}
	for _, ns := range systemNameservers() {
		d := parseDialAddr("udp", ns)
		for _, o := range s.allow {
			for i := range o.rules.rules {
				if r := &o.rules.rules[i]; r.kind != ruleLoopback && r.matches(&d) {
					return true
				}
			}
		}
	}
	host := canonicalHost(name)
	if kind == LookupAddr {
		host = "" // a reverse lookup asks about an address, which only "*" allows
	}
	for _, o := range s.allow {
		for i := range o.rules.rules {
			switch r := &o.rules.rules[i]; r.kind {
			case ruleAny:
				return true
			case ruleHost:
				if r.host == "*" || (host != "" && r.host == host) {
					return true
				}
			case ruleSuffix:
				if host != "" && strings.HasSuffix(host, r.host) {
					return true
				}
			}
		}
	}
	return false
}

// resolvConfPath is the file that names the nameservers; a variable so
// that tests can point it elsewhere.
var resolvConfPath = "/etc/resolv.conf"

// nameserverCache keeps systemNameservers' answer for the file as it was.
var nameserverCache struct {
	mu    sync.Mutex // guards stamp and list
	stamp fileStamp
	done  bool
	list  []string
}

// systemNameservers returns the nameservers of resolv.conf as host:53
// (Go's default, loopback, when it names none), read again only when the
// file changes.
func systemNameservers() []string {
	st := stampOf(resolvConfPath)
	c := &nameserverCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done && c.stamp == st {
		return c.list
	}
	var list []string
	if data, err := os.ReadFile(resolvConfPath); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "nameserver" {
				if ip, err := netip.ParseAddr(f[1]); err == nil {
					list = append(list, netip.AddrPortFrom(ip.WithZone(""), 53).String())
				}
			}
		}
	}
	if len(list) == 0 {
		list = []string{"127.0.0.1:53", "[::1]:53"}
	}
	c.stamp, c.done, c.list = st, true, list
	return list
}

// lookupName is the name a lookup asks about, as messages show it.
func lookupName(kind, name, arg1, arg2 string) string {
	if kind == LookupSRV && (arg1 != "" || arg2 != "") {
		return "_" + arg1 + "._" + arg2 + "." + name
	}
	return name
}

func lookupRefusal(kind, name, arg1, arg2 string) *core.GuardedCallError {
	n := core.CurrentNames()
	var reason strings.Builder
	reason.WriteString("the lookup is outside every sandbox, and answering it would ask a nameserver (Go's resolver and the C library's alike); " +
		"outside sandboxes bigfoot answers localhost and names under .localhost as loopback without a query, and lets through " +
		"the lookups of names a firewall rule allows and of dials that were let through")
	if p := levelProblem(); p != "" {
		reason.WriteString("; ")
		reason.WriteString(p)
	}
	script := "// or answer it from a script: make the lookup inside " + n.Verifier + ".Sandbox, after\n" + n.Verifier + ".DNS()."
	q := strconv.Quote(name)
	switch kind {
	case LookupCNAME:
		script += "ExpectCNAME(" + q + ", \"target.example.com.\")"
	case LookupMX:
		script += "ExpectMX(" + q + ", []*net.MX{{Host: \"mx.example.com.\", Pref: 10}})"
	case LookupNS:
		script += "ExpectNS(" + q + ", []*net.NS{{Host: \"ns.example.com.\"}})"
	case LookupTXT:
		script += "ExpectTXT(" + q + ", []string{\"v=spf1 -all\"})"
	case LookupSRV:
		script += "ExpectSRV(" + strconv.Quote(arg1) + ", " + strconv.Quote(arg2) + ", " + q + ", []*net.SRV{{Target: \"svc.example.com.\", Port: 443}})"
	case LookupAddr:
		script += "ExpectAddr(" + q + ", []string{\"host.example.com.\"})"
	default:
		script += "ExpectLookup(" + q + ", []string{\"192.0.2.1\"})"
	}
	if open := core.OpenSandboxes(); len(open) > 0 {
		reason.WriteString("; sandboxes are open (")
		reason.WriteString(strings.Join(limitNames(open, 5), ", "))
		reason.WriteString("), but the goroutine was started by none of them and its context carries none, so it belongs to none of them")
		script = "// or answer it from the script of the sandbox it belongs to: look it up with a context that carries it\n" +
			"addrs, err := net.DefaultResolver.LookupHost(" + n.Verifier + ".Context(ctx), " + q + ")"
	}
	allow := name
	if kind == LookupAddr {
		allow = "*"
	}
	return &core.GuardedCallError{
		Plugin: "dns", Op: "lookup", Network: kind, Address: lookupName(kind, name, arg1, arg2),
		Reason: reason.String(),
		Fix: "// let this test look it up for real:\n" +
			n.Package + ".AllowDial(t, " + strconv.Quote(allow) + ")\n" +
			"// or, while migrating a suite, let lookups outside sandboxes through, each reported once with a count:\n" +
			n.Package + ".Guard(t, " + n.Package + ".GuardDNS, " + n.Package + ".Warn)\n" +
			script,
	}
}

// relookup makes a lookup again, with ctx (marked as let through, so the
// hook lets it go on and the resolver's DNS dials pass the firewall), on a
// resolver of the system's defaults, and returns its results as the hook
// returns them. The hook does not see the resolver the code used; one
// without a Dial of its own differs from the default only in PreferGo and
// StrictErrors.
func relookup(ctx context.Context, kind, name, arg1, arg2 string) (bool, any, error) {
	r := &net.Resolver{}
	switch kind {
	case LookupHost:
		v, err := r.LookupHost(ctx, name)
		return true, v, err
	case LookupIP:
		network := "ip"
		if arg1 != "" {
			switch arg1[len(arg1)-1] {
			case '4':
				network = "ip4"
			case '6':
				network = "ip6"
			}
		}
		addrs, err := r.LookupNetIP(ctx, network, name)
		var ips []net.IPAddr
		for _, a := range addrs {
			ips = append(ips, net.IPAddr{IP: a.AsSlice(), Zone: a.Zone()})
		}
		return true, ips, err
	case LookupCNAME:
		v, err := r.LookupCNAME(ctx, name)
		return true, v, err
	case LookupSRV:
		cname, addrs, err := r.LookupSRV(ctx, arg1, arg2, name)
		return true, struct {
			CNAME string
			Addrs []*net.SRV
		}{cname, addrs}, err
	case LookupMX:
		v, err := r.LookupMX(ctx, name)
		return true, v, err
	case LookupNS:
		v, err := r.LookupNS(ctx, name)
		return true, v, err
	case LookupTXT:
		v, err := r.LookupTXT(ctx, name)
		return true, v, err
	case LookupAddr:
		v, err := r.LookupAddr(ctx, name)
		return true, v, err
	}
	return false, nil, nil
}

// ---------------------------------------------------------------------------
// Seams

// RefuseOutside is for a plugin's seam (a value the plugin made, such as
// the *sql.DB of bfsql's Open) used outside every sandbox, where nothing
// real stands behind it: at level error it reports refused on v's test
// and returns it, as before levels existed; at warn and off it returns a
// *CannotPassThroughError that says why (the call cannot be let through:
// there is nothing to let it through to), reported the same way. call
// names the call in messages ("sql connect \"app\"").
func RefuseOutside(kind Kind, v *core.Verifier, call string, refused error, why string) error {
	return Enforce(kind, core.Owner{Verifier: v, Name: v.Name()}, call, refused, why)
}
