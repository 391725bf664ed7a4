//go:build !bigfoot_overlay

package guard

// This file is compiled without the bigfoot_overlay build tag (plain go
// build or go test); with it, hook_dnsexeclog_overlay.go replaces it. Keep
// the two in step: a test of cmd/bigfoot compares their declarations and
// checks the linked names against its table of patches. Without the
// overlay there are no hooks to set, so the setters do nothing.

import (
	"context"
	"log/slog"
	"os"
)

// setLookupHostHook sets the hook consulted first thing in
// net.(*Resolver).LookupHost.
func setLookupHostHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupIPAddrHook sets the hook consulted first thing in
// net.(*Resolver).lookupIPAddr, which LookupIPAddr, LookupIP, LookupNetIP
// and a Dial's own lookups reach.
func setLookupIPAddrHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupCNAMEHook sets the hook consulted first thing in
// net.(*Resolver).LookupCNAME.
func setLookupCNAMEHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupSRVHook sets the hook consulted first thing in
// net.(*Resolver).LookupSRV.
func setLookupSRVHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupMXHook sets the hook consulted first thing in
// net.(*Resolver).LookupMX.
func setLookupMXHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupNSHook sets the hook consulted first thing in
// net.(*Resolver).LookupNS.
func setLookupNSHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupTXTHook sets the hook consulted first thing in
// net.(*Resolver).LookupTXT.
func setLookupTXTHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupTXTFuncHook sets the hook consulted first thing in
// net.LookupTXT, which does not go through the method.
func setLookupTXTFuncHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setLookupAddrHook sets the hook consulted first thing in
// net.(*Resolver).LookupAddr.
func setLookupAddrHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error)) {
}

// setStartProcessHook sets the hook consulted first thing in
// os.StartProcess, which every exec.Cmd reaches.
func setStartProcessHook(h func(name string, argv []string, attr *os.ProcAttr) (bool, int, error)) {}

// setProcessWaitHook sets the hook consulted first thing in
// os.(*Process).Wait.
func setProcessWaitHook(h func(pid int) (bool, int, error)) {}

// setProcessSignalHook sets the hook consulted first thing in
// os.(*Process).Signal, which Kill calls.
func setProcessSignalHook(h func(pid int, sig os.Signal) (bool, error)) {}

// setLookPathHook sets the hook consulted first thing in
// os/exec.LookPath.
func setLookPathHook(h func(file string) (bool, string, error)) {}

// setDefaultLoggerHook sets the hook consulted first thing in
// log/slog.Default.
func setDefaultLoggerHook(h func() *slog.Logger) {}
