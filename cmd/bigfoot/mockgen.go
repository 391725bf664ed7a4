package main

// bigfoot mock: generates strict mocks of interfaces, on the verifier's
// one timeline, with typed expectations and assertions. It uses the
// standard library alone: `go list -export -deps` compiles the package's
// dependencies and names their export data, go/importer reads it, and the
// package itself is type-checked from its source with go/types (so that
// unexported interfaces and types can be mocked into the same package).

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const mgUsage = `usage: bigfoot mock [flags] <package> <Interface>...

Generates, for each named interface of the package (an import path, or a
directory such as "."), a strict bigfoot mock: NewMock<I>(bf) returns a
*Mock<I> that implements the interface; for each method M it has
Expect<M>(typed args) and Expect<M>Match(values or matchers), which return
a typed call with Returns(typed results), Raises(err), Does(fn), Optional(),
With(opts...) and Times(n); and Assert<M>(typed args) and
Assert<M>Match(values or matchers). Calls are answered only inside the
sandbox and recorded on the verifier's timeline.

Flags:
	-o file      write the mock to file (default: standard output)
	-pkg name    package name of the generated file (default: the
	             interface's package when -o is in its directory, else
	             <name>mock)
	-names I=N   name the mock of interface I N instead of MockI
	             (comma-separated list)
	-tags list   build tags for loading the package

As a go:generate line, in the package that declares Store:

	//go:generate go run github.com/bigfoot-go/bigfoot/cmd/bigfoot mock -o store_mock_test.go . Store
`

// runMock is the mock subcommand.
func runMock(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bigfoot mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, mgUsage) }
	out := fs.String("o", "", "output file")
	pkgName := fs.String("pkg", "", "package name of the generated file")
	names := fs.String("names", "", "I=Name,... mock names")
	tags := fs.String("tags", "", "build tags")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() < 2 {
		fmt.Fprintf(stderr, "bigfoot mock: need a package and at least one interface name\n\n%s", mgUsage)
		return 2
	}
	opts := mgOptions{Package: fs.Arg(0), Interfaces: fs.Args()[1:], Output: *out, PkgName: *pkgName, Tags: *tags,
		Command: "bigfoot mock " + strings.Join(args, " ")}
	if *names != "" {
		opts.Names = map[string]string{}
		for _, kv := range strings.Split(*names, ",") {
			i, n, ok := strings.Cut(kv, "=")
			if !ok || !token.IsIdentifier(i) || !token.IsIdentifier(n) {
				fmt.Fprintf(stderr, "bigfoot mock: -names takes Interface=MockName pairs, got %q\n", kv)
				return 2
			}
			opts.Names[i] = n
		}
	}
	src, err := mgGenerate(opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *out == "" {
		_, err = stdout.Write(src)
	} else {
		err = mgWriteFile(*out, src)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bigfoot mock:", err)
		return 1
	}
	return 0
}

type mgOptions struct {
	Package    string   // import path or directory
	Interfaces []string // names in that package
	Output     string   // output file, "" for stdout
	PkgName    string   // package clause, "" for the default
	Tags       string
	Names      map[string]string // interface -> mock type name
	Command    string            // for the header
	Dir        string            // where to run go list ("" for the current directory)
}

// listedPackage is what go list says of a package.
type mgListed struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	ImportMap  map[string]string
	DepOnly    bool
	Error      *struct{ Err string }
}

// loadPackage type-checks the package from its source, with its
// dependencies from their export data.
func mgLoad(opts mgOptions, skip string) (*types.Package, *mgListed, error) {
	args := []string{"list", "-e", "-export", "-deps", "-json=ImportPath,Name,Dir,GoFiles,CgoFiles,Export,ImportMap,DepOnly,Error"}
	if opts.Tags != "" {
		args = append(args, "-tags="+opts.Tags)
	}
	args = append(args, "--", opts.Package)
	out, err := goOutput(opts.Dir, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("bigfoot mock: go list %s: %w", opts.Package, err)
	}
	exports := map[string]string{}
	var target *mgListed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p mgListed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("bigfoot mock: reading go list output: %w", err)
		}
		if p.Export != "" {
			exports[p.ImportPath] = p.Export
		}
		if !p.DepOnly {
			if target != nil {
				return nil, nil, fmt.Errorf("bigfoot mock: %q names more than one package; name one", opts.Package)
			}
			pp := p
			target = &pp
		}
	}
	if target == nil {
		return nil, nil, fmt.Errorf("bigfoot mock: go list found no package %q", opts.Package)
	}
	if len(target.GoFiles)+len(target.CgoFiles) == 0 && target.Error != nil {
		return nil, nil, fmt.Errorf("bigfoot mock: package %s: %s", opts.Package, target.Error.Err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range append(append([]string(nil), target.GoFiles...), target.CgoFiles...) {
		path := filepath.Join(target.Dir, name)
		if skip != "" && mgSameFile(path, skip) {
			continue // the mock being regenerated: it may be stale
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, fmt.Errorf("bigfoot mock: %w", err)
		}
		files = append(files, f)
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if mapped, ok := target.ImportMap[path]; ok {
			path = mapped
		}
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q (does it compile? try: go build %s)", path, path)
		}
		return os.Open(file)
	})
	var typeErrs []string
	conf := types.Config{Importer: imp, FakeImportC: true, Error: func(err error) {
		if len(typeErrs) < 10 {
			typeErrs = append(typeErrs, err.Error())
		}
	}}
	pkg, _ := conf.Check(target.ImportPath, fset, files, nil)
	if pkg == nil {
		return nil, nil, fmt.Errorf("bigfoot mock: type-checking %s failed:\n\t%s", target.ImportPath, strings.Join(typeErrs, "\n\t"))
	}
	return pkg, target, nil
}

func mgSameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if aa == bb {
		return true
	}
	s1, err1 := os.Stat(aa)
	s2, err2 := os.Stat(bb)
	return err1 == nil && err2 == nil && os.SameFile(s1, s2)
}

// generateMocks returns the gofmt'd source of the mocks.
func mgGenerate(opts mgOptions) ([]byte, error) {
	pkg, listed, err := mgLoad(opts, opts.Output)
	if err != nil {
		return nil, err
	}
	outDir := opts.Dir
	if opts.Output != "" {
		outDir = filepath.Join(opts.Dir, filepath.Dir(opts.Output))
	}
	if outDir == "" {
		outDir = "."
	}
	inPkgDir := mgSameDir(outDir, listed.Dir)
	name := opts.PkgName
	if name == "" {
		if inPkgDir {
			name = pkg.Name()
		} else {
			name = pkg.Name() + "mock"
		}
	}
	if !token.IsIdentifier(name) {
		return nil, fmt.Errorf("bigfoot mock: -pkg %q is not a Go identifier", name)
	}
	g := &mgGen{pkg: pkg, self: inPkgDir && name == pkg.Name(), outPkg: name, imports: map[string]string{}, names: map[string]string{}}
	var bodies bytes.Buffer
	seen := map[string]bool{}
	for _, iname := range opts.Interfaces {
		if seen[iname] {
			continue
		}
		seen[iname] = true
		obj := pkg.Scope().Lookup(iname)
		tn, ok := obj.(*types.TypeName)
		if !ok || !types.IsInterface(tn.Type()) {
			return nil, fmt.Errorf("bigfoot mock: package %s has no interface named %s%s", pkg.Path(), iname, mgSuggest(pkg, iname))
		}
		mockName := opts.Names[iname]
		if err := g.mock(&bodies, tn, mockName); err != nil {
			return nil, err
		}
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "// Code generated by %s; DO NOT EDIT.\n\n", strings.TrimSpace(opts.Command))
	fmt.Fprintf(&head, "package %s\n\n", name)
	head.WriteString("import (\n")
	paths := make([]string, 0, len(g.imports))
	for p := range g.imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	// Standard library first, then the rest, as goimports groups them.
	for _, std := range []bool{true, false} {
		if !std {
			head.WriteString("\n")
		}
		for _, p := range paths {
			first, _, _ := strings.Cut(p, "/")
			if strings.Contains(first, ".") == std {
				continue
			}
			if n := g.imports[p]; n != mgDefaultName(p) {
				fmt.Fprintf(&head, "\t%s %q\n", n, p)
			} else {
				fmt.Fprintf(&head, "\t%q\n", p)
			}
		}
	}
	head.WriteString(")\n\n")
	if !g.self {
		// Failures of calls through these mocks point at the code under test.
		fmt.Fprintf(&head, "func init() { %s.Generated() }\n\n", g.imports[mgMockPath])
	}
	head.Write(bodies.Bytes())
	src, err := format.Source(head.Bytes())
	if err != nil {
		return nil, fmt.Errorf("bigfoot mock: internal error: the generated code does not parse (%v); please report it with the interface:\n%s", err, head.Bytes())
	}
	return src, nil
}

func mgSameDir(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if aa == bb {
		return true
	}
	s1, err1 := os.Stat(aa)
	s2, err2 := os.Stat(bb)
	return err1 == nil && err2 == nil && os.SameFile(s1, s2)
}

func mgSuggest(pkg *types.Package, want string) string {
	var list []string
	for _, n := range pkg.Scope().Names() {
		if tn, ok := pkg.Scope().Lookup(n).(*types.TypeName); ok && types.IsInterface(tn.Type()) && !tn.IsAlias() {
			list = append(list, n)
		}
	}
	if len(list) == 0 {
		return " (it declares no interfaces)"
	}
	for _, n := range list {
		if strings.EqualFold(n, want) {
			return "; did you mean " + n + "?"
		}
	}
	if len(list) > 20 {
		list = append(list[:20], "...")
	}
	return "; its interfaces: " + strings.Join(list, ", ")
}

func mgWriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".bigfoot-mock-*.go")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// gen writes mocks into one file.
type mgGen struct {
	pkg     *types.Package
	self    bool              // the file is in the interface's own package
	outPkg  string            // its package name
	imports map[string]string // import path -> name in the file
	names   map[string]string // name in the file -> import path
	err     error             // first unexported name met from outside the package
}

