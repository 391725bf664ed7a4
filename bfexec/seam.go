package bfexec

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// The seam's *exec.Cmd carries, as ExtraFiles[0], a file that marks it
// as the seam's. Under bigfoot test that is the plugin's marker file (one
// /dev/null for all its Cmds): os.StartProcess recognises it and runs the
// scripted process in the test process, as for any command started inside
// a sandbox. Under plain go test os/exec cannot be intercepted, so the
// Cmd's Path is a helper executable, and the file is one end of a socket
// pair whose other end the plugin keeps. The helper is the native one
// where there is one (native.go: it hands the plugin its fds 0, 1 and 2,
// which the plugin writes the scripted output into and reads the input
// from, and exits with the code it is sent), else the test binary itself,
// which this package's init turns into a helper (helper.go: it asks over
// the socket for its script, writes the scripted output, reads its
// standard input whole and sends it back, and exits with the code).

// seamCmd is one Cmd made by the seam.
type seamCmd struct {
	p      *Plugin
	parent int           // the plugin's end of the socket pair, a raw descriptor only serve reads
	child  *os.File      // the end in the Cmd's ExtraFiles, closed only at verification
	served chan struct{} // closed when serve has returned (at once when there is none)

	once sync.Once // closes the files
}

// close ends serve and closes both ends. It runs at verification, after
// the test's own goroutine (which started the Cmd) is done with the Cmd.
func (s *seamCmd) close() {
	s.once.Do(func() {
		syscall.Shutdown(s.parent, syscall.SHUT_RDWR) // wakes serve
		select {
		case <-s.served:
		case <-time.After(time.Second):
		}
		syscall.Close(s.parent)
		s.child.Close()
	})
}

var seams struct {
	mu      sync.Mutex            // guards byChild and markers
	byChild map[*os.File]*seamCmd // plain go test: each Cmd's socket
	markers map[*os.File]*Plugin  // bigfoot test: each plugin's marker file
}

// helperEnv marks the test binary started as a seam's helper process.
const helperEnv = "BIGFOOT_EXEC_HELPER"

// NativeEnv, set to "0" in the test's environment, makes the seam's Cmds
// start the Go helper (the test binary) under plain go test even where
// the native one runs, to compare them or to rule the native one out. It
// is read at each Command. See the package documentation.
const NativeEnv = "BIGFOOT_EXEC_NATIVE"

func (p *Plugin) command(ctx context.Context, name string, args []string) *exec.Cmd {
	var cmd *exec.Cmd
	if guard.Transparent() {
		// The start is answered in the test process: give the Cmd the
		// path exec.Command would, or a scripted one.
		path := name
		if filepath.Base(name) == name {
			if lp, ok := findExecutable(name); ok {
				path = lp
			} else {
				path = filepath.Join(ScriptedDir, name)
			}
		}
		cmd = newCmd(ctx, path)
	} else if path := nativeHelperPath(); path != "" {
		// The native helper (native.go) needs nothing but its socket.
		cmd = newCmd(ctx, path)
	} else {
		exe, err := os.Executable()
		cmd = newCmd(ctx, exe)
		if err != nil {
			cmd.Err = &exec.Error{Name: name, Err: err}
		}
		cmd.Env = append(os.Environ(), helperEnv+"=1")
	}
	cmd.Args = append([]string{name}, args...)
	if guard.Transparent() {
		// The start is answered in the test process: the plugin's marker
		// file, one for all its Cmds, is all the Cmd needs to carry.
		marker, err := p.markerFile()
		if err != nil {
			cmd.Err = &exec.Error{Name: name, Err: err}
			return cmd
		}
		cmd.ExtraFiles = []*os.File{marker}
		return cmd
	}
	parent, child, err := socketPair()
	if err != nil {
		cmd.Err = &exec.Error{Name: name, Err: err}
		return cmd
	}
	cmd.ExtraFiles = []*os.File{child}
	s := &seamCmd{p: p, parent: parent, child: child, served: make(chan struct{})}
	seams.mu.Lock()
	if seams.byChild == nil {
		seams.byChild = map[*os.File]*seamCmd{}
	}
	seams.byChild[child] = s
	seams.mu.Unlock()
	go s.serve()
	return cmd
}

