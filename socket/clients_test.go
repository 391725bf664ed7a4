package socket_test

// Unmodified clients from the standard library, driven through the plugin's
// dialer against scripted sessions: net/smtp, a bufio line protocol,
// net/textproto and net/http. Each test scripts the exact bytes, checks what
// the client made of them, and asserts every interaction, including the size
// of the buffer each client really hands to Read (bufio's default is 4096).
//
// The failure tests at the end run a test body against faketb.TB, a fake
// testing.TB, so the real test can check that bigfoot fails a test, and with
// which message, without failing itself.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/socket"
)

// dialFunc is how the code under test below reaches the network: net.Dial
// in production, bf.Socket().Dial in these tests.
type dialFunc = func(network, address string) (net.Conn, error)

// --- Code under test: written as production code, against real clients. ---

// smtpProbe connects to a mail server, introduces itself with EHLO, reports
// which of the given extensions the server announces, and quits.
func smtpProbe(dial dialFunc, addr, serverName, localName string) (map[string]string, error) {
	conn, err := dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c, err := smtp.NewClient(conn, serverName)
	if err != nil {
		return nil, err
	}
	if err := c.Hello(localName); err != nil {
		c.Close()
		return nil, err
	}
	ext := map[string]string{}
	for _, name := range []string{"PIPELINING", "8BITMIME", "SIZE", "STARTTLS"} {
		if ok, param := c.Extension(name); ok {
			ext[name] = param
		}
	}
	if err := c.Quit(); err != nil {
		return nil, err
	}
	return ext, nil
}

// getKey speaks a newline-delimited protocol: "GET key\n", answered by one line.
func getKey(dial dialFunc, addr, key string) (string, error) {
	conn, err := dial("tcp", addr)
	if err != nil {
		return "", err
	}
	if _, err := fmt.Fprintf(conn, "GET %s\n", key); err != nil {
		conn.Close()
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		conn.Close()
		return "", err
	}
	if err := conn.Close(); err != nil {
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// lookup sends one command over net/textproto and reads its (possibly
// multi-line) 2xx response.
func lookup(dial dialFunc, addr, key string) (code int, msg string, err error) {
	conn, err := dial("tcp", addr)
	if err != nil {
		return 0, "", err
	}
	c := textproto.NewConn(conn)
	id, err := c.Cmd("LOOKUP %s", key)
	if err != nil {
		c.Close()
		return 0, "", err
	}
	c.StartResponse(id)
	code, msg, err = c.ReadResponse(2) // any 2xx
	c.EndResponse(id)
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	return code, msg, err
}

// fetch GETs url with client and returns the status code and body.
func fetch(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, string(body), nil
}

// --- The clients against scripted sessions. ---

func TestSMTPClient(t *testing.T) {
	const (
		greeting = "220 mail.example.com ESMTP ready\r\n"
		ehlo     = "250-mail.example.com greets client.example\r\n" +
			"250-PIPELINING\r\n" +
			"250-8BITMIME\r\n" +
			"250 SIZE 35882577\r\n"
		bye = "221 2.0.0 Bye\r\n"
	)
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("recv", []byte(greeting)).
		Expect("sendall", nil).
		Expect("recv", []byte(ehlo)).
		Expect("sendall", nil).
		Expect("recv", []byte(bye)).
		Expect("close", nil)

	var ext map[string]string
	var err error
	bf.Sandbox(func() {
		ext, err = smtpProbe(bf.Socket().Dial, "mail.example.com:25", "mail.example.com", "client.example")
	})

	if err != nil {
		t.Fatalf("smtpProbe: %v", err)
	}
	want := map[string]string{"PIPELINING": "", "8BITMIME": "", "SIZE": "35882577"}
	if fmt.Sprint(ext) != fmt.Sprint(want) {
		t.Fatalf("extensions = %v, want %v", ext, want)
	}

	bf.Socket().AssertConnect("mail.example.com", 25)
	bf.Socket().AssertRecv(4096, []byte(greeting)) // textproto reads through a 4096-byte bufio.Reader
	bf.Socket().AssertSendall([]byte("EHLO client.example\r\n"))
	bf.Socket().AssertRecv(4096, []byte(ehlo))
	bf.Socket().AssertSendall([]byte("QUIT\r\n"))
	bf.Socket().AssertRecv(4096, []byte(bye))
	bf.Socket().AssertClose()
}

// TestBufioLineProtocol delivers the reply line in two reads, as TCP may:
// bufio reads the second part into the rest of its buffer, 4096-3 bytes.
func TestBufioLineProtocol(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("VAL")).
		Expect("recv", []byte("UE 42\n")).
		Expect("close", nil)

	var value string
	var err error
	bf.Sandbox(func() {
		value, err = getKey(bf.Socket().Dial, "kv.internal:7000", "answer")
	})

	if err != nil || value != "VALUE 42" {
		t.Fatalf("getKey = %q, %v; want %q, nil", value, err, "VALUE 42")
	}
	bf.Socket().AssertConnect("kv.internal", 7000)
	bf.Socket().AssertSendall([]byte("GET answer\n"))
	bf.Socket().AssertRecv(4096, []byte("VAL"))
	bf.Socket().AssertRecv(4093, []byte("UE 42\n"))
	bf.Socket().AssertClose()
}

func TestTextprotoClient(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("250-alpha\r\n250 beta\r\n")).
		Expect("close", nil)

	var code int
	var msg string
	var err error
	bf.Sandbox(func() {
		code, msg, err = lookup(bf.Socket().Dial, "directory.internal:4000", "users")
	})

	if err != nil || code != 250 || msg != "alpha\nbeta" {
		t.Fatalf("lookup = %d, %q, %v; want 250, %q, nil", code, msg, err, "alpha\nbeta")
	}
	bf.Socket().AssertConnect("directory.internal", 4000)
	bf.Socket().AssertSendall([]byte("LOOKUP users\r\n"))
	bf.Socket().AssertRecv(4096, []byte("250-alpha\r\n250 beta\r\n"))
	bf.Socket().AssertClose()
}

