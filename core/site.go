package core

import (
	"path"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Failure sites. A failure of an intercepted call is reported from wherever
// the call was made: bigfoot's own frames, a client library's (go-redis,
// net/http), the code under test's, the test's. Messages name the first
// frame that is the code under test or the test, so plugins register the
// package paths that are theirs, and the standard library and other
// modules' frames are passed over in favour of the main module's.

// ourPackages holds the registered package paths, and ourDirs the
// directories of the files that registered them, as immutable sets replaced
// on every registration: CallSite reads them without locking. Directories
// matter because a closure of a plugin inlined into a test's function bears
// the test's package in its symbol name but the plugin's file.
var (
	ourPackages   atomic.Pointer[map[string]bool]
	ourDirs       atomic.Pointer[map[string]bool]
	registerMu    sync.Mutex // serializes RegisterPackages
	mainModule    string     // the module under test, from the build info
	mainModuleSet sync.Once
	goroot        string // GOROOT/src/ as frames name it, "" when unknown (-trimpath)
)

func init() {
	RegisterPackages("github.com/bigfoot-go/bigfoot/core")
	// A standard-library frame's file lies under GOROOT/src; find where that
	// is from a function we know is there.
	if fn := runtime.FuncForPC(reflect.ValueOf(strings.Contains).Pointer()); fn != nil {
		if file, _ := fn.FileLine(fn.Entry()); strings.HasSuffix(file, "/strings/strings.go") {
			goroot = strings.TrimSuffix(file, "strings/strings.go")
		}
	}
}

// RegisterPackages marks package paths as a plugin's own, so that failure
// sites pass over their frames. A plugin calls it once, in init, with its
// import path.
func RegisterPackages(paths ...string) {
	_, file, _, _ := runtime.Caller(1)
	registerMu.Lock()
	defer registerMu.Unlock()
	next, dirs := map[string]bool{}, map[string]bool{}
	if old := ourPackages.Load(); old != nil {
		for k := range *old {
			next[k] = true
		}
	}
	if old := ourDirs.Load(); old != nil {
		for k := range *old {
			dirs[k] = true
		}
	}
	for _, p := range paths {
		next[p] = true
	}
	if file != "" {
		dirs[path.Dir(file)] = true
	}
	ourPackages.Store(&next)
	ourDirs.Store(&dirs)
}

// CallSite returns file:line of the frame that made the current call, seen
// from the code under test: the innermost frame of the main module (the test
// binary's module) that is not a registered plugin package, or a _test.go
// file; failing those, the innermost frame that is neither registered, nor
// the standard library. It is "" when there is none (net/http's own
// goroutines). Only failure paths pay for it.
func CallSite() string {
	var st Stack
	st.n = runtime.Callers(3, st.pcs[:])
	return st.Site()
}

// Stack is a call stack kept for a failure reported later (a response body
// never closed, reported when the sandbox ends): program counters in a
// fixed array, captured without allocating, turned into file:line by Site
// only when the failure is printed.
type Stack struct {
	pcs [24]uintptr // enough to get from a plugin through a client library (net/http's Client) to the code
	n   int
}

// CaptureStack returns the stack of its caller. Where frame pointers can
// be walked (see Caller), it keeps the physical frames' return addresses,
// which runtime.CallersFrames expands into the same logical frames
// runtime.Callers would give, at a fraction of the cost.
//
//go:noinline
func CaptureStack() Stack {
	var st Stack
	if haveFramePCs {
		st.n = framePCs(st.pcs[:])
		return st
	}
	st.n = runtime.Callers(2, st.pcs[:])
	return st
}

// Site returns file:line of the frame that made the call, chosen as
// CallSite chooses it, or "".
func (st *Stack) Site() string {
	if st.n == 0 {
		return ""
	}
	frames := runtime.CallersFrames(st.pcs[:st.n])
	mod := mainModulePath()
	ours, dirs := *ourPackages.Load(), *ourDirs.Load()
	fallback := ""
	for {
		f, more := frames.Next()
		if f.Function != "" {
			pkg := packageOf(f.Function)
			site := f.File + ":" + strconv.Itoa(f.Line)
			switch {
			case strings.HasSuffix(f.File, "_test.go"):
				return site
			case ours[pkg] || dirs[path.Dir(f.File)] || isStd(f.File, pkg):
			case mod != "" && (pkg == mod || strings.HasPrefix(pkg, mod+"/")):
				return site
			case fallback == "":
				fallback = site
			}
		}
		if !more {
			return fallback
		}
	}
}

// packageOf returns the import path of a function's package from its
// symbol name ("github.com/x/y.(*T).M" -> "github.com/x/y").
func packageOf(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// isStd reports whether a frame is the standard library's: its file lies
// under GOROOT, or (when paths are trimmed) its path has no dot in its
// first element.
func isStd(file, pkg string) bool {
	if goroot != "" {
		return strings.HasPrefix(file, goroot)
	}
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

func mainModulePath() string {
	mainModuleSet.Do(func() {
		if bi, ok := debug.ReadBuildInfo(); ok {
			mainModule = bi.Main.Path
		}
	})
	return mainModule
}

// SiteOf returns file:line for a program counter from Caller.
func SiteOf(pc uintptr) string {
	if pc == 0 {
		return "unknown location"
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return frame.File + ":" + strconv.Itoa(frame.Line)
}

// Names are the Go identifiers that generated hints and fixes use for the
// verifier value and the front-door package, e.g. "bf" and "bigfoot".
type Names struct {
	Verifier string
	Package  string
}

var names = Names{Verifier: "v", Package: "core"}

// SetNames sets the identifiers hints and fixes use; a front door calls it
// in init. Without one, hints read v.AssertInteraction(...) and core.Any().
func SetNames(n Names) { names = n }

// CurrentNames returns the identifiers hints and fixes use, for plugins
// that write hints of their own.
func CurrentNames() Names { return names }
