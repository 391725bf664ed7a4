package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"slices"
	"strings"
)

// hookPatch is one hook point of transparent mode: a function of a file of
// the standard library, the statement inserted at its start, and the file
// added to its package that declares the hook variable the statement
// consults and the setter bigfoot links to. The overlay is the table
// hookPatches; a new hook point is a new entry, with no other code.
//
// The function is found by parsing and its signature is checked, because
// the statement refers to the parameters by name and returns values of the
// result types: a Go release that changes any of it must fail loudly
// rather than compile a standard library that ignores the hook.
type hookPatch struct {
	// Pkg is the package's directory under $GOROOT/src, slash-separated
	// ("net", "net/http"); its last element is the package name.
	Pkg string
	// File is the file of Pkg that declares the function ("dial.go").
	File string

	// Recv is the name of the receiver's base type, "" for a function
	// that is not a method; PtrRecv says whether the receiver is *Recv.
	Recv    string
	PtrRecv bool
	// RecvName, if not "", is the receiver's expected name. Set it when
	// Stmt refers to the receiver; left empty, a renamed receiver does
	// not break the patch.
	RecvName string
	// Func is the name of the function or method.
	Func string
	// Params are the expected parameters in order, each with its name
	// (Stmt refers to them by name) and its type as gofmt prints it.
	Params []param
	// Results are the expected result types as gofmt prints them. Their
	// names are not checked, so Stmt must return its values explicitly
	// (a bare return would also trip over any name Stmt shadows).
	Results []string

	// Stmt is inserted just after the opening brace of the function.
	Stmt string
	// HookVar is the variable Stmt consults and HookSetter the function,
	// pushed with a bare go:linkname, that bigfoot calls to set it; Decl
	// declares both. A file that already mentions HookVar is refused.
	HookVar, HookSetter string
	// AddedFile is the name of the file the overlay adds to Pkg, and Decl
	// its contents (gofmt-formatted, with a generated-code header).
	AddedFile string
	Decl      string
}

// param is one expected parameter of a hookPatch's function.
type param struct{ Name, Type string }

