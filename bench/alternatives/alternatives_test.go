package alternatives

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/socket"
	"github.com/jarcoal/httpmock"
	"go.uber.org/mock/gomock"
)

var sizes = []int{100, 1_000, 10_000}

func payloads(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "payload-%07d", i)
	}
	return out
}

// perCall reports the timed ns per expectation, for n expectations per op.
func perCall(b *testing.B, n int) {
	if b.N > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/call")
	}
}

// bigfootOrdered is bigfoot's equivalent of n ordered expectations: one
// scripted connection with n sendall steps (plus its connect and close),
// the code under test making the n writes in a sandbox, the n+2
// interactions asserted in order, and VerifyAll. A fresh verifier per op.
func bigfootOrdered(b *testing.B, data [][]byte) {
	bf := bigfoot.NewStrictVerifier()
	sock, err := socket.NewPlugin(bf)
	if err != nil {
		b.Fatal(err)
	}
	s := sock.NewSession().Expect("connect", nil)
	for range data {
		s.Expect("sendall", nil)
	}
	s.Expect("close", nil)

	bf.Sandbox(func() {
		conn, err := sock.Dial("tcp", "127.0.0.1:9999")
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range data {
			if _, err := conn.Write(p); err != nil {
				b.Fatal(err)
			}
		}
		if err := conn.Close(); err != nil {
			b.Fatal(err)
		}
	})

	if err := sock.AssertConnect("127.0.0.1", 9999); err != nil {
		b.Fatal(err)
	}
	for _, p := range data {
		if err := sock.AssertSendall(p); err != nil {
			b.Fatal(err)
		}
	}
	if err := sock.AssertClose(); err != nil {
		b.Fatal(err)
	}
	if err := bf.VerifyAll(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOrdered compares n ordered expectations, set up and consumed, per op.
func BenchmarkOrdered(b *testing.B) {
	for _, n := range sizes {
		data := payloads(n)
		b.Run(fmt.Sprintf("bigfoot/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bigfootOrdered(b, data)
			}
			perCall(b, n)
		})
		b.Run(fmt.Sprintf("gomock-InOrder/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			calls := make([]any, n)
			for b.Loop() {
				ctrl := gomock.NewController(reporter{b})
				m := NewMockSender(ctrl)
				for i, p := range data {
					calls[i] = m.EXPECT().Send(p).Return(nil)
				}
				gomock.InOrder(calls...)
				for _, p := range data {
					if err := m.Send(p); err != nil {
						b.Fatal(err)
					}
				}
				ctrl.Finish()
			}
			perCall(b, n)
		})
		// Only the setup (expectations and InOrder), to show where gomock's
		// time goes.
		b.Run(fmt.Sprintf("gomock-InOrder-setup-only/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			calls := make([]any, n)
			for b.Loop() {
				ctrl := gomock.NewController(reporter{b})
				m := NewMockSender(ctrl)
				for i, p := range data {
					calls[i] = m.EXPECT().Send(p).Return(nil)
				}
				gomock.InOrder(calls...)
			}
			perCall(b, n)
		})
	}
}

// BenchmarkSQL compares go-sqlmock with n ordered Exec expectations (exact
// query matching, its cheaper matcher; the default compiles a regexp per
// comparison) through database/sql, against bigfoot's ordered equivalent
// above. bigfoot has no SQL plugin yet (DESIGN §8), so the bigfoot figure is
// BenchmarkOrdered/bigfoot: the same count of scripted, recorded and
// asserted interactions; database/sql's own cost is in sqlmock's figure.
func BenchmarkSQL(b *testing.B) {
	const query = "INSERT INTO t (v) VALUES (?)"
	for _, n := range sizes {
		b.Run(fmt.Sprintf("go-sqlmock/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					mock.ExpectExec(query).WithArgs(i).WillReturnResult(sqlmock.NewResult(int64(i), 1))
				}
				mock.ExpectClose()
				for i := range n {
					if _, err := db.Exec(query, i); err != nil {
						b.Fatal(err)
					}
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					b.Fatal(err)
				}
			}
			perCall(b, n)
		})
	}
}