const (
	mgCorePath = "github.com/bigfoot-go/bigfoot/core"
	mgMockPath = "github.com/bigfoot-go/bigfoot/mock"
)

func mgDefaultName(path string) string {
	switch path {
	case mgCorePath:
		return "core"
	case mgMockPath:
		return "mock"
	}
	return path[strings.LastIndexByte(path, '/')+1:]
}

// use returns the name by which the file refers to package p, importing
// it, with an alias where names clash.
func (g *mgGen) use(path, name string) string {
	if n, ok := g.imports[path]; ok {
		return n
	}
	base := name
	if !token.IsIdentifier(base) || base == "_" {
		base = "pkg"
	}
	n := base
	for i := 2; g.names[n] != "" || n == g.outPkg; i++ {
		n = base + strconv.Itoa(i)
	}
	g.imports[path] = n
	g.names[n] = path
	return n
}

func (g *mgGen) qualifier(p *types.Package) string {
	if p == g.pkg && g.self {
		return ""
	}
	return g.use(p.Path(), p.Name())
}

// typ renders t, importing what it needs, and notes unexported names that
// the file cannot refer to.
func (g *mgGen) typ(t types.Type) string {
	if !g.self {
		g.checkExported(t, map[types.Type]bool{})
	}
	return types.TypeString(t, g.qualifier)
}

func (g *mgGen) checkExported(t types.Type, seen map[types.Type]bool) {
	if g.err != nil || seen[t] {
		return
	}
	seen[t] = true
	switch x := t.(type) {
	case *types.Named:
		if o := x.Obj(); o.Pkg() != nil && !o.Exported() {
			g.err = fmt.Errorf("unexported type %s.%s", o.Pkg().Name(), o.Name())
			return
		}
		if args := x.TypeArgs(); args != nil {
			for i := 0; i < args.Len(); i++ {
				g.checkExported(args.At(i), seen)
			}
		}
	case *types.Alias:
		if o := x.Obj(); o.Pkg() != nil && !o.Exported() {
			g.err = fmt.Errorf("unexported type %s.%s", o.Pkg().Name(), o.Name())
			return
		}
		g.checkExported(types.Unalias(x), seen)
	case *types.Pointer:
		g.checkExported(x.Elem(), seen)
	case *types.Slice:
		g.checkExported(x.Elem(), seen)
	case *types.Array:
		g.checkExported(x.Elem(), seen)
	case *types.Map:
		g.checkExported(x.Key(), seen)
		g.checkExported(x.Elem(), seen)
	case *types.Chan:
		g.checkExported(x.Elem(), seen)
	case *types.Signature:
		for i := 0; i < x.Params().Len(); i++ {
			g.checkExported(x.Params().At(i).Type(), seen)
		}
		for i := 0; i < x.Results().Len(); i++ {
			g.checkExported(x.Results().At(i).Type(), seen)
		}
	case *types.Struct:
		for i := 0; i < x.NumFields(); i++ {
			if !x.Field(i).Exported() && x.Field(i).Pkg() != nil && x.Field(i).Pkg() != g.pkg {
				continue
			}
			g.checkExported(x.Field(i).Type(), seen)
		}
	case *types.Interface:
		for i := 0; i < x.NumMethods(); i++ {
			if !x.Method(i).Exported() {
				g.err = fmt.Errorf("an interface with the unexported method %s", x.Method(i).Name())
				return
			}
			g.checkExported(x.Method(i).Type(), seen)
		}
	}
}

// param is one parameter of a mocked method, as the generated code names it.
type mgParam struct {
	field string // the field name on the timeline
	ident string // the Go identifier in generated methods
	t     types.Type
	typ   string // rendered; for a variadic parameter, "...elem"
	slice string // for a variadic parameter, the slice type
	last  bool   // variadic
}

type mgResult struct {
	ident string // Returns' parameter name
	t     types.Type
	typ   string
}

type mgMethod struct {
	name     string // the interface method's name
	helper   string // Expect<helper>, Assert<helper>
	params   []mgParam
	results  []mgResult
	variadic bool
	errLast  bool
}

// reserved are identifiers the generated method bodies use.
var mgReserved = map[string]bool{"m": true, "k": true, "a": true, "c": true, "err": true, "fn": true, "opts": true, "n": true,
	"raises": true, "h": true, "w": true}

