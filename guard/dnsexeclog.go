package guard

// Hook points for name lookups, process starts and the default logger:
// the same shape as the dial hook (guard.go). Each has claimants ordered
// by layer; a claimant decides only calls that provably belong to an open
// sandbox (or, for commands, that a plugin's own seam made); calls of a
// closed sandbox are refused; other calls go on as usual (lookups, logs)
// or meet the command firewall (process starts).

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/bigfoot-go/bigfoot/core"
)

func init() {
	for _, set := range []func(func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)){
		setLookupHostHook, setLookupIPAddrHook, setLookupCNAMEHook, setLookupSRVHook, setLookupMXHook,
		setLookupNSHook, setLookupTXTHook, setLookupTXTFuncHook, setLookupAddrHook,
	} {
		set(lookupHook)
	}
	setStartProcessHook(startProcessHook)
	setProcessWaitHook(processWaitHook)
	setProcessSignalHook(processSignalHook)
	setLookPathHook(lookPathHook)
	setDefaultLoggerHook(defaultLoggerHook)
}

// ---------------------------------------------------------------------------
// Name lookups

// The kinds of lookup, as Lookup.Kind names them.
const (
	LookupHost  = "host"  // (*net.Resolver).LookupHost: addresses as strings
	LookupIP    = "ip"    // LookupIPAddr, LookupIP, LookupNetIP and a Dial's own lookups: []net.IPAddr
	LookupCNAME = "cname" // LookupCNAME
	LookupSRV   = "srv"   // LookupSRV
	LookupMX    = "mx"    // LookupMX
	LookupNS    = "ns"    // LookupNS
	LookupTXT   = "txt"   // LookupTXT
	LookupAddr  = "addr"  // LookupAddr (reverse)
)

// Lookup is an intercepted name lookup.
type Lookup struct {
	Kind string // one of the Lookup* kinds
	// Name is the host or domain looked up, as the code gave it; for
	// LookupAddr the address, for LookupSRV the domain.
	Name string
	// Network is, for LookupIP, the network the caller asked for: "ip",
	// "ip4", "ip6", or a dial's network ("tcp4", "udp"...), whose last
	// character selects the address family as in package net.
	Network string
	// Service and Proto are LookupSRV's first two arguments.
	Service, Proto string
	// LetThrough reports that the lookup is made on behalf of a dial that
	// a rule let through to the network (see DialClaim): the firewall and
	// the socket layer lets such lookups through too.
	LetThrough bool
	// CustomDial reports that the resolver has a Dial of its own: its DNS
	// travels over that dial (a test's socket seam, a dialer the code
	// chose), so a lookup no claimant answers goes on to it, the layer
	// below, rather than failing as unmocked.
	CustomDial bool
}

// LookupAnswer holds a lookup's results, in the field its Kind uses.
type LookupAnswer struct {
	Addrs []string     // LookupHost
	IPs   []net.IPAddr // LookupIP
	CNAME string       // LookupCNAME, and LookupSRV's first result
	SRV   []*net.SRV
	MX    []*net.MX
	NS    []*net.NS
	TXT   []string
	Names []string // LookupAddr
}

// LookupClaim is a claimant of the lookup hook points: the start of every
// (*net.Resolver) lookup method, before the resolver chooses between its
// Go and cgo implementations, so both are covered.
type LookupClaim struct {
	Name  string
	Layer int
	// Claim decides a lookup inside v's open sandbox. With Answer, the
	// answer and err are the lookup's results.
	Claim func(ctx context.Context, v *core.Verifier, q *Lookup) (Decision, *LookupAnswer, error)
}

