package main

import (
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// netEntryUnhooked lists the exported functions of package net that reach
// a socket (one of netSinks) without passing through any hook of the
// table, each with the reason it needs none. TestNetEntriesCoverNet fails
// for any other such function, and for an entry here that no longer
// reaches a socket, so a Go release that adds or moves an entry point is
// noticed. FIREWALL.md repeats the reasons.
var netEntryUnhooked = map[string]string{
	// Listening sockets: netFD.dial connects only when it is given a
	// remote address, which the listen paths never give it. They accept
	// connections made to them and reach out to nothing.
	"net.Listen":                       listens,
	"(*net.ListenConfig).Listen":       listens,
	"net.ListenTCP":                    listens,
	"net.ListenUnix":                   listens,
	"net.ListenPacket":                 unconnected,
	"(*net.ListenConfig).ListenPacket": unconnected,
	"net.ListenUDP":                    unconnected,
	"net.ListenIP":                     unconnected,
	"net.ListenUnixgram":               unconnected,
	// Name lookups through the C library (the cgo resolver, chosen by
	// GODEBUG=netdns=cgo or by an nsswitch.conf that Go's resolver cannot
	// follow): the library sends its queries itself. Lookups are the dns
	// kind's; the queries of Go's own resolver are dials to the nameserver
	// through (*Dialer).DialContext.
	"net.LookupHost":               cgoLookup,
	"(*net.Resolver).LookupHost":   cgoLookup,
	"net.LookupIP":                 cgoLookup,
	"(*net.Resolver).LookupIP":     cgoLookup,
	"(*net.Resolver).LookupIPAddr": cgoLookup,
	"(*net.Resolver).LookupNetIP":  cgoLookup,
	"net.LookupCNAME":              cgoLookup,
	"(*net.Resolver).LookupCNAME":  cgoLookup,
	"net.LookupAddr":               cgoLookup,
	"(*net.Resolver).LookupAddr":   cgoLookup,
	"net.LookupPort":               cgoLookup,
	"(*net.Resolver).LookupPort":   cgoLookup,
	"net.ResolveIPAddr":            cgoLookup,
	"net.ResolveTCPAddr":           cgoLookup,
	"net.ResolveUDPAddr":           cgoLookup,
}

const (
	listens     = "listens: it accepts connections made to it and connects nowhere"
	unconnected = "opens an unconnected socket: its packets leave through the WriteTo methods, which are hooked"
	cgoLookup   = "a name lookup, which may go through the C library's resolver (cgo); its queries are sent by the C library, out of Go's sight: the dns kind, and -isolate"
)

// netSinks are the functions of package net through which a socket
// reaches an address: connect(2), the sendto/sendmsg of the packet
// writes, a multicast group join, and the C library's resolver.
var netSinks = []string{
	"(*net.netFD).connect",
	"(*net.netFD).writeTo", "(*net.netFD).writeToInet4", "(*net.netFD).writeToInet6",
	"(*net.netFD).writeMsg", "(*net.netFD).writeMsgInet4", "(*net.netFD).writeMsgInet6",
	"net.joinIPv4Group", "net.joinIPv6Group",
	"net._C_getaddrinfo", "net.cgoNameinfoPTR", "net._C_res_nsearch",
}

// netGraph is package net's call graph as go/types resolves it: for each
// function with a body, the functions and methods of net it refers to
// (calls, method values, functions passed as values). A call of an
// interface method counts as a call of every method of that name in net.
type netGraph struct {
	refs   map[string][]string // function -> functions it refers to
	byName map[string][]string // method name -> methods of that name
}

// loadNetGraph type-checks the installed net package for this GOOS and
// GOARCH, cgo files included, from source.
func loadNetGraph(t *testing.T, goroot string) *netGraph {
	t.Helper()
	ctx := build.Default
	ctx.GOROOT = goroot
	ctx.CgoEnabled = true
	dir := filepath.Join(goroot, "src", "net")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := ctx.MatchFile(dir, name); err != nil || !ok {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}}
	// FakeImportC leaves the C side of the cgo files untyped, which is
	// all the errors are about; the calls into it still resolve.
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil), FakeImportC: true, Error: func(error) {}}
	conf.Check("net", fset, files, info)

	g := &netGraph{refs: map[string][]string{}, byName: map[string][]string{}}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			obj, ok := info.Defs[fd.Name].(*types.Func)
			if !ok {
				continue
			}
			key := obj.FullName()
			if fd.Recv != nil {
				g.byName[obj.Name()] = append(g.byName[obj.Name()], key)
			}
			refs := []string{}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				id, ok := n.(*ast.Ident)
				if !ok {
					return true
				}
				fn, ok := info.Uses[id].(*types.Func)
				if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "net" {
					return true
				}
				if r := fn.Type().(*types.Signature).Recv(); r != nil && types.IsInterface(r.Type()) {
					refs = append(refs, "iface:"+fn.Name())
				} else {
					refs = append(refs, fn.Origin().FullName())
				}
				return true
			})
			g.refs[key] = refs
		}
	}
	return g
}

