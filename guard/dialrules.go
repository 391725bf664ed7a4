package guard

import (
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DialRules is a parsed list of address rules, as the firewall and the
// socket plugin's PassThrough take them. A rule is one of:
//
//	"*"                  every address
//	"loopback"           127.0.0.0/8, ::1, the name "localhost" when this
//	                     machine resolves it to loopback without asking a
//	                     nameserver (see below), and the local system as an
//	                     empty or unspecified host (":8080", "0.0.0.0:8080",
//	                     "[::]:8080")
//	"unix"               unix, unixgram and unixpacket sockets
//	"10.0.0.0/8"         an IP prefix (CIDR), any port
//	"10.1.2.3", "::1"    one IP, any port
//	"db.internal"        one host name, any port
//	"*.internal"         every host name under internal, any port
//	"db.internal:5432"   a host (name, IP, or [IPv6]) and port
//	"db.internal:*"      a host, any port; "*:443" any host, port 443
//
// Host names match case-insensitively and without resolving: a rule for a
// name matches dials to that name, and a rule for an IP matches dials to
// that IP literal, never to a name that resolves to it.
//
// The one name taken for loopback is exactly "localhost" (any case, a
// trailing dot allowed), and only after checking, without any lookup, how
// the machine would resolve it: /etc/hosts must map it to loopback
// addresses alone, and /etc/nsswitch.conf (where there is one) must read
// that file before any source that asks the network. Otherwise the name is
// not loopback and needs a rule of its own, so that no name is resolved
// through a nameserver to decide whether it is local. Other names under
// .localhost are names like any other: a dial to app.localhost outside a
// sandbox is refused before it is resolved.
type DialRules struct {
	rules []dialRule
}

type ruleKind uint8

const (
	ruleAny ruleKind = iota
	ruleLoopback
	ruleUnix
	rulePrefix // prefix, port
	ruleHost   // host (lowercase, no trailing dot; "*" for any), port
	ruleSuffix // host is ".example.com", port
)

type dialRule struct {
	text   string
	kind   ruleKind
	prefix netip.Prefix
	host   string
	port   int // -1 for any
}

// ParseDialRules parses rules (see DialRules). Each string may also hold
// several rules separated by commas, as environment variables give them.
func ParseDialRules(rules ...string) (*DialRules, error) {
	r := &DialRules{}
	for _, s := range rules {
		for _, text := range strings.Split(s, ",") {
			text = strings.TrimSpace(text)
			rule, err := parseDialRule(text)
			if err != nil {
				return nil, err
			}
			r.rules = append(r.rules, rule)
		}
	}
	return r, nil
}

// DialRuleError is returned for a rule that ParseDialRules cannot read.
type DialRuleError struct {
	Rule   string
	Reason string
}

// Error says which rule is invalid, why, and which forms a rule may take.
func (e *DialRuleError) Error() string {
	return "bigfoot: invalid dial rule " + strconv.Quote(e.Rule) + ": " + e.Reason +
		"\nfix: write one of \"*\", \"loopback\", \"unix\", \"10.0.0.0/8\", \"10.1.2.3\", \"db.internal\", \"*.internal\", " +
		"\"db.internal:5432\", \"db.internal:*\", \"[::1]:8080\", \"*:443\""
}

func parseDialRule(text string) (dialRule, error) {
	bad := func(reason string) (dialRule, error) {
		return dialRule{}, &DialRuleError{Rule: text, Reason: reason}
	}
	r := dialRule{text: text, port: -1}
	switch text {
	case "":
		return bad("it is empty")
	case "*":
		r.kind = ruleAny
		return r, nil
	case "loopback":
		r.kind = ruleLoopback
		return r, nil
	case "unix":
		r.kind = ruleUnix
		return r, nil
	}
	if strings.ContainsAny(text, " \t/") {
		p, err := netip.ParsePrefix(text)
		if err != nil {
			return bad("not an IP prefix such as 10.0.0.0/8, nor a host[:port]")
		}
		r.kind, r.prefix = rulePrefix, p.Masked()
		return r, nil
	}
	host := text
	if h, port, err := net.SplitHostPort(text); err == nil {
		host = h
		if port != "*" {
			n, err := strconv.Atoi(port)
			if err != nil || n < 0 || n > 65535 {
				return bad("the port must be a number from 0 to 65535, or *")
			}
			r.port = n
		}
	} else if strings.HasPrefix(text, "[") && strings.HasSuffix(text, "]") {
		host = text[1 : len(text)-1]
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.WithZone("").Unmap()
		r.kind, r.prefix = rulePrefix, netip.PrefixFrom(ip, ip.BitLen())
		return r, nil
	}
	host = canonicalHost(host)
	switch {
	case host == "":
		return bad("the host is empty")
	case host == "*":
		r.kind, r.host = ruleHost, "*"
	case strings.HasPrefix(host, "*."):
		r.kind, r.host = ruleSuffix, host[1:]
	case strings.ContainsAny(host, "*[]:"):
		return bad("not a host name, IP, or *.domain")
	default:
		r.kind, r.host = ruleHost, host
	}
	return r, nil
}

func canonicalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// Match reports the first rule that matches a dial of address on network,
// as its text, and whether there is one.
func (r *DialRules) Match(network, address string) (rule string, ok bool) {
	if r == nil || len(r.rules) == 0 {
		return "", false
	}
	d := parseDialAddr(network, address)
	for i := range r.rules {
		if r.rules[i].matches(&d) {
			return r.rules[i].text, true
		}
	}
	return "", false
}

// Concat returns the rules of r followed by those of more; r and more are
// unchanged. Either may be nil.
func (r *DialRules) Concat(more *DialRules) *DialRules {
	out := &DialRules{}
	if r != nil {
		out.rules = append(out.rules, r.rules...)
	}
	if more != nil {
		out.rules = append(out.rules, more.rules...)
	}
	return out
}

// Len returns the number of rules.
func (r *DialRules) Len() int {
	if r == nil {
		return 0
	}
	return len(r.rules)
}

// String lists the rules, quoted and comma-separated, as Go code would.
func (r *DialRules) String() string {
	var b strings.Builder
	for i, rule := range r.rules {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(rule.text))
	}
	return b.String()
}

