package bigfoot_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bigfoot-go/bigfoot"
)

// chargeAccount is code under test that logs through the logger it gets.
func chargeAccount(logger *slog.Logger, account string, cents int) {
	logger.With("account", account).Info("charged", "cents", cents)
}

// Every record is an interaction: assert it by level, message and
// attributes (the logger's With attributes first, then the record's).
func ExampleStrictVerifier_Log() {
	bf := bigfoot.NewStrictVerifier()
	logger := slog.New(bf.Log().Handler())

	bf.Sandbox(func() { chargeAccount(logger, "acct-1", 250) })

	fmt.Println(bf.Log().AssertInfo("charged", "account", "acct-1", "cents", 250))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// <nil>
	// VerifyAll: <nil>
}

// Wrap records each record and still hands it to the code's own handler.
func ExampleStrictVerifier_Log_wrap() {
	bf := bigfoot.NewStrictVerifier()
	var out bytes.Buffer
	logger := slog.New(bf.Log().Wrap(slog.NewJSONHandler(&out, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable for the example
			}
			return a
		},
	})))

	bf.Sandbox(func() { chargeAccount(logger, "acct-2", 90) })

	fmt.Print(out.String())
	fmt.Println(bf.Log().AssertInfo("charged", "account", "acct-2", "cents", bigfoot.Satisfies("under a dollar", func(c int64) bool { return c < 100 })))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// {"level":"INFO","msg":"charged","account":"acct-2","cents":90}
	// <nil>
	// VerifyAll: <nil>
}

// A record left unasserted fails verification, showing the line to paste.
func ExampleStrictVerifier_Log_unasserted() {
	bf := bigfoot.NewStrictVerifier()
	logger := slog.New(bf.Log().Handler())
	bf.Sandbox(func() { logger.Warn("retrying", "attempt", 2) })

	err := bf.VerifyAll()
	fmt.Println(strings.Contains(err.Error(), `bf.Log().AssertWarn("retrying", "attempt", 2)`))
	// Output: true
}
