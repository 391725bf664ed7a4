package guard

import "github.com/bigfoot-go/bigfoot/core"

// The messages are checked as users see them, with the front door's names.
func init() { core.SetNames(core.Names{Verifier: "bf", Package: "bigfoot"}) }
