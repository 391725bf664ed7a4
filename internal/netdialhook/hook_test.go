package netdialhook

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestInstallReportsAvailable(t *testing.T) {
	// Install(nil) is harmless either way: without the overlay it does
	// nothing, with it it removes any hook.
	if got, want := Install(nil), Available(); got != want {
		t.Errorf("Install returned %v, Available %v; want them equal", got, want)
	}
}

// TestAvailableFollowsTag checks that plain go test builds the variant
// without the hook, and bigfoot test (which sets the tag) the linked one.
func TestAvailableFollowsTag(t *testing.T) {
	if Available() != builtWithOverlayTag {
		t.Errorf("Available() = %v in a build with the bigfoot_overlay tag %v", Available(), builtWithOverlayTag)
	}
}

// TestHookInterceptsDial only runs under the overlay, for example as
// 'go run ./cmd/bigfoot test ./internal/netdialhook', which the cmd/bigfoot
// tests do.
func TestHookInterceptsDial(t *testing.T) {
	if !Available() {
		t.Skip("not built with the bigfoot overlay")
	}
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()

	type key struct{}
	var gotNetwork, gotAddress string
	var resolverDials atomic.Int32 // the resolver may query from several goroutines
	Install(func(ctx context.Context, network, address string) (bool, context.Context, net.Conn, error) {
		switch {
		case address == "netdialhook.invalid:1":
			gotNetwork, gotAddress = network, address
			return true, nil, client, nil
		case address == "netdialhook.invalid:2":
			// Let it through, marked: net resolves the name, and its DNS
			// queries come back here with the mark.
			return false, context.WithValue(ctx, key{}, true), nil, nil
		case ctx.Value(key{}) != nil:
			resolverDials.Add(1)
			return true, nil, nil, errors.New("no DNS in this test")
		}
		return false, nil, nil, nil
	})
	defer Install(nil)

	c, err := (&net.Dialer{}).Dial("tcp", "netdialhook.invalid:1")
	if err != nil {
		t.Fatal(err)
	}
	if c != client {
		t.Errorf("Dial returned %v, want the hook's connection", c)
	}
	if gotNetwork != "tcp" || gotAddress != "netdialhook.invalid:1" {
		t.Errorf("hook saw (%q, %q), want (\"tcp\", \"netdialhook.invalid:1\")", gotNetwork, gotAddress)
	}

	r := &net.Resolver{PreferGo: true} // DNS queries through net.Dialer, not cgo
	_, err = (&net.Dialer{Resolver: r}).Dial("tcp", "netdialhook.invalid:2")
	if err == nil || resolverDials.Load() == 0 {
		t.Errorf("dial let through with a marked context: err %v after %d marked dials, want the resolver's dials marked", err, resolverDials.Load())
	}
}

// TestVariantsMatch keeps hook.go and hook_overlay.go in step: the same
// exported API with the same docs, opposite build constraints, and the
// overlay variant linked to the setter the bigfoot command's patch of
// package net declares.
func TestVariantsMatch(t *testing.T) {
	plain := readSource(t, "hook.go")
	linked := readSource(t, "hook_overlay.go")
	if !bytes.HasPrefix(plain, []byte("//go:build !bigfoot_overlay\n")) {
		t.Error("hook.go does not start with //go:build !bigfoot_overlay")
	}
	if !bytes.HasPrefix(linked, []byte("//go:build bigfoot_overlay\n")) {
		t.Error("hook_overlay.go does not start with //go:build bigfoot_overlay")
	}
	if !bytes.Contains(linked, []byte("\n//go:linkname setNetHook net.bigfootSetDialHook\n")) {
		t.Error("hook_overlay.go does not link setNetHook to net.bigfootSetDialHook")
	}
	gotAPI := exportedAPI(t, "hook_overlay.go", linked)
	wantAPI := exportedAPI(t, "hook.go", plain)
	if !slices.Equal(gotAPI, wantAPI) {
		t.Errorf("exported API of hook_overlay.go:\n%s\nof hook.go:\n%s",
			strings.Join(gotAPI, "\n"), strings.Join(wantAPI, "\n"))
	}
}

func readSource(t *testing.T, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
		t.Errorf("%s is not gofmt-formatted (%v)", name, err)
	}
	return src
}

// exportedAPI lists the package name and each exported declaration of a
// file with its doc comment and signature, bodies left out.
func exportedAPI(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	api := []string{"package " + f.Name.Name}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			var sig bytes.Buffer
			if err := format.Node(&sig, fset, &ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type}); err != nil {
				t.Fatal(err)
			}
			api = append(api, d.Doc.Text()+sig.String())
		case *ast.GenDecl:
			for _, s := range d.Specs {
				var names []*ast.Ident
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = []*ast.Ident{s.Name}
				case *ast.ValueSpec:
					names = s.Names
				}
				for _, n := range names {
					if n.IsExported() {
						api = append(api, d.Tok.String()+" "+n.Name)
					}
				}
			}
		}
	}
	return api
}
