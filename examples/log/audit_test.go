//go:build bigfoot_overlay

package payments

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// Under bigfoot test, slog.Info inside the sandbox of a test that uses
// bf.Log() reaches the plugin; outside it, logs go where they would.
func TestAudit(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Log() // before the sandbox: logs inside it are interactions

	bf.Sandbox(func() { Audit("ada", "login") })

	bf.Log().AssertInfo("audit", "user", "ada", "action", "login")
}