// hookPatches is the table of every hook point the overlay adds.
var hookPatches = []hookPatch{
	{
		Pkg: "net", File: "dial.go",
		Recv: "Dialer", PtrRecv: true, Func: "DialContext",
		Params:  []param{{"ctx", "context.Context"}, {"network", "string"}, {"address", "string"}},
		Results: []string{"Conn", "error"},
		Stmt:    dialHookStmt,
		HookVar: dialHookVar, HookSetter: dialHookSetter,
		AddedFile: "bigfoot_dialhook.go", Decl: dialHookDecl,
	},
	{
		Pkg: "net/http", File: "transport.go",
		Recv: "Transport", PtrRecv: true, RecvName: "t", Func: "roundTrip",
		Params:  []param{{"req", "*Request"}},
		Results: []string{"*Response", "error"},
		Stmt:    roundTripHookStmt,
		HookVar: roundTripHookVar, HookSetter: roundTripHookSetter,
		AddedFile: "bigfoot_roundtriphook.go", Decl: roundTripHookDecl,
	},
	{
		Pkg: "net/http", File: "transport.go",
		Recv: "Transport", PtrRecv: true, RecvName: "t", Func: "CloseIdleConnections",
		Stmt:    closeIdleHookStmt,
		HookVar: closeIdleHookVar, HookSetter: closeIdleHookSetter,
		AddedFile: "bigfoot_closeidlehook.go", Decl: closeIdleHookDecl,
	},
	// Name lookups, process starts and the default logger (bfdns, bfexec,
	// bfslog): see the const block at the end of this file.
	lookupPatch("LookupHost", true, []param{{"ctx", "context.Context"}, {"host", "string"}}, []string{"[]string", "error"}, `"host", host, "", ""`, "[]string"),
	lookupPatch("lookupIPAddr", true, []param{{"ctx", "context.Context"}, {"network", "string"}, {"host", "string"}}, []string{"[]IPAddr", "error"}, `"ip", host, network, ""`, "[]IPAddr"),
	lookupPatch("LookupCNAME", true, []param{{"ctx", "context.Context"}, {"host", "string"}}, []string{"string", "error"}, `"cname", host, "", ""`, "string"),
	lookupPatch("LookupSRV", true, []param{{"ctx", "context.Context"}, {"service", "string"}, {"proto", "string"}, {"name", "string"}}, []string{"string", "[]*SRV", "error"}, `"srv", name, service, proto`, ""),
	lookupPatch("LookupMX", true, []param{{"ctx", "context.Context"}, {"name", "string"}}, []string{"[]*MX", "error"}, `"mx", name, "", ""`, "[]*MX"),
	lookupPatch("LookupNS", true, []param{{"ctx", "context.Context"}, {"name", "string"}}, []string{"[]*NS", "error"}, `"ns", name, "", ""`, "[]*NS"),
	lookupPatch("LookupTXT", true, []param{{"ctx", "context.Context"}, {"name", "string"}}, []string{"[]string", "error"}, `"txt", name, "", ""`, "[]string"),
	lookupPatch("LookupTXT", false, []param{{"name", "string"}}, []string{"[]string", "error"}, `"txt", name, "", ""`, "[]string"),
	lookupPatch("LookupAddr", true, []param{{"ctx", "context.Context"}, {"addr", "string"}}, []string{"[]string", "error"}, `"addr", addr, "", ""`, "[]string"),
	{
		Pkg: "os", File: "exec.go",
		Func:    "StartProcess",
		Params:  []param{{"name", "string"}, {"argv", "[]string"}, {"attr", "*ProcAttr"}},
		Results: []string{"*Process", "error"},
		Stmt:    startProcessHookStmt,
		HookVar: startProcessHookVar, HookSetter: startProcessHookSetter,
		AddedFile: "bigfoot_startprocesshook.go", Decl: startProcessHookDecl,
	},
	{
		Pkg: "os", File: "exec.go",
		Recv: "Process", PtrRecv: true, RecvName: "p", Func: "Wait",
		Results: []string{"*ProcessState", "error"},
		Stmt:    processWaitHookStmt,
		HookVar: processWaitHookVar, HookSetter: processWaitHookSetter,
		AddedFile: "bigfoot_processwaithook.go", Decl: processWaitHookDecl,
	},
	{
		Pkg: "os", File: "exec.go",
		Recv: "Process", PtrRecv: true, RecvName: "p", Func: "Signal",
		Params:  []param{{"sig", "Signal"}},
		Results: []string{"error"},
		Stmt:    processSignalHookStmt,
		HookVar: processSignalHookVar, HookSetter: processSignalHookSetter,
		AddedFile: "bigfoot_processsignalhook.go", Decl: processSignalHookDecl,
	},
	{
		Pkg: "os/exec", File: "lookpath.go",
		Func:    "LookPath",
		Params:  []param{{"file", "string"}},
		Results: []string{"string", "error"},
		Stmt:    lookPathHookStmt,
		HookVar: lookPathHookVar, HookSetter: lookPathHookSetter,
		AddedFile: "bigfoot_lookpathhook.go", Decl: lookPathHookDecl,
	},
	{
		Pkg: "log/slog", File: "logger.go",
		Func:    "Default",
		Results: []string{"*Logger"},
		Stmt:    defaultLoggerHookStmt,
		HookVar: defaultLoggerHookVar, HookSetter: defaultLoggerHookSetter,
		AddedFile: "bigfoot_defaultloggerhook.go", Decl: defaultLoggerHookDecl,
	},
}

// dialHookVar is the variable the patched net package consults, and
// dialHookSetter the function that sets it, which bigfoot links to under
// the build tag bigfoot_overlay.
const (
	dialHookVar    = "bigfootDialHook"
	dialHookSetter = "bigfootSetDialHook"
)