// dialAddr is a dial's address, taken apart once for matching.
type dialAddr struct {
	unix bool
	host string // canonical
	ip   netip.Addr
	port int // -1 when there is none or it is unknown
}

func parseDialAddr(network, address string) dialAddr {
	if isUnixNetwork(network) {
		return dialAddr{unix: true, port: -1}
	}
	d := dialAddr{host: address, port: -1}
	if h, p, err := net.SplitHostPort(address); err == nil {
		d.host = h
		if n, err := strconv.Atoi(p); err == nil {
			d.port = n
		} else if n, err := net.LookupPort(network, p); err == nil {
			// A service name, from the local services table, not the network.
			d.port = n
		}
	}
	if ip, err := netip.ParseAddr(d.host); err == nil {
		d.ip = ip.WithZone("").Unmap()
	}
	d.host = canonicalHost(d.host)
	return d
}

func isUnixNetwork(network string) bool {
	return network == "unix" || network == "unixgram" || network == "unixpacket"
}

// isLoopback reports whether the dial stays on this machine: a loopback
// IP, the local system (empty or unspecified host), or the name localhost
// where the machine resolves it to loopback from its hosts file (see
// localhostIsLoopback).
func (d *dialAddr) isLoopback() bool {
	if d.ip.IsValid() {
		return d.ip.IsLoopback() || d.ip.IsUnspecified()
	}
	if d.host == "localhost" {
		ok, _ := localhostIsLoopback()
		return ok
	}
	return d.host == ""
}

// The files that decide how the machine resolves localhost; variables so
// that tests can point them elsewhere.
var (
	hostsPath    = "/etc/hosts"
	nsswitchPath = "/etc/nsswitch.conf"
)

// localhostCheck caches localhostIsLoopback's answer for the files as they
// were when it was computed.
var localhostCheck struct {
	mu       sync.Mutex // guards the fields below
	hosts    fileStamp
	nsswitch fileStamp
	done     bool
	ok       bool
	why      string
}

// fileStamp identifies a version of a file cheaply: a changed file has a
// new modification time or size.
type fileStamp struct {
	exists bool
	mod    time.Time
	size   int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{exists: true, mod: fi.ModTime(), size: fi.Size()}
}

// localhostIsLoopback reports whether this machine resolves the name
// localhost to loopback addresses alone, without asking any nameserver,
// and if not, why. It reads the files the resolvers read (Go's own and the
// C library's) instead of looking the name up, so deciding costs no query:
// the hosts file must map localhost to loopback addresses only, and the
// hosts line of nsswitch.conf, where there is one, must list "files"
// before every source that may ask the network. The answer is kept until
// either file changes.
func localhostIsLoopback() (bool, string) {
	hosts, nss := stampOf(hostsPath), stampOf(nsswitchPath)
	c := &localhostCheck
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done || c.hosts != hosts || c.nsswitch != nss {
		c.ok, c.why = checkLocalhost()
		c.hosts, c.nsswitch, c.done = hosts, nss, true
	}
	return c.ok, c.why
}

