// Package bfexec is bigfoot's process plugin: commands are answered from
// a script and never run.
//
//	bf := bigfoot.New(t)
//	bf.Exec().Expect([]string{"git", "rev-parse", "HEAD"}, bfexec.Result{Stdout: []byte("abc123\n")})
//	bf.Sandbox(func() { rev, err = currentRevision(bf.Exec().Command) })
//	bf.Exec().AssertRun([]string{"git", "rev-parse", "HEAD"}, "", nil)
//
// # Scripts and interactions
//
// Expect(argv, Result{Stdout, Stderr, ExitCode, Duration}) scripts one run
// of a command. A start takes the first unused step whose argv equals its
// own (Args[0] as the code wrote it, "git"); equal argvs are taken in the
// order they were scripted; the order of runs is checked by the
// assertions. A scripted process writes its Stdout and Stderr (stdout
// first), reads its standard input to the end, and exits with ExitCode;
// with a Duration it then keeps running that long, so that a context or a
// Kill can end it (*exec.ExitError "signal: killed", ExitCode -1).
// bigfoot.Raises(err) makes the start itself fail with err.
//
// Each run is an interaction, asserted with AssertRun(argv, dir, stdin):
// the argv, the directory exec.Cmd.Dir gave ("" for the test's own), and
// everything the process read from its standard input. The run is
// recorded once the process has read its input to the end (or was
// killed), before its Wait returns. A start answered with Raises is
// recorded when it fails, with no input.
//
// An unscripted command inside a sandbox fails as unmocked and never
// runs; the failure shows the Expect line that scripts it. A scripted
// command that is not installed runs as well as one that is.
//
// # Seam and transparent mode
//
// The seam is Command and CommandContext, with os/exec's signatures: they
// return a real *exec.Cmd, so Run, Output, CombinedOutput, Start and Wait,
// StdinPipe, StdoutPipe, StderrPipe, ExitError (with ExitCode and, from
// Output, Stderr), contexts that kill, Dir and Env behave as os/exec
// makes them behave. No process of the command is started, inside the
// sandbox or not: outside it the start fails with *bigfoot.GuardedCallError.
//
// Under `bigfoot test` (transparent mode), os.StartProcess, which every
// exec.Cmd reaches, is compiled with a hook: inside a sandbox every start
// (the seam's, or exec.Command's in code with no seam) is answered in the
// test process. os.StartProcess returns an *os.Process whose pid is above
// every real one (from 1<<30); its Wait, Signal and Kill are answered by
// bigfoot, and os/exec does its own pipes and goroutines around it as
// with a real process. exec.LookPath finds, inside the sandbox, a
// scripted command that is not installed under ScriptedDir. Outside
// sandboxes, starts meet the command firewall: allowed by default (test
// helpers and tools run), refused by DenyCommands while a test runs or by
// guard.SetCommandFirewall for the process, AllowCommands making
// exceptions; a refused start fails with *bigfoot.GuardedCallError. Routing is
// by goroutine: a start belongs to the sandbox of the goroutine that
// calls cmd.Start (or one that started it); a context from bf.Context does
// not route a start.
//
// # Under plain go test
//
// Without the overlay nothing in os/exec can be intercepted, and Start
// always starts a process, so the seam's Cmd runs a stand-in, a helper
// that gets, as ExtraFiles[0], one end of a socket pair whose other end
// the test keeps. Signals are real, so os/exec's semantics are exact. Which
// helper runs:
//
//   - On linux/amd64, the native helper: a static executable of about a
//     kilobyte (no dynamic loader, no Go runtime; its assembly source is
//     nativehelper_linux_amd64.s.txt), written on first use into
//     os.TempDir()/bigfoot-exec-UID, or, where that cannot be written or
//     run (a noexec /tmp), os.UserCacheDir()/bigfoot-exec: a directory
//     of the user's, not writable by others, the file named by its hash,
//     checked byte for byte and run once as a probe before the first Cmd
//     uses it, and kept for the next test binaries. It hands the test its
//     standard input, output and error with a socket of its own; the test
//     reads its argv from /proc/PID/cmdline and its directory from
//     /proc/PID/cwd, writes the scripted output into its output and
//     error and reads its input, and sends it its exit code. A start costs
//     less than a real /bin/true (0.4 to 0.85 times, by the machine's
//     load: RESULTS.md in bench/dnsexeclog). If the test stops answering,
//     it exits 127 within 30s, with a message on its standard error.
//   - Elsewhere (other platforms, where no location works: both
//     directories noexec, no /proc, or when the environment sets
//     BIGFOOT_EXEC_NATIVE=0, NativeEnv), the test binary itself, which this
//     package's init (run by every test binary that imports bigfoot)
//     turns into a helper: it asks the test over the socket for the script
//     of its argv, writes the scripted output on its real standard output
//     and error, reads its standard input and sends it back, and exits with
//     the scripted code. A start costs a start of the test binary, several
//     times a /bin/true.
//
// What differs from transparent mode:
//
//   - cmd.Path is the helper (the native helper, or the test binary), not
//     the command's path (cmd.String() shows it); cmd.Args are the code's.
//   - The Cmd carries its socket in cmd.ExtraFiles[0]: code that sets
//     cmd.ExtraFiles (rather than appending) is not supported. The Go
//     helper's Cmd also carries a setting in cmd.Env: code that sets
//     cmd.Env keeps working (the socket identifies the helper).
//   - A start that fails in transparent mode (unmocked, outside the
//     sandbox, bigfoot.Raises) has already started the helper: Start
//     succeeds, and the helper writes the failure to its standard error
//     and exits with code 127. The test fails as in transparent mode.
//   - A scripted process whose output nobody reads any more (the code
//     closed the reader of a StdoutPipe) dies of SIGPIPE, as a real one
//     does: *exec.ExitError "signal: broken pipe".
//   - The recorded dir is the directory the helper ran in, relative to
//     the test's own working directory when it lies inside it (so Dir
//     "." is recorded as "").
//
// # Standard input
//
// A scripted process reads its standard input whole, as `cat` does. Code
// that never closes the writer of a StdinPipe would wait forever for a
// process that waits for its input, so the wait is bounded by
// Plugin.StdinTimeout (DefaultStdinTimeout): then the test fails with a
// *StdinTimeoutError and the run is recorded with what was read. A
// standard input that is the test's own *os.File (os.Stdin) is read too.
package bfexec
