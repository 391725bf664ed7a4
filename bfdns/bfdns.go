package bfdns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// The sources of the plugin's interactions, one per lookup, for the
// generic form, e.g.
//
//	bf.AssertInteraction(bfdns.Lookup, bigfoot.Fields{"host": bigfoot.HasSuffix(".internal")})
//
// A lookup is recorded with the name it was answered for, without a
// trailing dot, in the case the code wrote it.
var (
	Lookup = source("lookup", "AssertLookup", "host")
	MX     = source("mx", "AssertMX", "name")
	TXT    = source("txt", "AssertTXT", "name")
	NS     = source("ns", "AssertNS", "name")
	CNAME  = source("cname", "AssertCNAME", "host")
	SRV    = source("srv", "AssertSRV", "service", "proto", "name")
	Addr   = source("addr", "AssertAddr", "addr")
)

func source(name, assert string, fields ...string) *core.Source {
	return &core.Source{Plugin: "dns", Name: name, Fields: fields, GoExpr: "bfdns." + map[string]string{
		"lookup": "Lookup", "mx": "MX", "txt": "TXT", "ns": "NS", "cname": "CNAME", "srv": "SRV", "addr": "Addr"}[name],
		Hint: func(v []core.Value) string {
			args := make([]string, len(v))
			for i := range v {
				args[i] = v[i].GoString()
			}
			return core.CurrentNames().Verifier + ".DNS()." + assert + "(" + strings.Join(args, ", ") + ")"
		}}
}

// Plugin is the DNS plugin of one verifier.
type Plugin struct {
	v *core.Verifier
	q *core.Queue

	resolverOnce sync.Once // makes resolver
	resolver     *net.Resolver

	// wireMu guards states, the lookups the in-process server is
	// answering (see wire.go).
	wireMu sync.Mutex
	states map[string]*lookupState
}

var key = core.NewKey[*Plugin]("dns", "bf.DNS()")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/bfdns")
	guard.ClaimLookup(guard.LookupClaim{Name: "dns", Layer: guard.LayerSocket, Claim: claimLookup})
	guard.ClaimDial(guard.DialClaim{Name: "dns", Layer: guard.LayerProtocol, Claim: claimDial})
}

func newPlugin(v *core.Verifier) *Plugin {
	p := &Plugin{v: v, q: core.NewQueue(v, &core.QueueSpec{Plugin: "dns"}), states: map[string]*lookupState{}}
	v.OnVerify(func() error {
		p.wireMu.Lock()
		p.states = map[string]*lookupState{}
		p.wireMu.Unlock()
		return nil
	})
	return p
}

// For returns h's DNS plugin, creating it on first use; bf.DNS() is For(bf).
func For(h core.Host) *Plugin { return key.Of(h, newPlugin) }

// NewPlugin creates h's DNS plugin, for manual use. Each verifier has at
// most one: a second call returns an error for which
// errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(h core.Host) (*Plugin, error) { return key.New(h, newPlugin) }

// The kinds of lookup, as entries are keyed.
const (
	kindHost  = "lookup"
	kindMX    = "mx"
	kindTXT   = "txt"
	kindNS    = "ns"
	kindCNAME = "cname"
	kindSRV   = "srv"
	kindAddr  = "addr"
)

// scripted is one scripted answer.
type scripted struct {
	kind  string
	addrs []netip.Addr // lookup
	cname string       // cname, rooted
	mx    []net.MX     // hosts rooted
	ns    []net.NS
	txt   []string
	srv   []net.SRV
	names []string // addr, rooted
}

func entryKey(kind, name string) string { return kind + "\x00" + normalize(name) }

// ScriptError is reported when an Expect call is given a script no lookup
// could take: an invalid name or address.
type ScriptError struct {
	Call   string // the Expect call, as Go
	Reason string
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ScriptError) Error() string {
	return "bigfoot: " + e.Call + ": " + e.Reason + "\nfix:\n\t" + strings.ReplaceAll(e.Fix, "\n", "\n\t")
}

func acc() string { return core.CurrentNames().Verifier + ".DNS()" }

// validName reports whether name can be looked up: labels of 1 to 63
// bytes, 253 in all, as resolvers accept them.
func validName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 || strings.ContainsAny(l, " \t\r\n\\") {
			return false
		}
	}
	return true
}

