package guard

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/record"
)

// The environment that `bigfoot record` gives the test binaries it runs.
const (
	// RecordDirEnv names the directory that transcripts are written to;
	// set, it turns record mode on.
	RecordDirEnv = "BIGFOOT_RECORD"
	// RecordAllowEnv lists, comma-separated, the hosts that record mode
	// lets calls through to: host names, IP addresses, CIDR prefixes, or
	// "loopback".
	RecordAllowEnv = "BIGFOOT_RECORD_ALLOW"
)

// recordMode is record mode's settings, nil when off; read once, since the
// tool sets them before the binary starts.
var recordMode = loadRecordMode()

type recordSettings struct {
	dir   string
	allow []string
}

func loadRecordMode() *recordSettings {
	dir := os.Getenv(RecordDirEnv)
	if dir == "" {
		return nil
	}
	s := &recordSettings{dir: dir}
	for _, h := range strings.Split(os.Getenv(RecordAllowEnv), ",") {
		if h = strings.TrimSpace(h); h != "" {
			s.allow = append(s.allow, strings.ToLower(h))
		}
	}
	return s
}

// Recording reports whether the binary runs under `bigfoot record`. Then a
// call inside a sandbox that no plugin's script answers goes through to
// the real world, when its host is allowed, and is written to the test's
// transcript rather than failing as unmocked. A plugin's claimant that
// would refuse a call because the test never used the plugin returns Pass
// instead while recording, so that the call reaches the recorder; a plugin
// the test did use keeps answering from its script, and records nothing.
func Recording() bool { return recordMode != nil }

// allowed reports whether record mode may let a call to host through.
func (s *recordSettings) allowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	ip, ipErr := netip.ParseAddr(host)
	for _, a := range s.allow {
		switch {
		case a == "loopback":
			if host == "localhost" || strings.HasSuffix(host, ".localhost") || ipErr == nil && ip.IsLoopback() {
				return true
			}
		case strings.Contains(a, "/"):
			if p, err := netip.ParsePrefix(a); err == nil && ipErr == nil && p.Contains(ip) {
				return true
			}
		case a == host:
			return true
		}
	}
	return false
}

// recorders holds the transcript being written for each verifier that
// recorded a call.
var recorders struct {
	mu sync.Mutex // guards m
	m  map[*core.Verifier]*recorder
}

// recorder is one verifier's transcript in the making.
type recorder struct {
	seq atomic.Int64 // orders every chunk and exchange of the verifier
	mu  sync.Mutex   // guards t
	t   record.Transcript
}

func (r *recorder) next() int64 { return r.seq.Add(1) }

// recorderFor returns v's recorder, making it (and the hook that writes
// the transcript when v is verified) on first use.
func recorderFor(v *core.Verifier) *recorder {
	recorders.mu.Lock()
	defer recorders.mu.Unlock()
	if r := recorders.m[v]; r != nil {
		return r
	}
	if recorders.m == nil {
		recorders.m = map[*core.Verifier]*recorder{}
	}
	r := &recorder{}
	r.t.Test = v.Name()
	r.t.Dir, _ = os.Getwd()
	recorders.m[v] = r
	v.OnVerify(func() error {
		recorders.mu.Lock()
		delete(recorders.m, v)
		recorders.mu.Unlock()
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := r.t.Write(recordMode.dir); err != nil {
			return errors.New("bigfoot record: writing the transcript of " + r.t.Test + ": " + err.Error())
		}
		return nil
	})
	return r
}

// notAllowed is the refusal of a call that record mode may not let through.
func notAllowed(v *core.Verifier, plugin, op, network, address, host string) error {
	err := &core.GuardedCallError{Plugin: plugin, Op: op, Network: network, Address: address,
		Reason: "bigfoot record lets calls through only to the hosts named by -allow, and " + host + " is not one of them",
		Fix:    "go run github.com/bigfoot-go/bigfoot/cmd/bigfoot record -allow " + host + " ./..."}
	v.Report(err)
	return err
}

// recordDial dials address for real, for a dial of v's sandbox that no
// plugin answered, and records the connection.
func recordDial(ctx context.Context, v *core.Verifier, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if !recordMode.allowed(host) {
		return nil, notAllowed(v, "socket", "dial", network, address, host)
	}
	r := recorderFor(v)
	d := net.Dialer{Timeout: recordTimeout}
	c, err := d.DialContext(context.WithValue(ctx, letThroughKey{}, true), network, address)
	r.mu.Lock()
	defer r.mu.Unlock()
	rc := record.Conn{Seq: r.next(), Network: network, Address: address}
	if err != nil {
		rc.Err = err.Error()
	}
	r.t.Conns = append(r.t.Conns, rc)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, r: r, idx: len(r.t.Conns) - 1}, nil
}

