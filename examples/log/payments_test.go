package payments

import (
	"log/slog"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

func TestRefund(t *testing.T) {
	bf := bigfoot.New(t)
	logger := slog.New(bf.Log().Handler())

	bf.Sandbox(func() {
		Refund(logger, "o-1", 500)
		Refund(logger, "o-2", 50000)
	})

	// With attributes first, then the record's, groups as dotted keys.
	bf.Log().AssertInfo("refunded", "order", "o-1", "refund.cents", 500)
	bf.Log().AssertWarn("refund refused", "order", "o-2", slog.Group("refund", "cents", 50000, "err", ErrTooLarge))
}
