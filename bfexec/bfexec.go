package bfexec

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Result is a scripted command's outcome: what it writes to its standard
// output and error, and its exit code (0 to 255). Duration, if positive,
// is how long it keeps running after writing its output, so that a
// context or a Kill can end it first (it then ends with the signal:
// *exec.ExitError "signal: killed", ExitCode -1).
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int
	Duration       time.Duration
}

// Run is the source of the plugin's interactions, one per command run,
// for the generic form:
//
//	bf.AssertInteraction(bfexec.Run, bigfoot.Fields{
//		"argv":  []string{"git", "status"},
//		"dir":   bigfoot.Any(),
//		"stdin": []byte(nil),
//	})
//
// The fields are the argv the process got (a []string, Args[0]
// included), the working directory as exec.Cmd.Dir gave it ("" for the
// test's own), and the standard input the process read, whole (a []byte,
// nil for none).
var Run = &core.Source{Plugin: "exec", Name: "run", Fields: []string{"argv", "dir", "stdin"}, GoExpr: "bfexec.Run",
	Hint: func(v []core.Value) string {
		return core.CurrentNames().Verifier + ".Exec().AssertRun(" + v[0].GoString() + ", " + v[1].GoString() + ", " + v[2].GoString() + ")"
	}}

// DefaultStdinTimeout bounds how long a scripted command waits for its
// standard input to reach its end (see Plugin.StdinTimeout).
const DefaultStdinTimeout = 10 * time.Second

// Plugin is the exec plugin of one verifier.
type Plugin struct {
	v *core.Verifier
	q *core.Queue

	// StdinTimeout, when positive, overrides DefaultStdinTimeout: a
	// scripted command whose standard input has not reached its end by
	// then (code that never closes a StdinPipe) fails the test instead
	// of hanging, and goes on with what it read. Set it before the
	// sandbox.
	StdinTimeout time.Duration

	// mu guards names, serving, served and marker.
	mu      sync.Mutex
	marker  *os.File        // marks the seam's Cmds under bigfoot test (see seam.go)
	names   map[string]bool // argv[0] of every scripted command, for LookPath
	serving int             // helper processes started and not yet recorded (plain go test)
	served  chan struct{}   // closed when serving drops to 0; nil when nobody waits
}

// scripted is a Result as Expect stored it: bytes copied.
type scripted struct {
	stdout, stderr []byte
	code           int
	duration       time.Duration
}

var key = core.NewKey[*Plugin]("exec", "bf.Exec()")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/bfexec")
	guard.ClaimCommand(guard.CommandClaim{Name: "exec", Layer: guard.LayerRequest, Seam: claimSeam, Claim: claim, LookPath: lookPath})
}

func newPlugin(v *core.Verifier) *Plugin {
	p := &Plugin{v: v, q: core.NewQueue(v, &core.QueueSpec{Plugin: "exec"}), names: map[string]bool{}}
	v.OnSandboxExit(p.awaitHelpers)
	v.OnVerify(func() error { closeSeams(p); return nil })
	return p
}

// For returns h's exec plugin, creating it on first use; bf.Exec() is For(bf).
func For(h core.Host) *Plugin { return key.Of(h, newPlugin) }

// NewPlugin creates h's exec plugin, for manual use. Each verifier has at
// most one: a second call returns an error for which
// errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(h core.Host) (*Plugin, error) { return key.New(h, newPlugin) }

// argvKey is the queue key of an argv: exact, element by element.
func argvKey(argv []string) string { return strings.Join(argv, "\x00") }

