//go:build linux

package bfexec

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/bigfoot-go/bigfoot/core"
)

// The native helper: under plain go test a seam Cmd must start a real
// process, and starting the test binary (a large Go program, often built
// with -race) costs several times a /bin/true. Where nativeHelper holds
// an executable (linux/amd64: nativehelper_linux_amd64.go, made from
// nativehelper_linux_amd64.s.txt), the Cmd starts it instead: a static
// executable of about a kilobyte, no loader, no runtime. It hands the test
// its fds 0, 1 and 2 with a socket of its own and waits for its exit
// code; the test reads its argv and directory from /proc, writes the
// scripted output into its fds and reads its input from them, so the
// bytes go where they would go from a real process, and the process,
// being real, is killed by a context as any other.
//
// It is written once per version, content-addressed, into a private
// directory (os.TempDir()/bigfoot-exec-UID, else os.UserCacheDir()/
// bigfoot-exec), checked byte for byte before use, and tried once (a
// probe run) before the first Cmd uses it; if no location works (noexec,
// no /proc, ...) the test binary itself is the helper, as on other
// platforms (helper.go).

var native struct {
	once sync.Once
	path string // the helper's path; "" when the Go helper is used
	why  string // why the Go helper is used, for tests and debugging
}

// forceGoHelper makes Cmds use the Go helper, for tests of the fallback.
var forceGoHelper atomic.Bool

// nativeHelperPath returns the native helper's path, installing and
// probing it on first use, or "" when the Go helper must be used.
func nativeHelperPath() string {
	if forceGoHelper.Load() || os.Getenv(NativeEnv) == "0" {
		return ""
	}
	native.once.Do(func() { native.path, native.why = installNative(nativeDirs()) })
	return native.path
}

// nativeDirs are the directories tried for the native helper, in order.
func nativeDirs() []string {
	dirs := []string{filepath.Join(os.TempDir(), "bigfoot-exec-"+strconv.Itoa(os.Getuid()))}
	if cache, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(cache, "bigfoot-exec"))
	}
	return dirs
}

// nativeName is the helper's file name: its content's hash, so that
// versions never overwrite each other.
func nativeName() string {
	sum := sha256.Sum256(nativeHelper)
	return "bigfoot-exec-helper-" + hex.EncodeToString(sum[:8])
}

// installNative writes the native helper into the first of dirs where
// it can be written and run, and returns its path, or "" and why not.
func installNative(dirs []string) (path, why string) {
	if len(nativeHelper) == 0 {
		return "", "no native helper for this platform"
	}
	name := nativeName()
	var whys []string
	for _, dir := range dirs {
		path, err := writeNative(dir, name)
		if err == nil {
			err = probeNative(path)
		}
		if err == nil {
			return path, ""
		}
		whys = append(whys, err.Error())
	}
	return "", strings.Join(whys, "; ")
}

// writeNative makes sure dir/name holds the native helper and that
// nobody else can change it: dir and file ours, neither writable by
// others, the file's bytes the package's.
func writeNative(dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := checkOwned(dir, true); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if checkNative(path) == nil {
		return path, nil
	}
	f, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		return "", err
	}
	_, err = f.Write(nativeHelper)
	if err == nil {
		err = f.Chmod(0o700)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return path, checkNative(path)
}

func checkOwned(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case dir && !fi.IsDir(), !dir && !fi.Mode().IsRegular():
		return errors.New("bigfoot: " + path + " is not a plain directory or file")
	case !ok || int(st.Uid) != os.Getuid():
		return errors.New("bigfoot: " + path + " is not owned by this user")
	case fi.Mode().Perm()&0o022 != 0:
		return errors.New("bigfoot: " + path + " is writable by others")
	}
	return nil
}

func checkNative(path string) error {
	if err := checkOwned(path, false); err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(b, nativeHelper) {
		return errors.New("bigfoot: " + path + " does not hold the exec helper")
	}
	return nil
}

// probeArgs exercise the argv the test reads back: a space, an empty one.
var probeArgs = []string{"bigfoot-exec-probe", "a b", ""}