// BenchmarkHTTP times httpmock: n responders registered, n requests through
// an http.Client, call counts checked. bigfoot has no HTTP plugin yet; for a
// sense of scale, bigfoot/net-http runs the same n requests through an
// unmodified net/http Transport dialing bigfoot's scripted sockets (one
// scripted connection per request), asserted and verified. httpmock replaces
// the RoundTripper, bigfoot the socket under a real HTTP/1.1 client, so the
// two do not do the same work.
func BenchmarkHTTP(b *testing.B) {
	for _, n := range []int{100, 1_000} {
		b.Run(fmt.Sprintf("httpmock/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			urls := make([]string, n)
			for i := range urls {
				urls[i] = fmt.Sprintf("http://api.example/items/%d", i)
			}
			for b.Loop() {
				tr := httpmock.NewMockTransport()
				for _, u := range urls {
					tr.RegisterResponder("GET", u, httpmock.NewStringResponder(200, "ok"))
				}
				client := &http.Client{Transport: tr}
				for _, u := range urls {
					resp, err := client.Get(u)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if got := tr.GetTotalCallCount(); got != n {
					b.Fatalf("%d calls, want %d", got, n)
				}
			}
			perCall(b, n)
		})
		b.Run(fmt.Sprintf("bigfoot/net-http/N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			reqs := make([][]byte, n)
			urls := make([]string, n)
			for i := range urls {
				urls[i] = fmt.Sprintf("http://api.example/items/%d", i)
				reqs[i] = fmt.Appendf(nil, "GET /items/%d HTTP/1.1\r\nHost: api.example\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n", i)
			}
			resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			for b.Loop() {
				bf := bigfoot.NewStrictVerifier()
				sock := bf.Socket()
				for range n {
					sock.NewSession().
						Expect("connect", nil).
						Expect("sendall", nil).
						Expect("recv", resp).
						Expect("close", nil)
				}
				// The Transport closes a connection from its own goroutine
				// after the body is read; wait for every Close before the
				// sandbox ends, or a late Close meets a closed sandbox.
				var closed sync.WaitGroup
				dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
					c, err := sock.DialContext(ctx, network, addr)
					if err != nil {
						return nil, err
					}
					closed.Add(1)
					return &closeNotifier{Conn: c, done: closed.Done}, nil
				}
				tr := &http.Transport{DialContext: dial, DisableKeepAlives: true}
				client := &http.Client{Transport: tr}
				bf.Sandbox(func() {
					for _, u := range urls {
						r, err := client.Get(u)
						if err != nil {
							b.Fatal(err)
						}
						io.Copy(io.Discard, r.Body)
						r.Body.Close()
					}
					closed.Wait()
				})
				bf.InAnyOrder(func() { // a request's read and write race in the Transport
					for i := range n {
						must(b, sock.AssertConnect("api.example", 80))
						must(b, sock.AssertSendall(reqs[i]))
						must(b, sock.AssertRecv(4096, resp))
						must(b, sock.AssertClose())
					}
				})
				must(b, bf.VerifyAll())
			}
			perCall(b, n)
		})
	}
}

// closeNotifier calls done once, after the first Close of its connection.
type closeNotifier struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *closeNotifier) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.done)
	return err
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// reporter is a gomock.TestReporter without Cleanup, so that a controller
// per op does not pile up cleanups on b; ctrl.Finish is called by hand.
type reporter struct{ b *testing.B }

func (r reporter) Errorf(format string, args ...any) { r.b.Errorf(format, args...) }
func (r reporter) Fatalf(format string, args ...any) { r.b.Fatalf(format, args...) }
func (r reporter) Helper()                           {}

// Sender is the interface mocked for gomock.
type Sender interface {
	Send(p []byte) error
}

// MockSender is what mockgen generates for Sender (written out by hand, in
// mockgen's shape, so the benchmark needs no generator).
type MockSender struct {
	ctrl     *gomock.Controller
	recorder *MockSenderMockRecorder
}

type MockSenderMockRecorder struct {
	mock *MockSender
}

func NewMockSender(ctrl *gomock.Controller) *MockSender {
	mock := &MockSender{ctrl: ctrl}
	mock.recorder = &MockSenderMockRecorder{mock}
	return mock
}

func (m *MockSender) EXPECT() *MockSenderMockRecorder { return m.recorder }

func (m *MockSender) Send(p []byte) error {
	m.ctrl.T.Helper()
	ret := m.ctrl.Call(m, "Send", p)
	ret0, _ := ret[0].(error)
	return ret0
}

func (mr *MockSenderMockRecorder) Send(p any) *gomock.Call {
	mr.mock.ctrl.T.Helper()
	return mr.mock.ctrl.RecordCallWithMethodType(mr.mock, "Send", reflect.TypeOf((*MockSender)(nil).Send), p)
}

var _ Sender = (*MockSender)(nil)
