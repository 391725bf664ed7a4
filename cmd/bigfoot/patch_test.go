package main

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// installedDialGo returns net's dial.go from the go command's GOROOT,
// which is what bigfoot patches.
func installedDialGo(t *testing.T) (path string, src []byte, version string) {
	t.Helper()
	env, err := goEnv("")
	if err != nil {
		t.Fatal(err)
	}
	src, err = readDialGo(env.GOROOT)
	if err != nil {
		t.Fatal(err)
	}
	return dialGoPath(env.GOROOT), src, env.GOVERSION
}

func TestPatchInstalledDialGo(t *testing.T) {
	path, src, version := installedDialGo(t)
	out, err := patchDialGo(path, src, version)
	if err != nil {
		t.Fatal(err)
	}

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, out, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("patched dial.go does not parse: %v", err)
	}
	if n := bytes.Count(out, []byte(hookVar)); n != 1 {
		t.Errorf("patched dial.go mentions %s %d times, want 1", hookVar, n)
	}
	if n := bytes.Count(out, []byte(dialHookStmt)); n != 1 {
		t.Errorf("patched dial.go contains the hook %d times, want 1", n)
	}
	// Nothing but the insertion changed.
	if !bytes.Equal(bytes.Replace(out, []byte(dialHookStmt), nil, 1), src) {
		t.Error("patched dial.go minus the hook differs from the original")
	}

	fn := findDialContext(f)
	if fn == nil {
		t.Fatal("patched dial.go has no (*Dialer).DialContext")
	}
	first := fn.Body.List[0]
	if got, want := nodeString(t, fset, first), strings.TrimSpace(gofmtStmt(t, dialHookStmt)); got != want {
		t.Errorf("first statement of DialContext is\n%s\nwant\n%s", got, want)
	}
	// The hook must sit in DialContext itself, not in some other function.
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd != fn && fd.Body != nil {
			if bytes.Contains([]byte(nodeString(t, fset, fd.Body)), []byte(hookVar)) {
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
	return nodeString(t, fset, f.Decls[0].(*ast.FuncDecl).Body.List[0])
}

func TestPatchFailsWithoutDialContext(t *testing.T) {
	const wantPrefix = "bigfoot: cannot patch /goroot/src/net/dial.go for Go version go1.99.0: "
	const wantSuffix = "; this Go version is not supported by this version of bigfoot"
	notFound := wantPrefix + "function net.(*Dialer).DialContext not found" + wantSuffix

	tests := []struct {
		name string
		src  string
		want string
	}{
		{"no function", `package net

type Dialer struct{}

func (d *Dialer) Dial(network, address string) (Conn, error) { return nil, nil }
`, notFound},
		{"value receiver", `package net

import "context"

type Dialer struct{}

func (d Dialer) DialContext(ctx context.Context, network, address string) (Conn, error) { return nil, nil }
`, notFound},
		{"other receiver", `package net

import "context"

type Resolver struct{}

func (r *Resolver) DialContext(ctx context.Context, network, address string) (Conn, error) { return nil, nil }
`, notFound},
		{"plain function", `package net

import "context"

func DialContext(ctx context.Context, network, address string) (Conn, error) { return nil, nil }
`, notFound},
		{"renamed parameter", `package net

import "context"

type Dialer struct{}

func (d *Dialer) DialContext(ctx context.Context, network, addr string) (Conn, error) { return nil, nil }
`, wantPrefix + "function net.(*Dialer).DialContext has an unexpected signature: parameters are [ctx network addr] [context.Context string string], want (ctx context.Context, network, address string)" + wantSuffix},
		{"other results", `package net

import "context"

type Dialer struct{}

func (d *Dialer) DialContext(ctx context.Context, network, address string) (*TCPConn, error) { return nil, nil }
`, wantPrefix + "function net.(*Dialer).DialContext has an unexpected signature: results are [*TCPConn error], want (Conn, error)" + wantSuffix},
		{"already patched", `package net

var bigfootDialHook func()
`, wantPrefix + "it already mentions bigfootDialHook" + wantSuffix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := patchDialGo("/goroot/src/net/dial.go", []byte(tt.src), "go1.99.0")
			if err == nil {
				t.Fatalf("patchDialGo succeeded:\n%s", out)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestPatchSyntheticDialContext(t *testing.T) {
	// A one-line body: the hook goes right after the brace even when the
	// original statement follows on the same line.
	src := `package net

import "context"

type Dialer struct{}

func (d *Dialer) Other() {}

func (d *Dialer) DialContext(ctx context.Context, network, address string) (Conn, error) { return d.dial(ctx) }
`
	out, err := patchDialGo("dial.go", []byte(src), "go1.99.0")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, "(Conn, error) {", "(Conn, error) {"+dialHookStmt, 1)
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestHookDeclFileIsFormatted(t *testing.T) {
	got, err := format.Source([]byte(hookDeclFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != hookDeclFile {
		t.Errorf("hookDeclFile is not gofmt-formatted; gofmt gives:\n%s", got)
	}
	if !strings.Contains(hookDeclFile, "\n//go:linkname "+hookSetter+"\nfunc "+hookSetter+"(") {
		t.Error("hookDeclFile does not push the setter with a bare go:linkname")
	}
}
