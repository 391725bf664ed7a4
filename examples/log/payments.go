package payments

import (
	"errors"
	"log/slog"
)

// ErrTooLarge is returned for a refund above the limit.
var ErrTooLarge = errors.New("refund above the limit")

// Refund refunds cents to order, logging what it does.
func Refund(logger *slog.Logger, order string, cents int) error {
	l := logger.With("order", order).WithGroup("refund")
	if cents > 10000 {
		l.Warn("refund refused", "cents", cents, "err", ErrTooLarge)
		return ErrTooLarge
	}
	l.Info("refunded", "cents", cents)
	return nil
}