// reach returns the path from root to the first sink it reaches without
// passing through a function of stop, or nil.
func (g *netGraph) reach(root string, stop, sinks map[string]bool) []string {
	parent := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		var next []string
		for _, r := range g.refs[cur] {
			if name, ok := strings.CutPrefix(r, "iface:"); ok {
				next = append(next, g.byName[name]...)
			} else {
				next = append(next, r)
			}
		}
		for _, n := range next {
			if _, seen := parent[n]; seen || stop[n] {
				continue
			}
			parent[n] = cur
			if sinks[n] {
				var path []string
				for p := n; p != ""; p = parent[p] {
					path = append([]string{p}, path...)
				}
				return path
			}
			queue = append(queue, n)
		}
	}
	return nil
}

// typesName is p's function as go/types names it: (*net.Dialer).DialContext.
func (p *hookPatch) typesName() string {
	switch {
	case p.Recv == "":
		return p.Pkg + "." + p.Func
	case p.PtrRecv:
		return "(*" + p.Pkg + "." + p.Recv + ")." + p.Func
	}
	return p.Pkg + "." + p.Recv + "." + p.Func
}

// TestNetEntriesCoverNet parses and type-checks the installed net package
// and follows every exported function and method down its calls: each one
// that reaches a socket (connect, sendto, a group join, the C resolver)
// must meet a hook of the table on the way, or be listed in
// netEntryUnhooked with the reason it needs none. A new entry point in a
// Go release fails here, by name, before any test can pass through it.
func TestNetEntriesCoverNet(t *testing.T) {
	goroot, _, _ := installedSources(t)
	g := loadNetGraph(t, goroot)

	sinks := map[string]bool{}
	for _, s := range netSinks {
		if _, ok := g.refs[s]; !ok {
			t.Errorf("sink %s is not a function of the installed net package; find what replaced it", s)
		}
		sinks[s] = true
	}
	stop := map[string]bool{}
	for _, p := range hookPatches {
		if p.Pkg == "net" {
			stop[p.typesName()] = true
		}
	}

	// The graph sees the paths: each hooked function, followed without
	// stopping at itself, reaches a sink (else the hook would guard
	// nothing, or the sinks have moved).
	hooked := []string{"(*net.Dialer).DialContext"}
	for _, p := range netEntryPatches {
		hooked = append(hooked, p.typesName())
	}
	for _, name := range hooked {
		others := map[string]bool{}
		for k := range stop {
			others[k] = k != name
		}
		if path := g.reach(name, others, sinks); path == nil {
			t.Errorf("hooked %s reaches no socket in the call graph: the sinks or the graph are wrong", name)
		}
	}

	// And it catches a gap: without the dialUDP entry, both public
	// functions that call it reach connect(2) unguarded.
	withoutUDP := map[string]bool{}
	for k := range stop {
		withoutUDP[k] = k != "net.dialUDP"
	}
	for _, public := range []string{"net.DialUDP", "(*net.Dialer).DialUDP"} {
		if path := g.reach(public, withoutUDP, sinks); len(path) == 0 || path[len(path)-1] != "(*net.netFD).connect" {
			t.Errorf("without the dialUDP entry, %s reaches %v, want (*net.netFD).connect", public, path)
		}
	}

	var unguarded []string
	reached := map[string]bool{}
	for key := range g.refs {
		if !isExportedFunc(key) || stop[key] {
			continue
		}
		path := g.reach(key, stop, sinks)
		if path == nil {
			continue
		}
		reached[key] = true
		if _, ok := netEntryUnhooked[key]; !ok {
			unguarded = append(unguarded, key+"\n\t\tvia "+strings.Join(path, " > "))
		}
	}
	sort.Strings(unguarded)
	for _, u := range unguarded {
		t.Errorf("%s reaches a socket without meeting a hook of the table: add an entry to netEntryPatches (patch_netentry.go), or to netEntryUnhooked with the reason it needs none", u)
	}
	for key := range netEntryUnhooked {
		switch _, exists := g.refs[key]; {
		case !exists:
			t.Errorf("netEntryUnhooked lists %s, which the installed net package no longer has: remove it", key)
		case !reached[key]:
			// Another entry of the table (a lookup hook, say) now stands
			// between it and the socket: it is covered.
			t.Logf("netEntryUnhooked lists %s, which now meets a hook of the table on its way to a socket", key)
		}
	}
}

// isExportedFunc reports whether a go/types full name is an exported
// function or an exported method (of any type: an unexported type's
// methods are reached through interfaces).
func isExportedFunc(full string) bool {
	i := strings.LastIndexByte(full, '.')
	return i >= 0 && ast.IsExported(full[i+1:])
}