// CommandClaim is a claimant of the process hook points: the start of
// os.StartProcess (which every exec.Cmd reaches), of os/exec.LookPath and
// of the os.Process methods that wait for and signal a process bigfoot
// started.
type CommandClaim struct {
	Name  string
	Layer int
	// Seam, if set, is asked first about every start, inside sandboxes or
	// not: it recognises a command its plugin's own seam made (by a file
	// of c.Files) and answers it. ok false leaves the start to Claim and
	// the firewall.
	Seam func(c *Command) (ok bool, p *Process, err error)
	// Claim decides a start inside v's open sandbox. With Answer, a
	// non-nil p is the scripted process, which runs in the test process
	// and starts nothing; a nil p with err fails the start with err.
	Claim func(v *core.Verifier, c *Command) (Decision, *Process, error)
	// LookPath, if set, may resolve a command name that exec.LookPath
	// would not find, inside v's open sandbox (a scripted binary that is
	// not installed); ok false leaves it to the real lookup.
	LookPath func(v *core.Verifier, file string) (path string, ok bool)
}

// LogClaim is a claimant of the default logger's hook point: the start of
// slog.Default, through which the package-level slog.Info, slog.Warn,
// ... pass.
type LogClaim struct {
	Name  string
	Layer int
	// Logger returns the logger slog.Default returns inside v's open
	// sandbox, or nil to leave it to lower layers (and, with none, to the
	// real default logger).
	Logger func(v *core.Verifier) *slog.Logger
}

var (
	lookupClaims atomic.Pointer[[]LookupClaim]
	cmdClaims    atomic.Pointer[[]CommandClaim]
	logClaims    atomic.Pointer[[]LogClaim]
)

// ClaimLookup adds a claimant of the lookup hook points; call it from init.
func ClaimLookup(c LookupClaim) {
	addClaim(&lookupClaims, c, func(c LookupClaim) int { return c.Layer })
}

// ClaimCommand adds a claimant of the process hook points; call it from init.
func ClaimCommand(c CommandClaim) {
	addClaim(&cmdClaims, c, func(c CommandClaim) int { return c.Layer })
	if c.Seam != nil {
		seamClaims.Store(true)
	}
}

// ClaimLog adds a claimant of the default logger's hook point; call it from init.
func ClaimLog(c LogClaim) { addClaim(&logClaims, c, func(c LogClaim) int { return c.Layer }) }

func addClaim[C any](p *atomic.Pointer[[]C], c C, layer func(C) int) {
	claimMu.Lock()
	defer claimMu.Unlock()
	var list []C
	if old := p.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, c)
	sort.SliceStable(list, func(i, j int) bool { return layer(list[i]) > layer(list[j]) })
	p.Store(&list)
}

// LetThroughContext reports whether ctx is the context of a dial that was
// let through to the network (see dialHook), so that the lookups and DNS
// dials made on its behalf are let through as well.
func LetThroughContext(ctx context.Context) bool {
	return ctx != nil && ctx.Value(letThroughKey{}) != nil
}

// lookupHook is installed at the start of every lookup method of
// net.Resolver. kind is one of the Lookup* kinds; arg1 and arg2 are the
// network (LookupIP) or service and proto (LookupSRV); dial tells whether
// the resolver has a Dial of its own. A lookup outside every sandbox is
// decided by the guard level of dns before any resolver runs
// (lookupOutside): it sends no query unless it is let through.
func lookupHook(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if (kind == LookupHost || kind == LookupIP) && (name == "" || isIPLiteral(name)) {
		return false, nil, nil // net answers these itself, without a lookup
	}
	owner := core.SandboxOwner(ctx)
	if !owner.Open && !owner.Closed {
		// Outside every sandbox: the guard level of dns (kinds.go).
		return lookupOutside(ctx, owner, kind, name, arg1, arg2, dial)
	}
	q := &Lookup{Kind: kind, Name: name, LetThrough: LetThroughContext(ctx), CustomDial: dial}
	switch kind {
	case LookupIP:
		q.Network = arg1
	case LookupSRV:
		q.Service, q.Proto = arg1, arg2
	}
	d, ans, err := decideLookup(ctx, owner, q)
	if d != Answer {
		return false, nil, nil
	}
	if err != nil {
		return true, nil, err
	}
	if ans == nil {
		ans = &LookupAnswer{}
	}
	switch kind {
	case LookupHost:
		return true, ans.Addrs, nil
	case LookupIP:
		return true, ans.IPs, nil
	case LookupCNAME:
		return true, ans.CNAME, nil
	case LookupSRV:
		return true, struct {
			CNAME string
			Addrs []*net.SRV
		}{ans.CNAME, ans.SRV}, nil
	case LookupMX:
		return true, ans.MX, nil
	case LookupNS:
		return true, ans.NS, nil
	case LookupTXT:
		return true, ans.TXT, nil
	case LookupAddr:
		return true, ans.Names, nil
	}
	return false, nil, nil
}

