package bfredis

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

func typeOf(a any) string { return fmt.Sprintf("%T", a) }

func joinErrors(errs []error) error { return errors.Join(errs...) }

// conn is one client connection and the server side of it: Write decodes
// commands and queues their replies at once, Read returns them. Nothing
// runs in the background.
type conn struct {
	p      *Plugin
	id     int64
	remote net.Addr
	addr   string // as the client dialed it

	// wmu serializes Writes, so that commands are served in the order the
	// client's bytes arrived; it guards the fields up to mu.
	wmu        sync.Mutex
	in         []byte // bytes received, not yet a whole command
	resp3      bool
	ident      identity
	announced  bool // the connect of ident is on the timeline (or was by another connection)
	commands   int  // commands served, handshake excluded
	multi      bool // inside MULTI
	multiDirty bool // a command queued in MULTI was refused: EXEC aborts
	queued     []any
	subs       map[string]bool // channels and patterns subscribed to

	// mu guards the fields below.
	mu         sync.Mutex
	out        []byte // replies not yet read
	closed     bool   // by the client
	serverDone bool   // by the server (QUIT, a protocol error, the test's end): Read returns io.EOF once out is drained
	deadline   time.Time
	wdeadline  time.Time
	wake       chan struct{} // signalled when out grows or the state changes
}

var localAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50379}

func (p *Plugin) newConn(network, addr string) *conn {
	p.mu.Lock()
	p.nextID++
	c := &conn{p: p, id: p.nextID, addr: addr, wake: make(chan struct{}, 1), subs: map[string]bool{}}
	p.dialed++
	p.conns[c] = true
	p.mu.Unlock()
	c.ident = identity{addr: addr, user: "default"}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		ap = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 6379)
	}
	c.remote = net.TCPAddrFromAddrPort(ap)
	return c
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Write serves every whole command in b (and earlier partial writes).
// It never blocks: replies are queued for Read.
func (c *conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	closed, done, wd := c.closed, c.serverDone, c.wdeadline
	c.mu.Unlock()
	switch {
	case closed:
		return 0, &net.OpError{Op: "write", Net: "tcp", Source: localAddr, Addr: c.remote, Err: net.ErrClosed}
	case done:
		return 0, &net.OpError{Op: "write", Net: "tcp", Source: localAddr, Addr: c.remote, Err: errors.New("broken pipe")}
	case !wd.IsZero() && !time.Now().Before(wd):
		return 0, &net.OpError{Op: "write", Net: "tcp", Source: localAddr, Addr: c.remote, Err: os.ErrDeadlineExceeded}
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.in = append(c.in, b...)
	w := writer{resp3: c.resp3}
	quit := false
	for len(c.in) > 0 && !quit {
		args, n, err := parseCommand(c.in)
		if err != nil {
			w.errorReply("ERR Protocol error: " + err.(*ProtocolError).Reason)
			c.p.v.Report(err)
			c.in = nil
			quit = true
			break
		}
		if n == 0 {
			break
		}
		c.in = c.in[n:]
		if len(args) == 0 {
			continue
		}
		quit = c.serve(&w, args)
	}
	if len(c.in) == 0 {
		c.in = nil // let a large command's buffer go
	}
	c.mu.Lock()
	c.out = append(c.out, w.b...)
	if quit {
		c.serverDone = true
	}
	c.mu.Unlock()
	c.signal()
	return len(b), nil
}

// Read returns queued replies, waiting for them until the read deadline;
// after the server closed (QUIT, the test's end) it returns io.EOF.
func (c *conn) Read(b []byte) (int, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		c.mu.Lock()
		switch {
		case c.closed:
			c.mu.Unlock()
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: localAddr, Addr: c.remote, Err: net.ErrClosed}
		case len(c.out) > 0:
			n := copy(b, c.out)
			c.out = c.out[n:]
			if len(c.out) == 0 {
				c.out = nil
			}
			c.mu.Unlock()
			return n, nil
		case c.serverDone:
			c.mu.Unlock()
			return 0, io.EOF
		}
		d := c.deadline
		c.mu.Unlock()
		var timeout <-chan time.Time
		if !d.IsZero() {
			wait := time.Until(d)
			if wait <= 0 {
				return 0, &net.OpError{Op: "read", Net: "tcp", Source: localAddr, Addr: c.remote, Err: os.ErrDeadlineExceeded}
			}
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			timeout = timer.C
		}
		select {
		case <-c.wake:
		case <-timeout:
		}
	}
}

