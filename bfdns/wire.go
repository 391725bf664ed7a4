package bfdns

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// The in-process DNS server behind Resolver (and, in transparent mode,
// behind dials to port 53 inside a sandbox): connections that answer DNS
// messages from the script, as a name server would, without a socket.
//
// A lookup is several queries: the Go resolver asks for A and AAAA
// records at once (two connections, from two goroutines), retries a
// server that failed, and walks the search list ("db.corp.example."
// before "db."). The server ties the queries of one lookup together by
// the goroutine that made them: the resolver's query goroutines name,
// in their stack, the goroutine of the lookup that started them, which
// is new for each lookup. So one lookup takes one scripted answer and is
// recorded once, a name of the search list that is not scripted is
// answered "no such domain" without a failure, and an unscripted lookup
// fails once, when its last name is queried. A client that speaks DNS
// itself (github.com/miekg/dns) makes one lookup per query.

// Resolver returns a *net.Resolver whose lookups are answered from the
// script, for code that takes a resolver (a net.Dialer's Resolver, say):
// it prefers Go's resolver and dials the plugin's in-process server, so
// nothing reaches the network. As with any Go resolver, /etc/hosts is
// consulted first: a name the hosts file lists ("localhost") is answered
// from it, not from the script. Lookups outside the sandbox fail with
// *bigfoot.GuardedCallError.
func (p *Plugin) Resolver() *net.Resolver {
	p.resolverOnce.Do(func() {
		p.resolver = &net.Resolver{PreferGo: true, Dial: p.dial}
	})
	return p.resolver
}

func (p *Plugin) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !p.v.InSandbox() {
		id, _ := lookupID()
		st := p.state(id)
		err := &core.GuardedCallError{Plugin: "dns", Op: "lookup", Network: network, Address: address,
			Reason: "no sandbox is open; lookups are answered only inside " + core.CurrentNames().Verifier + ".Sandbox",
			Fix:    core.CurrentNames().Verifier + ".Sandbox(func() {\n\taddrs, err := " + acc() + ".Resolver().LookupHost(ctx, \"api.example.com\")\n\t// ...\n})"}
		p.wireMu.Lock()
		first := !st.reported[""]
		st.reported[""] = true
		p.wireMu.Unlock()
		if first {
			p.v.Report(err)
		}
		return nil, err
	}
	return p.newConn(network, address, true), nil
}

// lookupState is what the server knows of one lookup's queries. Its
// queries come from several goroutines at once (A and AAAA): mu
// serializes them, so that they take one answer between them. The
// fields are guarded by Plugin.wireMu, taken inside mu.
type lookupState struct {
	mu       sync.Mutex
	bound    *bound
	history  []string           // the names queried so far, before one was scripted (normalized, rooted)
	reported map[string]bool    // unmocked names already reported ("" for a lookup outside the sandbox)
	failed   map[string]failure // query (name, type) answered with a failure a resolver retries
}

// bound is the scripted answer a lookup took.
type bound struct {
	ent      *core.Entry
	name     string // normalized
	answered map[uint16]bool
}

// failure is an answer that is not records: a response code, or an error
// the connection returns instead of a response.
type failure struct {
	rcode int
	err   error
}

func (p *Plugin) state(id string) *lookupState {
	p.wireMu.Lock()
	defer p.wireMu.Unlock()
	st := p.states[id]
	if st == nil {
		st = &lookupState{reported: map[string]bool{}, failed: map[string]failure{}}
		p.states[id] = st
	}
	return st
}

// lookupID identifies the lookup the calling goroutine queries for, and
// reports whether Go's resolver makes it: the goroutine that started the
// resolver's query goroutine (goLookupIPCNAMEOrder asks A and AAAA from
// one goroutine each), else the calling goroutine.
func lookupID() (id string, viaResolver bool) {
	bp := stackBufs.Get().(*[]byte)
	defer stackBufs.Put(bp)
	buf := *bp
	for {
		n := runtime.Stack(buf, false)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
		*bp = buf
	}
	viaResolver = bytes.Contains(buf, []byte("\nnet.(*Resolver)."))
	if i := bytes.Index(buf, []byte("\ncreated by net.(*Resolver).goLookupIPCNAMEOrder")); i >= 0 {
		line := buf[i+1:]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		if k := bytes.LastIndex(line, []byte(" in goroutine ")); k >= 0 {
			return "g" + string(line[k+len(" in goroutine "):]), true
		}
	}
	// "goroutine 123 [running]:"
	f := bytes.Fields(buf[:min(len(buf), 64)])
	if len(f) >= 2 {
		return "g" + string(f[1]), viaResolver
	}
	return "g?", viaResolver
}

