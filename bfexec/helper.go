package bfexec

import (
	"encoding/binary"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The Go helper process of the seam under plain go test, used where the
// native helper (native.go) is not: the test binary, started by a seam
// Cmd with the socket pair's other end as its fd 3. It
// is recognised before any test runs, by this package's init, which every
// test binary that imports bigfoot runs: by the environment variable the
// seam sets, or, when the code replaced cmd.Env, by fd 3 being a Unix
// stream socket in a binary started without go test's -test. flags, so
// that a helper never runs the tests (which would start helpers again).

func init() {
	if !isHelper() {
		return
	}
	conn, err := sendFd(3)
	if err != nil {
		os.Stderr.WriteString("bigfoot: the exec helper cannot reach its test: " + err.Error() + "\n")
		os.Exit(127)
	}
	syscall.Close(3)
	os.Exit(runHelper(conn, os.Stdin, os.Stdout, os.Stderr))
}

func isHelper() bool {
	if os.Getenv(helperEnv) != "" {
		return true
	}
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.") {
			return false
		}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(3, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return false
	}
	typ, err := syscall.GetsockoptInt(3, syscall.SOL_SOCKET, syscall.SO_TYPE)
	if err != nil || typ != syscall.SOCK_STREAM {
		return false
	}
	sa, err := syscall.Getsockname(3)
	if err != nil {
		return false
	}
	_, unix := sa.(*syscall.SockaddrUnix)
	return unix
}

// runHelper is the helper's whole life; it returns the exit code.
func runHelper(conn *os.File, stdin io.Reader, stdout, stderr io.Writer) int {
	wd, _ := os.Getwd()
	hello := appendString(nil, wd)
	for _, a := range os.Args {
		hello = appendString(hello, a)
	}
	if err := writeFrame(conn, frameHello, hello); err != nil {
		io.WriteString(stderr, "bigfoot: the exec helper cannot reach its test: "+err.Error()+"\n")
		return 127
	}
	answer := make(chan frame, 1)
	go func() {
		kind, body, err := readFrame(conn)
		answer <- frame{kind, body, err}
	}()
	var f frame
	select {
	case f = <-answer:
	case <-time.After(helperTimeout):
		io.WriteString(stderr, "bigfoot: the exec helper got no answer from its test\n")
		return 127
	}
	if f.err != nil || f.kind != frameScript {
		msg := "bigfoot: the exec helper lost its test"
		if f.err == nil && f.kind == frameRefused {
			msg = string(f.body)
		}
		io.WriteString(stderr, msg+"\n")
		return 127
	}
	sc, timeout, ok := decodeScript(f.body)
	if !ok {
		io.WriteString(stderr, "bigfoot: the exec helper got a malformed script\n")
		return 127
	}

	var mu sync.Mutex // serializes frames on conn
	send := func(kind byte, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		writeFrame(conn, kind, body)
	}
	inDone := make(chan struct{})
	go func() {
		defer close(inDone)
		buf := make([]byte, 32<<10)
		for {
			n, err := stdin.Read(buf)
			if n > 0 {
				send(frameStdin, buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		if len(sc.stdout) > 0 {
			stdout.Write(sc.stdout)
		}
		if len(sc.stderr) > 0 {
			stderr.Write(sc.stderr)
		}
	}()
	select {
	case <-inDone:
		send(frameEOF, nil)
	case <-time.After(timeout):
		send(frameTimeout, nil)
	}
	<-outDone
	// Wait for the test to record the run, so that it is on the timeline
	// before the code's Wait returns.
	ack := make(chan struct{})
	go func() {
		for {
			kind, _, err := readFrame(conn)
			if err != nil || kind == frameAck {
				close(ack)
				return
			}
		}
	}()
	select {
	case <-ack:
	case <-time.After(helperTimeout):
	}
	if sc.duration > 0 {
		time.Sleep(sc.duration)
	}
	return sc.code
}

type frame struct {
	kind byte
	body []byte
	err  error
}

func decodeScript(b []byte) (sc scripted, timeout time.Duration, ok bool) {
	var parts [2][]byte
	for i := range parts {
		if len(b) < 4 {
			return sc, 0, false
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint32(len(b)) < n {
			return sc, 0, false
		}
		parts[i], b = b[:n], b[n:]
	}
	if len(b) != 4+8+8 {
		return sc, 0, false
	}
	sc.stdout, sc.stderr = parts[0], parts[1]
	sc.code = int(binary.BigEndian.Uint32(b))
	sc.duration = time.Duration(binary.BigEndian.Uint64(b[4:]))
	timeout = time.Duration(binary.BigEndian.Uint64(b[12:]))
	return sc, timeout, true
}