// probeNative runs the helper once through a whole conversation, so that
// an environment where it cannot run (noexec, no /proc, a seccomp filter)
// falls back to the Go helper before any test depends on it.
func probeNative(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	for try := 0; try < 5; try++ {
		if err = probeOnce(ctx, path); !errors.Is(err, syscall.ETXTBSY) {
			break
		}
		// The file was just written, and a fork elsewhere in the process
		// may still hold the writer: wait until it has exec'd.
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

func probeOnce(ctx context.Context, path string) error {
	parent, child, err := socketPair()
	if err != nil {
		return err
	}
	defer syscall.Close(parent)
	defer child.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path)
	cmd.Args = probeArgs
	cmd.ExtraFiles = []*os.File{child}
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		return err
	}
	err = func() error {
		if n, err := pollFds([]pollFd{{fd: int32(parent), events: pollIn}}, 5*time.Second); err != nil || n == 0 {
			return errors.New("bigfoot: the exec helper did not start")
		}
		kind, fds, err := recvHello(parent)
		if err != nil {
			return err
		}
		h := &nativeConn{fds: fds, stop: -1}
		defer h.closeAll()
		if kind != helloNative || len(fds) != 4 {
			return errors.New("bigfoot: the exec helper sent a malformed hello")
		}
		argv, _, err := h.identify()
		if err != nil {
			return err
		}
		if strings.Join(argv, "\x00") != strings.Join(probeArgs, "\x00") {
			return errors.New("bigfoot: the exec helper's argv read back as " + strconv.Quote(strings.Join(argv, " ")))
		}
		if _, err := h.write(h.fds[2], []byte("ok"), -1); err != nil {
			return err
		}
		h.closeStdio()
		return h.answer(recordExit, 0, 0)
	}()
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	if err := cmd.Wait(); err != nil {
		return err
	}
	if out.String() != "ok" {
		return errors.New("bigfoot: the exec helper's output read back as " + strconv.Quote(out.String()))
	}
	return nil
}

// The first byte of a helper's hello says which helper it is.
const (
	helloGo     = frameHello // the test binary: one socket, then frames
	helloNative = 'n'        // the native helper: its socket and fds 0, 1, 2
)

// recvHello receives a helper's hello over fd: its kind and the
// descriptors it sent, close-on-exec from the start so that no other
// process started meanwhile inherits them (a copy of a Cmd's stdout in
// another child would delay the EOF the Cmd's Wait waits for).
func recvHello(fd int) (byte, []int, error) {
	buf := make([]byte, 1)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := syscall.Recvmsg(fd, buf, oob, syscall.MSG_CMSG_CLOEXEC)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		if n == 0 {
			return 0, nil, errors.New("bigfoot: the exec helper ended before its hello")
		}
		msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return 0, nil, err
		}
		var fds []int
		for i := range msgs {
			got, err := syscall.ParseUnixRights(&msgs[i])
			if err == nil {
				fds = append(fds, got...)
			}
		}
		return buf[0], fds, nil
	}
}

// The native helper's records, {u32 value, u32 kind, timespec}.
const (
	recordRearm  = 'w' // re-arm its alarm: timespec seconds
	recordExit   = 'x' // sleep the timespec, exit with value
	recordSignal = 'k' // die by signal value
)

// The helper's alarm bounds each wait for the test (it starts with 30s of
// its own); while a run is served, the test re-arms it with nativeAlarm
// every keepalive, so that a long run (a slow reader of a big output, a
// long StdinTimeout) is not cut short. Variables for the tests.
var (
	nativeAlarm = helperTimeout
	keepalive   = 10 * time.Second
)

// nativeConn is the test's side of one native helper: fds[0] its socket,
// fds[1:4] copies of its fds 0, 1 and 2.
type nativeConn struct {
	fds  []int
	stop int // another descriptor whose hang-up ends the run (the seam's socket), or -1

	mu     sync.Mutex // guards closed, ka and writes to fds[0]
	closed [4]bool
	ka     *time.Timer // re-arms the helper's alarm, from keepAlive to its stop
}

// keepAlive re-arms the helper's alarm every keepalive until the
// returned stop is called.
func (h *nativeConn) keepAlive() (stop func()) {
	every, alarm := keepalive, nativeAlarm
	h.mu.Lock()
	defer h.mu.Unlock()
	var refresh func()
	refresh = func() {
		if h.answer(recordRearm, 0, alarm) == nil {
			h.mu.Lock()
			if h.ka != nil {
				h.ka.Reset(every)
			}
			h.mu.Unlock()
		}
	}
	h.ka = time.AfterFunc(every, refresh)
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ka.Stop()
		h.ka = nil
	}
}

func (h *nativeConn) closeFd(i int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed[i] {
		h.closed[i] = true
		syscall.Close(h.fds[i])
	}
}

// closeStdio closes the copies of the helper's fds 0, 1 and 2, so that
// the Cmd sees the ends of its pipes when the helper exits.
func (h *nativeConn) closeStdio() {
	for i := 1; i < len(h.fds); i++ {
		h.closeFd(i)
	}
}

func (h *nativeConn) closeAll() {
	for i := range h.fds {
		h.closeFd(i)
	}
}