// Close closes the client's end; a Read waiting returns net.ErrClosed.
func (c *conn) Close() error {
	c.mu.Lock()
	was := c.closed
	c.closed = true
	c.mu.Unlock()
	c.signal()
	c.p.mu.Lock()
	delete(c.p.conns, c)
	c.p.mu.Unlock()
	if was {
		return &net.OpError{Op: "close", Net: "tcp", Source: localAddr, Addr: c.remote, Err: net.ErrClosed}
	}
	return nil
}

// serverClose ends the connection from the server's side: reads return
// io.EOF once the replies are read.
func (c *conn) serverClose() {
	c.mu.Lock()
	c.serverDone = true
	c.mu.Unlock()
	c.signal()
}

// LocalAddr returns a loopback address: nothing is bound.
func (c *conn) LocalAddr() net.Addr { return localAddr }

// RemoteAddr returns the address the client dialed.
func (c *conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets both deadlines.
func (c *conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline, c.wdeadline = t, t
	c.mu.Unlock()
	c.signal()
	return nil
}

// SetReadDeadline bounds the wait of Read.
func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	c.signal()
	return nil
}

// SetWriteDeadline makes Writes fail once t has passed (a Write never waits).
func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.wdeadline = t
	c.mu.Unlock()
	return nil
}