func isIPLiteral(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// DecideLookup decides an intercepted lookup: the claimants of its open
// sandbox (and, when none answers, an unmocked failure at the DNS level,
// so that the system resolver never dials the socket layer for it), a
// post-sandbox refusal, or Pass for a lookup that belongs to no open
// sandbox (the hook then decides it by the guard level of dns, before any
// resolver runs; a plugin's seam that calls DecideLookup decides such a
// lookup itself). A lookup that no claimant answers goes on (Pass) when it
// is made for a let-through dial, or by a resolver with a Dial of its own
// (its DNS goes over that dial, to the layer below).
func DecideLookup(ctx context.Context, q *Lookup) (Decision, *LookupAnswer, error) {
	return decideLookup(ctx, core.SandboxOwner(ctx), q)
}

func decideLookup(ctx context.Context, owner core.Owner, q *Lookup) (Decision, *LookupAnswer, error) {
	switch {
	case owner.Open:
		if claims := lookupClaims.Load(); claims != nil {
			for _, cl := range *claims {
				d, ans, err := cl.Claim(ctx, owner.Verifier, q)
				switch d {
				case Answer:
					return Answer, ans, err
				case LetThrough:
					if q.LetThrough || q.CustomDial {
						return Pass, nil, nil
					}
				}
			}
		}
		if q.LetThrough || q.CustomDial {
			return Pass, nil, nil
		}
		if recordMode != nil {
			return recordLookup(ctx, owner.Verifier, q)
		}
		err := &core.UnmockedInteractionError{Plugin: "dns", Step: q.Kind, Call: "lookup " + q.Name,
			Reason: "no plugin answers name lookups in this binary",
			Fix:    "import _ \"github.com/bigfoot-go/bigfoot/bfdns\" // the DNS plugin answers lookups from its script"}
		owner.Verifier.Report(err)
		return Answer, nil, err
	case owner.Closed:
		return Answer, nil, PostSandbox(owner, "dns", "lookup "+q.Name)
	}
	return Pass, nil, nil
}

// ---------------------------------------------------------------------------
// The default logger

// defaultLoggerHook is installed at the start of slog.Default: inside an
// open sandbox whose test used a log plugin, the plugin's logger is the
// default one. With no sandbox open it costs one atomic load.
func defaultLoggerHook() *slog.Logger {
	if !core.AnySandboxOpen() {
		return nil
	}
	owner := core.SandboxOwner(nil)
	if !owner.Open {
		return nil
	}
	if claims := logClaims.Load(); claims != nil {
		for _, cl := range *claims {
			if l := cl.Logger(owner.Verifier); l != nil {
				return l
			}
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Process starts

// Command is an intercepted process start: os.StartProcess's arguments.
type Command struct {
	Path string   // the program, as exec.Cmd.Path gives it
	Args []string // argv, Args[0] included
	Dir  string   // the working directory as given ("" for the test's own)
	Env  []string
	// Files are the child's files: standard input, output and error,
	// then exec.Cmd.ExtraFiles.
	Files []*os.File
}

// Process is a scripted process: it runs in the test process, in a
// goroutine of its own, and nothing is started. The *os.Process the code
// receives has a pid above every real one (from 1<<30); its Wait, Signal
// and Kill are answered by bigfoot, so exec.Cmd behaves as with a real
// process: pipes, Output, CombinedOutput, *exec.ExitError, contexts that
// kill it.
type Process struct {
	// Run is the process's body. It reads io.Stdin, writes io.Stdout and
	// io.Stderr (which bigfoot closes when Run returns, as a process's
	// files close when it exits), and returns the exit code. It must
	// return soon after io.Killed is closed; the process then ends with
	// the signal, whatever Run returns.
	Run func(io *ProcessIO) int
}

// ProcessIO is a scripted process's standard files and its kill signal.
type ProcessIO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Killed is closed when the process is sent a signal that ends it.
	Killed <-chan struct{}
}

// seamClaims is set once a claimant has a Seam: only then does every
// start pay for asking it.
var seamClaims atomic.Bool

// startProcessHook is installed at the start of os.StartProcess. With no
// sandbox open, no seam claimant and no command rule, it costs two atomic
// loads.
func startProcessHook(name string, argv []string, attr *os.ProcAttr) (bool, int, error) {
	if attr == nil {
		return false, 0, nil // os fails it with its own message
	}
	if !core.AnySandboxOpen() && !seamClaims.Load() && !cmdRulesSet.Load() && core.SandboxOwner(nil).Verifier == nil {
		return false, 0, nil
	}
	c := &Command{Path: name, Args: argv, Dir: attr.Dir, Env: attr.Env, Files: attr.Files}
	d, p, err := StartCommand(c)
	switch {
	case d != Answer:
		return false, 0, nil
	case err != nil:
		return true, 0, err
	case p == nil:
		return true, 0, errors.New("bigfoot: a command claimant answered a start with neither a process nor an error")
	}
	pid, err := startFake(c, p)
	return true, pid, err
}

// StartCommand decides an intercepted process start: a plugin's seam, the
// claimants of its open sandbox (an unscripted command inside a sandbox
// fails as unmocked and never runs), a post-sandbox refusal, or the
// command firewall. It returns Pass for a start that goes on for real.
func StartCommand(c *Command) (Decision, *Process, error) {
	if isRecordPass(c.Env) {
		return Pass, nil, nil // the real run of a recorded command
	}
	claims := cmdClaims.Load()
	if claims != nil && seamClaims.Load() {
		for _, cl := range *claims {
			if cl.Seam == nil {
				continue
			}
			if ok, p, err := cl.Seam(c); ok {
				return Answer, p, err
			}
		}
	}
	owner := core.SandboxOwner(nil)
	switch {
	case owner.Open:
		if claims != nil {
			for _, cl := range *claims {
				if cl.Claim == nil {
					continue
				}
				if d, p, err := cl.Claim(owner.Verifier, c); d != Pass {
					return d, p, err
				}
			}
		}
		if recordMode != nil {
			return recordCommand(owner.Verifier, c)
		}
		err := &core.UnmockedInteractionError{Plugin: "exec", Step: "run", Call: strings.Join(c.Args, " "),
			Reason: "no plugin answers process starts in this binary",
			Fix:    "import _ \"github.com/bigfoot-go/bigfoot/bfexec\" // the exec plugin answers commands from its script"}
		owner.Verifier.Report(err)
		return Answer, nil, err
	case owner.Closed:
		return Answer, nil, PostSandbox(owner, "exec", "start "+strings.Join(c.Args, " "))
	}
	if refused := CheckCommand(c.Path, c.Args); refused != nil {
		// The guard level of exec decides: refused (and reported), or
		// started for real at warn and off.
		if err := Enforce(KindExec, owner, "exec start "+commandCall(c), refused, ""); err != nil {
			return Answer, nil, err
		}
	}
	return Pass, nil, nil
}

// commandCall names a process start in warnings: its argv, cut to a
// bounded length, so that warn counts each distinct command line.
func commandCall(c *Command) string {
	s := strings.Join(c.Args, " ")
	if s == "" {
		s = c.Path
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// lookPathHook is installed at the start of os/exec.LookPath: a
// claimant may resolve, inside its sandbox, a scripted command that is not
// installed.
func lookPathHook(file string) (bool, string, error) {
	if !core.AnySandboxOpen() {
		return false, "", nil
	}
	owner := core.SandboxOwner(nil)
	if !owner.Open {
		return false, "", nil
	}
	if claims := cmdClaims.Load(); claims != nil {
		for _, cl := range *claims {
			if cl.LookPath == nil {
				continue
			}
			if path, ok := cl.LookPath(owner.Verifier, file); ok {
				return true, path, nil
			}
		}
	}
	return false, "", nil
}

// Scripted processes. Their pids start above the largest pid Linux can
// give (1<<22), so a pid never names both a real and a scripted process.
const firstFakePid = 1 << 30

var fakes struct {
	mu    sync.Mutex // guards byPid
	byPid map[int]*fakeProcess
	next  atomic.Int64
}

// fakeProcess is one scripted process.
type fakeProcess struct {
	pid  int
	done chan struct{} // closed when the process has exited; status is set then

	// mu guards the fields below.
	mu     sync.Mutex
	status syscall.WaitStatus
	sig    syscall.Signal // the signal that ended it, 0 if none
	killed chan struct{}  // closed by a signal that ends it
	reaped bool
}

// startFake starts p as the process of c and returns its pid. It takes
// copies of the child's standard files first: os/exec closes its own ends
// as soon as the start returns, as it does after a real fork.
func startFake(c *Command, p *Process) (int, error) {
	var files [3]*os.File
	for i := 0; i < 3 && i < len(c.Files); i++ {
		if c.Files[i] == nil {
			continue
		}
		// An output given twice (CombinedOutput) is copied once, so that
		// one close ends it.
		for j := 0; j < i; j++ {
			if c.Files[j] == c.Files[i] {
				files[i] = files[j]
			}
		}
		if files[i] != nil {
			continue
		}
		f, err := dupFile(c.Files[i])
		if err != nil {
			for _, g := range files {
				if g != nil {
					g.Close()
				}
			}
			return 0, &os.SyscallError{Syscall: "dup", Err: err}
		}
		files[i] = f
	}
	fp := &fakeProcess{pid: firstFakePid + int(fakes.next.Add(1)), done: make(chan struct{}), killed: make(chan struct{})}
	fakes.mu.Lock()
	if fakes.byPid == nil {
		fakes.byPid = map[int]*fakeProcess{}
	}
	fakes.byPid[fp.pid] = fp
	fakes.mu.Unlock()

	pio := &ProcessIO{Stdin: eofReader{}, Stdout: io.Discard, Stderr: io.Discard, Killed: fp.killed}
	if files[0] != nil {
		pio.Stdin = files[0]
	}
	if files[1] != nil {
		pio.Stdout = files[1]
	}
	if files[2] != nil {
		pio.Stderr = files[2]
	}
	go func() {
		code := runProcess(p, pio)
		closed := map[*os.File]bool{}
		for _, f := range files {
			if f != nil && !closed[f] {
				closed[f] = true
				f.Close()
			}
		}
		fp.mu.Lock()
		if fp.sig != 0 {
			fp.status = syscall.WaitStatus(fp.sig) // terminated by a signal
		} else {
			fp.status = syscall.WaitStatus((code & 0xff) << 8)
		}
		fp.mu.Unlock()
		close(fp.done)
	}()
	return fp.pid, nil
}

// runProcess runs p's body; a panic in it ends the process with exit
// code 2 and the panic on its standard error, as a Go program's would.
func runProcess(p *Process, pio *ProcessIO) (code int) {
	defer func() {
		if r := recover(); r != nil {
			io.WriteString(pio.Stderr, "panic in scripted process: "+core.Bound(strings.TrimSpace(sprint(r)))+"\n")
			code = 2
		}
	}()
	return p.Run(pio)
}

func sprint(x any) string {
	if e, ok := x.(error); ok {
		return e.Error()
	}
	if s, ok := x.(string); ok {
		return s
	}
	return "non-string panic value"
}

type eofReader struct{}

// Read reports the end at once: the standard input of a process given none.
func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// dupFile returns a new *os.File for f's descriptor, made without putting
// f into blocking mode, so that a pipe stays in the poller and closing the
// copy interrupts a read on it.
func dupFile(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var derr error
	if err := rc.Control(func(fd uintptr) {
		nfd, derr = syscall.Dup(int(fd))
		if derr == nil {
			syscall.CloseOnExec(nfd)
		}
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

func fakeByPid(pid int) *fakeProcess {
	if pid < firstFakePid {
		return nil
	}
	fakes.mu.Lock()
	defer fakes.mu.Unlock()
	return fakes.byPid[pid]
}

// processWaitHook is installed at the start of (*os.Process).Wait. For a
// scripted process it waits for its end and returns its wait status.
func processWaitHook(pid int) (bool, int, error) {
	fp := fakeByPid(pid)
	if fp == nil {
		return false, 0, nil
	}
	<-fp.done
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if fp.reaped {
		return true, 0, os.NewSyscallError("waitid", syscall.ECHILD)
	}
	fp.reaped = true
	fakes.mu.Lock()
	delete(fakes.byPid, pid)
	fakes.mu.Unlock()
	return true, int(fp.status), nil
}

// processSignalHook is installed at the start of (*os.Process).Signal,
// which Kill also calls. A signal that ends a process ends a scripted one;
// signal 0 and the stop/continue family only check that it exists.
func processSignalHook(pid int, sig os.Signal) (bool, error) {
	if pid < firstFakePid {
		return false, nil
	}
	fp := fakeByPid(pid)
	if fp == nil {
		return true, os.ErrProcessDone // waited for already
	}
	s, ok := sig.(syscall.Signal)
	if !ok {
		return true, errors.New("os: unsupported signal type")
	}
	select {
	case <-fp.done:
		return true, nil // exited, not yet waited for: a zombie takes signals
	default:
	}
	switch s {
	case 0, syscall.SIGSTOP, syscall.SIGCONT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU,
		syscall.SIGCHLD, syscall.SIGURG, syscall.SIGWINCH:
		return true, nil
	}
	fp.mu.Lock()
	if fp.sig == 0 {
		fp.sig = s
		close(fp.killed)
	}
	fp.mu.Unlock()
	return true, nil
}

// ---------------------------------------------------------------------------
// The command firewall

// Process starts outside every sandbox are allowed by default: test
// helpers and tools run as usual. Rules refuse them, for the whole
// process (SetCommandFirewall) or while a test runs (AddCommandRules). A
// rule is a command's base name ("curl"), an absolute path
// ("/usr/bin/curl"), or "*" for every command; allow rules win over deny
// rules, so Deny: {"*"}, Allow: {"git"} refuses everything but git.

// CommandFirewall is the process-wide policy for process starts outside
// sandboxes. The zero value allows every start.
type CommandFirewall struct {
	Deny  []string
	Allow []string
}

type cmdRules struct {
	owner       string
	deny, allow []string
}

var cmdFirewall struct {
	mu      sync.Mutex // guards project and tests
	project cmdRules
	tests   []*cmdRules
	snap    atomic.Pointer[[]*cmdRules]
}

// cmdRulesSet is set while any command rule is in force, so that process
// starts pay for the firewall only then.
var cmdRulesSet atomic.Bool

// CommandRuleError is returned for a command rule that cannot be read.
type CommandRuleError struct {
	Rule   string
	Reason string
}

// Error says which rule is invalid, why, and which forms a rule may take.
func (e *CommandRuleError) Error() string {
	return "bigfoot: invalid command rule " + strconv.Quote(e.Rule) + ": " + e.Reason +
		"\nfix: write a command's base name (\"curl\"), an absolute path (\"/usr/bin/curl\") or \"*\""
}

func checkCommandRules(rules []string) error {
	for _, r := range rules {
		switch {
		case r == "*":
		case r == "" || strings.ContainsAny(r, " \t\n"):
			return &CommandRuleError{Rule: r, Reason: "a rule is one name or path, with no spaces"}
		case strings.Contains(r, "/") && !filepath.IsAbs(r):
			return &CommandRuleError{Rule: r, Reason: "a path must be absolute"}
		}
	}
	return nil
}

// SetCommandFirewall replaces the process-wide command policy, typically
// once in TestMain. An invalid rule leaves it as it was and is returned
// as a *CommandRuleError.
func SetCommandFirewall(cfg CommandFirewall) error {
	if err := checkCommandRules(append(append([]string(nil), cfg.Deny...), cfg.Allow...)); err != nil {
		return err
	}
	cmdFirewall.mu.Lock()
	defer cmdFirewall.mu.Unlock()
	cmdFirewall.project = cmdRules{owner: "guard.SetCommandFirewall", deny: cfg.Deny, allow: cfg.Allow}
	rebuildCommandFirewall()
	return nil
}

// AddCommandRules adds deny and allow rules until remove is called (by a
// test's cleanup); owner names who added them in messages, as Go code.
// They apply to every start outside sandboxes while in force.
func AddCommandRules(owner string, deny, allow []string) (remove func(), err error) {
	if err := checkCommandRules(append(append([]string(nil), deny...), allow...)); err != nil {
		return nil, err
	}
	r := &cmdRules{owner: owner, deny: deny, allow: allow}
	cmdFirewall.mu.Lock()
	cmdFirewall.tests = append(cmdFirewall.tests, r)
	rebuildCommandFirewall()
	cmdFirewall.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			cmdFirewall.mu.Lock()
			defer cmdFirewall.mu.Unlock()
			for i, x := range cmdFirewall.tests {
				if x == r {
					cmdFirewall.tests = append(cmdFirewall.tests[:i], cmdFirewall.tests[i+1:]...)
					break
				}
			}
			rebuildCommandFirewall()
		})
	}, nil
}

// rebuildCommandFirewall publishes the rules in force. Call with cmdFirewall.mu held.
func rebuildCommandFirewall() {
	var list []*cmdRules
	if len(cmdFirewall.project.deny)+len(cmdFirewall.project.allow) > 0 {
		p := cmdFirewall.project
		list = append(list, &p)
	}
	list = append(list, cmdFirewall.tests...)
	cmdFirewall.snap.Store(&list)
	set := false
	for _, r := range list {
		if len(r.deny) > 0 {
			set = true
		}
	}
	cmdRulesSet.Store(set)
}

func commandRuleMatches(rule, path, argv0 string) bool {
	switch {
	case rule == "*":
		return true
	case filepath.IsAbs(rule):
		return rule == path
	}
	return rule == filepath.Base(path) || rule == filepath.Base(argv0)
}

// CheckCommand decides a process start outside every sandbox by the
// command firewall: nil lets it start, a *core.GuardedCallError refuses
// it, naming the rule and how to allow it. It does not apply the guard
// level of exec (StartCommand does, with Enforce): the refusal is what
// level error returns.
func CheckCommand(path string, argv []string) *core.GuardedCallError {
	if !cmdRulesSet.Load() {
		return nil
	}
	snap := cmdFirewall.snap.Load()
	if snap == nil {
		return nil
	}
	argv0 := path
	if len(argv) > 0 {
		argv0 = argv[0]
	}
	for _, r := range *snap {
		for _, a := range r.allow {
			if commandRuleMatches(a, path, argv0) {
				return nil
			}
		}
	}
	for _, r := range *snap {
		for _, d := range r.deny {
			if commandRuleMatches(d, path, argv0) {
				n := core.CurrentNames()
				name := filepath.Base(argv0)
				return &core.GuardedCallError{Plugin: "exec", Op: "start", Network: "command", Address: strings.Join(argv, " "),
					Reason: "the start is outside every sandbox, and the rule " + strconv.Quote(d) + " (" + r.owner + ") refuses it",
					Fix: "// let it start for real, while the test runs:\nbfexec.AllowCommands(t, " + strconv.Quote(name) + ")\n" +
						"// or, while migrating a suite, let refused starts through, each reported once with a count:\n" +
						n.Package + ".Guard(t, " + n.Package + ".GuardExec, " + n.Package + ".Warn)\n" +
						"// or answer it from a script: start it inside " + n.Verifier + ".Sandbox, after\n" +
						n.Verifier + ".Exec().Expect(" + goStrings(argv) + ", bfexec.Result{})"}
			}
		}
	}
	return nil
}

// goStrings renders a []string as a Go composite literal.
func goStrings(list []string) string {
	var b strings.Builder
	b.WriteString("[]string{")
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(s))
	}
	b.WriteString("}")
	return b.String()
}
