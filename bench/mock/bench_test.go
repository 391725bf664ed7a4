package benchmock

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/mock"
	tmock "github.com/stretchr/testify/mock"
	"go.uber.org/mock/gomock"
)

// One op: a fresh mock (and verifier or controller), N expectations of
// Get(any context, key_i), N calls in that order, then each library's own
// check. ns/call is the op's time divided by N.

var sizes = []int{100, 1000, 10000}

func keys(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = "key-" + strconv.Itoa(i)
	}
	return ks
}

func perCall(b *testing.B, n int, cpu0 time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/call")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/call")
	b.ReportMetric(0, "ns/op") // the per-call figure is the one to read
}

// cpuTime is the CPU time the process has used, user and system, on all
// its threads (the garbage collector's included). On a machine shared
// with other work, wall time per call swings with the load, while CPU
// time per call counts only this process's work: it is the steadier
// figure to compare libraries by (cache contention still inflates it).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reporter is a gomock.TestReporter without Cleanup, so that a controller
// made per op does not pile cleanups on b; the op calls Finish itself.
type reporter struct{ b *testing.B }

func (r reporter) Errorf(format string, args ...any) { r.b.Errorf(format, args...) }
func (r reporter) Fatalf(format string, args ...any) { r.b.Fatalf(format, args...) }

func BenchmarkCalls(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		ks := keys(n)
		b.Run(fmt.Sprintf("N=%d/bigfoot-generated", n), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				bf := bigfoot.NewStrictVerifier()
				m := NewMockStore(bf)
				for _, k := range ks {
					m.ExpectGetMatch(bigfoot.Any(), k).Returns(k, nil)
				}
				bf.Sandbox(func() {
					for _, k := range ks {
						if v, err := m.Get(ctx, k); v != k || err != nil {
							b.Fatalf("Get(%s) = %q, %v", k, v, err)
						}
					}
				})
				for _, k := range ks {
					if err := m.AssertGetMatch(bigfoot.Any(), k); err != nil {
						b.Fatal(err)
					}
				}
				if err := bf.VerifyAll(); err != nil {
					b.Fatal(err)
				}
			}
			perCall(b, n, cpu0)
		})
		b.Run(fmt.Sprintf("N=%d/bigfoot-func", n), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				bf := bigfoot.NewStrictVerifier()
				f := mock.Func(bf, &Fetch)
				for _, k := range ks {
					f.Expect(bigfoot.Any(), k).Returns(k, nil)
				}
				bf.Sandbox(func() {
					for _, k := range ks {
						if v, err := Fetch(ctx, k); v != k || err != nil {
							b.Fatalf("Fetch(%s) = %q, %v", k, v, err)
						}
					}
				})
				for _, k := range ks {
					if err := f.AssertCall(bigfoot.Any(), k); err != nil {
						b.Fatal(err)
					}
				}
				if err := bf.VerifyAll(); err != nil {
					b.Fatal(err)
				}
			}
			perCall(b, n, cpu0)
		})
		b.Run(fmt.Sprintf("N=%d/gomock", n), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				ctrl := gomock.NewController(reporter{b})
				m := NewGomockStore(ctrl)
				for _, k := range ks {
					m.EXPECT().Get(gomock.Any(), k).Return(k, nil)
				}
				for _, k := range ks {
					if v, err := m.Get(ctx, k); v != k || err != nil {
						b.Fatalf("Get(%s) = %q, %v", k, v, err)
					}
				}
				ctrl.Finish()
			}
			perCall(b, n, cpu0)
		})
		b.Run(fmt.Sprintf("N=%d/gomock-InOrder", n), func(b *testing.B) {
			b.ReportAllocs()
			calls := make([]any, n)
			cpu0 := cpuTime()
			for b.Loop() {
				ctrl := gomock.NewController(reporter{b})
				m := NewGomockStore(ctrl)
				for i, k := range ks {
					calls[i] = m.EXPECT().Get(gomock.Any(), k).Return(k, nil)
				}
				gomock.InOrder(calls...)
				for _, k := range ks {
					if v, err := m.Get(ctx, k); v != k || err != nil {
						b.Fatalf("Get(%s) = %q, %v", k, v, err)
					}
				}
				ctrl.Finish()
			}
			perCall(b, n, cpu0)
		})
		if n > maxTestify {
			continue
		}
		b.Run(fmt.Sprintf("N=%d/testify", n), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				m := &TestifyStore{}
				for _, k := range ks {
					m.On("Get", tmock.Anything, k).Return(k, nil).Once()
				}
				for _, k := range ks {
					if v, err := m.Get(ctx, k); v != k || err != nil {
						b.Fatalf("Get(%s) = %q, %v", k, v, err)
					}
				}
				m.AssertExpectations(b)
			}
			perCall(b, n, cpu0)
		})
	}
}

// maxTestify is the largest N testify/mock runs at: it compares each call
// with every expectation registered (formatting each comparison), so an op
// at N = 10 000 takes minutes; RESULTS.md gives one such op's time.
var maxTestify = 1000
