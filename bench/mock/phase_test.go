package benchmock

import (
	"context"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"go.uber.org/mock/gomock"
)

// Phases at N = 1000: where a call's cost goes, beside gomock's.
func BenchmarkPhases(b *testing.B) {
	ctx := context.Background()
	ks := keys(1000)
	b.Run("bigfoot/expect", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			bf := bigfoot.NewStrictVerifier()
			m := NewMockStore(bf)
			for _, k := range ks {
				m.ExpectGetMatch(bigfoot.Any(), k).Returns(k, nil)
			}
		}
		perCall(b, 1000, cpu0)
	})
	b.Run("bigfoot/expect-typed", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			bf := bigfoot.NewStrictVerifier()
			m := NewMockStore(bf)
			for _, k := range ks {
				m.ExpectGet(ctx, k).Returns(k, nil)
			}
		}
		perCall(b, 1000, cpu0)
	})
	b.Run("bigfoot/expect+call", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			bf := bigfoot.NewStrictVerifier()
			m := NewMockStore(bf)
			for _, k := range ks {
				m.ExpectGetMatch(bigfoot.Any(), k).Returns(k, nil)
			}
			bf.Sandbox(func() {
				for _, k := range ks {
					m.Get(ctx, k)
				}
			})
		}
		perCall(b, 1000, cpu0)
	})
	b.Run("gomock/expect", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			ctrl := gomock.NewController(reporter{b})
			m := NewGomockStore(ctrl)
			for _, k := range ks {
				m.EXPECT().Get(gomock.Any(), k).Return(k, nil)
			}
		}
		perCall(b, 1000, cpu0)
	})
	b.Run("gomock/expect+call", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			ctrl := gomock.NewController(reporter{b})
			m := NewGomockStore(ctrl)
			for _, k := range ks {
				m.EXPECT().Get(gomock.Any(), k).Return(k, nil)
			}
			for _, k := range ks {
				m.Get(ctx, k)
			}
		}
		perCall(b, 1000, cpu0)
	})
}