// identify reads the helper's argv and directory from /proc, then checks
// that its socket is still open: the pid was the helper's all along.
func (h *nativeConn) identify() (argv []string, wd string, err error) {
	cred, err := syscall.GetsockoptUcred(h.fds[0], syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	if err != nil {
		return nil, "", os.NewSyscallError("getsockopt SO_PEERCRED", err)
	}
	proc := "/proc/" + strconv.Itoa(int(cred.Pid))
	b, err := readProc(proc + "/cmdline")
	if err != nil {
		return nil, "", err
	}
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil, "", errors.New("bigfoot: " + proc + "/cmdline is not an argv")
	}
	argv = strings.Split(string(b[:len(b)-1]), "\x00")
	if wd, err = os.Readlink(proc + "/cwd"); err != nil {
		return nil, "", err
	}
	if h.gone(0) {
		return nil, "", errHelperGone
	}
	return argv, wd, nil
}

// readProc reads a file of /proc whole, in as few system calls as it can
// (os.ReadFile adds an fstat, useless there: /proc sizes are 0).
func readProc(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

var errHelperGone = errors.New("bigfoot: the exec helper is gone")

// gone reports whether the helper has ended (its socket hung up) or the
// run was stopped, waiting up to d (0: just look).
func (h *nativeConn) gone(d time.Duration) bool {
	fds := []pollFd{{fd: int32(h.fds[0]), events: pollIn}}
	if h.stop >= 0 {
		fds = append(fds, pollFd{fd: int32(h.stop), events: pollIn})
	}
	n, err := pollFds(fds, d)
	return err != nil || n > 0
}

// answer sends one record to the helper.
func (h *nativeConn) answer(kind uint32, value uint32, d time.Duration) error {
	var rec [24]byte
	binary.LittleEndian.PutUint32(rec[0:], value)
	binary.LittleEndian.PutUint32(rec[4:], kind)
	ts := syscall.NsecToTimespec(int64(d))
	binary.LittleEndian.PutUint64(rec[8:], uint64(ts.Sec))
	binary.LittleEndian.PutUint64(rec[16:], uint64(ts.Nsec))
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed[0] {
		return errHelperGone
	}
	return syscall.Sendto(h.fds[0], rec[:], syscall.MSG_NOSIGNAL, nil)
}

// chunk bounds each write into the helper's fds: POLLOUT on a pipe
// promises room for PIPE_BUF bytes, so a write of at most that never
// blocks, and a helper that ends stops its output at once.
const chunk = 4096

// write writes b to fd as the helper would, until the helper ends or the
// run stops (errHelperGone), waiting up to d for room (-1: no bound).
func (h *nativeConn) write(fd int, b []byte, d time.Duration) (int, error) {
	done := 0
	for done < len(b) {
		fds := []pollFd{{fd: int32(fd), events: pollOut}, {fd: int32(h.fds[0]), events: pollIn}}
		if h.stop >= 0 {
			fds = append(fds, pollFd{fd: int32(h.stop), events: pollIn})
		}
		n, err := pollFds(fds, d)
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, errors.New("bigfoot: the exec helper's output was not read in time")
		}
		if fds[1].revents != 0 || len(fds) > 2 && fds[2].revents != 0 {
			return done, errHelperGone
		}
		m, err := syscall.Write(fd, b[done:min(len(b), done+chunk)])
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil {
			return done, err
		}
		done += m
	}
	return done, nil
}

// stdinEnd says how reading a helper's input ended.
type stdinEnd int

const (
	stdinEOF     stdinEnd = iota // its end: the writer closed it
	stdinTimeout                 // not within the plugin's StdinTimeout
	stdinGone                    // the helper ended or the run stopped first
)