const httpResponse = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 5\r\n" +
	"\r\n" +
	"hello"

// scriptHTTP scripts one keep-alive connection that serves one GET.
func scriptHTTP(bf *bigfoot.StrictVerifier) {
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte(httpResponse)).
		Expect("close", nil)
}

// assertHTTP asserts what scriptHTTP's connection records for a GET of
// http://api.internal/path. The request's headers (User-Agent and the rest)
// are the transport's, so the request is asserted with a matcher.
func assertHTTP(bf *bigfoot.StrictVerifier) {
	bf.Socket().AssertConnect("api.internal", 80)
	bf.AssertInteraction(socket.Sendall, bigfoot.Fields{
		"data": bigfoot.HasPrefix("GET /path HTTP/1.1\r\nHost: api.internal\r\n"),
	})
	bf.Socket().AssertRecv(4096, []byte(httpResponse))
	bf.Socket().AssertClose()
}

// TestHTTPTransport runs net/http's Transport over the plugin's dialer. Its
// read loop starts reading before its write loop writes the request; the
// Read waits for the Write to take the sendall step, so the order on the
// timeline is fixed.
func TestHTTPTransport(t *testing.T) {
	bf := bigfoot.New(t)
	scriptHTTP(bf)

	tr := &http.Transport{DialContext: bf.Socket().DialContext}
	client := &http.Client{Transport: tr}
	var status int
	var body string
	var err error
	bf.Sandbox(func() {
		status, body, err = fetch(client, "http://api.internal/path")
		// The connection went back to the pool; closing it takes the close
		// step while the sandbox is still open.
		tr.CloseIdleConnections()
	})

	if err != nil || status != 200 || body != "hello" {
		t.Fatalf("fetch = %d, %q, %v; want 200, %q, nil", status, body, err, "hello")
	}
	assertHTTP(bf)
}

// gatedConn replays, every time, a schedule that the Go scheduler produces by
// chance: net/http's read loop makes its next Read (the one an idle
// connection waits in) only after the connection was closed. It holds the
// second Read until release is closed and closes done when that Read has
// returned. It changes no byte and no call: only when the Read starts.
type gatedConn struct {
	net.Conn
	reads   atomic.Int32
	release chan struct{}
	done    chan struct{}
}

func (c *gatedConn) Read(p []byte) (int, error) {
	if c.reads.Add(1) != 2 {
		return c.Conn.Read(p)
	}
	<-c.release
	defer close(c.done)
	return c.Conn.Read(p)
}

