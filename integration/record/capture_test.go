package record

// The capture that the fixture tests (capture_pg_test.go and
// capture_redis_test.go) record the real servers' traffic with: a dialer
// whose connections write every read and write into a transcript, as the
// recorder of `bigfoot record` does (guard/record.go, which does not
// export its own).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/record"
)

// update makes the capture tests write the fixtures from the real servers
// instead of checking them.
var update = flag.Bool("update", false, "write the fixtures from the real servers")

// captureDialTimeout bounds a capture's dial, so that a server that is
// down fails the test instead of hanging it.
const captureDialTimeout = 10 * time.Second

// capture records every connection it dials into a transcript. Its
// DialContext is a pgx DialFunc and a go-redis Dialer; Dial and
// DialTimeout make it a pq.Dialer.
type capture struct {
	seq atomic.Int64
	mu  sync.Mutex // guards t, and orders each chunk's Seq with its append
	t   record.Transcript
}

// newCapture returns a capture whose transcript is of the named test.
func newCapture(test string) *capture {
	c := &capture{}
	c.t.Test = test
	return c
}

func (c *capture) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d := net.Dialer{Timeout: captureDialTimeout}
	conn, err := d.DialContext(ctx, network, address)
	c.mu.Lock()
	defer c.mu.Unlock()
	rc := record.Conn{Seq: c.seq.Add(1), Network: network, Address: address}
	if err != nil {
		rc.Err = err.Error()
	}
	c.t.Conns = append(c.t.Conns, rc)
	if err != nil {
		return nil, err
	}
	return &captureConn{Conn: conn, c: c, idx: len(c.t.Conns) - 1}, nil
}

func (c *capture) Dial(network, address string) (net.Conn, error) {
	return c.DialTimeout(network, address, captureDialTimeout)
}

func (c *capture) DialTimeout(network, address string, d time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.DialContext(ctx, network, address)
}

// transcript returns a copy of what was captured, as a fixture file
// holds it (through JSON), sharing no memory with the capture.
func (c *capture) transcript(t *testing.T) *record.Transcript {
	t.Helper()
	c.mu.Lock()
	b, err := json.Marshal(&c.t)
	c.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	tr := new(record.Transcript)
	if err := json.Unmarshal(b, tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// plainRequests are the Postgres requests for an encrypted session, which
// the recorder answers 'N' itself so that the rest stays readable.
var plainRequests = [][]byte{
	{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}, // SSLRequest
	{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30}, // GSSENCRequest
}

// captureConn is a real connection whose reads and writes go to the
// transcript.
type captureConn struct {
	net.Conn
	c   *capture
	idx int // in c.t.Conns

	first   atomic.Bool // the first write (or the server's first bytes) was seen
	pending atomic.Bool // an 'N' is owed to the next read
	closed  atomic.Bool
}

func (w *captureConn) Write(p []byte) (int, error) {
	if !w.first.Swap(true) {
		for _, req := range plainRequests {
			if bytes.Equal(p, req) {
				w.c.mu.Lock()
				w.c.t.Conns[w.idx].PlainForTLS = true
				w.c.mu.Unlock()
				w.pending.Store(true)
				return len(p), nil
			}
		}
	}
	n, err := w.Conn.Write(p)
	w.chunk(true, p[:n], 0, err)
	return n, err
}

func (w *captureConn) Read(p []byte) (int, error) {
	if len(p) > 0 && w.pending.CompareAndSwap(true, false) {
		p[0] = 'N'
		return 1, nil
	}
	n, err := w.Conn.Read(p)
	var ne net.Error
	if n > 0 || err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
		w.chunk(false, p[:n], len(p), err)
	}
	if n > 0 {
		// Once the server has spoken, a request for TLS is the client's
		// business, as the recorder has it.
		w.first.Store(true)
	}
	return n, err
}

func (w *captureConn) chunk(send bool, data []byte, size int, err error) {
	if len(data) == 0 && err == nil {
		return
	}
	ch := record.Chunk{Send: send, Size: size, Data: bytes.Clone(data)}
	if err != nil && !w.closed.Load() {
		ch.Err = err.Error()
	}
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	ch.Seq = w.c.seq.Add(1)
	w.c.t.Conns[w.idx].Chunks = append(w.c.t.Conns[w.idx].Chunks, ch)
}

func (w *captureConn) Close() error {
	err := w.Conn.Close()
	if !w.closed.Swap(true) {
		w.c.mu.Lock()
		rc := &w.c.t.Conns[w.idx]
		rc.Closed, rc.ClosedSeq = true, w.c.seq.Add(1)
		w.c.mu.Unlock()
	}
	return err
}

// writeFixture writes a fixture file, making its directory.
func writeFixture(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTranscript writes a transcript fixture, indented by indent (each
// fixture set keeps the indentation it was committed with).
func writeTranscript(t *testing.T, path string, tr *record.Transcript, indent string) {
	t.Helper()
	b, err := json.MarshalIndent(tr, "", indent)
	if err != nil {
		t.Fatal(err)
	}
	writeFixture(t, path, append(b, '\n'))
}

// readTranscript reads a transcript fixture; how names the test that
// writes it, for the message when it is missing.
func readTranscript(t *testing.T, path, how string) *record.Transcript {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (capture the fixtures with `go test -run %s -update .`)", err, how)
	}
	tr := new(record.Transcript)
	if err := json.Unmarshal(b, tr); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}
