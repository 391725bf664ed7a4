package bigfoot

import "github.com/bigfoot-go/bigfoot/bfslog"

// Log returns the verifier's log plugin, created on first use: a
// slog.Handler (Handler, Wrap) that records every log record as an
// interaction to assert with AssertInfo and its siblings, and, under
// bigfoot test, the logger slog.Default returns inside the sandbox. Logs
// are not external: they become interactions only once the test uses it.
func (bf *StrictVerifier) Log() *bfslog.Plugin { return bfslog.For(bf.v) }