// dialHookStmt is inserted just after the opening brace of
// net.(*Dialer).DialContext. It runs before the context and resolver are
// touched so that a handled dial has no side effects inside net. A dial the
// hook lets through continues with the context the hook returns, if any, so
// that the hook can recognise the dials net makes on its behalf (DNS
// queries). The hook gets neither the Dialer nor anything else that would
// make net's own values escape to the heap.
const dialHookStmt = `
	if h := ` + dialHookVar + `; h != nil {
		handled, next, c, err := h(ctx, network, address)
		if handled {
			return c, err
		}
		if next != nil {
			ctx = next
		}
	}
`

// dialHookDecl is added to package net by the overlay. bigfoot links to
// the setter, a function, rather than to the variable: a go:linkname
// reference to a function that does not exist fails to link, so the build
// tag without the overlay cannot compile a hook that net never calls
// (whereas a linkname'd variable would be quietly defined by the linker).
// The bare go:linkname "pushes" the symbol, which since Go 1.23 is what
// lets a package outside the standard library link to it.
const dialHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package net

import (
	"context"
	_ "unsafe" // for go:linkname
)

// ` + dialHookVar + ` is consulted first thing in (*Dialer).DialContext.
var ` + dialHookVar + ` func(ctx context.Context, network, address string) (handled bool, next context.Context, c Conn, err error)

// ` + dialHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + dialHookVar + `.
//
//go:linkname ` + dialHookSetter + `
func ` + dialHookSetter + `(h func(ctx context.Context, network, address string) (handled bool, next context.Context, c Conn, err error)) {
	` + dialHookVar + ` = h
}
`

// roundTripHookVar is the variable the patched net/http package consults,
// and roundTripHookSetter the function that sets it, which bigfoot links
// to under the build tag bigfoot_overlay.
const (
	roundTripHookVar    = "bigfootRoundTripHook"
	roundTripHookSetter = "bigfootSetRoundTripHook"
)

// roundTripHookStmt is inserted just after the opening brace of
// net/http.(*Transport).roundTrip, which every request through a
// Transport reaches (http.Get, a Client, Transport.RoundTrip), before the
// Transport sets itself up or touches the request, so that a handled
// request has no side effects inside net/http. The hook gets the Transport
// so that it can tell a test's own transports from the code's. Its err
// shadows roundTrip's named result only inside the if, and is returned
// explicitly, so the compiler accepts it and the result is the hook's.
const roundTripHookStmt = `
	if h := ` + roundTripHookVar + `; h != nil {
		if handled, resp, err := h(t, req); handled {
			return resp, err
		}
	}
`

// roundTripHookDecl is added to package net/http by the overlay, for the
// reasons given at dialHookDecl.
const roundTripHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package http

import _ "unsafe" // for go:linkname

// ` + roundTripHookVar + ` is consulted first thing in (*Transport).roundTrip.
var ` + roundTripHookVar + ` func(t *Transport, req *Request) (handled bool, resp *Response, err error)

// ` + roundTripHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + roundTripHookVar + `.
//
//go:linkname ` + roundTripHookSetter + `
func ` + roundTripHookSetter + `(h func(t *Transport, req *Request) (handled bool, resp *Response, err error)) {
	` + roundTripHookVar + ` = h
}
`

// closeIdleHookVar is consulted first thing in
// net/http.(*Transport).CloseIdleConnections, and closeIdleHookSetter sets
// it. bigfoot carries a sandbox's requests on its own copies of the
// transports they went through, so that pooled connections are never
// shared between tests; closing a transport's idle connections must close
// its copies' too.
const (
	closeIdleHookVar    = "bigfootCloseIdleHook"
	closeIdleHookSetter = "bigfootSetCloseIdleHook"
)

// closeIdleHookStmt is inserted at the start of CloseIdleConnections; the
// transport's own idle connections are closed after it as usual.
const closeIdleHookStmt = `
	if h := ` + closeIdleHookVar + `; h != nil {
		h(t)
	}
`

// closeIdleHookDecl is added to package net/http by the overlay, for the
// reasons given at dialHookDecl.
const closeIdleHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package http

