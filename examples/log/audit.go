package payments

import "log/slog"

// Audit records that user did action, through the default logger.
func Audit(user, action string) {
	slog.Info("audit", "user", user, "action", action)
}
