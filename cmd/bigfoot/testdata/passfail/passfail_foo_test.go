//go:build foo

package passfail

import "testing"

// TestFooTag runs only with -tags=foo, so it shows that bigfoot merged the
// user's build tags with its own.
func TestFooTag(t *testing.T) { t.Log("built with -tags=foo") }