func (p *Plugin) add(kind, name string, sc *scripted, call string, opts []core.StepOption) {
	sc.kind = kind
	raises, _ := core.ApplyOptions(opts)
	if raises == nil && sc.empty() {
		p.v.Reporter().Helper()
		p.v.Misuse(&ScriptError{Call: call, Reason: "the answer is empty; a name with no records is not found, which bigfoot.Raises scripts",
			Fix: strings.Replace(call, ")", ", ...)", 0) + "\n" + notFoundFix(kind, name)})
		return
	}
	p.q.Add(core.Entry{Key: entryKey(kind, name), Returns: sc, Script: call}, core.Caller(1), opts...)
}

func (sc *scripted) empty() bool {
	switch sc.kind {
	case kindHost:
		return len(sc.addrs) == 0
	case kindCNAME:
		return sc.cname == ""
	case kindMX:
		return len(sc.mx) == 0
	case kindNS:
		return len(sc.ns) == 0
	case kindTXT:
		return len(sc.txt) == 0
	case kindSRV:
		return len(sc.srv) == 0
	}
	return len(sc.names) == 0
}

func (p *Plugin) misuse(call, reason, fix string) {
	p.v.Reporter().Helper()
	p.v.Misuse(&ScriptError{Call: call, Reason: reason, Fix: fix})
}

// ExpectLookup scripts the addresses (IP literals) of one lookup of host:
// net.LookupHost, LookupIP, LookupIPAddr, LookupNetIP, and the lookup a
// Dial makes for a host name. A lookup for one family (LookupIP "ip4", a
// "tcp6" dial) gets the addresses of that family. Host matches
// case-insensitively, a trailing dot ignored; lookups of one host take
// the scripted answers in order. A host that does not exist is scripted
// with bigfoot.Raises(&net.DNSError{IsNotFound: true}), which the code
// sees as a real resolver's error (Err, Name and Server filled in).
func (p *Plugin) ExpectLookup(host string, addrs []string, opts ...core.StepOption) *Plugin {
	call := acc() + ".ExpectLookup(" + quote(host) + ", " + goStrings(addrs) + optsText(opts) + ")"
	if !validName(host) {
		p.misuse(call, "the host is not a name a resolver looks up", acc()+`.ExpectLookup("api.example.com", []string{"192.0.2.10"})`)
		return p
	}
	sc := &scripted{}
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			p.misuse(call, "the address "+quote(a)+" is not an IP address; a lookup answers IP literals", acc()+".ExpectLookup("+quote(host)+`, []string{"192.0.2.10", "2001:db8::10"})`)
			return p
		}
		sc.addrs = append(sc.addrs, ip)
	}
	p.add(kindHost, host, sc, call, opts)
	return p
}

// ExpectCNAME scripts the canonical name LookupCNAME returns for host
// (rooted, with a trailing dot, as from a resolver). A LookupCNAME of a
// host scripted only with ExpectLookup returns the host itself, as for a
// name with address records and no CNAME.
func (p *Plugin) ExpectCNAME(host, cname string, opts ...core.StepOption) *Plugin {
	call := acc() + ".ExpectCNAME(" + quote(host) + ", " + quote(cname) + optsText(opts) + ")"
	if !validName(host) || cname != "" && !validName(cname) {
		p.misuse(call, "the host or canonical name is not a domain name", acc()+`.ExpectCNAME("www.example.com", "web.example.net.")`)
		return p
	}
	sc := &scripted{}
	if cname != "" {
		sc.cname = rooted(cname)
	}
	p.add(kindCNAME, host, sc, call, opts)
	return p
}

// ExpectMX scripts the MX records LookupMX returns for name, sorted by
// preference (hosts rooted).
func (p *Plugin) ExpectMX(name string, mx []*net.MX, opts ...core.StepOption) *Plugin {
	call := acc() + ".ExpectMX(" + quote(name) + ", []*net.MX{...}" + optsText(opts) + ")"
	if !validName(name) {
		p.misuse(call, "the name is not a domain name", acc()+`.ExpectMX("example.com", []*net.MX{{Host: "mail.example.com.", Pref: 10}})`)
		return p
	}
	sc := &scripted{}
	for _, m := range mx {
		if m == nil || !validName(m.Host) {
			p.misuse(call, "an MX record's host is not a domain name", acc()+".ExpectMX("+quote(name)+`, []*net.MX{{Host: "mail.example.com.", Pref: 10}})`)
			return p
		}
		sc.mx = append(sc.mx, net.MX{Host: rooted(m.Host), Pref: m.Pref})
	}
	sort.SliceStable(sc.mx, func(i, j int) bool { return sc.mx[i].Pref < sc.mx[j].Pref })
	p.add(kindMX, name, sc, call, opts)
	return p
}

