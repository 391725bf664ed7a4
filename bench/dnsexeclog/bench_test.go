package dnsexeclog

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfexec"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Each bigfoot benchmark is a whole scripted interaction per op: the
// script, the call, the assertion, on one verifier (as one test with b.N
// interactions), verified at the end.

// BenchmarkLookup/bigfoot-seam: ExpectLookup, Resolver().LookupHost (Go's
// resolver speaking DNS to the in-process server: A and AAAA queries),
// AssertLookup. BenchmarkLookup/bigfoot-transparent (under bigfoot test
// only): the same through net.LookupHost, answered at the lookup level.
// BenchmarkLookup/net-localhost: a real net.LookupHost("localhost"),
// which Go answers from /etc/hosts.
func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	b.Run("bigfoot-seam", func(b *testing.B) {
		bf := bigfoot.NewStrictVerifier()
		for i := 0; i < b.N; i++ {
			bf.DNS().ExpectLookup("api.example.com", []string{"192.0.2.10"})
		}
		r := bf.DNS().Resolver()
		b.ReportAllocs()
		b.ResetTimer()
		bf.Sandbox(func() {
			for i := 0; i < b.N; i++ {
				if _, err := r.LookupHost(ctx, "api.example.com"); err != nil {
					b.Fatal(err)
				}
			}
		})
		for i := 0; i < b.N; i++ {
			if err := bf.DNS().AssertLookup("api.example.com"); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if err := bf.VerifyAll(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("bigfoot-transparent", func(b *testing.B) {
		if !guard.Transparent() {
			b.Skip("run under bigfoot test")
		}
		bf := bigfoot.NewStrictVerifier()
		for i := 0; i < b.N; i++ {
			bf.DNS().ExpectLookup("api.example.com", []string{"192.0.2.10"})
		}
		b.ReportAllocs()
		b.ResetTimer()
		bf.Sandbox(func() {
			for i := 0; i < b.N; i++ {
				if _, err := net.LookupHost("api.example.com"); err != nil {
					b.Fatal(err)
				}
			}
		})
		for i := 0; i < b.N; i++ {
			bf.DNS().AssertLookup("api.example.com")
		}
	})
	b.Run("net-localhost", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := net.LookupHost("localhost"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCommand/bigfoot: Expect, Command("git", "status").Run(),
// AssertRun. Under plain go test the seam's Cmd starts bfexec's native
// helper (a static executable of about a kilobyte, on linux/amd64; the
// test binary elsewhere); under bigfoot test it runs in the test process.
// BenchmarkCommand/bigfoot-go-helper (plain go test only): the same with
// BIGFOOT_EXEC_NATIVE=0, the test binary as the helper.
// BenchmarkCommand/os-exec-true: exec.Command("/bin/true").Run().
// BenchmarkCommand/os-exec-static-floor (plain go test, linux/amd64): a
// start of the native helper alone, which exits at once.
func BenchmarkCommand(b *testing.B) {
	argv := []string{"git", "status", "--short"}
	b.Run("bigfoot", func(b *testing.B) { benchCommand(b, argv) })
	b.Run("bigfoot-go-helper", func(b *testing.B) {
		if guard.Transparent() {
			b.Skip("under bigfoot test no helper starts")
		}
		b.Setenv(bfexec.NativeEnv, "0") // the test binary as the helper, as before the native one
		benchCommand(b, argv)
	})
	b.Run("os-exec-true", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := exec.Command("/bin/true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("os-exec-static-floor", func(b *testing.B) {
		// The native helper started alone, with no socket: it finds no fd 3
		// and exits 127 after six system calls, the cheapest process
		// there is, and the floor of the bigfoot figure.
		paths, _ := filepath.Glob(filepath.Join(os.TempDir(), "bigfoot-exec-"+strconv.Itoa(os.Getuid()), "bigfoot-exec-helper-*"))
		if guard.Transparent() || len(paths) == 0 || strings.HasSuffix(paths[0], ".tmp") {
			b.Skip("no native helper installed (plain go test on linux/amd64 installs it)")
		}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var ee *exec.ExitError
			if err := exec.Command(paths[0]).Run(); !errors.As(err, &ee) || ee.ExitCode() != 127 {
				b.Fatal(err)
			}
		}
	})
}

// benchCommand is one whole scripted run per op.
func benchCommand(b *testing.B, argv []string) {
	bf := bigfoot.NewStrictVerifier()
	for i := 0; i < b.N; i++ {
		bf.Exec().Expect(argv, bfexec.Result{Stdout: []byte(" M main.go\n")})
	}
	b.ReportAllocs()
	b.ResetTimer()
	bf.Sandbox(func() {
		for i := 0; i < b.N; i++ {
			if err := bf.Exec().Command(argv[0], argv[1:]...).Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	for i := 0; i < b.N; i++ {
		if err := bf.Exec().AssertRun(argv, "", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := bf.VerifyAll(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLog/bigfoot: one record through a logger over bf.Log().Handler()
// (a With attribute and two of the record's), and its AssertInfo.
// BenchmarkLog/slog-text-discard: the same record through
// slog.NewTextHandler(io.Discard, nil).
func BenchmarkLog(b *testing.B) {
	b.Run("bigfoot", func(b *testing.B) {
		bf := bigfoot.NewStrictVerifier()
		logger := slog.New(bf.Log().Handler()).With("svc", "billing")
		b.ReportAllocs()
		b.ResetTimer()
		bf.Sandbox(func() {
			for i := 0; i < b.N; i++ {
				logger.Info("charged", "account", "acct-1", "cents", 250)
			}
		})
		for i := 0; i < b.N; i++ {
			if err := bf.Log().AssertInfo("charged", "svc", "billing", "account", "acct-1", "cents", 250); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("slog-text-discard", func(b *testing.B) {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil)).With("svc", "billing")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			logger.Info("charged", "account", "acct-1", "cents", 250)
		}
	})
}