// pump does what the scripted process does with its fds, at once as a
// process would (code may write all its input before it reads any
// output): it writes out, then errOut, to the helper's fds 1 and 2, and
// reads its fd 0 to the end, for up to timeout, until both are done or
// the helper ends (werr errHelperGone) or dies writing (werr EPIPE). One
// poll(2) loop, no goroutine.
func (h *nativeConn) pump(out, errOut []byte, timeout time.Duration) (stdin []byte, end stdinEnd, werr error) {
	outputs := [2][]byte{out, errOut}
	target := 0 // the output being written, 2 when both are
	for target < 2 && len(outputs[target]) == 0 {
		target++
	}
	reading := true
	deadline := time.Now().Add(timeout)
	fds := make([]pollFd, 0, 4)
	for target < 2 || reading {
		fds = fds[:0]
		fds = append(fds, pollFd{fd: int32(h.fds[0]), events: pollIn})
		if h.stop >= 0 {
			fds = append(fds, pollFd{fd: int32(h.stop), events: pollIn})
		}
		ends := len(fds)
		wi, ri := -1, -1
		if target < 2 {
			wi = len(fds)
			fds = append(fds, pollFd{fd: int32(h.fds[2+target]), events: pollOut})
		}
		wait := time.Duration(-1)
		if reading {
			if wait = time.Until(deadline); wait <= 0 {
				reading, end = false, stdinTimeout
				continue
			}
			ri = len(fds)
			fds = append(fds, pollFd{fd: int32(h.fds[1]), events: pollIn})
		}
		n, err := pollFds(fds, wait)
		if err != nil {
			return stdin, stdinGone, err
		}
		if n == 0 {
			reading, end = false, stdinTimeout
			continue
		}
		for i := 0; i < ends; i++ {
			if fds[i].revents != 0 {
				if reading {
					end = stdinGone
				}
				if target < 2 {
					werr = errHelperGone
				}
				return stdin, end, werr
			}
		}
		if wi >= 0 && fds[wi].revents != 0 {
			b := outputs[target]
			m, err := syscall.Write(h.fds[2+target], b[:min(len(b), chunk)])
			switch {
			case err == syscall.EINTR || err == syscall.EAGAIN:
			case err == syscall.EPIPE:
				// A process writing to a pipe nobody reads dies of
				// SIGPIPE and reads no more.
				return stdin, end, err
			case err != nil:
				werr = err // as a process that goes on after a failed write
				outputs[target] = nil
			default:
				outputs[target] = b[m:]
			}
			for target < 2 && len(outputs[target]) == 0 {
				target++
			}
		}
		if ri >= 0 && fds[ri].revents != 0 {
			if cap(stdin)-len(stdin) < 512 {
				stdin = slices.Grow(stdin, min(max(512, len(stdin)), 1<<20))
			}
			m, err := syscall.Read(h.fds[1], stdin[len(stdin):cap(stdin)])
			if err == syscall.EINTR || err == syscall.EAGAIN {
				continue
			}
			if m > 0 {
				stdin = stdin[:len(stdin)+m]
				continue
			}
			reading, end = false, stdinEOF // the end, or an input that cannot be read
		}
	}
	return stdin, end, werr
}

// serveNative is serve for the native helper (see serve): it identifies
// the helper, answers it from the script and records the run.
func (s *seamCmd) serveNative(fds []int) {
	h := &nativeConn{fds: fds, stop: s.parent}
	defer h.closeAll()
	if len(fds) != 4 {
		return
	}
	argv, wd, err := h.identify()
	if err != nil {
		if err != errHelperGone {
			herr := &HelperError{Err: err}
			s.p.v.Report(herr)
			h.write(h.fds[3], []byte(herr.Error()+"\n"), time.Second)
			h.closeStdio()
			h.answer(recordExit, 127, 0)
		}
		return
	}
	defer h.keepAlive()()

	dir := relativeDir(wd)
	p := s.p
	p.helperStarted()
	defer p.helperDone()
	sc, err := p.take(argv, dir)
	if err != nil {
		h.write(h.fds[3], []byte(err.Error()+"\n"), -1)
		h.closeStdio()
		h.answer(recordExit, 127, 0)
		return
	}
	stdin, end, werr := h.pump(sc.stdout, sc.stderr, p.stdinTimeout())
	if end == stdinTimeout {
		p.v.Report(p.stdinTimeoutErr(argv))
	}
	h.closeStdio()
	if h.stopped() {
		return // at verification: too late to record
	}
	if len(stdin) == 0 {
		stdin = nil
	}
	p.v.Record(Run, core.ValueOf(argv), core.String(dir), core.Bytes(stdin))
	switch werr {
	case errHelperGone: // killed: nobody to answer
	case syscall.EPIPE:
		h.answer(recordSignal, uint32(syscall.SIGPIPE), 0)
	default:
		h.answer(recordExit, uint32(sc.code), sc.duration)
	}
}

// stopped reports whether the run was stopped at verification.
func (h *nativeConn) stopped() bool {
	if h.stop < 0 {
		return false
	}
	n, err := pollFds([]pollFd{{fd: int32(h.stop), events: pollIn}}, 0)
	return err != nil || n > 0
}

// The poll(2) interface, through ppoll, which every Linux has.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollIn  = 0x1
	pollOut = 0x4
)

// pollFds waits up to d (-1: no bound) for an event on fds and returns
// how many have one; POLLERR, POLLHUP and POLLNVAL count as events.
func pollFds(fds []pollFd, d time.Duration) (int, error) {
	var ts *syscall.Timespec
	if d >= 0 {
		t := syscall.NsecToTimespec(int64(d))
		ts = &t
	}
	for {
		n, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)), uintptr(unsafe.Pointer(ts)), 0, 0, 0)
		if e == syscall.EINTR {
			continue // ppoll has left the time that remains in ts
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}