// ExpectNS scripts the NS records LookupNS returns for name (hosts rooted).
func (p *Plugin) ExpectNS(name string, ns []*net.NS, opts ...core.StepOption) *Plugin {
	call := acc() + ".ExpectNS(" + quote(name) + ", []*net.NS{...}" + optsText(opts) + ")"
	if !validName(name) {
		p.misuse(call, "the name is not a domain name", acc()+`.ExpectNS("example.com", []*net.NS{{Host: "ns1.example.com."}})`)
		return p
	}
	sc := &scripted{}
	for _, n := range ns {
		if n == nil || !validName(n.Host) {
			p.misuse(call, "an NS record's host is not a domain name", acc()+".ExpectNS("+quote(name)+`, []*net.NS{{Host: "ns1.example.com."}})`)
			return p
		}
		sc.ns = append(sc.ns, net.NS{Host: rooted(n.Host)})
	}
	p.add(kindNS, name, sc, call, opts)
	return p
}

// ExpectTXT scripts the TXT records LookupTXT returns for name, one
// string per record (longer than 255 bytes is fine: the wire splits it
// and resolvers join it).
func (p *Plugin) ExpectTXT(name string, txt []string, opts ...core.StepOption) *Plugin {
	call := acc() + ".ExpectTXT(" + quote(name) + ", " + goStrings(txt) + optsText(opts) + ")"
	if !validName(name) {
		p.misuse(call, "the name is not a domain name", acc()+`.ExpectTXT("example.com", []string{"v=spf1 -all"})`)
		return p
	}
	p.add(kindTXT, name, &scripted{txt: append([]string(nil), txt...)}, call, opts)
	return p
}

// ExpectSRV scripts the records LookupSRV(service, proto, name) returns,
// sorted by priority (targets rooted), with the queried name
// "_service._proto.name." as its first result; service and proto both
// empty look name up directly, as net does.
func (p *Plugin) ExpectSRV(service, proto, name string, srvs []*net.SRV, opts ...core.StepOption) *Plugin {
	call := acc() + ".ExpectSRV(" + quote(service) + ", " + quote(proto) + ", " + quote(name) + ", []*net.SRV{...}" + optsText(opts) + ")"
	target := srvName(service, proto, name)
	if !validName(target) {
		p.misuse(call, "the service, proto and name do not make a domain name", acc()+`.ExpectSRV("xmpp-server", "tcp", "example.com", []*net.SRV{{Target: "xmpp.example.com.", Port: 5269, Priority: 10, Weight: 5}})`)
		return p
	}
	sc := &scripted{cname: rooted(target)}
	for _, s := range srvs {
		if s == nil || !validName(s.Target) {
			p.misuse(call, "an SRV record's target is not a domain name", acc()+".ExpectSRV("+quote(service)+", "+quote(proto)+", "+quote(name)+`, []*net.SRV{{Target: "host.example.com.", Port: 443, Priority: 10, Weight: 5}})`)
			return p
		}
		sc.srv = append(sc.srv, net.SRV{Target: rooted(s.Target), Port: s.Port, Priority: s.Priority, Weight: s.Weight})
	}
	sort.SliceStable(sc.srv, func(i, j int) bool { return sc.srv[i].Priority < sc.srv[j].Priority })
	p.add(kindSRV, target, sc, call, opts)
	return p
}

func srvName(service, proto, name string) string {
	if service == "" && proto == "" {
		return name
	}
	return "_" + service + "._" + proto + "." + name
}