// Expect scripts result as the outcome of one run of the command argv
// (Args[0] included, as the code passes it: "git", not "/usr/bin/git").
// A start takes the first unused step whose argv equals its own; equal
// ones are taken in the order they were scripted. bigfoot.Raises(err)
// makes the start fail with err instead (cmd.Start returns it; the start
// is still recorded); bigfoot.Optional() marks a command the code may not
// run. An empty argv or an exit code outside 0 to 255 is a misuse,
// reported here.
func (p *Plugin) Expect(argv []string, result Result, opts ...core.StepOption) *Plugin {
	script := expectCall(argv, result, opts)
	if err := checkScript(argv, result, script); err != nil {
		p.v.Reporter().Helper()
		p.v.Misuse(err)
		return p
	}
	sc := &scripted{stdout: clone(result.Stdout), stderr: clone(result.Stderr), code: result.ExitCode, duration: result.Duration}
	p.q.Add(core.Entry{Key: argvKey(argv), Returns: sc, Script: script}, core.Caller(0), opts...)
	p.mu.Lock()
	p.names[argv[0]] = true
	p.mu.Unlock()
	return p
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// ScriptError is reported when Expect is given a script no command could
// take.
type ScriptError struct {
	Call   string // the Expect call, as Go
	Reason string
	Fix    string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ScriptError) Error() string {
	return "bigfoot: " + e.Call + ": " + e.Reason + "\nfix:\n\t" + strings.ReplaceAll(e.Fix, "\n", "\n\t")
}

func checkScript(argv []string, r Result, call string) error {
	acc := core.CurrentNames().Verifier + ".Exec()"
	switch {
	case len(argv) == 0 || argv[0] == "":
		return &ScriptError{Call: call, Reason: "the argv is empty; a command has at least its name, as exec.Command's first argument",
			Fix: acc + `.Expect([]string{"git", "status"}, bfexec.Result{Stdout: []byte("...")})`}
	case r.ExitCode < 0 || r.ExitCode > 255:
		return &ScriptError{Call: call, Reason: "the exit code " + strconv.Itoa(r.ExitCode) + " is not one a process can exit with (0 to 255); a process ended by a signal is scripted with a Duration and killed by the code's context",
			Fix: acc + ".Expect(" + goStrings(argv) + ", bfexec.Result{ExitCode: 1})"}
	case r.Duration < 0:
		return &ScriptError{Call: call, Reason: "the Duration is negative",
			Fix: acc + ".Expect(" + goStrings(argv) + ", bfexec.Result{Duration: time.Second})"}
	}
	return nil
}

// expectCall renders an Expect call for messages.
func expectCall(argv []string, r Result, opts []core.StepOption) string {
	var b strings.Builder
	b.WriteString(core.CurrentNames().Verifier)
	b.WriteString(".Exec().Expect(")
	b.WriteString(goStrings(argv))
	b.WriteString(", bfexec.Result{")
	var parts []string
	if r.Stdout != nil {
		parts = append(parts, "Stdout: "+core.Bytes(r.Stdout).GoString())
	}
	if r.Stderr != nil {
		parts = append(parts, "Stderr: "+core.Bytes(r.Stderr).GoString())
	}
	if r.ExitCode != 0 {
		parts = append(parts, "ExitCode: "+strconv.Itoa(r.ExitCode))
	}
	if r.Duration != 0 {
		parts = append(parts, "Duration: "+strconv.FormatInt(int64(r.Duration), 10))
	}
	b.WriteString(strings.Join(parts, ", "))
	b.WriteString("}")
	raises, optional := core.ApplyOptions(opts)
	n := core.CurrentNames().Package
	if raises != nil {
		b.WriteString(", " + n + ".Raises(...)")
	}
	if optional {
		b.WriteString(", " + n + ".Optional()")
	}
	b.WriteString(")")
	return b.String()
}

// goStrings renders a []string as a Go composite literal.
func goStrings(list []string) string {
	var b strings.Builder
	b.WriteString("[]string{")
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(core.String(s).GoString())
	}
	b.WriteString("}")
	return b.String()
}

// AssertRun asserts that the next interaction is a run of argv in dir
// (as exec.Cmd.Dir gave it, "" for the test's own directory) that read
// stdin (nil for none) from its standard input.
func (p *Plugin) AssertRun(argv []string, dir string, stdin []byte) error {
	err := p.v.CheckValues(Run, core.ValueOf(argv), core.String(dir), core.Bytes(stdin))
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// take answers a start of argv: the scripted step, or the failure
// (reported) of a start outside the sandbox or with no step left. A step
// scripted with Raises is recorded here, since the process never runs.
func (p *Plugin) take(argv []string, dir string) (*scripted, error) {
	if !p.v.InSandbox() {
		n := core.CurrentNames()
		err := &core.GuardedCallError{Plugin: "exec", Op: "start", Network: "command", Address: strings.Join(argv, " "),
			Reason: "no sandbox is open; commands are answered only inside " + n.Verifier + ".Sandbox",
			Fix:    n.Verifier + ".Sandbox(func() {\n\terr := " + n.Verifier + ".Exec().Command(" + argsList(argv) + ").Run()\n\t// ...\n})"}
		// A guard level of warn or off cannot let it through: the command is the plugin's, and starts nothing.
		return nil, guard.RefuseOutside(guard.KindExec, p.v, "exec start "+strings.Join(argv, " "), err,
			"the command is the exec plugin's ("+n.Verifier+".Exec().Command), which starts no process")
	}
	ent, err := p.q.Take(argvKey(argv), argv, func(e *core.Entry) error {
		if e.Err != nil {
			p.v.Record(Run, core.ValueOf(argv), core.String(dir), core.Bytes(nil))
		}
		return nil
	})
	if err == nil && ent == nil {
		err = p.unmocked(argv)
	}
	if err != nil {
		p.v.Report(err)
		return nil, err
	}
	if ent.Err != nil {
		return nil, ent.Err
	}
	return ent.Returns.(*scripted), nil
}

func argsList(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = core.String(a).GoString()
	}
	return strings.Join(q, ", ")
}