func checkLocalhost() (bool, string) {
	if why := nsswitchAsksFirst(); why != "" {
		return false, why
	}
	data, err := os.ReadFile(hostsPath)
	if err != nil {
		return false, "the hosts file cannot be read (" + err.Error() + "), so resolving localhost would ask a nameserver"
	}
	var addrs []netip.Addr
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil {
			continue // as Go's resolver does with a line it cannot read
		}
		for _, name := range f[1:] {
			if canonicalHost(name) == "localhost" {
				addrs = append(addrs, ip.WithZone("").Unmap())
				break
			}
		}
	}
	if len(addrs) == 0 {
		return false, hostsPath + " does not map localhost, so resolving it would ask a nameserver"
	}
	for _, a := range addrs {
		if !a.IsLoopback() {
			return false, hostsPath + " maps localhost to " + a.String() + ", which is not a loopback address"
		}
	}
	return true, ""
}

// nsswitchAsksFirst returns why the hosts line of nsswitch.conf may have a
// lookup of localhost ask the network before reading the hosts file, or ""
// when it reads the file first (or there is no nsswitch.conf, where Go's
// resolver and the C libraries without one read the file first too).
func nsswitchAsksFirst() string {
	data, err := os.ReadFile(nsswitchPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ""
		}
		return nsswitchPath + " cannot be read (" + err.Error() + "), so the order in which localhost is resolved is unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "hosts:")
		if !ok {
			continue
		}
		for _, src := range strings.Fields(rest) {
			switch {
			case src == "files":
				return ""
			case strings.HasPrefix(src, "["):
				// An action such as [NOTFOUND=return]: not a source.
			case localNSSSources[src]:
			default:
				return nsswitchPath + " lists " + strconv.Quote(src) + " before \"files\" for hosts, so resolving localhost may ask the network first"
			}
		}
		return nsswitchPath + " does not list \"files\" for hosts, so resolving localhost may ask a nameserver"
	}
	return "" // no hosts line: Go's resolver reads the hosts file first
}

// localNSSSources are the name service sources that answer localhost, if
// at all, without sending a query off the machine: systemd's synthesized
// names, and multicast DNS, which only answers names under .local.
var localNSSSources = map[string]bool{
	"myhostname": true, "mymachines": true, "resolve": true,
	"mdns": true, "mdns4": true, "mdns6": true, "mdns_minimal": true, "mdns4_minimal": true, "mdns6_minimal": true,
}

func (r *dialRule) matches(d *dialAddr) bool {
	switch r.kind {
	case ruleAny:
		return true
	case ruleUnix:
		return d.unix
	}
	if d.unix {
		return false
	}
	switch r.kind {
	case ruleLoopback:
		return d.isLoopback()
	case rulePrefix:
		return d.ip.IsValid() && r.prefix.Contains(d.ip) && r.portMatches(d)
	case ruleHost:
		return (r.host == "*" || (!d.ip.IsValid() && r.host == d.host)) && r.portMatches(d)
	case ruleSuffix:
		return !d.ip.IsValid() && strings.HasSuffix(d.host, r.host) && r.portMatches(d)
	}
	return false
}

func (r *dialRule) portMatches(d *dialAddr) bool {
	return r.port < 0 || r.port == d.port
}

// loopbackLiteral reports, cheaply and without allocating, whether address
// is a loopback or unspecified IP literal with a port in its usual spelling,
// such as "127.0.0.1:8080", "[::1]:443" or ":80": the addresses httptest
// servers listen on. It may report false for other spellings of those
// addresses, and reports false for names such as "localhost:8080": the full
// check (dialAddr.isLoopback) decides those.
func loopbackLiteral(address string) bool {
	i := strings.LastIndexByte(address, ':')
	if i < 0 {
		return false
	}
	switch host := address[:i]; host {
	case "", "[::1]", "[::]", "0.0.0.0":
		return true
	default:
		return len(host) > 4 && host[:4] == "127." && isDecimalOctets(host[4:], 3)
	}
}

// isDecimalOctets reports whether s is n dot-separated decimal numbers
// from 0 to 255 without leading zeros, the way netip.ParseAddr reads the
// parts of an IPv4 address.
func isDecimalOctets(s string, n int) bool {
	parts, digits, val := 1, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if digits > 0 && val == 0 {
				return false // a leading zero
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return false
			}
		case c == '.' && digits > 0:
			parts++
			digits, val = 0, 0
		default:
			return false
		}
	}
	return parts == n && digits > 0
}