import _ "unsafe" // for go:linkname

// ` + closeIdleHookVar + ` is consulted first thing in (*Transport).CloseIdleConnections.
var ` + closeIdleHookVar + ` func(t *Transport)

// ` + closeIdleHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + closeIdleHookVar + `.
//
//go:linkname ` + closeIdleHookSetter + `
func ` + closeIdleHookSetter + `(h func(t *Transport)) {
	` + closeIdleHookVar + ` = h
}
`

// funcName is how error messages name p's function, the way the linker
// does: net.(*Dialer).DialContext.
func (p *hookPatch) funcName() string {
	switch {
	case p.Recv == "":
		return p.Pkg + "." + p.Func
	case p.PtrRecv:
		return p.Pkg + ".(*" + p.Recv + ")." + p.Func
	}
	return p.Pkg + "." + p.Recv + "." + p.Func
}

// patchFile returns src, the contents of the file filename, with the
// statement of each of patches inserted at the start of its function; all
// of patches are for this one file, which is parsed once. The functions
// are found by parsing, not by line numbers or text search, so unrelated
// changes to the file in new Go versions do not break the patch; a change
// to a patched function fails loudly instead. The rest of the file is
// left byte for byte as it was. filename and goVersion only serve error
// messages.
func patchFile(filename string, src []byte, goVersion string, patches []hookPatch) ([]byte, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("bigfoot: cannot patch %s for Go version %s: %s; this Go version is not supported by this version of bigfoot",
			filename, goVersion, fmt.Sprintf(format, args...))
	}
	if len(patches) == 0 {
		return src, nil
	}

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fail("parsing: %v", err)
	}
	if want := path.Base(patches[0].Pkg); f.Name.Name != want {
		return nil, fail("file is package %s, want package %s", f.Name.Name, want)
	}
	for _, p := range patches {
		if mentionsIdent(f, p.HookVar) {
			// Patching twice would redeclare the variable; an already
			// patched GOROOT is not something we know how to layer on.
			return nil, fail("it already mentions %s", p.HookVar)
		}
	}

	type insertion struct {
		off  int
		stmt string
	}
	var ins []insertion
	seen := map[*ast.FuncDecl]string{}
	for _, p := range patches {
		fn := findFunc(f, &p)
		if fn == nil {
			return nil, fail("function %s not found", p.funcName())
		}
		if fn.Body == nil {
			return nil, fail("function %s has no body", p.funcName())
		}
		if err := checkSignature(fn, &p); err != nil {
			return nil, fail("function %s has an unexpected signature: %v", p.funcName(), err)
		}
		if other, ok := seen[fn]; ok {
			return nil, fail("function %s is patched for both %s and %s", p.funcName(), other, p.HookVar)
		}
		seen[fn] = p.HookVar
		ins = append(ins, insertion{fset.File(fn.Body.Lbrace).Offset(fn.Body.Lbrace) + 1, p.Stmt})
	}
	slices.SortFunc(ins, func(a, b insertion) int { return a.off - b.off })

	var out bytes.Buffer
	n := len(src)
	for _, in := range ins {
		n += len(in.stmt)
	}
	out.Grow(n)
	last := 0
	for _, in := range ins {
		out.Write(src[last:in.off])
		out.WriteString(in.stmt)
		last = in.off
	}
	out.Write(src[last:])

	// The compiler would catch a broken patch too, but only deep inside a
	// go test run with a confusing message about the standard library.
	if _, err := parser.ParseFile(token.NewFileSet(), filename, out.Bytes(), parser.SkipObjectResolution); err != nil {
		return nil, fail("patched source does not parse: %v", err)
	}
	return out.Bytes(), nil
}

// findFunc returns the declaration of p's function in f, or nil: a method
// only if its receiver has p's type and pointerness, a plain function only
// if p names no receiver type.
func findFunc(f *ast.File, p *hookPatch) *ast.FuncDecl {
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != p.Func {
			continue
		}
		if fn.Recv == nil || len(fn.Recv.List) != 1 {
			if p.Recv == "" && fn.Recv == nil {
				return fn
			}
			continue
		}
		typ := fn.Recv.List[0].Type
		star, isPtr := typ.(*ast.StarExpr)
		if isPtr {
			typ = star.X
		}
		if id, ok := typ.(*ast.Ident); ok && id.Name == p.Recv && isPtr == p.PtrRecv {
			return fn
		}
	}
	return nil
}

// checkSignature makes sure p.Stmt fits fn: the receiver and parameters
// have the names it uses and the types it expects, and the results have
// the types it returns.
func checkSignature(fn *ast.FuncDecl, p *hookPatch) error {
	if p.RecvName != "" {
		got := "_"
		if names := fn.Recv.List[0].Names; len(names) == 1 {
			got = names[0].Name
		}
		if got != p.RecvName {
			return fmt.Errorf("receiver is named %s, want %s", got, p.RecvName)
		}
	}

	// types.ExprString prints a type as gofmt does, which is how the
	// table writes them.
	var names, typs []string
	for _, f := range fn.Type.Params.List {
		typ := types.ExprString(f.Type)
		if len(f.Names) == 0 {
			names, typs = append(names, "_"), append(typs, typ)
		}
		for _, n := range f.Names {
			names, typs = append(names, n.Name), append(typs, typ)
		}
	}
	var wantNames, wantTypes []string
	for _, w := range p.Params {
		wantNames, wantTypes = append(wantNames, w.Name), append(wantTypes, w.Type)
	}
	if !slices.Equal(names, wantNames) || !slices.Equal(typs, wantTypes) {
		return fmt.Errorf("parameters are %v %v, want (%s)", names, typs, paramList(p.Params))
	}

	var results []string
	if fn.Type.Results != nil {
		for _, r := range fn.Type.Results.List {
			typ := types.ExprString(r.Type)
			for range max(len(r.Names), 1) {
				results = append(results, typ)
			}
		}
	}
	if !slices.Equal(results, p.Results) {
		return fmt.Errorf("results are %v, want (%s)", results, strings.Join(p.Results, ", "))
	}
	return nil
}

// paramList renders params as Go writes them, with a type shared by
// consecutive parameters given once: "ctx context.Context, network,
// address string".
func paramList(params []param) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name)
		if i+1 == len(params) || params[i+1].Type != p.Type {
			b.WriteString(" " + p.Type)
		}
	}
	return b.String()
}

// mentionsIdent reports whether name occurs as an identifier anywhere in f.
func mentionsIdent(f *ast.File, name string) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// Name lookups (bfdns). Every lookup method of net.Resolver starts with a
// hook, before the resolver picks its Go or cgo implementation, so that
// GODEBUG=netdns=cgo is intercepted too; lookupIPAddr is the one
// LookupIPAddr, LookupIP, LookupNetIP and a Dial's own lookups share, and
// net.LookupTXT skips the method, so it has its own. All of them call one
// function of package guard: kind names the lookup, arg1 and arg2 carry
// the network (lookupIPAddr) or service and proto (LookupSRV), dial says
// whether the resolver has a Dial of its own (DNS over the resolver's
// dial), and the statement converts the answer to the function's result
// types; a LookupSRV answer is a struct of its two results.

// lookupHookType is the type of every lookup hook.
const lookupHookType = "func(ctx context.Context, kind, name, arg1, arg2 string, dial bool) (handled bool, res any, err error)"

// lookupPatch returns the entry for the lookup function fn of
// net/lookup.go (a method of *Resolver if method), with the given
// parameters and results. args are the hook's arguments after ctx, as Go
// code, and result the Go type of the first result ("" for LookupSRV).
func lookupPatch(fn string, method bool, params []param, results []string, args, result string) hookPatch {
	suffix := fn
	if fn == "lookupIPAddr" {
		suffix = "IPAddr"
	} else {
		suffix = strings.TrimPrefix(suffix, "Lookup")
	}
	if !method {
		suffix += "Func"
	}
	hookVar, setter := "bigfootLookup"+suffix+"Hook", "bigfootSetLookup"+suffix+"Hook"
	ctx, dial := "ctx", "r != nil && r.Dial != nil"
	recv, recvName := "", ""
	where := fn
	if method {
		recv, recvName = "Resolver", "r"
		where = "(*Resolver)." + fn
	} else {
		ctx, dial = "context.Background()", "DefaultResolver.Dial != nil"
	}
	ret := "\t\t\tv, _ := res.(" + result + ")\n\t\t\treturn v, err\n"
	if result == "" {
		ret = "\t\t\tv, _ := res.(struct {\n\t\t\t\tCNAME string\n\t\t\t\tAddrs []*SRV\n\t\t\t})\n\t\t\treturn v.CNAME, v.Addrs, err\n"
	}
	return hookPatch{
		Pkg: "net", File: "lookup.go",
		Recv: recv, PtrRecv: method, RecvName: recvName, Func: fn,
		Params: params, Results: results,
		Stmt: "\n\tif h := " + hookVar + "; h != nil {\n\t\tif handled, res, err := h(" + ctx + ", " + args + ", " + dial + "); handled {\n" +
			ret + "\t\t}\n\t}\n",
		HookVar: hookVar, HookSetter: setter,
		AddedFile: "bigfoot_lookup" + strings.ToLower(suffix) + "hook.go",
		Decl: `// Code generated by the bigfoot command; DO NOT EDIT.