// runGatedHTTP runs one GET through net/http against a fake test, with the
// read loop's idle Read held back: inside the sandbox it fetches and calls
// CloseIdleConnections, then releases the held Read (still inside the
// sandbox if releaseInSandbox, else after it closed) and waits for it to
// return; then it asserts every interaction. It returns what the fake test
// reported.
func runGatedHTTP(t *testing.T, releaseInSandbox bool) (errs, fatals []string) {
	t.Helper()
	var fetchErr error
	var gc *gatedConn
	errs, fatals = runFake(func(bf *bigfoot.StrictVerifier) {
		scriptHTTP(bf)
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := bf.Socket().DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			gc = &gatedConn{Conn: conn, release: make(chan struct{}), done: make(chan struct{})}
			return gc, nil
		}}
		client := &http.Client{Transport: tr}
		bf.Sandbox(func() {
			_, _, fetchErr = fetch(client, "http://api.internal/path")
			tr.CloseIdleConnections()
			if releaseInSandbox {
				close(gc.release)
				<-gc.done
			}
		})
		if !releaseInSandbox {
			close(gc.release)
			<-gc.done
		}
		assertHTTP(bf)
	})
	if fetchErr != nil {
		t.Fatalf("fetch: %v", fetchErr)
	}
	return errs, fatals
}

// TestHTTPCloseIdleBeforeReadLoopReads replays a schedule the Go scheduler
// produces by chance: after a keep-alive response, net/http's read loop goes
// back to read the idle connection (pc.br.Peek(1)), and the test's
// tr.CloseIdleConnections() may close it before that Read starts. A real
// net.Conn answers such a Read with net.ErrClosed, so the scripted one must
// too, without failing the test (before this was fixed, TestHTTPTransport
// failed about once in 500 runs under -race).
func TestHTTPCloseIdleBeforeReadLoopReads(t *testing.T) {
	errs, fatals := runGatedHTTP(t, true)
	if len(errs)+len(fatals) > 0 {
		t.Errorf("net/http's read of a connection it had just closed failed the test:\n%s",
			strings.Join(append(errs, fatals...), "\n"))
	}
}

// TestHTTPReadLoopReadsAfterSandbox is the same schedule with the sandbox
// also closed before the read loop's Read starts: a Read of a connection the
// code closed reaches no one, so it gets net.ErrClosed, not a
// *bigfoot.GuardedCallError.
func TestHTTPReadLoopReadsAfterSandbox(t *testing.T) {
	errs, fatals := runGatedHTTP(t, false)
	if len(errs)+len(fatals) > 0 {
		t.Errorf("net/http's read of a connection it had closed failed the test after the sandbox:\n%s",
			strings.Join(append(errs, fatals...), "\n"))
	}
}

// --- Failure modes, each run against a fake test. ---

// runFake runs body as a whole fake test, cleanup included, and returns
// what it reported. body gets a verifier bound to the fake.
func runFake(body func(bf *bigfoot.StrictVerifier)) (errs, fatals []string) {
	ft := bftest.New(nil)
	ft.Run(func() { body(bigfoot.New(ft)) })
	return ft.Errors(), ft.Fatals()
}

// wantFailures fails t unless the fake reported exactly n Errorf messages
// and no Fatalf, and returns them joined.
func wantFailures(t *testing.T, n int, errs, fatals []string) string {
	t.Helper()
	if len(errs) != n || len(fatals) != 0 {
		t.Fatalf("the fake test reported %d error(s) and %d fatal(s), want %d and 0:\nerrors: %q\nfatals: %q",
			len(errs), len(fatals), n, errs, fatals)
	}
	return strings.Join(errs, "\n")
}

// wantParts fails t for each part msg lacks.
func wantParts(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message lacks %q:\n%s", p, msg)
		}
	}
}

// A dial with no session left fails the dial and the test.
func TestClientUnscriptedDial(t *testing.T) {
	var err error
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Sandbox(func() {
			_, err = smtpProbe(bf.Socket().Dial, "mail.example.com:25", "mail.example.com", "client.example")
		})
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) || unmocked.Plugin != "socket" || unmocked.Step != "connect" {
		t.Fatalf("smtpProbe returned %v (%T), want a *bigfoot.UnmockedInteractionError for connect", err, err)
	}
	msg := wantFailures(t, 1, errs, fatals)
	wantParts(t, msg,
		`bigfoot: unmocked socket call "connect": Dial("tcp", "mail.example.com:25")`,
		"no scripted session is left for this connection",
		"bf.Socket().NewSession().",
		`Expect("connect", nil).`)
}

