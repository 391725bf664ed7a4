package main

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The hook points of bfdns, bfexec and bfslog: the lookup methods of
// net.Resolver, os.StartProcess, os.(*Process).Wait and Signal,
// os/exec.LookPath and log/slog.Default. Package guard links to their
// setters from guard/hook_dnsexeclog_overlay.go; these tests keep that
// file, its plain twin and the table in step.

// dnsExecLogFuncs are the table's functions for these hook points.
var dnsExecLogFuncs = []string{
	"net.(*Resolver).LookupHost", "net.(*Resolver).lookupIPAddr", "net.(*Resolver).LookupCNAME",
	"net.(*Resolver).LookupSRV", "net.(*Resolver).LookupMX", "net.(*Resolver).LookupNS",
	"net.(*Resolver).LookupTXT", "net.LookupTXT", "net.(*Resolver).LookupAddr",
	"os.StartProcess", "os.(*Process).Wait", "os.(*Process).Signal",
	"os/exec.LookPath", "log/slog.Default",
}

func dnsExecLogPatches(t *testing.T) []hookPatch {
	t.Helper()
	var out []hookPatch
	for _, name := range dnsExecLogFuncs {
		found := false
		for _, p := range hookPatches {
			if p.funcName() == name {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			t.Errorf("no entry for %s in hookPatches", name)
		}
	}
	return out
}

// TestDNSExecLogGuardLinks parses guard's two variants: the same
// declarations and docs, the overlay one linking each setter (and no
// body) to exactly one entry's HookSetter, every entry linked once.
func TestDNSExecLogGuardLinks(t *testing.T) {
	dir := filepath.Join("..", "..", "guard")
	plainSrc, err := os.ReadFile(filepath.Join(dir, "hook_dnsexeclog_plain.go"))
	if err != nil {
		t.Fatal(err)
	}
	linkedSrc, err := os.ReadFile(filepath.Join(dir, "hook_dnsexeclog_overlay.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(plainSrc, []byte("//go:build !bigfoot_overlay\n")) || !bytes.HasPrefix(linkedSrc, []byte("//go:build bigfoot_overlay\n")) {
		t.Error("the variants' build constraints are not !bigfoot_overlay and bigfoot_overlay")
	}
	for name, src := range map[string][]byte{"plain": plainSrc, "overlay": linkedSrc} {
		if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
			t.Errorf("the %s variant is not gofmt-formatted (%v)", name, err)
		}
	}
	plain := funcDecls(t, "hook_dnsexeclog_plain.go", plainSrc)
	linked := funcDecls(t, "hook_dnsexeclog_overlay.go", linkedSrc)
	var plainAPI, linkedAPI []string
	for _, d := range plain {
		plainAPI = append(plainAPI, d.doc+d.sig)
		if !d.body {
			t.Errorf("plain %s has no body", d.name)
		}
	}
	want := map[string]bool{}
	for _, p := range dnsExecLogPatches(t) {
		want[p.Pkg+"."+p.HookSetter] = true
	}
	seen := map[string]string{}
	for _, d := range linked {
		linkedAPI = append(linkedAPI, d.doc+d.sig)
		if d.body {
			t.Errorf("overlay %s has a body; it must be the linked declaration alone", d.name)
		}
		if d.link == "" {
			t.Errorf("overlay %s has no //go:linkname", d.name)
			continue
		}
		if !want[d.link] {
			t.Errorf("overlay %s links to %s, which no entry of the table pushes", d.name, d.link)
		}
		if other, ok := seen[d.link]; ok {
			t.Errorf("%s is linked by both %s and %s", d.link, other, d.name)
		}
		seen[d.link] = d.name
	}
	for setter := range want {
		if _, ok := seen[setter]; !ok {
			t.Errorf("no function of guard links to %s", setter)
		}
	}
	if !slices.Equal(plainAPI, linkedAPI) {
		t.Errorf("declarations differ:\noverlay:\n%s\nplain:\n%s", strings.Join(linkedAPI, "\n"), strings.Join(plainAPI, "\n"))
	}
}

type funcDecl struct {
	name, doc, sig, link string
	body                 bool
}

func funcDecls(t *testing.T, name string, src []byte) []funcDecl {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var out []funcDecl
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		var sig bytes.Buffer
		if err := format.Node(&sig, fset, &ast.FuncDecl{Name: fd.Name, Type: fd.Type}); err != nil {
			t.Fatal(err)
		}
		decl := funcDecl{name: fd.Name.Name, doc: fd.Doc.Text(), sig: sig.String(), body: fd.Body != nil}
		if fd.Doc != nil {
			for _, c := range fd.Doc.List {
				if rest, ok := strings.CutPrefix(c.Text, "//go:linkname "+fd.Name.Name+" "); ok {
					decl.link = rest
				}
			}
		}
		out = append(out, decl)
	}
	return out
}

// TestLookupEntriesShareOneHookType checks that every lookup entry's
// variable has the one type guard's lookupHook has, and that the
// statement passes the function's own parameters.
func TestLookupEntriesShareOneHookType(t *testing.T) {
	for _, p := range dnsExecLogPatches(t) {
		if p.Pkg != "net" {
			continue
		}
		if !strings.Contains(p.Decl, "var "+p.HookVar+" "+lookupHookType+"\n") {
			t.Errorf("%s: hook variable is not of type %s", p.funcName(), lookupHookType)
		}
		for _, prm := range p.Params {
			if !strings.Contains(p.Stmt, prm.Name) {
				t.Errorf("%s: the statement does not pass parameter %s", p.funcName(), prm.Name)
			}
		}
		if p.File != "lookup.go" {
			t.Errorf("%s: patched in %s, want the platform-neutral lookup.go", p.funcName(), p.File)
		}
	}
}

// TestLookupPatchFailsOnChangedSignature feeds a lookup entry a
// synthetic lookup.go whose LookupMX returns another type: the overlay
// must refuse it, naming what changed, rather than build a net package
// whose hook cannot return its answer.
func TestLookupPatchFailsOnChangedSignature(t *testing.T) {
	var mx hookPatch
	for _, p := range hookPatches {
		if p.funcName() == "net.(*Resolver).LookupMX" {
			mx = p
		}
	}
	src := `package net

import "context"

type Resolver struct{}

func (r *Resolver) LookupMX(ctx context.Context, name string) ([]MX, error) { return nil, nil }
`
	_, err := patchFile("/goroot/src/net/lookup.go", []byte(src), "go1.99.0", []hookPatch{mx})
	want := "bigfoot: cannot patch /goroot/src/net/lookup.go for Go version go1.99.0: function net.(*Resolver).LookupMX has an unexpected signature: results are [[]MX error], want ([]*MX, error); this Go version is not supported by this version of bigfoot"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}
