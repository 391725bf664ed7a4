package mock

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"runtime"
	"strings"
	"sync"
)

// Hints name the mock the way the test does. A test writes
//
//	fetch := mock.Func(bf, &store.Fetch)
//	repo := NewMockRepo(bf)
//
// and a hint should read fetch.AssertCall(...) and repo.AssertGet(...).
// Only the program counter of that line is kept when the mock is made;
// when a message is printed, the test's file is parsed (once per file) and
// the call on that line gives the variable it was assigned to, the source
// text of its arguments, and the file's package name (whose qualifier is
// dropped from type names). Without the source, hints fall back to a
// generic name.

// siteInfo is what the registration line says about a mock.
type siteInfo struct {
	Var  string   // the variable the mock was assigned to, or ""
	Call string   // the call's source text, e.g. "mock.Func(bf, &store.Fetch)"
	Args []string // its arguments' source text
	Pkg  string   // the package name of the file
}

var sites struct {
	mu    sync.Mutex // guards files and byPC
	files map[string]*parsedFile
	byPC  map[uintptr]siteInfo
}

type parsedFile struct {
	fset *token.FileSet
	f    *ast.File
	src  []byte
}

// siteOf returns what the line of pc says about the call of a function
// named fn (the last element of its name: "Func", "NewMockRepo").
func siteOf(pc uintptr, fn string) siteInfo {
	if pc == 0 {
		return siteInfo{}
	}
	sites.mu.Lock()
	defer sites.mu.Unlock()
	if info, ok := sites.byPC[pc]; ok {
		return info
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	info := parseSite(frame.File, frame.Line, fn)
	if sites.byPC == nil {
		sites.byPC = map[uintptr]siteInfo{}
	}
	sites.byPC[pc] = info
	return info
}

// parseSite must be called with sites.mu held.
func parseSite(file string, line int, fn string) siteInfo {
	if file == "" {
		return siteInfo{}
	}
	pf, ok := sites.files[file]
	if !ok {
		src, err := os.ReadFile(file)
		if err == nil {
			fset := token.NewFileSet()
			f, perr := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
			if perr == nil {
				pf = &parsedFile{fset: fset, f: f, src: src}
			}
		}
		if sites.files == nil {
			sites.files = map[string]*parsedFile{}
		}
		sites.files[file] = pf // nil when unreadable: not tried again
	}
	if pf == nil {
		return siteInfo{}
	}
	info := siteInfo{Pkg: pf.f.Name.Name}
	text := func(n ast.Node) string {
		return string(pf.src[pf.fset.Position(n.Pos()).Offset:pf.fset.Position(n.End()).Offset])
	}
	var found *ast.CallExpr
	var lhs ast.Expr
	ast.Inspect(pf.f, func(n ast.Node) bool {
		if found != nil || n == nil {
			return false
		}
		if pf.fset.Position(n.Pos()).Line > line || pf.fset.Position(n.End()).Line < line {
			return false
		}
		switch s := n.(type) {
		case *ast.AssignStmt:
			if len(s.Lhs) == len(s.Rhs) {
				for i, r := range s.Rhs {
					if c := callOf(r, fn); c != nil && pf.fset.Position(c.Lparen).Line == line {
						found, lhs = c, s.Lhs[i]
						return false
					}
				}
			}
		case *ast.ValueSpec:
			if len(s.Names) == len(s.Values) {
				for i, r := range s.Values {
					if c := callOf(r, fn); c != nil && pf.fset.Position(c.Lparen).Line == line {
						found, lhs = c, s.Names[i]
						return false
					}
				}
			}
		case *ast.CallExpr:
			if c := callOf(s, fn); c != nil && pf.fset.Position(c.Lparen).Line == line {
				found = c
				return false
			}
		}
		return true
	})
	if found == nil {
		return info
	}
	info.Call = text(found)
	for _, a := range found.Args {
		info.Args = append(info.Args, text(a))
	}
	if id, ok := lhs.(*ast.Ident); ok && id.Name != "_" {
		info.Var = id.Name
	} else if lhs != nil {
		if sel, ok := lhs.(*ast.SelectorExpr); ok {
			info.Var = text(sel) // s.repo = NewMockRepo(bf)
		}
	}
	return info
}

// callOf returns e as a call of a function named fn, looking through
// generic instantiation (mock.Func[func() int](...)) and parentheses.
func callOf(e ast.Expr, fn string) *ast.CallExpr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return nil
	}
	f := c.Fun
	switch x := f.(type) {
	case *ast.IndexExpr:
		f = x.X
	case *ast.IndexListExpr:
		f = x.X
	}
	switch x := f.(type) {
	case *ast.Ident:
		if x.Name == fn {
			return c
		}
	case *ast.SelectorExpr:
		if x.Sel.Name == fn {
			return c
		}
	}
	return nil
}

// lowerFirst returns s with its first letter lower-cased: a variable name
// for a type name, in fallbacks.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