// markerFile returns the file that marks p's Cmds under bigfoot test,
// opening it on first use; it is closed at verification.
func (p *Plugin) markerFile() (*os.File, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.marker != nil {
		return p.marker, nil
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	p.marker = f
	seams.mu.Lock()
	if seams.markers == nil {
		seams.markers = map[*os.File]*Plugin{}
	}
	seams.markers[f] = p
	seams.mu.Unlock()
	return f, nil
}

func newCmd(ctx context.Context, path string) *exec.Cmd {
	if ctx != nil {
		return exec.CommandContext(ctx, path)
	}
	return exec.Command(path)
}

func socketPair() (parent int, child *os.File, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, os.NewSyscallError("socketpair", err)
	}
	return fds[0], os.NewFile(uintptr(fds[1]), "bigfoot-exec"), nil
}

// forget drops s from the registry and closes its files.
func (s *seamCmd) forget() {
	seams.mu.Lock()
	delete(seams.byChild, s.child)
	seams.mu.Unlock()
	s.close()
}

// closeSeams closes, at verification, the files of p's Cmds and its
// marker file.
func closeSeams(p *Plugin) {
	seams.mu.Lock()
	var list []*seamCmd
	for _, s := range seams.byChild {
		if s.p == p {
			list = append(list, s)
		}
	}
	p.mu.Lock()
	marker := p.marker
	p.marker = nil
	p.mu.Unlock()
	if marker != nil {
		delete(seams.markers, marker)
	}
	seams.mu.Unlock()
	for _, s := range list {
		s.forget()
	}
	if marker != nil {
		marker.Close()
	}
}

// claimSeam answers, under bigfoot test, the start of a Cmd the seam
// made, from the plugin that made it, in the test process.
func claimSeam(c *guard.Command) (bool, *guard.Process, error) {
	if len(c.Files) < 4 || c.Files[3] == nil {
		return false, nil, nil
	}
	seams.mu.Lock()
	p := seams.markers[c.Files[3]]
	seams.mu.Unlock()
	if p == nil {
		return false, nil, nil
	}
	proc, err := p.process(c.Args, c.Dir)
	return true, proc, err
}

// The helper protocol, over the socket pair: frames of a one-byte kind
// and a length-prefixed body.
const (
	frameHello   = 'h' // helper: argv and working directory
	frameScript  = 's' // plugin: the scripted result
	frameRefused = 'r' // plugin: the start failed; body is the message
	frameStdin   = 'i' // helper: a chunk of its standard input
	frameEOF     = 'e' // helper: the end of its standard input
	frameTimeout = 't' // helper: its standard input did not end in time
	frameAck     = 'a' // plugin: the run is recorded
)

func writeFrame(w io.Writer, kind byte, body []byte) error {
	buf := make([]byte, 5+len(body))
	buf[0] = kind
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(body)))
	copy(buf[5:], body)
	_, err := w.Write(buf)
	return err
}

// maxFrame bounds a frame's body, so that a confused peer cannot make the
// other side allocate without limit.
const maxFrame = 64 << 20

func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, errors.New("bigfoot: exec helper frame too long")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return hdr[0], body, nil
}

// The bodies are sequences of length-prefixed strings.
func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func readStrings(b []byte) ([]string, error) {
	var out []string
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errors.New("bigfoot: malformed exec helper frame")
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint32(len(b)) < n {
			return nil, errors.New("bigfoot: malformed exec helper frame")
		}
		out = append(out, string(b[:n]))
		b = b[n:]
	}
	return out, nil
}