// stackBufs holds buffers for lookupID: a query goroutine's stack is a
// few kilobytes.
var stackBufs = sync.Pool{New: func() any { b := make([]byte, 4<<10); return &b }}

// kindsFor lists the kinds of scripted answer a query type can take.
func kindsFor(t uint16) []string {
	switch t {
	case typeA, typeAAAA:
		return []string{kindHost, kindCNAME}
	case typeCNAME:
		return []string{kindCNAME, kindHost}
	case typeMX:
		return []string{kindMX}
	case typeNS:
		return []string{kindNS}
	case typeTXT:
		return []string{kindTXT}
	case typeSRV:
		return []string{kindSRV}
	case typePTR:
		return []string{kindAddr}
	}
	return nil
}

// handle answers one query of lookup id: the response, or the error the
// connection returns instead.
func (p *Plugin) handle(id string, viaResolver bool, req *message) ([]byte, error) {
	resp := &message{ID: req.ID, Flags: flagResponse | req.Flags&(0xf<<11) | req.Flags&flagRecursionDes | flagRecursionAv, Questions: req.Questions}
	if len(req.Questions) != 1 || req.Flags&flagResponse != 0 {
		resp.Flags |= rcodeFormErr
		return resp.pack()
	}
	q := req.Questions[0]
	qn := normalize(q.Name)
	name := strings.TrimSuffix(q.Name, ".") // as the query wrote it
	kinds := kindsFor(q.Type)
	if q.Class != classINET || kinds == nil {
		return nil, p.reportOnce(id, qn, unmockedErr(kindHost, name, "", "",
			"the query asks for a record of type "+strconv.Itoa(int(q.Type))+" in class "+strconv.Itoa(int(q.Class))+
				"; bfdns answers A, AAAA, CNAME, MX, NS, TXT, SRV and PTR queries of class IN"))
	}
	lookupName := name
	if q.Type == typePTR {
		ip, ok := arpaAddr(qn)
		if !ok {
			return nil, p.reportOnce(id, qn, unmockedErr(kindAddr, name, "", "", "the PTR query's name is not a reverse name (in-addr.arpa or ip6.arpa)"))
		}
		lookupName = ip.String()
	}
	st := p.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	qkey := qn + "\x00" + strconv.Itoa(int(q.Type))

	p.wireMu.Lock()
	if f, ok := st.failed[qkey]; ok { // a resolver retrying
		p.wireMu.Unlock()
		return p.fail(resp, f)
	}
	// A query of Go's resolver that completes the lookup its goroutine
	// is making (AAAA after A) shares its answer; a client of its own
	// makes one lookup per query.
	b := st.bound
	if viaResolver && b != nil && b.name == normalize(lookupName) && !b.answered[q.Type] && kindFits(b.ent, q.Type) {
		b.answered[q.Type] = true
		p.wireMu.Unlock()
		return p.render(st, qkey, resp, q, b.ent)
	}
	st.bound = nil
	p.wireMu.Unlock()

	for _, kind := range kinds {
		pq := &query{kind: kind, name: lookupName}
		ent, _, err := p.take(kind, []string{lookupName}, pq)
		if err != nil {
			p.v.Report(err)
			return nil, err
		}
		if ent == nil {
			continue
		}
		p.wireMu.Lock()
		st.bound = &bound{ent: ent, name: normalize(lookupName), answered: map[uint16]bool{q.Type: true}}
		st.history = nil
		p.wireMu.Unlock()
		return p.render(st, qkey, resp, q, ent)
	}

	// Not scripted. A name of the search list with others after it is
	// not found, quietly; the lookup's last name fails as unmocked.
	kind := kinds[0]
	if q.Type == typeA || q.Type == typeAAAA {
		kind = kindHost
	}
	service, proto, domain := "", "", lookupName
	if kind == kindSRV {
		service, proto, domain = splitSRV(name)
	}
	if viaResolver && kind != kindAddr {
		p.wireMu.Lock()
		if len(st.history) == 0 || st.history[len(st.history)-1] != rooted(qn) {
			st.history = append(st.history, rooted(qn))
		}
		host, more := searchProgress(st.history)
		p.wireMu.Unlock()
		if more {
			resp.Flags |= flagAuthoritative | rcodeNXDomain
			return resp.pack()
		}
		if kind != kindSRV {
			domain = host
		}
	}
	err := p.unmocked(kind, domain, service, proto, "no scripted answer is left for this name")
	p.wireMu.Lock()
	st.failed[qkey] = failure{err: err}
	p.wireMu.Unlock()
	return nil, p.reportOnce(id, normalize(domain), err)
}