// A Read past the end of the script fails, naming the session's script and
// the step to add.
func TestClientRecvBeyondScript(t *testing.T) {
	var err error
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("sendall", nil)
		bf.Sandbox(func() {
			_, err = getKey(bf.Socket().Dial, "kv.internal:7000", "answer")
		})
		bf.Socket().AssertConnect("kv.internal", 7000)
		bf.Socket().AssertSendall([]byte("GET answer\n"))
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(err, &unmocked) || unmocked.Step != "recv" {
		t.Fatalf("getKey returned %v (%T), want a *bigfoot.UnmockedInteractionError for recv", err, err)
	}
	// getKey then closes the connection, which meets no step either.
	msg := wantFailures(t, 2, errs, fatals)
	wantParts(t, msg,
		`bigfoot: unmocked socket call "recv": on tcp kv.internal:7000 (socket session 1)`,
		"session 1 has no scripted step left for it (its script: [connect sendall])",
		`Expect("recv", []byte("data"))`,
		`unmocked socket call "close"`)
}

// Scripted data longer than the client's read buffer is an error that says
// how to split the step; here bufio's smallest buffer, 16 bytes.
func TestClientReadBufferTooSmall(t *testing.T) {
	const reply = "VALUE 0123456789abcdef\n" // 23 bytes
	var err error
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("recv", []byte(reply)).
			Expect("close", nil)
		bf.Sandbox(func() {
			conn, derr := bf.Socket().Dial("tcp", "kv.internal:7000")
			if derr != nil {
				err = derr
				return
			}
			_, err = bufio.NewReaderSize(conn, 16).ReadString('\n')
			conn.Close()
		})
		bf.Socket().AssertConnect("kv.internal", 7000)
	})
	var short *socket.ShortBufferError
	if !errors.As(err, &short) || short.Size != 16 || !errors.Is(err, io.ErrShortBuffer) {
		t.Fatalf("ReadString returned %v (%T), want a *socket.ShortBufferError for a 16-byte buffer", err, err)
	}
	// The recv step stays unused, so the Close meets it too.
	msg := wantFailures(t, 3, errs, fatals)
	wantParts(t, msg,
		"bigfoot: socket Read with a 16-byte buffer met a recv step of 23 bytes",
		"one recv answers one Read",
		"split the step into reads that fit the buffer:\n\t"+
			`Expect("recv", []byte("VALUE 0123456789")).`+"\n\t"+
			`Expect("recv", []byte("abcdef\n"))`,
		`socket call "close" met scripted step "recv"`,
		"scripted step(s) were never used")
}

// A client that writes where the script has the server speak first fails at
// once: the Write does not wait.
func TestClientWriteMeetsRecv(t *testing.T) {
	var err error
	var site string
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		_, file, line, _ := runtime.Caller(0)
		site = file + ":" + strconv.Itoa(line+4) // the Expect of the recv
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("recv", []byte("220 ready\r\n")).
			Expect("close", nil, bigfoot.Optional())
		bf.Sandbox(func() {
			_, _, err = lookup(bf.Socket().Dial, "directory.internal:4000", "users")
		})
		bf.Socket().AssertConnect("directory.internal", 4000)
	})
	var mismatch *bigfoot.StepMismatchError
	if !errors.As(err, &mismatch) || mismatch.Call != "sendall" || mismatch.Step != "recv" {
		t.Fatalf("lookup returned %v (%T), want a *bigfoot.StepMismatchError", err, err)
	}
	// lookup then closes, which meets the recv step as well; the recv stays unused.
	msg := wantFailures(t, 3, errs, fatals)
	wantParts(t, msg,
		`bigfoot: socket call "sendall" met scripted step "recv" (registered at `+site+")",
		"script left in this session: [recv close]",
		`Expect("sendall", nil)`,
		`socket call "close" met scripted step "recv"`)
}