// serve is the plugin's side of one seam Cmd under plain go test: it
// waits for the helper to start, answers it from the script, and records
// the run when the helper has read its input (serveNative for the native
// helper, the frames below for the Go one). The helper sends, first, a
// socket of its own, whose other end only it holds, so that its death
// ends the conversation; the Cmd's socket is closed only at verification
// (the code's goroutine that started the Cmd may still be inside
// os.StartProcess with it). serve ends at verification if the Cmd never
// starts.
func (s *seamCmd) serve() {
	defer close(s.served)
	kind, fds, err := recvHello(s.parent)
	if err != nil {
		return
	}
	if kind == helloNative {
		s.serveNative(fds)
		return
	}
	if kind != helloGo || len(fds) != 1 {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		return
	}
	conn := os.NewFile(uintptr(fds[0]), "bigfoot-exec")
	defer conn.Close()
	kind, body, err := readFrame(conn)
	if err != nil || kind != frameHello {
		return
	}
	fields, err := readStrings(body)
	if err != nil || len(fields) < 2 {
		return
	}
	wd, argv := fields[0], fields[1:]
	dir := relativeDir(wd)
	p := s.p
	p.helperStarted()
	defer p.helperDone()
	sc, err := p.take(argv, dir)
	if err != nil {
		writeFrame(conn, frameRefused, []byte(err.Error()))
		return
	}
	var script []byte
	script = appendString(script, string(sc.stdout))
	script = appendString(script, string(sc.stderr))
	script = binary.BigEndian.AppendUint32(script, uint32(sc.code))
	script = binary.BigEndian.AppendUint64(script, uint64(sc.duration))
	script = binary.BigEndian.AppendUint64(script, uint64(p.stdinTimeout()))
	if err := writeFrame(conn, frameScript, script); err != nil {
		return
	}
	var stdin []byte
	for {
		kind, body, err := readFrame(conn)
		if err != nil { // killed before its input ended
			break
		}
		if kind == frameStdin {
			stdin = append(stdin, body...)
			continue
		}
		if kind == frameTimeout {
			p.v.Report(p.stdinTimeoutErr(argv))
		}
		break
	}
	if len(stdin) == 0 {
		stdin = nil
	}
	p.v.Record(Run, core.ValueOf(argv), core.String(dir), core.Bytes(stdin))
	writeFrame(conn, frameAck, nil)
}

// sendFd is the Go helper's side of recvHello: it makes a socket pair, sends
// one end over fd and returns the other.
func sendFd(fd int) (*os.File, error) {
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	err = syscall.Sendmsg(fd, []byte{frameHello}, syscall.UnixRights(pair[0]), nil, 0)
	syscall.Close(pair[0])
	if err != nil {
		syscall.Close(pair[1])
		return nil, err
	}
	return os.NewFile(uintptr(pair[1]), "bigfoot-exec"), nil
}

// A helper that is killed records its run when its socket closes, which
// the code's Wait does not wait for: the sandbox does, as it closes, so
// that the run is on the timeline before the assertions.

// helperWait bounds that wait.
const helperWait = 2 * time.Second

func (p *Plugin) helperStarted() {
	p.mu.Lock()
	p.serving++
	p.mu.Unlock()
}

func (p *Plugin) helperDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.serving--; p.serving == 0 && p.served != nil {
		close(p.served)
		p.served = nil
	}
}

// awaitHelpers runs at the end of each sandbox: it waits, up to
// helperWait, for the helpers that started to have their runs recorded.
func (p *Plugin) awaitHelpers() {
	p.mu.Lock()
	if p.serving == 0 {
		p.mu.Unlock()
		return
	}
	if p.served == nil {
		p.served = make(chan struct{})
	}
	ch := p.served
	p.mu.Unlock()
	t := time.NewTimer(helperWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// relativeDir turns the helper's working directory into the Dir the
// code gave: "" for the test's own, relative when inside it.
func relativeDir(wd string) string {
	if own, err := syscall.Getwd(); err == nil && own == wd {
		return "" // the common case, in one system call: both are the kernel's path
	}
	own, err := os.Getwd()
	if err != nil {
		return wd
	}
	if a, err := filepath.EvalSymlinks(own); err == nil {
		own = a
	}
	if b, err := filepath.EvalSymlinks(wd); err == nil {
		wd = b
	}
	if wd == own {
		return ""
	}
	if rel, err := filepath.Rel(own, wd); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return rel
	}
	return wd
}

// helperTimeout bounds how long the helper waits for the plugin's answer.
const helperTimeout = 30 * time.Second

// HelperError is reported when, under plain go test, the test cannot
// read a native helper's argv or directory from /proc (a /proc that
// changed since the probe run): the run is not answered, and the helper
// exits 127.
type HelperError struct {
	Err error
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *HelperError) Error() string {
	return "bigfoot: the exec helper started, but its argv cannot be read from /proc: " + e.Err.Error() +
		"; the command is not answered\nfix:\n\t// in the test, before the code runs the command: the test binary as the helper, which sends its argv itself\n\tt.Setenv(bfexec.NativeEnv, \"0\")"
}

// Unwrap returns the error of /proc.
func (e *HelperError) Unwrap() error { return e.Err }
