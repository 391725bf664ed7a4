//go:build bigfoot_overlay

package guard

// This file is compiled with the bigfoot_overlay build tag, which the
// bigfoot command sets together with the -overlay that patches the
// standard library (see hook_overlay.go). Without that overlay the
// functions linked below do not exist, and the build fails at link time
// naming them. Keep it in step with hook_dnsexeclog_plain.go.

import (
	"context"
	"log/slog"
	"os"
	_ "os/exec" // its LookPath hook is linked below, so the package must be in every binary
	_ "unsafe"  // for go:linkname
)

// setLookupHostHook sets the hook consulted first thing in
// net.(*Resolver).LookupHost.
//
//go:linkname setLookupHostHook net.bigfootSetLookupHostHook
func setLookupHostHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupIPAddrHook sets the hook consulted first thing in
// net.(*Resolver).lookupIPAddr, which LookupIPAddr, LookupIP, LookupNetIP
// and a Dial's own lookups reach.
//
//go:linkname setLookupIPAddrHook net.bigfootSetLookupIPAddrHook
func setLookupIPAddrHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupCNAMEHook sets the hook consulted first thing in
// net.(*Resolver).LookupCNAME.
//
//go:linkname setLookupCNAMEHook net.bigfootSetLookupCNAMEHook
func setLookupCNAMEHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupSRVHook sets the hook consulted first thing in
// net.(*Resolver).LookupSRV.
//
//go:linkname setLookupSRVHook net.bigfootSetLookupSRVHook
func setLookupSRVHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupMXHook sets the hook consulted first thing in
// net.(*Resolver).LookupMX.
//
//go:linkname setLookupMXHook net.bigfootSetLookupMXHook
func setLookupMXHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupNSHook sets the hook consulted first thing in
// net.(*Resolver).LookupNS.
//
//go:linkname setLookupNSHook net.bigfootSetLookupNSHook
func setLookupNSHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupTXTHook sets the hook consulted first thing in
// net.(*Resolver).LookupTXT.
//
//go:linkname setLookupTXTHook net.bigfootSetLookupTXTHook
func setLookupTXTHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupTXTFuncHook sets the hook consulted first thing in
// net.LookupTXT, which does not go through the method.
//
//go:linkname setLookupTXTFuncHook net.bigfootSetLookupTXTFuncHook
func setLookupTXTFuncHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setLookupAddrHook sets the hook consulted first thing in
// net.(*Resolver).LookupAddr.
//
//go:linkname setLookupAddrHook net.bigfootSetLookupAddrHook
func setLookupAddrHook(h func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (bool, any, error))

// setStartProcessHook sets the hook consulted first thing in
// os.StartProcess, which every exec.Cmd reaches.
//
//go:linkname setStartProcessHook os.bigfootSetStartProcessHook
func setStartProcessHook(h func(name string, argv []string, attr *os.ProcAttr) (bool, int, error))

// setProcessWaitHook sets the hook consulted first thing in
// os.(*Process).Wait.
//
//go:linkname setProcessWaitHook os.bigfootSetProcessWaitHook
func setProcessWaitHook(h func(pid int) (bool, int, error))

// setProcessSignalHook sets the hook consulted first thing in
// os.(*Process).Signal, which Kill calls.
//
//go:linkname setProcessSignalHook os.bigfootSetProcessSignalHook
func setProcessSignalHook(h func(pid int, sig os.Signal) (bool, error))

// setLookPathHook sets the hook consulted first thing in
// os/exec.LookPath.
//
//go:linkname setLookPathHook os/exec.bigfootSetLookPathHook
func setLookPathHook(h func(file string) (bool, string, error))

// setDefaultLoggerHook sets the hook consulted first thing in
// log/slog.Default.
//
//go:linkname setDefaultLoggerHook log/slog.bigfootSetDefaultLoggerHook
func setDefaultLoggerHook(h func() *slog.Logger)