func mgExported(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func (g *mgGen) mock(w *bytes.Buffer, tn *types.TypeName, mockName string) error {
	iface := tn.Type().Underlying().(*types.Interface)
	if !iface.IsMethodSet() {
		return fmt.Errorf("bigfoot mock: %s.%s is a constraint (it has a type set), not an interface a value can implement", g.pkg.Name(), tn.Name())
	}
	if !g.self && !tn.Exported() {
		return fmt.Errorf("bigfoot mock: %s.%s is unexported; generate its mock into package %s itself: -o in %s's directory (and -pkg %s)",
			g.pkg.Name(), tn.Name(), g.pkg.Name(), g.pkg.Name(), g.pkg.Name())
	}
	if iface.NumMethods() == 0 {
		return fmt.Errorf("bigfoot mock: %s.%s has no methods: there is nothing to mock", g.pkg.Name(), tn.Name())
	}
	exported := tn.Exported() || !g.self
	if mockName == "" {
		mockName = "Mock" + mgExported(tn.Name())
		if !exported {
			mockName = "mock" + mgExported(tn.Name())
		}
	}
	ctor := "New" + mgExported(mockName)
	if !ast.IsExported(mockName) {
		ctor = "new" + mgExported(mockName)
	}
	core := g.use(mgCorePath, "core")
	mk := g.use(mgMockPath, "mock")

	// Type parameters of a generic interface become the mock's.
	var tparams, targs string
	taken := map[string]bool{}
	for n := range mgReserved {
		taken[n] = true
	}
	if tps := tn.Type().(*types.Named).TypeParams(); tps != nil && tps.Len() > 0 {
		var decl, use []string
		for i := 0; i < tps.Len(); i++ {
			tp := tps.At(i)
			if g.names[tp.Obj().Name()] != "" {
				return fmt.Errorf("bigfoot mock: type parameter %s of %s clashes with an imported package's name", tp.Obj().Name(), tn.Name())
			}
			decl = append(decl, tp.Obj().Name()+" "+g.typ(tp.Constraint()))
			use = append(use, tp.Obj().Name())
			taken[tp.Obj().Name()] = true
		}
		tparams = "[" + strings.Join(decl, ", ") + "]"
		targs = "[" + strings.Join(use, ", ") + "]"
	}
	ifaceRef := tn.Name()
	if !g.self {
		ifaceRef = g.qualifier(g.pkg) + "." + tn.Name()
	}
	ifaceLabel := g.pkg.Name() + "." + tn.Name()

	var methods []mgMethod
	helpers := map[string]string{}
	for i := 0; i < iface.NumMethods(); i++ {
		fn := iface.Method(i)
		sig := fn.Type().(*types.Signature)
		mi := mgMethod{name: fn.Name(), helper: mgExported(fn.Name()), variadic: sig.Variadic()}
		g.err = nil
		for j := 0; j < sig.Params().Len(); j++ {
			v := sig.Params().At(j)
			p := mgParam{field: v.Name(), t: v.Type()}
			if p.field == "" || p.field == "_" {
				p.field = "arg" + strconv.Itoa(j)
			}
			if mi.variadic && j == sig.Params().Len()-1 {
				p.last = true
				p.slice = g.typ(v.Type())
				p.typ = "..." + g.typ(v.Type().(*types.Slice).Elem())
			} else {
				p.typ = g.typ(v.Type())
			}
			mi.params = append(mi.params, p)
		}
		for j := 0; j < sig.Results().Len(); j++ {
			v := sig.Results().At(j)
			mi.results = append(mi.results, mgResult{ident: v.Name(), t: v.Type(), typ: g.typ(v.Type())})
		}
		if g.err != nil {
			return fmt.Errorf("bigfoot mock: %s.%s's method %s uses an %v, which package %s cannot refer to; generate the mock into package %s itself (-o in its directory)",
				g.pkg.Name(), tn.Name(), fn.Name(), g.err, g.outPkg, g.pkg.Name())
		}
		if n := len(mi.results); n > 0 {
			mi.errLast = types.Identical(mi.results[n-1].t, types.Universe.Lookup("error").Type())
		}
		// Identifiers: parameter names unless they clash with what the body
		// uses (imports, locals, type parameters, each other).
		used := map[string]bool{}
		for n := range taken {
			used[n] = true
		}
		for n := range g.names {
			used[n] = true
		}
		for j := range mi.params {
			id := mi.params[j].field
			if !token.IsIdentifier(id) || used[id] || id == "_" {
				id = "arg" + strconv.Itoa(j)
			}
			for used[id] {
				id += "_"
			}
			used[id] = true
			mi.params[j].ident = id
		}
		for j := range mi.results {
			id := mi.results[j].ident
			if id == "" || id == "_" || used[id] || !token.IsIdentifier(id) {
				id = "r" + strconv.Itoa(j)
			}
			for used[id] {
				id += "_"
			}
			used[id] = true
			mi.results[j].ident = id
		}
		for _, h := range []string{"Expect" + mi.helper, "Expect" + mi.helper + "Match", "Assert" + mi.helper, "Assert" + mi.helper + "Match"} {
			if other, ok := helpers[h]; ok {
				return fmt.Errorf("bigfoot mock: %s's methods %s and %s both need the helper %s; rename one with -names, or mock them separately", tn.Name(), other, fn.Name(), h)
			}
			helpers[h] = fn.Name()
		}
		methods = append(methods, mi)
	}
	for _, mi := range methods {
		if other, ok := helpers[mi.name]; ok {
			return fmt.Errorf("bigfoot mock: %s's method %s has the name of the helper generated for %s", tn.Name(), mi.name, other)
		}
		if mi.name == "BigfootMock" {
			return fmt.Errorf("bigfoot mock: %s has a method BigfootMock, a name the generated mock needs", tn.Name())
		}
	}

	recv := "*" + mockName + targs
	fmt.Fprintf(w, "// %s is a strict bigfoot mock of %s: it answers calls inside the sandbox\n", mockName, ifaceRef)
	fmt.Fprintf(w, "// from the script (Expect...) and records them on the verifier's timeline,\n// where each must be asserted (Assert...).\n")
	fmt.Fprintf(w, "type %s%s struct {\n\tbigfoot_ *%s.Mock\n}\n\n", mockName, tparams, mk)
	if tparams == "" {
		fmt.Fprintf(w, "var _ %s = (*%s)(nil)\n\n", ifaceRef, mockName)
	}
	fmt.Fprintf(w, "// %s returns a %s on h's verifier (a *bigfoot.StrictVerifier, say).\n", ctor, mockName)
	// The spec, made once in a variable when the mock is not generic (the
	// runtime only reads it): a constructor call then builds no slices.
	specVar := "bigfootSpec" + mockName
	indent := "\t"
	if tparams == "" {
		fmt.Fprintf(w, "func %s(h %s.Host) *%s {\n\treturn &%s{bigfoot_: %s.NewMock(h, %s)}\n}\n\n", ctor, core, mockName, mockName, mk, specVar)
		fmt.Fprintf(w, "// %s describes %s to the runtime, once for every %s.\n", specVar, mockName, ctor)
		fmt.Fprintf(w, "var %s = %s.Spec{\n", specVar, mk)
	} else {
		fmt.Fprintf(w, "func %s%s(h %s.Host) *%s%s {\n", ctor, tparams, core, mockName, targs)
		fmt.Fprintf(w, "\treturn &%s%s{bigfoot_: %s.NewMock(h, %s.Spec{\n", mockName, targs, mk, mk)
		indent = "\t\t"
	}
	fmt.Fprintf(w, "%sInterface: %q, Constructor: %q,\n%sMethods: []%s.MethodSpec{\n", indent, ifaceLabel, ctor, indent, mk)
	for _, mi := range methods {
		fmt.Fprintf(w, "%s\t{Name: %q", indent, mi.name)
		if len(mi.params) > 0 {
			fmt.Fprintf(w, ", Params: []%s.Param{", mk)
			for j, p := range mi.params {
				if j > 0 {
					w.WriteString(", ")
				}
				t := p.typ
				if p.last {
					t = p.slice
				}
				fmt.Fprintf(w, "%s.ParamOf[%s](%q, %s.%s)", mk, t, p.field, mk, mgKeyModeName(mgKeyMode(p)))
			}
			w.WriteString("}")
		}
		if mi.variadic {
			w.WriteString(", Variadic: true")
		}
		if len(mi.results) > 0 {
			fmt.Fprintf(w, ", Results: []%s.Result{", mk)
			for j, r := range mi.results {
				if j > 0 {
					w.WriteString(", ")
				}
				fmt.Fprintf(w, "%s.ResultOf[%s]()", mk, r.typ)
			}
			w.WriteString("}")
		}
		w.WriteString("},\n")
	}
	if tparams == "" {
		w.WriteString("\t},\n}\n\n")
	} else {
		w.WriteString("\t\t},\n\t})}\n}\n\n")
	}
	fmt.Fprintf(w, "// BigfootMock returns the mock's runtime, for mock.SourceOf.\n")
	fmt.Fprintf(w, "func (m %s) BigfootMock() *%s.Mock { return m.bigfoot_ }\n\n", recv, mk)

	for i, mi := range methods {
		g.method(w, mockName, tparams, targs, i, mi, core, mk, ifaceRef)
	}
	return nil
}

// keyMode classifies a parameter as the runtime's KeyMode does.
func mgKeyMode(p mgParam) string {
	if p.last {
		return "none"
	}
	t := p.t
	if _, ok := t.(*types.TypeParam); ok {
		return "any"
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		info := u.Info()
		switch {
		case info&types.IsString != 0:
			return "string"
		case info&types.IsInteger != 0 && info&types.IsUnsigned != 0:
			return "uint"
		case info&types.IsInteger != 0:
			return "int"
		case info&types.IsBoolean != 0:
			return "bool"
		}
	case *types.Slice:
		if b, ok := u.Elem().(*types.Basic); ok && b.Kind() == types.Uint8 {
			return "bytes"
		}
	case *types.Interface:
		return "any"
	}
	return "none"
}

func mgKeyModeName(mode string) string {
	switch mode {
	case "string":
		return "KeyString"
	case "int":
		return "KeyInt"
	case "uint":
		return "KeyUint"
	case "bool":
		return "KeyBool"
	case "bytes":
		return "KeyBytes"
	case "any":
		return "KeyAny"
	}
	return "KeyNone"
}

// keyCall is the statement that adds p to the key k.
func mgKeyCall(p mgParam) string {
	id := p.ident
	switch mgKeyMode(p) {
	case "string":
		if mgIsBasic(p.t, types.String) {
			return "k.String(" + id + ")"
		}
		return "k.String(string(" + id + "))"
	case "int":
		return "k.Int(int64(" + id + "))"
	case "uint":
		return "k.Uint(uint64(" + id + "))"
	case "bool":
		if mgIsBasic(p.t, types.Bool) {
			return "k.Bool(" + id + ")"
		}
		return "k.Bool(bool(" + id + "))"
	case "bytes":
		return "k.Bytes([]byte(" + id + "))"
	case "any":
		return "k.Any(" + id + ")"
	}
	return "k.None()"
}

func mgIsBasic(t types.Type, kind types.BasicKind) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Kind() == kind
}

