package dnsexeclog

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os/exec"
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
// AssertRun. Under plain go test the seam's Cmd starts the test binary as
// a helper; under bigfoot test it runs in the test process.
// BenchmarkCommand/os-exec-true: exec.Command("/bin/true").Run().
func BenchmarkCommand(b *testing.B) {
	argv := []string{"git", "status", "--short"}
	b.Run("bigfoot", func(b *testing.B) {
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
	})
	b.Run("os-exec-true", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := exec.Command("/bin/true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
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