// ExpectAddr scripts the names a reverse lookup, LookupAddr(addr),
// returns (rooted).
func (p *Plugin) ExpectAddr(addr string, names []string, opts ...core.StepOption) *Plugin {
	call := acc() + ".ExpectAddr(" + quote(addr) + ", " + goStrings(names) + optsText(opts) + ")"
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		p.misuse(call, "the address is not an IP address", acc()+`.ExpectAddr("192.0.2.10", []string{"host.example.com."})`)
		return p
	}
	sc := &scripted{}
	for _, n := range names {
		if !validName(n) {
			p.misuse(call, "a name is not a domain name", acc()+".ExpectAddr("+quote(addr)+`, []string{"host.example.com."})`)
			return p
		}
		sc.names = append(sc.names, rooted(n))
	}
	p.add(kindAddr, ip.String(), sc, call, opts)
	return p
}

// AssertLookup asserts that the next interaction is a lookup of host's
// addresses (any of LookupHost, LookupIP, LookupIPAddr, LookupNetIP, a
// Dial's).
func (p *Plugin) AssertLookup(host string) error {
	return p.assert(Lookup, core.String(host))
}

// AssertCNAME asserts that the next interaction is a LookupCNAME of host.
func (p *Plugin) AssertCNAME(host string) error { return p.assert(CNAME, core.String(host)) }

// AssertMX asserts that the next interaction is a LookupMX of name.
func (p *Plugin) AssertMX(name string) error { return p.assert(MX, core.String(name)) }

// AssertNS asserts that the next interaction is a LookupNS of name.
func (p *Plugin) AssertNS(name string) error { return p.assert(NS, core.String(name)) }

// AssertTXT asserts that the next interaction is a LookupTXT of name.
func (p *Plugin) AssertTXT(name string) error { return p.assert(TXT, core.String(name)) }

// AssertSRV asserts that the next interaction is a LookupSRV(service,
// proto, name).
func (p *Plugin) AssertSRV(service, proto, name string) error {
	return p.assert(SRV, core.String(service), core.String(proto), core.String(name))
}

// AssertAddr asserts that the next interaction is a reverse lookup of
// addr (compared in the address's canonical form, as netip prints it).
func (p *Plugin) AssertAddr(addr string) error {
	if ip, err := netip.ParseAddr(addr); err == nil {
		addr = ip.String()
	}
	return p.assert(Addr, core.String(addr))
}

