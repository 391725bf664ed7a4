package main

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path"
	"strings"
	"testing"
)

// installedSources returns the go command's GOROOT and GOVERSION and the
// table's files read from that GOROOT, which is what bigfoot patches.
func installedSources(t testing.TB) (goroot, version string, srcs map[string][]byte) {
	t.Helper()
	env, err := goEnv("")
	if err != nil {
		t.Fatal(err)
	}
	srcs, err = readSources(env.GOROOT, hookPatches)
	if err != nil {
		t.Fatal(err)
	}
	return env.GOROOT, env.GOVERSION, srcs
}

// TestPatchInstalledSources patches the installed Go's source with each
// entry of the table alone and checks that exactly its statement went in,
// as the first statement of its function and nowhere else.
func TestPatchInstalledSources(t *testing.T) {
	goroot, version, srcs := installedSources(t)
	for _, p := range hookPatches {
		t.Run(p.funcName(), func(t *testing.T) {
			filename := srcPath(goroot, sourceKey(&p))
			src := srcs[sourceKey(&p)]
			out, err := patchFile(filename, src, version, []hookPatch{p})
			if err != nil {
				t.Fatal(err)
			}
			checkPatched(t, filename, src, out, p)
		})
	}
}

// checkPatched checks that out is src with p's statement inserted at the
// start of p's function and nothing else changed.
func checkPatched(t *testing.T, filename string, src, out []byte, p hookPatch) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, out, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("patched %s does not parse: %v", filename, err)
	}
	if n := bytes.Count(out, []byte(p.Stmt)); n != 1 {
		t.Errorf("patched file contains the statement %d times, want 1", n)
	}
	if n, want := bytes.Count(out, []byte(p.HookVar)), bytes.Count([]byte(p.Stmt), []byte(p.HookVar)); n != want {
		t.Errorf("patched file mentions %s %d times, want %d", p.HookVar, n, want)
	}
	// Nothing but the insertion changed.
	if !bytes.Equal(bytes.Replace(out, []byte(p.Stmt), nil, 1), src) {
		t.Error("patched file minus the statement differs from the original")
	}

	fn := findFunc(f, &p)
	if fn == nil {
		t.Fatalf("patched file has no %s", p.funcName())
	}
	if got, want := nodeString(t, fset, fn.Body.List[0]), strings.TrimSpace(gofmtStmt(t, p.Stmt)); got != want {
		t.Errorf("first statement of %s is\n%s\nwant\n%s", p.funcName(), got, want)
	}
	// The hook must sit in the function itself, not in some other one.
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd != fn && fd.Body != nil {
			if strings.Contains(nodeString(t, fset, fd.Body), p.HookVar) {
				t.Errorf("hook found in %s", fd.Name.Name)
			}
		}
	}
}