// A call on a closed connection fails with the state machine's error, which
// also wraps net.ErrClosed as a real closed connection's does.
func TestClientCallAfterClose(t *testing.T) {
	var err error
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("close", nil)
		bf.Sandbox(func() {
			conn, derr := bf.Socket().Dial("tcp", "kv.internal:7000")
			if derr != nil {
				err = derr
				return
			}
			w := bufio.NewWriter(conn)
			fmt.Fprintf(w, "GET answer\n")
			conn.Close()
			err = w.Flush() // too late
		})
		bf.Socket().AssertConnect("kv.internal", 7000)
		bf.Socket().AssertClose()
	})
	var state *bigfoot.InvalidStateError
	if !errors.As(err, &state) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Flush returned %v (%T), want a *bigfoot.InvalidStateError wrapping net.ErrClosed", err, err)
	}
	const want = "'sendall' called in state 'closed'; valid from: [connected]"
	if state.Error() != want {
		t.Fatalf("error text:\n got %s\nwant %s", state.Error(), want)
	}
	msg := wantFailures(t, 1, errs, fatals)
	wantParts(t, msg, want)
}

// Interactions left unasserted fail the test at cleanup, each shown as the
// assertion to paste.
func TestClientUnassertedAtCleanup(t *testing.T) {
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("sendall", nil).
			Expect("recv", []byte("VALUE 42\n")).
			Expect("close", nil)
		bf.Sandbox(func() {
			getKey(bf.Socket().Dial, "kv.internal:7000", "answer")
		})
		bf.Socket().AssertConnect("kv.internal", 7000)
	})
	msg := wantFailures(t, 1, errs, fatals)
	wantParts(t, msg,
		"bigfoot: 3 recorded interaction(s) were never asserted:",
		`#2 socket sendall data=[]byte("GET answer\n")`,
		"fix: assert them after the sandbox, in this order:",
		"\tbf.Socket().AssertSendall([]byte(\"GET answer\\n\"))\n"+
			"\tbf.Socket().AssertRecv(4096, []byte(\"VALUE 42\\n\"))\n"+
			"\tbf.Socket().AssertClose()")
}

// A required step never used fails the test at cleanup, naming the file:line
// of the Expect that registered it.
func TestClientUnusedStep(t *testing.T) {
	var site string
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		_, file, line, _ := runtime.Caller(0)
		site = file + ":" + strconv.Itoa(line+6) // the Expect of the second recv
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("sendall", nil).
			Expect("recv", []byte("VALUE 42\n")).
			Expect("recv", []byte("VALUE 43\n")).
			Expect("close", nil)
		bf.Sandbox(func() {
			// getKey reads one line; bufio takes one recv. Its Close then meets
			// the second recv, which stays unused.
			getKey(bf.Socket().Dial, "kv.internal:7000", "answer")
		})
		bf.Socket().AssertConnect("kv.internal", 7000)
		bf.Socket().AssertSendall([]byte("GET answer\n"))
		bf.Socket().AssertRecv(4096, []byte("VALUE 42\n"))
	})
	msg := wantFailures(t, 2, errs, fatals)
	wantParts(t, msg,
		`socket call "close" met scripted step "recv"`,
		"bigfoot: 2 scripted step(s) were never used:",
		`socket session 1 step 4 "recv" registered at `+site+"\n",
		`socket session 1 step 5 "close" registered at `,
		`Expect("recv", []byte("data"), bigfoot.Optional())`)
}

// Code that drops every error cannot hide a failure: the test fails anyway.
func TestClientDroppedErrorStillFails(t *testing.T) {
	// notify is fire-and-forget: it ignores every error.
	notify := func(dial dialFunc, addr, event string) {
		conn, _ := dial("tcp", addr)
		if conn == nil {
			return
		}
		conn.Write([]byte(event + "\n"))
		conn.Close()
	}
	errs, fatals := runFake(func(bf *bigfoot.StrictVerifier) {
		bf.Socket().NewSession().
			Expect("connect", nil).
			Expect("close", nil)
		bf.Sandbox(func() {
			notify(bf.Socket().Dial, "events.internal:6000", "deployed")
		})
		bf.Socket().AssertConnect("events.internal", 6000)
		bf.Socket().AssertClose()
	})
	msg := wantFailures(t, 1, errs, fatals)
	wantParts(t, msg,
		`bigfoot: socket call "sendall" met scripted step "close"`,
		`Expect("sendall", nil)`)
}