// kindFits reports whether a bound entry answers a query of type t.
func kindFits(ent *core.Entry, t uint16) bool {
	sc := ent.Returns.(*scripted)
	for _, k := range kindsFor(t) {
		if k == sc.kind {
			return true
		}
	}
	return false
}

// reportOnce reports err for a lookup's name once, and returns it.
func (p *Plugin) reportOnce(id, name string, err error) error {
	st := p.state(id)
	p.wireMu.Lock()
	first := !st.reported[name]
	st.reported[name] = true
	p.wireMu.Unlock()
	if first {
		p.v.Report(err)
	}
	return err
}

// searchProgress finds, from the names a lookup queried so far, the name
// it looks up (the search list applied), and whether names are left to
// query after the last one.
func searchProgress(history []string) (host string, more bool) {
	conf := systemConf()
	first := history[0]
	cands := []string{strings.TrimSuffix(first, ".")}
	for _, s := range conf.search {
		if strings.HasSuffix(first, "."+s) {
			cands = append(cands, strings.TrimSuffix(first, "."+s))
		}
	}
	host = strings.TrimSuffix(history[len(history)-1], ".")
	found := false
	for _, h := range cands {
		list := conf.nameList(h)
		if len(list) < len(history) {
			continue
		}
		match := true
		for i := range history {
			if normalize(list[i]) != normalize(history[i]) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		if len(list) > len(history) {
			return h, true
		}
		if !found {
			host, found = h, true
		}
	}
	return host, false
}

// render answers q from ent, a scripted answer or a Raises error.
func (p *Plugin) render(st *lookupState, qkey string, resp *message, q question, ent *core.Entry) ([]byte, error) {
	if ent.Err != nil {
		f := failureOf(ent.Err)
		if f.rcode != rcodeNXDomain {
			p.wireMu.Lock()
			st.failed[qkey] = f
			p.wireMu.Unlock()
		}
		return p.fail(resp, f)
	}
	sc := ent.Returns.(*scripted)
	rr := func(t uint16) resource { return resource{Name: q.Name, Type: t, Class: classINET, TTL: 60} }
	resp.Flags |= flagAuthoritative
	switch {
	case sc.kind == kindCNAME:
		r := rr(typeCNAME)
		r.Target = sc.cname
		resp.Answers = append(resp.Answers, r)
	case q.Type == typeCNAME: // a host entry asked for its CNAME: it has none
	case q.Type == typeA || q.Type == typeAAAA:
		for _, a := range sc.addrs {
			if a.Is4() == (q.Type == typeA) {
				r := rr(q.Type)
				r.IP = a
				resp.Answers = append(resp.Answers, r)
			}
		}
	case q.Type == typeMX:
		for _, m := range sc.mx {
			r := rr(typeMX)
			r.Target, r.Pref = m.Host, m.Pref
			resp.Answers = append(resp.Answers, r)
		}
	case q.Type == typeNS:
		for _, n := range sc.ns {
			r := rr(typeNS)
			r.Target = n.Host
			resp.Answers = append(resp.Answers, r)
		}
	case q.Type == typeTXT:
		for _, t := range sc.txt {
			r := rr(typeTXT)
			r.TXT = []string{t}
			resp.Answers = append(resp.Answers, r)
		}
	case q.Type == typeSRV:
		for _, s := range sc.srv {
			r := rr(typeSRV)
			r.Target, r.Port, r.Priority, r.Weight = s.Target, s.Port, s.Priority, s.Weight
			resp.Answers = append(resp.Answers, r)
		}
	case q.Type == typePTR:
		for _, n := range sc.names {
			r := rr(typePTR)
			r.Target = n
			resp.Answers = append(resp.Answers, r)
		}
	}
	return resp.pack()
}

// failureOf maps a scripted error to what a name server does: not found
// is NXDOMAIN, a timeout is no answer (the connection's read times out),
// anything else a server failure.
func failureOf(err error) failure {
	var de *net.DNSError
	if errors.As(err, &de) {
		switch {
		case de.IsNotFound:
			return failure{rcode: rcodeNXDomain}
		case de.IsTimeout:
			return failure{err: timeoutError{}}
		}
	}
	return failure{rcode: rcodeServFail}
}

func (p *Plugin) fail(resp *message, f failure) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	resp.Flags |= uint16(f.rcode)
	if f.rcode == rcodeNXDomain {
		resp.Flags |= flagAuthoritative
	}
	return resp.pack()
}