func (p *Plugin) assert(src *core.Source, values ...core.Value) error {
	err := p.v.CheckValues(src, values...)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// ---------------------------------------------------------------------------
// Answering

// query is one lookup as the plugin answers it.
type query struct {
	kind           string
	name           string // as the code gave it
	network        string // lookup: "ip", "ip4", "tcp6"...
	service, proto string // srv
	domain         string // srv: the domain LookupSRV was given (name is the whole target)
}

// record records q's interaction, answered for name (as the code or the
// query wrote it).
func (p *Plugin) record(kind, name string, q *query) {
	name = strings.TrimSuffix(name, ".")
	switch kind {
	case kindSRV:
		service, proto, domain := q.service, q.proto, name
		if q.service == "" && q.proto == "" {
			service, proto, domain = splitSRV(name)
		} else if n := len("_" + q.service + "._" + q.proto + "."); len(name) > n {
			domain = name[n:]
		}
		p.v.Record(SRV, core.String(service), core.String(proto), core.String(domain))
	default:
		p.v.Record(sourceOf(kind), core.String(name))
	}
}

// splitSRV splits "_xmpp._tcp.example.com" into its parts, for a name the
// wire gave whole.
func splitSRV(name string) (service, proto, domain string) {
	parts := strings.SplitN(name, ".", 3)
	if len(parts) == 3 && strings.HasPrefix(parts[0], "_") && strings.HasPrefix(parts[1], "_") {
		return parts[0][1:], parts[1][1:], parts[2]
	}
	return "", "", name
}

func sourceOf(kind string) *core.Source {
	switch kind {
	case kindMX:
		return MX
	case kindTXT:
		return TXT
	case kindNS:
		return NS
	case kindCNAME:
		return CNAME
	case kindSRV:
		return SRV
	case kindAddr:
		return Addr
	}
	return Lookup
}

// take finds the entry for a lookup of kind whose candidate names (the
// search list applied) are names, records it, and returns it and the
// name it was found for; nil when none is scripted.
func (p *Plugin) take(kind string, names []string, q *query) (*core.Entry, string, error) {
	for _, n := range names {
		var taken string
		ent, err := p.q.Take(entryKey(kind, n), n, func(e *core.Entry) error {
			taken = n
			p.record(kind, n, q)
			return nil
		})
		if err != nil {
			return nil, "", err
		}
		if ent != nil {
			return ent, taken, nil
		}
	}
	return nil, "", nil
}

// candidates returns the names a lookup of name queries, search list
// applied, without trailing dots.
func candidates(kind, name string) []string {
	if kind == kindAddr {
		return []string{name}
	}
	list := systemConf().nameList(name)
	out := make([]string, len(list))
	for i, n := range list {
		out[i] = strings.TrimSuffix(n, ".")
	}
	if len(out) == 0 {
		out = []string{strings.TrimSuffix(name, ".")}
	}
	return out
}

// answer answers a lookup at the lookup level (transparent mode): from
// the script, or as unmocked.
func (p *Plugin) answer(q *query) (*guard.LookupAnswer, error) {
	names := candidates(q.kind, q.name)
	ent, found, err := p.take(q.kind, names, q)
	if err == nil && ent == nil && q.kind == kindCNAME {
		// A name with address records and no CNAME is its own canonical name.
		if ent, found, err = p.take(kindHost, names, &query{kind: kindHost, name: q.name}); ent != nil && ent.Err == nil {
			return &guard.LookupAnswer{CNAME: rooted(found)}, nil
		}
	}
	if err == nil && ent == nil {
		name := q.name
		if q.kind == kindSRV && q.domain != "" {
			name = q.domain
		}
		err = p.unmocked(q.kind, name, q.service, q.proto, "no scripted answer is left for this name")
	}
	if err != nil {
		p.v.Report(err)
		return nil, err
	}
	if ent.Err != nil {
		return nil, resolverError(ent.Err, lookupErrName(q), q.kind)
	}
	sc := ent.Returns.(*scripted)
	ans := &guard.LookupAnswer{}
	switch q.kind {
	case kindHost:
		for _, a := range sc.addrs {
			ans.Addrs = append(ans.Addrs, a.String())
		}
	case kindCNAME:
		ans.CNAME = sc.cname
	case kindMX:
		for _, m := range sc.mx {
			ans.MX = append(ans.MX, &net.MX{Host: m.Host, Pref: m.Pref})
		}
	case kindNS:
		for _, n := range sc.ns {
			ans.NS = append(ans.NS, &net.NS{Host: n.Host})
		}
	case kindTXT:
		ans.TXT = append([]string(nil), sc.txt...)
	case kindSRV:
		ans.CNAME = sc.cname
		for _, s := range sc.srv {
			ans.SRV = append(ans.SRV, &net.SRV{Target: s.Target, Port: s.Port, Priority: s.Priority, Weight: s.Weight})
		}
	case kindAddr:
		ans.Names = append([]string(nil), sc.names...)
	}
	return ans, nil
}

// lookupErrName is the Name a resolver's error gives for q: the name
// the code gave (LookupSRV's domain), as net's errors name it.
func lookupErrName(q *query) string {
	if q.kind == kindSRV && q.domain != "" {
		return q.domain
	}
	return q.name
}

// familyOK reports whether a fits the address family network selects
// (by its last character, as in package net).
func familyOK(network string, a netip.Addr) bool {
	if network == "" {
		return true
	}
	switch network[len(network)-1] {
	case '4':
		return a.Unmap().Is4()
	case '6':
		return !a.Is4()
	}
	return true
}

// ipOf returns a as net's resolver gives it: 4 bytes for IPv4.
func ipOf(a netip.Addr) net.IP {
	if a.Is4() {
		b := a.As4()
		return net.IP(b[:])
	}
	b := a.As16()
	return net.IP(b[:])
}

// resolverError returns the error a lookup scripted with Raises gives the
// code: a *net.DNSError is copied with what a resolver fills in (Name,
// Server, Err); any other error is a server failure, as a name server's
// SERVFAIL reaches the code ("server misbehaving", temporary), which
// unwraps to the scripted error.
func resolverError(err error, name, kind string) error {
	var de *net.DNSError
	if !errors.As(err, &de) {
		return &net.DNSError{Err: "server misbehaving", Name: name, Server: systemConf().server, IsTemporary: true, UnwrapErr: err}
	}
	c := *de
	if c.Name == "" {
		c.Name = name
	}
	if c.Server == "" && kind != kindAddr {
		c.Server = systemConf().server
	}
	if c.Err == "" {
		switch {
		case c.IsNotFound:
			c.Err = "no such host"
		case c.IsTimeout:
			c.Err = "i/o timeout"
		default:
			c.Err = "server misbehaving"
		}
	}
	return &c
}

// unmocked builds the failure of a lookup no step answers.
func (p *Plugin) unmocked(kind, name, service, proto, reason string) error {
	if pending, more := p.q.Pending(5); len(pending) > 0 {
		var lines []string
		for _, e := range pending {
			lines = append(lines, "\t"+e.Script)
		}
		reason += "; the answers not yet taken:\n" + strings.Join(lines, "\n")
		if more > 0 {
			reason += "\n\t... and " + strconv.Itoa(more) + " more"
		}
	}
	return unmockedErr(kind, name, service, proto, reason)
}

func unmockedErr(kind, name, service, proto, reason string) error {
	name = strings.TrimSuffix(name, ".")
	call := map[string]string{kindHost: "LookupHost", kindMX: "LookupMX", kindTXT: "LookupTXT", kindNS: "LookupNS",
		kindCNAME: "LookupCNAME", kindSRV: "LookupSRV", kindAddr: "LookupAddr", guard.LookupIP: "LookupIP"}[kind] + "(" + quote(name) + ")"
	if kind == kindSRV {
		call = "LookupSRV(" + quote(service) + ", " + quote(proto) + ", " + quote(name) + ")"
	}
	step := kind
	if kind == guard.LookupIP {
		step = kindHost
	}
	return &core.UnmockedInteractionError{Plugin: "dns", Step: step, Call: call, Reason: reason,
		Fix: "// script the lookup before the sandbox:\n" + scriptFix(kind, name, service, proto) + "\n// or, for a name that does not exist:\n" + notFoundFix(kind, name)}
}

func scriptFix(kind, name, service, proto string) string {
	q := quote(name)
	switch kind {
	case kindMX:
		return acc() + ".ExpectMX(" + q + `, []*net.MX{{Host: "mail.example.com.", Pref: 10}})`
	case kindTXT:
		return acc() + ".ExpectTXT(" + q + `, []string{"v=spf1 -all"})`
	case kindNS:
		return acc() + ".ExpectNS(" + q + `, []*net.NS{{Host: "ns1.example.com."}})`
	case kindCNAME:
		return acc() + ".ExpectCNAME(" + q + `, "canonical.example.com.")`
	case kindSRV:
		return acc() + ".ExpectSRV(" + quote(service) + ", " + quote(proto) + ", " + q + `, []*net.SRV{{Target: "host.example.com.", Port: 443, Priority: 10, Weight: 5}})`
	case kindAddr:
		return acc() + ".ExpectAddr(" + q + `, []string{"host.example.com."})`
	}
	return acc() + ".ExpectLookup(" + q + `, []string{"192.0.2.1"})`
}

func notFoundFix(kind, name string) string {
	n := core.CurrentNames().Package
	e := n + ".Raises(&net.DNSError{Err: \"no such host\", Name: " + quote(name) + ", IsNotFound: true})"
	switch kind {
	case kindMX:
		return acc() + ".ExpectMX(" + quote(name) + ", nil, " + e + ")"
	case kindTXT:
		return acc() + ".ExpectTXT(" + quote(name) + ", nil, " + e + ")"
	case kindNS:
		return acc() + ".ExpectNS(" + quote(name) + ", nil, " + e + ")"
	case kindCNAME:
		return acc() + ".ExpectCNAME(" + quote(name) + ", \"\", " + e + ")"
	case kindSRV:
		return acc() + ".ExpectSRV(\"\", \"\", " + quote(name) + ", nil, " + e + ")"
	case kindAddr:
		return acc() + ".ExpectAddr(" + quote(name) + ", nil, " + e + ")"
	}
	return acc() + ".ExpectLookup(" + quote(name) + ", nil, " + e + ")"
}

func quote(s string) string { return core.String(s).GoString() }

func goStrings(list []string) string {
	if list == nil {
		return "nil"
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

func optsText(opts []core.StepOption) string {
	raises, optional := core.ApplyOptions(opts)
	n := core.CurrentNames().Package
	s := ""
	if raises != nil {
		s += ", " + n + ".Raises(...)"
	}
	if optional {
		s += ", " + n + ".Optional()"
	}
	return s
}

// ---------------------------------------------------------------------------
// Transparent mode

// claimLookup answers, inside v's sandbox, every lookup: from the script
// when the test used bf.DNS(), else as unmocked, at the DNS level, so
// that the system resolver never dials the socket layer for it. When the
// test did not use bf.DNS(), a lookup a let-through dial makes is let
// through, and one by a resolver with a Dial of its own goes on to that
// dial (DNS over the resolver's dial: the socket layer answers it).
func claimLookup(ctx context.Context, v *core.Verifier, q *guard.Lookup) (guard.Decision, *guard.LookupAnswer, error) {
	kind := q.Kind
	if kind == guard.LookupHost {
		kind = kindHost
	}
	p, used := key.Get(v)
	if !used {
		if q.LetThrough || q.CustomDial {
			return guard.LetThrough, nil, nil
		}
		if guard.Recording() {
			return guard.Pass, nil, nil // the recorder makes lookups the test never scripted
		}
		err := unmockedErr(kind, q.Name, q.Service, q.Proto,
			"name lookups inside a sandbox are answered from "+acc()+"'s script, and this test scripts none")
		v.Report(err)
		return guard.Answer, nil, err
	}
	pq := &query{kind: kind, name: q.Name, network: q.Network, service: q.Service, proto: q.Proto}
	switch kind {
	case guard.LookupIP:
		pq.kind = kindHost
	case kindSRV:
		pq.name, pq.domain = srvName(q.Service, q.Proto, q.Name), q.Name
	case kindAddr:
		ip, err := netip.ParseAddr(q.Name)
		if err != nil {
			return guard.Answer, nil, &net.DNSError{Err: "unrecognized address", Name: q.Name}
		}
		pq.name = ip.String()
	}
	if kind == guard.LookupIP {
		ans, err := p.answerIP(pq)
		return guard.Answer, ans, err
	}
	ans, err := p.answer(pq)
	return guard.Answer, ans, err
}

// answerIP answers a lookup of addresses for one network (LookupIP, a
// Dial's): host entries, filtered by the network's family.
func (p *Plugin) answerIP(q *query) (*guard.LookupAnswer, error) {
	names := candidates(kindHost, q.name)
	ent, _, err := p.take(kindHost, names, &query{kind: kindHost, name: q.name})
	if err == nil && ent == nil {
		err = p.unmocked(kindHost, q.name, "", "", "no scripted answer is left for this name")
	}
	if err != nil {
		p.v.Report(err)
		return nil, err
	}
	if ent.Err != nil {
		return nil, resolverError(ent.Err, q.name, kindHost)
	}
	sc := ent.Returns.(*scripted)
	ans := &guard.LookupAnswer{}
	for _, a := range sc.addrs {
		if familyOK(q.network, a) {
			ans.IPs = append(ans.IPs, net.IPAddr{IP: ipOf(a), Zone: a.Zone()})
		}
	}
	if len(ans.IPs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: q.name, Server: systemConf().server, IsNotFound: true}
	}
	return ans, nil
}

// claimDial answers, inside v's sandbox when the test used bf.DNS(),
// dials to port 53 (a DNS client such as github.com/miekg/dns that
// speaks the protocol itself) with the in-process server: the DNS layer
// above the socket plugin.
func claimDial(ctx context.Context, v *core.Verifier, network, address string) (guard.Decision, net.Conn, error) {
	p, used := key.Get(v)
	if !used {
		return guard.Pass, nil, nil
	}
	_, port, err := net.SplitHostPort(address)
	if err != nil || port != "53" {
		return guard.Pass, nil, nil
	}
	switch network {
	case "udp", "udp4", "udp6", "tcp", "tcp4", "tcp6":
	default:
		return guard.Pass, nil, nil
	}
	if err := ctx.Err(); err != nil {
		return guard.Answer, nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	return guard.Answer, p.newConn(network, address, false), nil
}