// recordingConn is a real connection whose reads and writes are written to
// its transcript.
type recordingConn struct {
	net.Conn
	r   *recorder
	idx int // in r.t.Conns

	first   atomic.Bool  // the first write was seen
	pending atomic.Int32 // bytes of 'N' owed to reads: see Write
	closed  atomic.Bool
}

// pgPlainRequests are the Postgres requests for an encrypted session. The
// recorder answers them 'N' itself, as a server without TLS does, so that
// the rest of the connection is readable; a client that requires TLS then
// fails, and cannot be recorded.
var pgPlainRequests = [][]byte{
	{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}, // SSLRequest
	{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30}, // GSSENCRequest
}

func (c *recordingConn) Write(p []byte) (int, error) {
	if !c.first.Swap(true) {
		for _, req := range pgPlainRequests {
			if bytes.Equal(p, req) {
				c.r.mu.Lock()
				c.r.t.Conns[c.idx].PlainForTLS = true
				c.r.mu.Unlock()
				c.pending.Store(1)
				return len(p), nil
			}
		}
	}
	n, err := c.Conn.Write(p)
	c.chunk(true, p[:n], 0, err)
	return n, err
}

func (c *recordingConn) Read(p []byte) (int, error) {
	if len(p) > 0 && c.pending.CompareAndSwap(1, 0) {
		p[0] = 'N'
		return 1, nil
	}
	n, err := c.Conn.Read(p)
	if n > 0 || err != nil && !isTimeout(err) {
		c.chunk(false, p[:n], len(p), err)
	}
	if err == nil && n > 0 {
		// A later GSSENCRequest-then-SSLRequest sequence is the client's
		// business once the server has spoken.
		c.first.Store(true)
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *recordingConn) chunk(send bool, data []byte, size int, err error) {
	if len(data) == 0 && err == nil {
		return
	}
	ch := record.Chunk{Send: send, Size: size, Data: append([]byte(nil), data...)}
	if err != nil && !c.closed.Load() {
		ch.Err = err.Error()
	}
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	ch.Seq = c.r.next()
	c.r.t.Conns[c.idx].Chunks = append(c.r.t.Conns[c.idx].Chunks, ch)
}

func (c *recordingConn) Close() error {
	err := c.Conn.Close()
	if !c.closed.Swap(true) {
		c.r.mu.Lock()
		rc := &c.r.t.Conns[c.idx]
		rc.Closed, rc.ClosedSeq = true, c.r.next()
		c.r.mu.Unlock()
	}
	return err
}

// recordRoundTrip carries req for real through v's copy of t, for a
// request of v's sandbox that no plugin answered, and records the request
// and its response at the HTTP layer. The connection it dials is let
// through, not recorded again as bytes.
func recordRoundTrip(v *core.Verifier, t *http.Transport, req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if !recordMode.allowed(host) {
		return nil, notAllowed(v, "http", "request", "tcp", req.URL.Host, host)
	}
	r := recorderFor(v)
	ex := record.Exchange{Seq: r.next(), Method: req.Method, URL: recordedURL(req), Header: cloneHeader(req.Header)}
	if ex.Method == "" {
		ex.Method = http.MethodGet
	}
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		ex.Body = body
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	req = req.WithContext(context.WithValue(req.Context(), letThroughKey{}, true))
	resp, err := isolated.forSandbox(v, t).RoundTrip(req)
	if err == nil {
		var body []byte
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		ex.Status, ex.RespHeader, ex.RespBody = resp.StatusCode, cloneHeader(resp.Header), body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			resp = nil
		}
	}
	if err != nil {
		ex.Err = err.Error()
	}
	ex.EndSeq = r.next()
	r.mu.Lock()
	r.t.HTTP = append(r.t.HTTP, ex)
	r.mu.Unlock()
	return resp, err
}

// recordedURL is the URL as the code sent it, without user information
// (a secret) or fragment (never sent).
func recordedURL(req *http.Request) string {
	u := *req.URL
	u.User, u.Fragment, u.RawFragment = nil, "", ""
	return u.String()
}

func cloneHeader(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	return map[string][]string(h.Clone())
}

// recordTimeout bounds a recorded dial that the code gave no deadline, so
// that a recording never hangs on a server that does not answer.
const recordTimeout = 30 * time.Second