// timeoutError is the error of a read that a scripted timeout ends.
type timeoutError struct{}

// Error says what a timed-out read says.
func (timeoutError) Error() string { return "i/o timeout" }

// Timeout reports true, as for a read past its deadline.
func (timeoutError) Timeout() bool { return true }

// Temporary reports true: a resolver retries a timeout.
func (timeoutError) Temporary() bool { return true }

// Unwrap makes errors.Is(err, os.ErrDeadlineExceeded) hold, as for a net.Conn.
func (timeoutError) Unwrap() error { return os.ErrDeadlineExceeded }

// arpaAddr parses a reverse name (normalized) into its address.
func arpaAddr(name string) (netip.Addr, bool) {
	if rest, ok := strings.CutSuffix(name, ".in-addr.arpa"); ok {
		parts := strings.Split(rest, ".")
		if len(parts) != 4 {
			return netip.Addr{}, false
		}
		var b [4]byte
		for i, s := range parts {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 255 {
				return netip.Addr{}, false
			}
			b[3-i] = byte(n)
		}
		return netip.AddrFrom4(b), true
	}
	if rest, ok := strings.CutSuffix(name, ".ip6.arpa"); ok {
		parts := strings.Split(rest, ".")
		if len(parts) != 32 {
			return netip.Addr{}, false
		}
		var b [16]byte
		for i, s := range parts {
			n, err := strconv.ParseUint(s, 16, 8)
			if err != nil || len(s) != 1 {
				return netip.Addr{}, false
			}
			j := 31 - i
			if j%2 == 0 {
				b[j/2] |= byte(n) << 4
			} else {
				b[j/2] |= byte(n)
			}
		}
		return netip.AddrFrom16(b), true
	}
	return netip.Addr{}, false
}

// ---------------------------------------------------------------------------
// Connections

// newConn returns a connection to the in-process server for network
// (udp or tcp) and the server address the client dialed. Its lookup is
// identified now: the dial is made by the goroutine that queries.
func (p *Plugin) newConn(network, address string, fromResolver bool) net.Conn {
	id, via := lookupID()
	c := &conn{p: p, id: id, viaResolver: via && fromResolver, remote: serverAddr(network, address), wake: make(chan struct{}, 1)}
	if strings.HasPrefix(network, "tcp") {
		return &streamConn{c}
	}
	return &packetConn{c}
}

func serverAddr(network, address string) net.Addr {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		ap = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53)
	}
	if strings.HasPrefix(network, "tcp") {
		return net.TCPAddrFromAddrPort(ap)
	}
	return net.UDPAddrFromAddrPort(ap)
}

var localAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53053}

// conn is the part both kinds of connection share: responses queued by
// Write, taken by Read.
type conn struct {
	p           *Plugin
	id          string
	viaResolver bool
	remote      net.Addr

	// mu guards the fields below.
	mu       sync.Mutex
	pending  [][]byte // responses not yet read (UDP: one per Read)
	stream   []byte   // TCP: bytes written, not yet a whole message
	out      []byte   // TCP: the rest of a framed response a short Read left
	readErr  error    // returned by the next Read instead of a response
	closed   bool
	deadline time.Time
	wake     chan struct{} // signalled when a response arrives or the conn closes
}