// nodeString prints n the way gofmt would.
func nodeString(t *testing.T, fset *token.FileSet, n ast.Node) string {
	t.Helper()
	var b bytes.Buffer
	if err := format.Node(&b, fset, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// gofmtStmt normalizes the indentation of a statement by formatting it
// inside a function.
func gofmtStmt(t *testing.T, stmt string) string {
	t.Helper()
	src := "package p\nfunc f() {\n" + stmt + "\n}\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	if len(body.List) != 1 {
		t.Fatalf("statement %q is %d statements, want 1", stmt, len(body.List))
	}
	return nodeString(t, fset, body.List[0])
}

// tablePatch returns the table's entry for the function named fn.
func tablePatch(t *testing.T, fn string) hookPatch {
	t.Helper()
	for _, p := range hookPatches {
		if p.Func == fn {
			return p
		}
	}
	t.Fatalf("no entry for %s in hookPatches", fn)
	return hookPatch{}
}

// TestPatchFails feeds each table entry small synthetic files in which its
// function is missing or has changed, and checks the message: it names the
// file, the Go version and the function, and says what changed.
func TestPatchFails(t *testing.T) {
	const wantSuffix = "; this Go version is not supported by this version of bigfoot"
	dial := tablePatch(t, "DialContext")
	rt := tablePatch(t, "roundTrip")
	dialPrefix := "bigfoot: cannot patch /goroot/src/net/dial.go for Go version go1.99.0: "
	rtPrefix := "bigfoot: cannot patch /goroot/src/net/http/transport.go for Go version go1.99.0: "
	dialNotFound := dialPrefix + "function net.(*Dialer).DialContext not found" + wantSuffix
	rtNotFound := rtPrefix + "function net/http.(*Transport).roundTrip not found" + wantSuffix
	rtSig := rtPrefix + "function net/http.(*Transport).roundTrip has an unexpected signature: "

	tests := []struct {
		name string
		p    hookPatch
		src  string
		want string
	}{
		{"dial/no function", dial, `package net

type Dialer struct{}

func (d *Dialer) Dial(network, address string) (Conn, error) { return nil, nil }
`, dialNotFound},
		{"dial/value receiver", dial, `package net

import "context"

type Dialer struct{}

func (d Dialer) DialContext(ctx context.Context, network, address string) (Conn, error) { return nil, nil }
`, dialNotFound},
		{"dial/other receiver", dial, `package net

import "context"

type Resolver struct{}

func (r *Resolver) DialContext(ctx context.Context, network, address string) (Conn, error) { return nil, nil }
`, dialNotFound},
		{"dial/plain function", dial, `package net

import "context"

func DialContext(ctx context.Context, network, address string) (Conn, error) { return nil, nil }
`, dialNotFound},
		{"dial/renamed parameter", dial, `package net

import "context"

type Dialer struct{}

func (d *Dialer) DialContext(ctx context.Context, network, addr string) (Conn, error) { return nil, nil }
`, dialPrefix + "function net.(*Dialer).DialContext has an unexpected signature: parameters are [ctx network addr] [context.Context string string], want (ctx context.Context, network, address string)" + wantSuffix},
		{"dial/other results", dial, `package net

import "context"

type Dialer struct{}

func (d *Dialer) DialContext(ctx context.Context, network, address string) (*TCPConn, error) { return nil, nil }
`, dialPrefix + "function net.(*Dialer).DialContext has an unexpected signature: results are [*TCPConn error], want (Conn, error)" + wantSuffix},
		{"dial/already patched", dial, `package net

var bigfootDialHook func()
`, dialPrefix + "it already mentions bigfootDialHook" + wantSuffix},
		{"dial/other package", dial, `package http
`, dialPrefix + "file is package http, want package net" + wantSuffix},
		{"dial/no body", dial, `package net

import "context"

type Dialer struct{}

func (d *Dialer) DialContext(ctx context.Context, network, address string) (Conn, error)
`, dialPrefix + "function net.(*Dialer).DialContext has no body" + wantSuffix},
		{"dial/syntax error", dial, `package net

func (
`, dialPrefix + "parsing: /goroot/src/net/dial.go:3:8: expected ')', found 'EOF'" + wantSuffix},

		{"roundTrip/no function", rt, `package http

type Transport struct{}

func (t *Transport) RoundTrip(req *Request) (*Response, error) { return nil, nil }
`, rtNotFound},
		{"roundTrip/value receiver", rt, `package http

type Transport struct{}

func (t Transport) roundTrip(req *Request) (_ *Response, err error) { return nil, nil }
`, rtNotFound},
		{"roundTrip/renamed receiver", rt, `package http

type Transport struct{}

func (tr *Transport) roundTrip(req *Request) (_ *Response, err error) { return nil, nil }
`, rtSig + "receiver is named tr, want t" + wantSuffix},
		{"roundTrip/unnamed receiver", rt, `package http

type Transport struct{}

func (*Transport) roundTrip(req *Request) (_ *Response, err error) { return nil, nil }
`, rtSig + "receiver is named _, want t" + wantSuffix},
		{"roundTrip/renamed parameter", rt, `package http

type Transport struct{}

func (t *Transport) roundTrip(r *Request) (_ *Response, err error) { return nil, nil }
`, rtSig + "parameters are [r] [*Request], want (req *Request)" + wantSuffix},
		{"roundTrip/value parameter", rt, `package http

type Transport struct{}

func (t *Transport) roundTrip(req Request) (_ *Response, err error) { return nil, nil }
`, rtSig + "parameters are [req] [Request], want (req *Request)" + wantSuffix},
		{"roundTrip/extra parameter", rt, `package http

import "context"

type Transport struct{}

func (t *Transport) roundTrip(ctx context.Context, req *Request) (_ *Response, err error) { return nil, nil }
`, rtSig + "parameters are [ctx req] [context.Context *Request], want (req *Request)" + wantSuffix},
		{"roundTrip/unnamed parameter", rt, `package http

type Transport struct{}

func (t *Transport) roundTrip(*Request) (_ *Response, err error) { return nil, nil }
`, rtSig + "parameters are [_] [*Request], want (req *Request)" + wantSuffix},
		{"roundTrip/other results", rt, `package http

type Transport struct{}

func (t *Transport) roundTrip(req *Request) (*Response, bool, error) { return nil, false, nil }
`, rtSig + "results are [*Response bool error], want (*Response, error)" + wantSuffix},
		{"roundTrip/no results", rt, `package http

type Transport struct{}

func (t *Transport) roundTrip(req *Request) {}
`, rtSig + "results are [], want (*Response, error)" + wantSuffix},
		{"roundTrip/already patched", rt, `package http

func f() { _ = bigfootRoundTripHook }
`, rtPrefix + "it already mentions bigfootRoundTripHook" + wantSuffix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filename := "/goroot/src/" + sourceKey(&tt.p)
			out, err := patchFile(filename, []byte(tt.src), "go1.99.0", []hookPatch{tt.p})
			if err == nil {
				t.Fatalf("patchFile succeeded:\n%s", out)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestPatchOneLineBody checks that the statement goes right after the
// brace even when the original statement follows on the same line, and
// that a named result the statement shadows does not matter.
func TestPatchOneLineBody(t *testing.T) {
	for _, tt := range []struct {
		p        hookPatch
		src, sig string
	}{
		{tablePatch(t, "DialContext"), `package net

import "context"

type Dialer struct{}

func (d *Dialer) Other() {}

func (d *Dialer) DialContext(ctx context.Context, network, address string) (Conn, error) { return d.dial(ctx) }
`, "(Conn, error) {"},
		{tablePatch(t, "roundTrip"), `package http

type Transport struct{}

func (t *Transport) RoundTrip(req *Request) (*Response, error) { return t.roundTrip(req) }

func (t *Transport) roundTrip(req *Request) (_ *Response, err error) { return nil, nil }
`, "(_ *Response, err error) {"},
	} {
		t.Run(tt.p.Func, func(t *testing.T) {
			out, err := patchFile("x.go", []byte(tt.src), "go1.99.0", []hookPatch{tt.p})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Replace(tt.src, tt.sig, tt.sig+tt.p.Stmt, 1)
			if string(out) != want {
				t.Errorf("got:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

// lookupSrc is a synthetic net/lookup.go with two functions that
// lookupPatches patch.
const lookupSrc = `package net

import "context"

type Resolver struct{}

func (r *Resolver) LookupHost(ctx context.Context, host string) (addrs []string, err error) {
	return r.lookupHost(ctx, host)
}

func Listen(network, address string) (Listener, error) { return nil, nil }
`

// lookupPatches are two synthetic table entries for lookupSrc: a method
// and a plain function of one file.
func lookupPatches() (lookup, listen hookPatch) {
	lookup = hookPatch{
		Pkg: "net", File: "lookup.go",
		Recv: "Resolver", PtrRecv: true, Func: "LookupHost",
		Params:  []param{{"ctx", "context.Context"}, {"host", "string"}},
		Results: []string{"[]string", "error"},
		Stmt:    "\n\tif bigfootLookupHook != nil {\n\t\treturn bigfootLookupHook(ctx, host)\n\t}\n",
		HookVar: "bigfootLookupHook", HookSetter: "bigfootSetLookupHook",
		AddedFile: "bigfoot_lookuphook.go", Decl: "package net\n\nvar bigfootLookupHook func(context.Context, string) ([]string, error)\n",
	}
	listen = hookPatch{
		Pkg: "net", File: "lookup.go",
		Func:    "Listen",
		Params:  []param{{"network", "string"}, {"address", "string"}},
		Results: []string{"Listener", "error"},
		Stmt:    "\n\tif bigfootListenHook != nil {\n\t\treturn bigfootListenHook(network, address)\n\t}\n",
		HookVar: "bigfootListenHook", HookSetter: "bigfootSetListenHook",
		AddedFile: "bigfoot_listenhook.go", Decl: "package net\n\nvar bigfootListenHook func(string, string) (Listener, error)\n",
	}
	return lookup, listen
}

// TestPatchSeveralFunctionsOfOneFile patches two functions of one file in
// one pass, listed in the opposite order of the file's, as later entries
// for net's files will.
func TestPatchSeveralFunctionsOfOneFile(t *testing.T) {
	src := lookupSrc
	lookup, listen := lookupPatches()
	out, err := patchFile("lookup.go", []byte(src), "go1.99.0", []hookPatch{listen, lookup})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, "(addrs []string, err error) {", "(addrs []string, err error) {"+lookup.Stmt, 1)
	want = strings.Replace(want, "(Listener, error) {", "(Listener, error) {"+listen.Stmt, 1)
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	// Each insertion, taken alone, is what checkPatched expects.
	for _, p := range []hookPatch{lookup, listen} {
		other := lookup
		if p.Func == lookup.Func {
			other = listen
		}
		checkPatched(t, "lookup.go", []byte(src), bytes.Replace(out, []byte(other.Stmt), nil, 1), p)
	}

	// Two entries for one function would insert two statements that each
	// think they come first.
	dup := lookup
	dup.HookVar = "bigfootOtherHook"
	_, err = patchFile("lookup.go", []byte(src), "go1.99.0", []hookPatch{lookup, dup})
	if err == nil || !strings.Contains(err.Error(), "function net.(*Resolver).LookupHost is patched for both bigfootLookupHook and bigfootOtherHook") {
		t.Errorf("two patches of one function: error %v", err)
	}
}

// TestHookPatchesTable checks each entry of the table for what the tests
// of the real source cannot see: its added file is gofmt-formatted Go of
// the right package, generated-code header first, declaring the hook
// variable and pushing the setter with a bare go:linkname, and no two
// entries add the same file or use the same names.
func TestHookPatchesTable(t *testing.T) {
	seen := map[string]string{}
	once := func(what, key, by string) {
		if other, ok := seen[what+" "+key]; ok {
			t.Errorf("%s %s is used by both %s and %s", what, key, other, by)
		}
		seen[what+" "+key] = by
	}
	for _, p := range hookPatches {
		name := p.funcName()
		once("function", name, name)
		once("hook variable", p.Pkg+"."+p.HookVar, name)
		once("setter", p.Pkg+"."+p.HookSetter, name)
		once("added file", p.Pkg+"/"+p.AddedFile, name)

		got, err := format.Source([]byte(p.Decl))
		if err != nil {
			t.Fatalf("%s: declaration file: %v", name, err)
		}
		if string(got) != p.Decl {
			t.Errorf("%s: declaration file is not gofmt-formatted; gofmt gives:\n%s", name, got)
		}
		if !strings.HasPrefix(p.Decl, "// Code generated by the bigfoot command; DO NOT EDIT.\n\npackage "+path.Base(p.Pkg)+"\n") {
			t.Errorf("%s: declaration file does not start with the generated-code header and package %s", name, path.Base(p.Pkg))
		}
		if !strings.Contains(p.Decl, "\nvar "+p.HookVar+" func(") {
			t.Errorf("%s: declaration file does not declare %s", name, p.HookVar)
		}
		if !strings.Contains(p.Decl, "\n//go:linkname "+p.HookSetter+"\nfunc "+p.HookSetter+"(") {
			t.Errorf("%s: declaration file does not push %s with a bare go:linkname", name, p.HookSetter)
		}
		if !strings.HasPrefix(p.AddedFile, "bigfoot_") || !strings.HasSuffix(p.AddedFile, ".go") || strings.HasSuffix(p.AddedFile, "_test.go") {
			t.Errorf("%s: added file %s, want bigfoot_*.go (and not a test file)", name, p.AddedFile)
		}
		if !strings.Contains(p.Stmt, p.HookVar) {
			t.Errorf("%s: the statement does not consult %s", name, p.HookVar)
		}
		gofmtStmt(t, p.Stmt) // one statement
	}
}

// TestDialEntryUnchanged pins the net dial entry, which bigfoot's guard
// package links to by these names.
func TestDialEntryUnchanged(t *testing.T) {
	p := tablePatch(t, "DialContext")
	if p.Pkg != "net" || p.File != "dial.go" || p.AddedFile != "bigfoot_dialhook.go" ||
		p.HookVar != "bigfootDialHook" || p.HookSetter != "bigfootSetDialHook" || p.funcName() != "net.(*Dialer).DialContext" {
		t.Errorf("net dial entry changed: %+v", p)
	}
	rt := tablePatch(t, "roundTrip")
	if rt.Pkg != "net/http" || rt.File != "transport.go" || rt.AddedFile != "bigfoot_roundtriphook.go" ||
		rt.HookVar != "bigfootRoundTripHook" || rt.HookSetter != "bigfootSetRoundTripHook" || rt.funcName() != "net/http.(*Transport).roundTrip" {
		t.Errorf("net/http round-trip entry changed: %+v", rt)
	}
}

func TestParamList(t *testing.T) {
	for _, tt := range []struct {
		params []param
		want   string
	}{
		{nil, ""},
		{[]param{{"req", "*Request"}}, "req *Request"},
		{[]param{{"ctx", "context.Context"}, {"network", "string"}, {"address", "string"}}, "ctx context.Context, network, address string"},
		{[]param{{"a", "int"}, {"b", "string"}, {"c", "int"}}, "a int, b string, c int"},
	} {
		if got := paramList(tt.params); got != tt.want {
			t.Errorf("paramList(%v) = %q, want %q", tt.params, got, tt.want)
		}
	}
}