package net

import (
	"context"
	_ "unsafe" // for go:linkname
)

// ` + hookVar + ` is consulted first thing in ` + where + `.
var ` + hookVar + ` ` + lookupHookType + `

// ` + setter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + hookVar + `.
//
//go:linkname ` + setter + `
func ` + setter + `(h ` + lookupHookType + `) {
	` + hookVar + ` = h
}
`,
	}
}

// Process starts (bfexec). A process that bigfoot answers from a script
// runs in the test process: os.StartProcess returns a Process with a pid
// of bigfoot's (above every real one) and starts nothing, and the Wait and
// Signal (which Kill calls) of such a Process are answered by bigfoot, so
// that os/exec, which does its own pipes and goroutines around them,
// behaves as with a real process. The Process and ProcessState are made
// by functions of the added files, which know os's unexported fields on
// Unix. exec.LookPath's hook lets a scripted command that is not
// installed be found inside its sandbox.
const (
	startProcessHookVar     = "bigfootStartProcessHook"
	startProcessHookSetter  = "bigfootSetStartProcessHook"
	processWaitHookVar      = "bigfootProcessWaitHook"
	processWaitHookSetter   = "bigfootSetProcessWaitHook"
	processSignalHookVar    = "bigfootProcessSignalHook"
	processSignalHookSetter = "bigfootSetProcessSignalHook"
	lookPathHookVar         = "bigfootLookPathHook"
	lookPathHookSetter      = "bigfootSetLookPathHook"
)

// startProcessHookStmt is inserted at the start of os.StartProcess.
const startProcessHookStmt = `
	if h := ` + startProcessHookVar + `; h != nil {
		if handled, pid, err := h(name, argv, attr); handled {
			if err != nil {
				return nil, err
			}
			return bigfootNewProcess(pid), nil
		}
	}