// TestNetEntryLinks checks package guard's side of every entry: a setter
// linked to the table's, taking a hook of the same type (guard spells
// net's types with the package name).
func TestNetEntryLinks(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "guard", "netentry_overlay.go"))
	if err != nil {
		t.Fatal(err)
	}
	guardHooks := setterHookTypes(t, "netentry_overlay.go", src)
	qualified := regexp.MustCompile(`\bnet\.`)
	for _, p := range netEntryPatches {
		stem := strings.TrimSuffix(strings.TrimPrefix(p.HookSetter, "bigfootSet"), "Hook")
		local := "set" + stem + "Hook"
		if !strings.Contains(string(src), "\n//go:linkname "+local+" net."+p.HookSetter+"\n") {
			t.Errorf("guard/netentry_overlay.go lacks //go:linkname %s net.%s", local, p.HookSetter)
			continue
		}
		want := setterHookTypes(t, p.AddedFile, []byte(p.Decl))[p.HookSetter]
		got := qualified.ReplaceAllString(guardHooks[local], "")
		if got != want || want == "" {
			t.Errorf("%s takes a hook of type %s in guard, %s in the table", local, guardHooks[local], want)
		}
	}
	if n, want := len(guardHooks), len(netEntryPatches); n != want {
		t.Errorf("guard/netentry_overlay.go declares %d setters, the table has %d entries", n, want)
	}
}

// setterHookTypes maps each function declared in src to the type of its
// one parameter, as gofmt prints it.
func setterHookTypes(t *testing.T, name string, src []byte) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Type.Params.NumFields() == 1 {
			out[fd.Name.Name] = types.ExprString(fd.Type.Params.List[0].Type)
		}
	}
	return out
}

// TestNetEntryPatchFails feeds entries of netEntryPatches synthetic files
// in which their function has changed: the patch fails naming it.
func TestNetEntryPatchFails(t *testing.T) {
	entry := func(fn, recv string) hookPatch {
		for _, p := range netEntryPatches {
			if p.Func == fn && p.Recv == recv {
				return p
			}
		}
		t.Fatalf("no entry for %s %s", recv, fn)
		return hookPatch{}
	}
	const suffix = "; this Go version is not supported by this version of bigfoot"
	for _, tt := range []struct {
		name string
		p    hookPatch
		src  string
		want string
	}{
		{"dialTCP renamed parameter", entry("dialTCP", ""), `package net

import "context"

func dialTCP(ctx context.Context, d *Dialer, network string, laddr, raddr *TCPAddr) (*TCPConn, error) { return nil, nil }
`, "function net.dialTCP has an unexpected signature: parameters are [ctx d network laddr raddr] [context.Context *Dialer string *TCPAddr *TCPAddr], want (ctx context.Context, dialer *Dialer, network string, laddr, raddr *TCPAddr)" + suffix},
		{"dialUDP gone", entry("dialUDP", ""), `package net

func DialUDP(network string, laddr, raddr *UDPAddr) (*UDPConn, error) { return nil, nil }
`, "function net.dialUDP not found" + suffix},
		{"WriteTo other address type", entry("WriteTo", "UDPConn"), `package net

type UDPConn struct{}

func (c *UDPConn) WriteTo(b []byte, addr *UDPAddr) (int, error) { return 0, nil }
`, "function net.(*UDPConn).WriteTo has an unexpected signature: parameters are [b addr] [[]byte *UDPAddr], want (b []byte, addr Addr)" + suffix},
		{"WriteMsgUnix other results", entry("WriteMsgUnix", "UnixConn"), `package net

type UnixConn struct{}

func (c *UnixConn) WriteMsgUnix(b, oob []byte, addr *UnixAddr) (n int, err error) { return 0, nil }
`, "function net.(*UnixConn).WriteMsgUnix has an unexpected signature: results are [int error], want (int, int, error)" + suffix},
	} {
		t.Run(tt.name, func(t *testing.T) {
			filename := "/goroot/src/" + sourceKey(&tt.p)
			_, err := patchFile(filename, []byte(tt.src), "go1.99.0", []hookPatch{tt.p})
			want := "bigfoot: cannot patch " + filename + " for Go version go1.99.0: " + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("error:\n%v\nwant:\n%s", err, want)
			}
		})
	}
}

// TestNetEntryStatements checks that each statement returns the hook's
// error with zero values of the function's results, so a refused call
// hands back exactly bigfoot's typed error.
func TestNetEntryStatements(t *testing.T) {
	for _, p := range netEntryPatches {
		zeros := make([]string, 0, len(p.Results))
		for _, r := range p.Results[:len(p.Results)-1] {
			if r == "int" {
				zeros = append(zeros, "0")
			} else {
				zeros = append(zeros, "nil")
			}
		}
		want := "return " + strings.Join(append(zeros, "err"), ", ") + "\n"
		if !strings.Contains(p.Stmt, want) || p.Results[len(p.Results)-1] != "error" {
			t.Errorf("%s: statement\n%s\ndoes not %q", p.funcName(), p.Stmt, want)
		}
	}
}
