package bigfoot_test

import (
	"fmt"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// A test of a suite being migrated lets the real dials its code makes
// outside sandboxes through, each reported once with a count, instead of
// refused; when it ends, the default (refuse) is back. Here a fake test
// from package bftest stands in for t.
func ExampleGuard() {
	t := bftest.New(nil)
	t.Run(func() {
		bigfoot.Guard(t, bigfoot.GuardDial, bigfoot.Warn)
		level, by := bigfoot.GuardLevelOf(bigfoot.GuardDial)
		fmt.Println(level, "set by", by)
	})
	level, by := bigfoot.GuardLevelOf(bigfoot.GuardDial)
	fmt.Println(level, "set by", by)
	// Output:
	// warn set by bigfoot.Guard(t, bigfoot.GuardDial, bigfoot.Warn) in bftest
	// error set by default
}

// A kind or level that does not exist is refused by name.
func ExampleSetGuard() {
	err := bigfoot.SetGuard(bigfoot.GuardExec, bigfoot.GuardLevel(7))
	fmt.Println(err)
	// Output:
	// bigfoot: invalid guard level setting "exec=Level(7)": unknown level; the levels are error, warn, off
	// fix: write kind=level pairs separated by commas, such as BIGFOOT_GUARD=dial=warn,exec=off, or one level for every kind, such as BIGFOOT_GUARD=warn
}