`

const startProcessHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package os

import _ "unsafe" // for go:linkname

// ` + startProcessHookVar + ` is consulted first thing in StartProcess.
var ` + startProcessHookVar + ` func(name string, argv []string, attr *ProcAttr) (handled bool, pid int, err error)

// ` + startProcessHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + startProcessHookVar + `.
//
//go:linkname ` + startProcessHookSetter + `
func ` + startProcessHookSetter + `(h func(name string, argv []string, attr *ProcAttr) (handled bool, pid int, err error)) {
	` + startProcessHookVar + ` = h
}

// bigfootNewProcess returns the Process of a process bigfoot runs: no
// handle, so that Wait and Signal reach their hooks by pid.
func bigfootNewProcess(pid int) *Process { return &Process{Pid: pid} }
`

// processWaitHookStmt is inserted at the start of os.(*Process).Wait.
const processWaitHookStmt = `
	if h := ` + processWaitHookVar + `; h != nil {
		if handled, status, err := h(p.Pid); handled {
			if err != nil {
				return nil, err
			}
			return bigfootProcessState(p.Pid, status), nil
		}
	}
`

const processWaitHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package os

import (
	"syscall"
	_ "unsafe" // for go:linkname
)

// ` + processWaitHookVar + ` is consulted first thing in (*Process).Wait.
var ` + processWaitHookVar + ` func(pid int) (handled bool, status int, err error)

// ` + processWaitHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + processWaitHookVar + `.
//
//go:linkname ` + processWaitHookSetter + `
func ` + processWaitHookSetter + `(h func(pid int) (handled bool, status int, err error)) {
	` + processWaitHookVar + ` = h
}

// bigfootProcessState returns the state of a process bigfoot ran, from
// its wait status (Unix).
func bigfootProcessState(pid, status int) *ProcessState {
	return &ProcessState{pid: pid, status: syscall.WaitStatus(status), rusage: new(syscall.Rusage)}
}
`

// processSignalHookStmt is inserted at the start of os.(*Process).Signal.
const processSignalHookStmt = `
	if h := ` + processSignalHookVar + `; h != nil {
		if handled, err := h(p.Pid, sig); handled {
			return err
		}
	}
`

const processSignalHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package os

import _ "unsafe" // for go:linkname

// ` + processSignalHookVar + ` is consulted first thing in (*Process).Signal.
var ` + processSignalHookVar + ` func(pid int, sig Signal) (handled bool, err error)

// ` + processSignalHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + processSignalHookVar + `.
//
//go:linkname ` + processSignalHookSetter + `
func ` + processSignalHookSetter + `(h func(pid int, sig Signal) (handled bool, err error)) {
	` + processSignalHookVar + ` = h
}
`

// lookPathHookStmt is inserted at the start of os/exec.LookPath.
const lookPathHookStmt = `
	if h := ` + lookPathHookVar + `; h != nil {
		if handled, lp, err := h(file); handled {
			return lp, err
		}
	}
`

const lookPathHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package exec

import _ "unsafe" // for go:linkname

// ` + lookPathHookVar + ` is consulted first thing in LookPath.
var ` + lookPathHookVar + ` func(file string) (handled bool, path string, err error)

// ` + lookPathHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + lookPathHookVar + `.
//
//go:linkname ` + lookPathHookSetter + `
func ` + lookPathHookSetter + `(h func(file string) (handled bool, path string, err error)) {
	` + lookPathHookVar + ` = h
}
`

// The default logger (bfslog): slog.Default, through which the
// package-level slog.Info, slog.Warn, ... pass, returns the logger the
// hook gives, if any: a test's log plugin inside its sandbox.
const (
	defaultLoggerHookVar    = "bigfootDefaultLoggerHook"
	defaultLoggerHookSetter = "bigfootSetDefaultLoggerHook"
)

// defaultLoggerHookStmt is inserted at the start of log/slog.Default.
const defaultLoggerHookStmt = `
	if h := ` + defaultLoggerHookVar + `; h != nil {
		if l := h(); l != nil {
			return l
		}
	}
`

const defaultLoggerHookDecl = `// Code generated by the bigfoot command; DO NOT EDIT.

package slog

import _ "unsafe" // for go:linkname

// ` + defaultLoggerHookVar + ` is consulted first thing in Default.
var ` + defaultLoggerHookVar + ` func() *Logger

// ` + defaultLoggerHookSetter + ` is called by bigfoot, under the build tag
// bigfoot_overlay, to set ` + defaultLoggerHookVar + `.
//
//go:linkname ` + defaultLoggerHookSetter + `
func ` + defaultLoggerHookSetter + `(h func() *Logger) {
	` + defaultLoggerHookVar + ` = h
}
`