// unmocked builds the failure of a start no step answers, listing what
// is scripted.
func (p *Plugin) unmocked(argv []string) error {
	reason := "no scripted step is left for this argv"
	if pending, more := p.q.Pending(5); len(pending) > 0 {
		var lines []string
		for _, e := range pending {
			lines = append(lines, "\t"+e.Script)
		}
		reason += "; the steps not yet taken:\n" + strings.Join(lines, "\n")
		if more > 0 {
			reason += "\n\t... and " + strconv.Itoa(more) + " more"
		}
	}
	return &core.UnmockedInteractionError{Plugin: "exec", Step: "run", Call: strings.Join(argv, " "),
		Reason: reason,
		Fix:    "// script the command before the sandbox; it never runs for real:\n" + expectCall(argv, Result{Stdout: []byte("output\n")}, nil)}
}

// stdinTimeout is the bound on reading a scripted command's stdin.
func (p *Plugin) stdinTimeout() time.Duration {
	if p.StdinTimeout > 0 {
		return p.StdinTimeout
	}
	return DefaultStdinTimeout
}

// stdinTimeoutErr is the failure of a command whose stdin never ended.
func (p *Plugin) stdinTimeoutErr(argv []string) error {
	return &StdinTimeoutError{Argv: argv, Timeout: p.stdinTimeout()}
}

// StdinTimeoutError is reported when a scripted command's standard input
// does not reach its end within the plugin's StdinTimeout.
type StdinTimeoutError struct {
	Argv    []string
	Timeout time.Duration
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *StdinTimeoutError) Error() string {
	return "bigfoot: the scripted command " + strings.Join(e.Argv, " ") + " waited " + e.Timeout.String() +
		" for its standard input to end, which it reads whole; the run is recorded with what it read\n" +
		"fix:\n\t// close the writer the code got from StdinPipe once it has written everything:\n\tstdin.Close()"
}

// ---------------------------------------------------------------------------
// Transparent mode

// claim answers, inside v's sandbox, every process start: from the
// script when the test used bf.Exec(), else as unmocked. Nothing runs.
func claim(v *core.Verifier, c *guard.Command) (guard.Decision, *guard.Process, error) {
	p, used := key.Get(v)
	if !used {
		if guard.Recording() {
			return guard.Pass, nil, nil // the recorder runs commands the test never scripted
		}
		err := &core.UnmockedInteractionError{Plugin: "exec", Step: "run", Call: strings.Join(c.Args, " "),
			Reason: "processes started inside a sandbox are answered from bf.Exec()'s script, and this test scripts none",
			Fix:    "// script the command before the sandbox; it never runs for real:\n" + expectCall(c.Args, Result{Stdout: []byte("output\n")}, nil)}
		v.Report(err)
		return guard.Answer, nil, err
	}
	proc, err := p.process(c.Args, c.Dir)
	return guard.Answer, proc, err
}

// process answers a start with a scripted process, run in the test
// process.
func (p *Plugin) process(argv []string, dir string) (*guard.Process, error) {
	sc, err := p.take(argv, dir)
	if err != nil {
		return nil, err
	}
	argv = append([]string(nil), argv...)
	return &guard.Process{Run: func(pio *guard.ProcessIO) int { return p.run(sc, argv, dir, pio) }}, nil
}

// run is a scripted process's body: it reads its standard input whole
// while it writes its output, records the run, then lives for the
// scripted Duration unless it is killed.
func (p *Plugin) run(sc *scripted, argv []string, dir string, pio *guard.ProcessIO) int {
	in := &stdinReader{done: make(chan struct{})}
	go in.readAll(pio.Stdin)
	out := make(chan struct{})
	go func() {
		defer close(out)
		if len(sc.stdout) > 0 {
			if _, err := pio.Stdout.Write(sc.stdout); err != nil {
				return
			}
		}
		if len(sc.stderr) > 0 {
			pio.Stderr.Write(sc.stderr)
		}
	}()
	timer := time.NewTimer(p.stdinTimeout())
	defer timer.Stop()
	killed := false
	select {
	case <-in.done:
	case <-pio.Killed:
		killed = true
	case <-timer.C:
		p.v.Report(p.stdinTimeoutErr(argv))
	}
	if !killed {
		select {
		case <-out:
		case <-pio.Killed:
			killed = true
		}
	}
	p.v.Record(Run, core.ValueOf(argv), core.String(dir), core.Bytes(in.bytes()))
	if !killed && sc.duration > 0 {
		t := time.NewTimer(sc.duration)
		select {
		case <-t.C:
		case <-pio.Killed:
		}
		t.Stop()
	}
	return sc.code
}