// serve answers one command into w and reports whether the server closes
// the connection after it (QUIT). Called with c.wmu held.
func (c *conn) serve(w *writer, args []string) (quit bool) {
	name := strings.ToUpper(args[0])
	rest := args[1:]
	if len(rest) == 0 {
		rest = nil
	}
	cmd := &command{name: name, args: rest}
	if !c.multi && c.handshake(w, cmd) {
		return false // answered outside sandboxes too: a client's close or keep-alive PING is no interaction
	}
	if !c.p.v.InSandbox() {
		// Connections are made inside sandboxes only: this one outlived its sandbox.
		err := &core.PostSandboxInteractionError{Plugin: "redis", Call: "command " + protocolText(name, rest), Test: c.p.v.Name(), Site: core.CallSite()}
		c.p.v.Report(err)
		w.errorReply("ERR bigfoot: " + protocolText(name, rest) + " sent after the sandbox closed")
		return false
	}
	switch name {
	case "QUIT":
		w.status("OK")
		return true
	case "MULTI":
		if c.multi {
			w.errorReply("ERR MULTI calls can not be nested")
			return false
		}
		c.recordAuto(cmd)
		c.multi, c.multiDirty, c.queued = true, false, nil
		w.status("OK")
		return false
	case "DISCARD":
		if !c.multi {
			w.errorReply("ERR DISCARD without MULTI")
			return false
		}
		c.recordAuto(cmd)
		c.multi, c.queued = false, nil
		w.status("OK")
		return false
	case "EXEC":
		if !c.multi {
			w.errorReply("ERR EXEC without MULTI")
			return false
		}
		c.exec(w, cmd)
		return false
	}
	if c.multi {
		if name == "WATCH" {
			w.errorReply("ERR WATCH inside MULTI is not allowed")
			return false
		}
		reply, ok := c.take(cmd)
		if !ok {
			c.multiDirty = true
			w.errorReply(reply.(Error).Error())
			return false
		}
		c.queued = append(c.queued, reply)
		w.status("QUEUED")
		return false
	}
	if len(c.subs) > 0 && !c.resp3 && !subscribeCommand(name) && name != "UNSUBSCRIBE" && name != "PUNSUBSCRIBE" && name != "SUNSUBSCRIBE" && name != "PING" && name != "RESET" {
		w.errorReply("ERR Can't execute '" + strings.ToLower(name) + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
		return false
	}
	reply, ok := c.take(cmd)
	if !ok {
		w.errorReply(reply.(Error).Error())
		return false
	}
	c.commands++
	c.write(w, cmd, reply)
	return false
}

// write writes a command's reply, the pub/sub ones included.
func (c *conn) write(w *writer, cmd *command, reply any) {
	switch cmd.name {
	case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE":
		if e, ok := reply.(Error); ok {
			w.errorReply(string(e))
			return
		}
		kind := strings.ToLower(cmd.name)
		for _, ch := range cmd.args {
			c.subs[kind+"\x00"+ch] = true
			w.push(kind, ch, len(c.subs))
		}
		if sub, ok := reply.(Subscription); ok {
			for _, m := range sub.msgs {
				switch {
				case m.Pattern != "":
					w.push("pmessage", m.Pattern, m.Channel, m.Payload)
				case cmd.name == "SSUBSCRIBE":
					w.push("smessage", m.Channel, m.Payload)
				default:
					w.push("message", m.Channel, m.Payload)
				}
			}
		}
		return
	case "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE":
		if reply != nil {
			w.value(reply)
			return
		}
		kind := strings.Replace(strings.ToLower(cmd.name), "unsubscribe", "subscribe", 1)
		chans := cmd.args
		if len(chans) == 0 {
			for k := range c.subs {
				if kk, ch, _ := strings.Cut(k, "\x00"); kk == kind {
					chans = append(chans, ch)
				}
			}
		}
		if len(chans) == 0 {
			w.push(strings.ToLower(cmd.name), nil, 0)
			return
		}
		for _, ch := range chans {
			delete(c.subs, kind+"\x00"+ch)
			w.push(strings.ToLower(cmd.name), ch, len(c.subs))
		}
		return
	case "PING":
		if len(c.subs) > 0 && !c.resp3 {
			if s, ok := reply.(Status); ok && s == "PONG" {
				reply = ""
			}
			w.push("pong", reply)
			return
		}
	}
	w.value(reply)
}

// take answers a command from the script, recording it (after the
// connect it is sent as, the first time). ok is false when no scripted
// reply matches: the failure is reported and reply is the error reply the
// client gets.
func (c *conn) take(cmd *command) (reply any, ok bool) {
	c.announce()
	ent, err := c.p.q.Take(commandKey(cmd.name, cmd.args), cmd, func(*core.Entry) error {
		c.p.v.Record(Command, core.String(cmd.name), core.ValueOf(Args(cmd.args)))
		return nil
	})
	if err == nil && ent == nil {
		err = c.p.unexpected(c, cmd)
	}
	if err != nil {
		c.p.v.Report(err)
		return Error("ERR bigfoot: " + firstLine(err.Error())), false
	}
	if ent.Err != nil {
		var re Error
		if errors.As(ent.Err, &re) {
			return re, true
		}
		return Error(errorText(ent.Err)), true
	}
	return ent.Returns.(*scripted).reply, true
}

func firstLine(s string) string {
	s = strings.TrimPrefix(s, "bigfoot: ")
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// recordAuto records a command the plugin answers itself (MULTI, EXEC,
// DISCARD).
func (c *conn) recordAuto(cmd *command) {
	c.announce()
	c.p.v.Record(Command, core.String(cmd.name), core.ValueOf(Args(cmd.args)))
}

// announce records the connect interaction before the first command sent
// as the connection's identity, once per identity and verifier.
func (c *conn) announce() {
	if c.announced {
		return
	}
	c.announced = true
	p := c.p
	p.mu.Lock()
	fresh := !p.seen[c.ident]
	p.seen[c.ident] = true
	p.mu.Unlock()
	if fresh {
		p.v.Record(Connect, core.String(c.ident.addr), core.String(c.ident.user), core.Int(c.ident.db))
	}
}

// exec answers EXEC: a scripted EXEC if the test wrote one (bfredis.NilArray
// for a WATCH that failed), else the replies of the queued commands.
func (c *conn) exec(w *writer, cmd *command) {
	queued, dirty := c.queued, c.multiDirty
	c.multi, c.multiDirty, c.queued = false, false, nil
	c.announce()
	ent, err := c.p.q.Take(commandKey(cmd.name, cmd.args), cmd, func(*core.Entry) error {
		c.p.v.Record(Command, core.String(cmd.name), core.ValueOf(Args(cmd.args)))
		return nil
	})
	switch {
	case err != nil:
		c.p.v.Report(err)
		w.errorReply("ERR bigfoot: " + firstLine(err.Error()))
	case ent != nil && ent.Err != nil:
		w.errorReply(errorText(ent.Err))
	case ent != nil:
		w.value(ent.Returns.(*scripted).reply)
	default:
		c.p.v.Record(Command, core.String(cmd.name), core.ValueOf(Args(cmd.args)))
		if dirty {
			w.errorReply("EXECABORT Transaction discarded because of previous errors.")
			return
		}
		w.header('*', len(queued))
		for _, r := range queued {
			w.value(r)
		}
	}
}

// handshake answers the commands with which clients set a connection up,
// unless the test scripted them: HELLO, AUTH, SELECT, CLIENT SETINFO,
// SETNAME, MAINT_NOTIFICATIONS and TRACKING, READONLY, and a PING sent
// before any other command. It reports whether it answered.
func (c *conn) handshake(w *writer, cmd *command) bool {
	sub := ""
	if len(cmd.args) > 0 {
		sub = strings.ToUpper(cmd.args[0])
	}
	switch {
	case cmd.name == "HELLO", cmd.name == "AUTH", cmd.name == "SELECT", cmd.name == "READONLY",
		cmd.name == "CLIENT" && (sub == "SETINFO" || sub == "SETNAME" || sub == "MAINT_NOTIFICATIONS" || sub == "TRACKING"),
		cmd.name == "CLUSTER" && (sub == "SLOTS" || sub == "SHARDS" || sub == "NODES" || sub == "INFO" || sub == "MYID"),
		cmd.name == "COMMAND" && (sub == "" || sub == "INFO" || sub == "DOCS" || sub == "COUNT"),
		cmd.name == "PING":
	default:
		return false
	}
	if c.p.scripted(cmd) {
		return false // the test scripted it: a command like any other
	}
	switch cmd.name {
	case "HELLO":
		c.hello(w, cmd.args)
	case "AUTH":
		switch len(cmd.args) {
		case 1:
			c.setIdent(identity{addr: c.ident.addr, user: "default", db: c.ident.db})
		case 2:
			c.setIdent(identity{addr: c.ident.addr, user: cmd.args[0], db: c.ident.db})
		default:
			w.errorReply("ERR wrong number of arguments for 'auth' command")
			return true
		}
		w.status("OK")
	case "SELECT":
		db, err := strconv.Atoi(strings.TrimSpace(first(cmd.args)))
		if len(cmd.args) != 1 || err != nil || db < 0 {
			w.errorReply("ERR value is not an integer or out of range")
			return true
		}
		c.setIdent(identity{addr: c.ident.addr, user: c.ident.user, db: db})
		w.status("OK")
	case "CLUSTER":
		c.cluster(w, sub)
	case "COMMAND":
		// Client introspection (go-redis's ClusterClient asks for key
		// positions): no command table, so clients use their defaults.
		if sub == "COUNT" {
			w.integer(0)
		} else {
			w.header('*', 0)
		}
	case "PING":
		switch {
		case len(c.subs) > 0 && !c.resp3: // a RESP2 subscriber's PING is answered as a message
			w.push("pong", first(cmd.args))
		case len(cmd.args) > 0:
			w.bulk(cmd.args[0])
		default:
			w.status("PONG")
		}
	default:
		w.status("OK")
	}
	return true
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func (c *conn) setIdent(id identity) {
	if id != c.ident {
		c.ident = id
		c.announced = false
	}
}

// hello answers HELLO [protover [AUTH user pass] [SETNAME name]].
func (c *conn) hello(w *writer, args []string) {
	if len(args) > 0 {
		v, err := strconv.Atoi(args[0])
		if err != nil {
			w.errorReply("ERR Protocol version is not an integer or out of range")
			return
		}
		if v != 2 && v != 3 {
			w.errorReply("NOPROTO unsupported protocol version")
			return
		}
		for i := 1; i < len(args); i++ {
			switch strings.ToUpper(args[i]) {
			case "AUTH":
				if i+2 >= len(args) {
					w.errorReply("ERR Syntax error in HELLO option 'auth'")
					return
				}
				c.setIdent(identity{addr: c.ident.addr, user: args[i+1], db: c.ident.db})
				i += 2
			case "SETNAME":
				if i+1 >= len(args) {
					w.errorReply("ERR Syntax error in HELLO option 'setname'")
					return
				}
				i++
			default:
				w.errorReply("ERR Syntax error in HELLO option '" + args[i] + "'")
				return
			}
		}
		c.resp3 = v == 3
		w.resp3 = c.resp3
	}
	proto := 2
	if c.resp3 {
		proto = 3
	}
	w.value(map[string]any{
		"server": "redis", "version": "7.4.0", "proto": proto, "id": int(c.id),
		"mode": "standalone", "role": "master", "modules": []any{},
	})
}

// scripted reports whether the test scripted cmd (the key is exact: a
// handshake command scripted with matchers is not looked for).
func (p *Plugin) scripted(cmd *command) bool {
	p.mu.Lock()
	none := p.handshakeScripts == 0
	p.mu.Unlock()
	if none {
		return false // the common case, without a look at the script
	}
	for _, e := range pendingAll(p.q) {
		if sc, ok := e.Returns.(*scripted); ok && sc.name == cmd.name && (e.Match != nil && e.Match(cmd) || e.Key == commandKey(cmd.name, cmd.args)) {
			return true
		}
	}
	return false
}

// unexpected builds the failure of a command no scripted reply matches.
func (p *Plugin) unexpected(c *conn, cmd *command) error {
	text := protocolText(cmd.name, cmd.args)
	reason := "no scripted reply is left for this command"
	pending, more := p.q.Pending(5)
	var same []string
	for _, e := range pending {
		if sc, ok := e.Returns.(*scripted); ok && sc.name == cmd.name {
			same = append(same, sc.text()+" (at "+e.Site()+")")
		}
	}
	switch {
	case len(same) > 0:
		reason += "; scripted and not yet taken for " + cmd.name + ": " + strings.Join(same, ", ")
	case len(pending) > 0:
		var all []string
		for _, e := range pending {
			if sc, ok := e.Returns.(*scripted); ok {
				all = append(all, sc.text())
			}
		}
		reason += "; scripted and not yet taken: " + strings.Join(all, ", ")
		if more > 0 {
			reason += " and " + strconv.Itoa(more) + " more"
		}
	}
	return &core.UnmockedInteractionError{Plugin: "redis", Step: cmd.name,
		Call:   "unexpected command " + text + " on " + c.addr + " (db " + strconv.Itoa(c.ident.db) + ")",
		Reason: reason,
		Fix:    accessor() + ".Expect(" + goArgs(cmd.name, cmd.args) + ").Reply(" + exampleReply(cmd.name) + ")"}
}

// exampleReply is a reply that fits a command, for fixes.
func exampleReply(name string) string {
	switch name {
	case "SET", "MSET", "FLUSHDB", "FLUSHALL", "RENAME", "SELECT", "WATCH", "UNWATCH", "LSET", "LTRIM":
		return "bfredis.OK"
	case "INCR", "DECR", "INCRBY", "DECRBY", "DEL", "EXISTS", "EXPIRE", "PEXPIRE", "TTL", "PTTL", "LPUSH", "RPUSH",
		"SADD", "SREM", "HSET", "HDEL", "ZADD", "PUBLISH", "LLEN", "SCARD", "HLEN", "ZCARD", "UNLINK", "SETNX", "HSETNX":
		return "1"
	case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE":
		return `bfredis.Messages(bfredis.Message{Channel: "channel", Payload: "message"})`
	case "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE":
		return "nil"
	case "PING":
		return `bfredis.Status("PONG")`
	case "MGET", "LRANGE", "KEYS", "SMEMBERS", "HKEYS", "HVALS", "ZRANGE":
		return `[]any{"value"}`
	case "HGETALL":
		return `map[string]any{"field": "value"}`
	}
	return `"value"`
}

func pendingAll(q *core.Queue) []*core.Entry {
	all, _ := q.Pending(1 << 30)
	return all
}

// cluster answers a cluster client's topology query: as a standalone
// server does, unless the test made the plugin a cluster (Cluster), which
// is then one node, the address dialed, owning every slot.
func (c *conn) cluster(w *writer, sub string) {
	c.p.mu.Lock()
	on := c.p.clusterMode
	c.p.mu.Unlock()
	if !on {
		w.errorReply("ERR This instance has cluster support disabled")
		return
	}
	host, portText, err := net.SplitHostPort(c.addr)
	if err != nil {
		host, portText = "127.0.0.1", "6379"
	}
	port, _ := strconv.Atoi(portText)
	const nodeID = "bf0000000000000000000000000000000000redis"
	switch sub {
	case "SLOTS":
		w.value([]any{[]any{0, 16383, []any{host, port, nodeID}}})
	case "SHARDS":
		w.value([]any{map[string]any{
			"slots": []any{0, 16383},
			"nodes": []any{map[string]any{"id": nodeID, "port": port, "ip": host, "endpoint": host, "role": "master",
				"replication-offset": 0, "health": "online"}},
		}})
	case "NODES":
		w.bulk(nodeID + " " + host + ":" + portText + "@1" + portText + " myself,master - 0 0 1 connected 0-16383\n")
	case "MYID":
		w.bulk(nodeID)
	default: // INFO
		w.bulk("cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\ncluster_known_nodes:1\r\ncluster_size:1\r\n")
	}
}