func (c *conn) serve(msg []byte) {
	var resp []byte
	var err error
	req, perr := parseMessage(msg)
	if perr != nil {
		// A malformed query: answer FORMERR if it has an ID at all.
		if len(msg) >= 2 {
			resp, _ = (&message{ID: binary.BigEndian.Uint16(msg), Flags: flagResponse | rcodeFormErr}).pack()
		}
	} else {
		resp, err = c.p.handle(c.id, c.viaResolver, req)
	}
	c.mu.Lock()
	if err != nil {
		c.readErr = err
	} else if resp != nil {
		c.pending = append(c.pending, resp)
	}
	c.mu.Unlock()
	c.signal()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// next waits for a response (or error), honouring the deadline.
func (c *conn) next() ([]byte, error) {
	for {
		c.mu.Lock()
		switch {
		case c.closed:
			c.mu.Unlock()
			return nil, net.ErrClosed
		case c.readErr != nil:
			err := c.readErr
			c.readErr = nil
			c.mu.Unlock()
			return nil, err
		case len(c.pending) > 0:
			r := c.pending[0]
			c.pending = c.pending[1:]
			c.mu.Unlock()
			return r, nil
		}
		d := c.deadline
		c.mu.Unlock()
		var timeout <-chan time.Time
		if !d.IsZero() {
			wait := time.Until(d)
			if wait <= 0 {
				return nil, timeoutError{}
			}
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-c.wake:
		case <-timeout:
			return nil, timeoutError{}
		}
	}
}

// Close ends the connection; a waiting Read returns net.ErrClosed.
func (c *conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.signal()
	return nil
}

// LocalAddr returns a loopback address: nothing is bound.
func (c *conn) LocalAddr() net.Addr { return localAddr }

// RemoteAddr returns the name server address the client dialed.
func (c *conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline bounds the wait of Read (writes never wait).
func (c *conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	c.signal()
	return nil
}

// SetReadDeadline is SetDeadline.
func (c *conn) SetReadDeadline(t time.Time) error { return c.SetDeadline(t) }

// SetWriteDeadline does nothing: a write is answered at once.
func (c *conn) SetWriteDeadline(time.Time) error { return nil }

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// packetConn is a UDP connection: one message per Write and per Read
// (RFC 1035 4.2.1); it is a net.PacketConn, which is how net's resolver
// and miekg/dns tell.
type packetConn struct{ *conn }

// Write sends one query, which the server answers at once.
func (c *packetConn) Write(b []byte) (int, error) {
	if c.isClosed() {
		return 0, net.ErrClosed
	}
	c.serve(append([]byte(nil), b...))
	return len(b), nil
}

// Read returns one response.
func (c *packetConn) Read(b []byte) (int, error) {
	r, err := c.next()
	if err != nil {
		return 0, err
	}
	return copy(b, r), nil // a datagram longer than b is cut, as UDP does
}

// ReadFrom is Read, from the server dialed.
func (c *packetConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.Read(b)
	return n, c.remote, err
}

// WriteTo is Write: the connection has one server.
func (c *packetConn) WriteTo(b []byte, _ net.Addr) (int, error) { return c.Write(b) }

// streamConn is a TCP connection: messages with a two-byte length
// prefix (RFC 7766).
type streamConn struct{ *conn }

// Write takes length-prefixed queries, in as many writes as the client makes.
func (c *streamConn) Write(b []byte) (int, error) {
	if c.isClosed() {
		return 0, net.ErrClosed
	}
	c.mu.Lock()
	c.stream = append(c.stream, b...)
	var msgs [][]byte
	for len(c.stream) >= 2 {
		n := int(binary.BigEndian.Uint16(c.stream))
		if len(c.stream) < 2+n {
			break
		}
		msgs = append(msgs, append([]byte(nil), c.stream[2:2+n]...))
		c.stream = c.stream[2+n:]
	}
	c.mu.Unlock()
	for _, m := range msgs {
		c.serve(m)
	}
	return len(b), nil
}

// Read returns the length-prefixed responses, in as many reads as b needs.
func (c *streamConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.out) > 0 {
		n := copy(b, c.out)
		c.out = c.out[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	r, err := c.next()
	if err != nil {
		return 0, err
	}
	framed := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(r)), uint16(len(r)))
	framed = append(framed, r...)
	n := copy(b, framed)
	c.mu.Lock()
	c.out = append(c.out, framed[n:]...)
	c.mu.Unlock()
	return n, nil
}
