package guard

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/record"
)

// recordLookup makes a lookup of v's sandbox that no plugin answered for
// real, when record mode allows its name, and records it.
func recordLookup(ctx context.Context, v *core.Verifier, q *Lookup) (Decision, *LookupAnswer, error) {
	if !recordMode.allowed(q.Name) {
		return Answer, nil, notAllowed(v, "dns", "lookup "+q.Kind, "", q.Name, q.Name)
	}
	r := recorderFor(v)
	rec := record.Lookup{Seq: r.next(), Kind: q.Kind, Name: q.Name, Network: q.Network, Service: q.Service, Proto: q.Proto}
	ctx = context.WithValue(ctx, letThroughKey{}, true)
	res := net.DefaultResolver
	ans := &LookupAnswer{}
	var err error
	switch q.Kind {
	case LookupHost:
		ans.Addrs, err = res.LookupHost(ctx, q.Name)
		rec.Addrs = ans.Addrs
	case LookupIP:
		network := "ip"
		switch {
		case strings.HasSuffix(q.Network, "4"):
			network = "ip4"
		case strings.HasSuffix(q.Network, "6"):
			network = "ip6"
		}
		var ips []net.IP
		ips, err = res.LookupIP(ctx, network, q.Name)
		for _, ip := range ips {
			ans.IPs = append(ans.IPs, net.IPAddr{IP: ip})
			rec.Addrs = append(rec.Addrs, ip.String())
		}
	case LookupCNAME:
		ans.CNAME, err = res.LookupCNAME(ctx, q.Name)
		rec.CNAME = ans.CNAME
	case LookupSRV:
		ans.CNAME, ans.SRV, err = res.LookupSRV(ctx, q.Service, q.Proto, q.Name)
		rec.CNAME = ans.CNAME
		for _, s := range ans.SRV {
			rec.SRV = append(rec.SRV, record.SRV{Target: s.Target, Port: s.Port, Priority: s.Priority, Weight: s.Weight})
		}
	case LookupMX:
		ans.MX, err = res.LookupMX(ctx, q.Name)
		for _, m := range ans.MX {
			rec.MX = append(rec.MX, record.MX{Host: m.Host, Pref: m.Pref})
		}
	case LookupNS:
		ans.NS, err = res.LookupNS(ctx, q.Name)
		for _, n := range ans.NS {
			rec.Hosts = append(rec.Hosts, n.Host)
		}
	case LookupTXT:
		ans.TXT, err = res.LookupTXT(ctx, q.Name)
		rec.Hosts = ans.TXT
	case LookupAddr:
		ans.Names, err = res.LookupAddr(ctx, q.Name)
		rec.Hosts = ans.Names
	default:
		return Pass, nil, nil
	}
	if err != nil {
		rec.Err = err.Error()
		var dnsErr *net.DNSError
		rec.NotFound = errors.As(err, &dnsErr) && dnsErr.IsNotFound
	}
	r.mu.Lock()
	r.t.Lookups = append(r.t.Lookups, rec)
	r.mu.Unlock()
	return Answer, ans, err
}

// recordPass marks, in its environment, a process that the recorder
// starts for real on behalf of a recorded one, so that its start is not
// intercepted again.
var recordPass = sync.OnceValue(func() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "BIGFOOT_RECORD_PASS=" + hex.EncodeToString(b)
})

func isRecordPass(env []string) bool {
	if recordMode == nil || len(env) == 0 {
		return false
	}
	return env[len(env)-1] == recordPass()
}

// allowedCommand reports whether record mode may run the program: named
// by -allow exec:NAME (its base name or argv[0]) or exec:*.
func (s *recordSettings) allowedCommand(c *Command) bool {
	names := []string{filepath.Base(c.Path)}
	if len(c.Args) > 0 {
		names = append(names, c.Args[0], filepath.Base(c.Args[0]))
	}
	for _, a := range s.allow {
		name, ok := strings.CutPrefix(a, "exec:")
		if !ok {
			continue
		}
		for _, n := range names {
			if name == "*" || name == strings.ToLower(n) {
				return true
			}
		}
	}
	return false
}

// recordWaitDelay bounds how long a recorded process's I/O may go on after
// it exits (standard input the code never closes, say).
const recordWaitDelay = 5 * time.Second

// recordCommand answers a start of v's sandbox that no plugin answered
// with a process that runs the command for real, when record mode allows
// it, and records its input, output and exit code.
func recordCommand(v *core.Verifier, c *Command) (Decision, *Process, error) {
	if !recordMode.allowedCommand(c) {
		name := filepath.Base(c.Path)
		err := &core.GuardedCallError{Plugin: "exec", Op: "start", Address: strings.Join(c.Args, " "),
			Reason: "bigfoot record runs only the programs named by -allow exec:NAME, and " + name + " is not one of them",
			Fix:    "go run github.com/bigfoot-go/bigfoot/cmd/bigfoot record -allow loopback -allow exec:" + name + " ./..."}
		v.Report(err)
		return Answer, nil, err
	}
	r := recorderFor(v)
	seq := r.next()
	args := append([]string(nil), c.Args...)
	env := append(append([]string(nil), c.Env...), recordPass())
	return Answer, &Process{Run: func(pio *ProcessIO) int {
		cmd := exec.Command(c.Path)
		cmd.Args, cmd.Dir, cmd.Env, cmd.WaitDelay = args, c.Dir, env, recordWaitDelay
		var stdin, stdout, stderr lockedBuffer
		cmd.Stdin = io.TeeReader(pio.Stdin, &stdin)
		cmd.Stdout = io.MultiWriter(pio.Stdout, &stdout)
		cmd.Stderr = io.MultiWriter(pio.Stderr, &stderr)
		code := 0
		if err := cmd.Start(); err != nil {
			io.WriteString(pio.Stderr, err.Error()+"\n")
			code = 127
		} else {
			done := make(chan struct{})
			go func() {
				select {
				case <-pio.Killed:
					cmd.Process.Kill()
				case <-done:
				}
			}()
			err := cmd.Wait()
			close(done)
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			}
		}
		rec := record.Command{Seq: seq, Args: args, Dir: c.Dir, Stdin: stdin.bytes(), Stdout: stdout.bytes(), Stderr: stderr.bytes(), ExitCode: code}
		r.mu.Lock()
		r.t.Commands = append(r.t.Commands, rec)
		r.mu.Unlock()
		return code
	}}, nil
}

// lockedBuffer is a bytes.Buffer that the copying goroutines of an
// exec.Cmd may write while the recorder reads it.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() == 0 {
		return nil
	}
	return append([]byte(nil), l.b.Bytes()...)
}