// stdinReader reads a process's standard input to its end, keeping what
// it read so far for a process that is killed first.
type stdinReader struct {
	mu   sync.Mutex // guards buf
	buf  []byte
	done chan struct{} // closed at the end of the input
}

func (r *stdinReader) readAll(src interface{ Read([]byte) (int, error) }) {
	defer close(r.done)
	chunk := make([]byte, 32<<10)
	for {
		n, err := src.Read(chunk)
		if n > 0 {
			r.mu.Lock()
			r.buf = append(r.buf, chunk[:n]...)
			r.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (r *stdinReader) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		return nil
	}
	return append([]byte(nil), r.buf...)
}

// ScriptedDir is the directory of the path exec.LookPath gives, inside a
// sandbox under bigfoot test, for a scripted command that is not
// installed: "/bigfoot-scripted/bin/mytool". Nothing is there; the start
// is answered from the script.
const ScriptedDir = "/bigfoot-scripted/bin"

// lookPath resolves, inside v's sandbox, a scripted command's name: to
// the installed binary when there is one, else into ScriptedDir.
func lookPath(v *core.Verifier, file string) (string, bool) {
	p, used := key.Get(v)
	if !used || strings.Contains(file, "/") {
		return "", false
	}
	p.mu.Lock()
	scripted := p.names[file]
	p.mu.Unlock()
	if !scripted {
		return "", false
	}
	if path, ok := findExecutable(file); ok {
		return path, true
	}
	return filepath.Join(ScriptedDir, file), true
}

// findExecutable searches PATH as exec.LookPath does on Unix, without
// calling it (its hook would ask us again).
func findExecutable(file string) (string, bool) {
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, file)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && filepath.IsAbs(path) {
			return path, true
		}
	}
	return "", false
}

// ---------------------------------------------------------------------------
// The command firewall

// TB is what AllowCommands and DenyCommands need of a test.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
	Name() string
}

// DenyCommands refuses, under bigfoot test and until t ends, the starts
// of the commands rules name outside every sandbox: a base name ("curl"),
// an absolute path ("/usr/bin/curl"), or "*" for all. Starts outside
// sandboxes are allowed by default; inside them every start is scripted.
// A refused start fails with *bigfoot.GuardedCallError. Without the
// overlay nothing outside the seam is intercepted, so it has no effect.
func DenyCommands(t TB, rules ...string) { commandRules(t, "DenyCommands", rules, nil) }

// AllowCommands lets, until t ends, the commands rules name start outside
// sandboxes even where a deny rule (DenyCommands, guard.SetCommandFirewall)
// would refuse them: allow rules win.
func AllowCommands(t TB, rules ...string) { commandRules(t, "AllowCommands", nil, rules) }

func commandRules(t TB, fn string, deny, allow []string) {
	t.Helper()
	rules := append(append([]string(nil), deny...), allow...)
	remove, err := guard.AddCommandRules("bfexec."+fn+"(t, "+argsList(rules)+") in "+t.Name(), deny, allow)
	if err != nil {
		t.Fatalf("%s", err)
		return
	}
	t.Cleanup(remove)
}

// ---------------------------------------------------------------------------
// The seam

// Command returns an *exec.Cmd that runs name with args from the script:
// os/exec's Command, for code that takes its command function as a
// parameter. The Cmd is a real one (Run, Output, pipes, *exec.ExitError
// as usual); no real process of name is started, and name need not be
// installed. See the package documentation for how it runs under plain
// go test and under bigfoot test.
func (p *Plugin) Command(name string, args ...string) *exec.Cmd {
	return p.command(nil, name, args)
}

// CommandContext is Command with a context, as os/exec's CommandContext:
// when ctx is done before the command ends, the process is killed.
func (p *Plugin) CommandContext(ctx context.Context, name string, args ...string) *exec.Cmd {
	if ctx == nil {
		panic("nil Context") // as os/exec does
	}
	return p.command(ctx, name, args)
}

// Compile-time checks that the seam has os/exec's signatures.
var (
	_ func(string, ...string) *exec.Cmd                  = (*Plugin)(nil).Command
	_ func(context.Context, string, ...string) *exec.Cmd = (*Plugin)(nil).CommandContext
)