// valueExpr is the expression that records p as the runtime's valueOf does.
func mgValueExpr(p mgParam, core, mk string) string {
	id := p.ident
	switch {
	case p.last:
		return core + ".ValueOf(" + mk + ".Rest(" + id + "))"
	case mgIsBasic(p.t, types.String):
		return core + ".String(" + id + ")"
	case mgIsBasic(p.t, types.Int):
		return core + ".Int(" + id + ")"
	case mgIsBasic(p.t, types.Bool):
		return core + ".Bool(" + id + ")"
	}
	if s, ok := p.t.Underlying().(*types.Slice); ok {
		if b, ok := s.Elem().(*types.Basic); ok && b.Kind() == types.Uint8 {
			if _, named := p.t.(*types.Named); !named {
				return core + ".Bytes(" + mk + ".Clone(" + id + "))"
			}
			return core + ".ValueOf(" + mk + ".Clone(" + id + "))"
		}
	}
	return core + ".ValueOf(" + id + ")"
}

func (g *mgGen) method(w *bytes.Buffer, mockName, tparams, targs string, idx int, mi mgMethod, core, mk, ifaceRef string) {
	recv := "*" + mockName + targs
	callT := mockName + mi.helper + "Call"
	callRecv := "*" + callT + targs
	var sigParams, callArgs, matchParams, matchArgs, values, keys []string
	for _, p := range mi.params {
		sigParams = append(sigParams, p.ident+" "+p.typ)
		if p.last {
			callArgs = append(callArgs, p.ident+"...")
			matchParams = append(matchParams, p.ident+" ...any")
		} else {
			callArgs = append(callArgs, p.ident)
			matchParams = append(matchParams, p.ident+" any")
			matchArgs = append(matchArgs, p.ident)
		}
		values = append(values, mgValueExpr(p, core, mk))
		keys = append(keys, mgKeyCall(p))
	}
	var resTypes, resFields, resIdents, resParams []string
	for j, r := range mi.results {
		resTypes = append(resTypes, r.typ)
		resFields = append(resFields, "r"+strconv.Itoa(j)+" "+r.typ)
		resIdents = append(resIdents, "c.r"+strconv.Itoa(j))
		resParams = append(resParams, r.ident+" "+r.typ)
	}
	results := ""
	switch len(resTypes) {
	case 0:
	case 1:
		results = " " + resTypes[0]
	default:
		results = " (" + strings.Join(resTypes, ", ") + ")"
	}
	fnType := "func(" + strings.Join(sigParams, ", ") + ")" + results
	vals := ""
	if len(values) > 0 {
		vals = ", " + strings.Join(values, ", ")
	}
	writeKeys := func() {
		w.WriteString("\tvar k " + mk + ".Key\n")
		for _, k := range keys {
			w.WriteString("\t" + k + "\n")
		}
	}

	// The typed call.
	fmt.Fprintf(w, "// %s is one scripted answer of %s.%s: set its results with Returns", callT, mockName, mi.name)
	if mi.errLast {
		w.WriteString(", Raises")
	}
	w.WriteString(" or Does.\n")
	fmt.Fprintf(w, "type %s%s struct {\n\te %s.Expectation\n", callT, tparams, mk)
	if len(mi.params) > 0 {
		// The wanted values, kept by the expectation (mock.Mock.ExpectOwned).
		fmt.Fprintf(w, "\tw [%d]%s.Value\n", len(mi.params), core)
	}
	for _, f := range resFields {
		w.WriteString("\t" + f + "\n")
	}
	fmt.Fprintf(w, "\tdoes %s\n}\n\n", fnType)
	if len(mi.results) > 0 {
		fmt.Fprintf(w, "// Returns sets the results of the call.\n")
		fmt.Fprintf(w, "func (c %s) Returns(%s) %s {\n", callRecv, strings.Join(resParams, ", "), callRecv)
		var lhs, rhs []string
		for j, r := range mi.results {
			lhs = append(lhs, "c.r"+strconv.Itoa(j))
			rhs = append(rhs, r.ident)
		}
		fmt.Fprintf(w, "\t%s = %s\n\tc.e.Ready()\n\treturn c\n}\n\n", strings.Join(lhs, ", "), strings.Join(rhs, ", "))
	}
	if mi.errLast {
		fmt.Fprintf(w, "// Raises makes the call return err (other results zero unless Returns set them).\n")
		fmt.Fprintf(w, "func (c %s) Raises(err error) %s {\n\tc.r%d = err\n\tc.e.Ready()\n\treturn c\n}\n\n", callRecv, callRecv, len(mi.results)-1)
	}
	fmt.Fprintf(w, "// Does makes the call answer by calling fn with its arguments; the call is still recorded.\n")
	fmt.Fprintf(w, "func (c %s) Does(fn %s) %s {\n\tc.does = fn\n\tc.e.Ready()\n\treturn c\n}\n\n", callRecv, fnType, callRecv)
	fmt.Fprintf(w, "// Optional marks the call as not required.\n")
	fmt.Fprintf(w, "func (c %s) Optional() %s {\n\tc.e.Optional()\n\treturn c\n}\n\n", callRecv, callRecv)
	fmt.Fprintf(w, "// With applies bigfoot.Optional() and bigfoot.Raises(err).\n")
	fmt.Fprintf(w, "func (c %s) With(opts ...%s.StepOption) %s {\n", callRecv, core, callRecv)
	if mi.errLast {
		fmt.Fprintf(w, "\traises, err := c.e.With(opts...)\n")
	} else {
		fmt.Fprintf(w, "\t_, err := c.e.With(opts...)\n")
	}
	fmt.Fprintf(w, "\tif err != nil {\n\t\tc.e.Reporter().Helper()\n\t\tc.e.Misuse(err)\n\t\treturn c\n\t}\n")
	if mi.errLast {
		fmt.Fprintf(w, "\tif raises != nil {\n\t\tc.r%d = raises\n\t\tc.e.Ready()\n\t}\n", len(mi.results)-1)
	}
	w.WriteString("\treturn c\n}\n\n")
	fmt.Fprintf(w, "// Times makes the expectation answer n calls.\n")
	fmt.Fprintf(w, "func (c %s) Times(n int) %s {\n\tif err := c.e.Times(n); err != nil {\n\t\tc.e.Reporter().Helper()\n\t\tc.e.Misuse(err)\n\t}\n\treturn c\n}\n\n", callRecv, callRecv)

	// The interface method.
	fmt.Fprintf(w, "// %s implements %s: it answers from the script inside the sandbox, and\n// fails the test (returning zero values", mi.name, ifaceRef)
	if mi.errLast {
		w.WriteString(" and the error")
	}
	w.WriteString(") for a call nothing answers.\n")
	fmt.Fprintf(w, "func (m %s) %s(%s)%s {\n", recv, mi.name, strings.Join(sigParams, ", "), results)
	writeKeys()
	errVar := "_"
	if mi.errLast {
		errVar = "err"
	}
	fmt.Fprintf(w, "\ta, %s := m.bigfoot_.Call(%d, &k%s)\n", errVar, idx, vals)
	w.WriteString("\tif a == nil {\n")
	if len(mi.results) == 0 {
		w.WriteString("\t\treturn\n")
	} else {
		var zeros []string
		for j, r := range mi.results {
			if mi.errLast && j == len(mi.results)-1 {
				zeros = append(zeros, "err")
				continue
			}
			fmt.Fprintf(w, "\t\tvar r%d %s\n", j, r.typ)
			zeros = append(zeros, "r"+strconv.Itoa(j))
		}
		fmt.Fprintf(w, "\t\treturn %s\n", strings.Join(zeros, ", "))
	}
	w.WriteString("\t}\n")
	fmt.Fprintf(w, "\tc := a.(%s)\n", callRecv)
	if len(mi.results) == 0 {
		fmt.Fprintf(w, "\tif c.does != nil {\n\t\tc.does(%s)\n\t}\n}\n\n", strings.Join(callArgs, ", "))
	} else {
		fmt.Fprintf(w, "\tif c.does != nil {\n\t\treturn c.does(%s)\n\t}\n\treturn %s\n}\n\n", strings.Join(callArgs, ", "), strings.Join(resIdents, ", "))
	}

	// Expect, typed and with matchers.
	fmt.Fprintf(w, "// Expect%s scripts the answer to one call of %s with these arguments.\n", mi.helper, mi.name)
	fmt.Fprintf(w, "func (m %s) Expect%s(%s) %s {\n", recv, mi.helper, strings.Join(sigParams, ", "), callRecv)
	fmt.Fprintf(w, "\tc := %s.NewCall[%s%s](m.bigfoot_, %d)\n", mk, callT, targs, idx)
	writeKeys()
	if len(values) > 0 {
		fmt.Fprintf(w, "\tc.w = [%d]%s.Value{%s}\n", len(values), core, strings.Join(values, ", "))
		fmt.Fprintf(w, "\tm.bigfoot_.ExpectOwned(%d, &c.e, c, &k, c.w[:])\n\treturn c\n}\n\n", idx)
	} else {
		fmt.Fprintf(w, "\tm.bigfoot_.Expect(%d, &c.e, c, &k)\n\treturn c\n}\n\n", idx)
	}

	matchCall := strings.Join(matchArgs, ", ")
	if mi.variadic {
		last := mi.params[len(mi.params)-1].ident
		if matchCall == "" {
			matchCall = last + "..."
		} else {
			matchCall = "append([]any{" + matchCall + "}, " + last + "...)..."
		}
	}
	if matchCall != "" {
		matchCall = ", " + matchCall
	}
	if len(mi.params) == 0 {
		// Without parameters there is nothing to match: the typed forms are all.
		fmt.Fprintf(w, "// Assert%s asserts that the next interaction is a call of %s. It returns\n// the failure and, bound to a test, stops it.\n", mi.helper, mi.name)
		fmt.Fprintf(w, "func (m %s) Assert%s() error {\n", recv, mi.helper)
		fmt.Fprintf(w, "\terr := m.bigfoot_.Check(%d)\n\tif err != nil {\n\t\tm.bigfoot_.Reporter().Helper()\n\t}\n\treturn m.bigfoot_.Fail(err)\n}\n\n", idx)
		return
	}
	fmt.Fprintf(w, "// Expect%sMatch is Expect%s with values or matchers (bigfoot.Any() and\n// friends), each checked against the parameter's type.\n", mi.helper, mi.helper)
	fmt.Fprintf(w, "func (m %s) Expect%sMatch(%s) %s {\n", recv, mi.helper, strings.Join(matchParams, ", "), callRecv)
	fmt.Fprintf(w, "\tc := %s.NewCall[%s%s](m.bigfoot_, %d)\n", mk, callT, targs, idx)
	if !mi.variadic {
		// The common arguments converted here, where each parameter's
		// type is known (see mock.WantString); ExpectMatch takes the rest.
		fmt.Fprintf(w, "\tvar k %s.Key\n", mk)
		fmt.Fprintf(w, "\tif %s {\n\t\tm.bigfoot_.ExpectOwned(%d, &c.e, c, &k, c.w[:])\n\t\treturn c\n\t}\n", mgWants(mi.params, mk, "c.w", "&k"), idx)
		fmt.Fprintf(w, "\tc.w = [%d]%s.Value{} // ExpectMatch keeps a copy of its own\n", len(mi.params), core)
	}
	fmt.Fprintf(w, "\tif err := m.bigfoot_.ExpectMatch(%d, &c.e, c%s); err != nil {\n\t\tm.bigfoot_.Reporter().Helper()\n\t\tm.bigfoot_.Misuse(err)\n\t}\n\treturn c\n}\n\n", idx, matchCall)

	// Assert, typed and with matchers.
	fmt.Fprintf(w, "// Assert%s asserts that the next interaction is a call of %s with these\n// arguments. It returns the failure and, bound to a test, stops it.\n", mi.helper, mi.name)
	fmt.Fprintf(w, "func (m %s) Assert%s(%s) error {\n", recv, mi.helper, strings.Join(sigParams, ", "))
	fmt.Fprintf(w, "\terr := m.bigfoot_.Check(%d%s)\n\tif err != nil {\n\t\tm.bigfoot_.Reporter().Helper()\n\t}\n\treturn m.bigfoot_.Fail(err)\n}\n\n", idx, vals)
	fmt.Fprintf(w, "// Assert%sMatch is Assert%s with values or matchers.\n", mi.helper, mi.helper)
	fmt.Fprintf(w, "func (m %s) Assert%sMatch(%s) error {\n", recv, mi.helper, strings.Join(matchParams, ", "))
	if mi.variadic {
		fmt.Fprintf(w, "\terr := m.bigfoot_.CheckMatch(%d%s)\n", idx, matchCall)
	} else {
		fmt.Fprintf(w, "\tvar err error\n\tvar w [%d]%s.Value\n", len(mi.params), core)
		fmt.Fprintf(w, "\tif %s {\n\t\terr = m.bigfoot_.Check(%d, w[:]...)\n\t} else {\n\t\terr = m.bigfoot_.CheckMatch(%d%s)\n\t}\n", mgWants(mi.params, mk, "w", "nil"), idx, idx, matchCall)
	}
	fmt.Fprintf(w, "\tif err != nil {\n\t\tm.bigfoot_.Reporter().Helper()\n\t}\n\treturn m.bigfoot_.Fail(err)\n}\n\n")
}

// mgWants is the condition of a Match form's fast path: each argument
// converted by the mock.Want function of its parameter's type into
// arr[i], arr being the expression of the array of wanted values (and
// keyed into key, unless it is nil), all of them true.
func mgWants(params []mgParam, mk, arr, key string) string {
	var conds []string
	for i, p := range params {
		fn := "WantMatcher"
		switch {
		case mgIsBasic(p.t, types.String):
			fn = "WantString"
		case mgIsBasic(p.t, types.Int):
			fn = "WantInt"
		case mgIsBasic(p.t, types.Bool):
			fn = "WantBool"
		}
		conds = append(conds, mk+"."+fn+"("+p.ident+", &"+arr+"["+strconv.Itoa(i)+"], "+key+")")
	}
	return strings.Join(conds, " && ")
}
