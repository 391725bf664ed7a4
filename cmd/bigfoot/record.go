package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/bigfoot-go/bigfoot/guard"
	"github.com/bigfoot-go/bigfoot/record"
)

const recordUsage = `usage: bigfoot record [-allow HOST]... [-redact NAME]... [-print] [go test flags] [packages]

Runs the tests twice under the overlay, letting every call inside a sandbox
that no script answers go through to the real service, and writes for each
test the script and the assertions that make it a strict test:

  - into the test, where its function has the markers
        // bigfoot:script      (before the sandbox)
        // bigfoot:assert      (after it)
    The code goes after each marker and ends at a "// bigfoot:end" line;
    recording again replaces what is between them.
  - to standard output otherwise, or with -print, ready to paste.

Values that differ between the two runs become matchers; Authorization,
Cookie and Set-Cookie headers and passwords never reach the code.

  -allow HOST   let calls through to HOST: a host name, an IP address, a CIDR
                prefix, or "loopback" (127.0.0.0/8, ::1, localhost); and run
                programs named exec:NAME (exec:* for any); repeatable, or
                comma-separated; loopback when none is given
  -redact NAME  treat the header, JSON key, Redis hash field or SQL column NAME
                as a secret too
  -print        print the code even where the test has markers
`

// recordFlags are record's own flags, taken out of the arguments; the rest
// go to go test.
type recordFlags struct {
	allow  []string
	redact []string
	print  bool
}

func parseRecordFlags(args []string) (recordFlags, []string, error) {
	var f recordFlags
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		name = strings.TrimPrefix(name, "-")
		switch {
		case !strings.HasPrefix(a, "-"):
			rest = append(rest, a)
			continue
		case name == "print":
			f.print = true
			continue
		case name != "allow" && name != "redact":
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return f, nil, fmt.Errorf("bigfoot record: -%s needs a value, e.g. -%s=%s", name, name, map[string]string{"allow": "loopback", "redact": "X-Api-Key"}[name])
			}
			i++
			value = args[i]
		}
		for _, v := range strings.Split(value, ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if name == "allow" {
				f.allow = append(f.allow, v)
			} else {
				f.redact = append(f.redact, v)
			}
		}
	}
	if len(f.allow) == 0 {
		f.allow = []string{"loopback"}
	}
	return f, rest, nil
}

// flagsWithValue are the go test flags whose value is the next argument
// when no "=" is given: record must not take those values for packages.
var flagsWithValue = map[string]bool{"run": true, "skip": true, "count": true, "timeout": true, "parallel": true, "cpu": true,
	"bench": true, "benchtime": true, "tags": true, "C": true, "p": true, "o": true, "exec": true, "coverprofile": true,
	"covermode": true, "coverpkg": true, "cpuprofile": true, "memprofile": true, "blockprofile": true, "mutexprofile": true,
	"outputdir": true, "trace": true, "fuzz": true, "fuzztime": true, "list": true, "shuffle": true, "vet": true, "ldflags": true, "gcflags": true, "mod": true, "modfile": true}

// packageArgs returns the package patterns among go test's arguments.
func packageArgs(args []string) []string {
	var pkgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" {
			break
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && flagsWithValue[name] {
				i++
			}
			continue
		}
		pkgs = append(pkgs, a)
	}
	if len(pkgs) == 0 {
		pkgs = []string{"."}
	}
	return pkgs
}

func runRecord(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, recordUsage)
		return 0
	}
	flags, rest, err := parseRecordFlags(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	chdir, n := leadingChdir(rest)
	env, err := goEnv(chdir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := checkNoOverlayFlag("record", rest, env.GOFLAGS); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	overlayPath, err := ensureOverlay(env)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	work, err := os.MkdirTemp("", "bigfoot-record-")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer os.RemoveAll(work) // transcripts hold the raw bytes, secrets included
	files, err := testFiles(chdir, packageArgs(rest[n:]))
	if err != nil {
		fmt.Fprintln(stderr, "bigfoot record:", err)
		return 1
	}
	merged, err := blankedOverlay(overlayPath, files, work)
	if err != nil {
		fmt.Fprintln(stderr, "bigfoot record:", err)
		return 1
	}
	tags, others := splitTags("test", rest[n:], env.GOFLAGS)
	var runs [2][]*record.Transcript
	for i := range runs {
		dir := filepath.Join(work, "run"+strconv.Itoa(i+1))
		if err := os.Mkdir(dir, 0o700); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		goArgs := append([]string{"test"}, rest[:n]...)
		goArgs = append(goArgs, "-overlay="+merged, "-tags="+tags, "-count=1")
		goArgs = append(goArgs, others...)
		cmd := exec.Command("go", goArgs...)
		cmd.Env = append(os.Environ(), guard.RecordDirEnv+"="+dir, guard.RecordAllowEnv+"="+strings.Join(flags.allow, ","))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(stderr, "bigfoot record: recording run %d of go test failed (%v); nothing was written:\n%s", i+1, err, out.Bytes())
			return 1
		}
		if runs[i], err = record.Load(dir); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if len(runs[0]) != len(runs[1]) {
		fmt.Fprintf(stderr, "bigfoot record: the first run recorded %d verifiers and the second %d; record needs the tests to do the same each time\n", len(runs[0]), len(runs[1]))
		return 1
	}
	if len(runs[0]) == 0 {
		fmt.Fprintln(stderr, "bigfoot record: no test made a call inside a sandbox that no script answers; nothing to record")
		return 1
	}
	opts := &record.Options{Redact: flags.redact}
	status := 0
	sites := map[string]int{}
	for _, t := range runs[0] {
		sites[t.Dir+"\x00"+t.Test]++
	}
	for i, a := range runs[0] {
		b := runs[1][i]
		if a.Test != b.Test || a.Dir != b.Dir {
			fmt.Fprintf(stderr, "bigfoot record: the two runs recorded different tests (%s, then %s)\n", a.Test, b.Test)
			return 1
		}
		loc, err := locate(a.Dir, a.Test)
		if err != nil {
			fmt.Fprintln(stderr, "bigfoot record:", err)
			status = 1
			continue
		}
		testOpts := *opts
		testOpts.ServerURL = loc.serverURL
		code, err := record.Emit(loc.verifier, a, b, &testOpts)
		if err != nil {
			fmt.Fprintf(stderr, "%s:%d: %v\n", rel(loc.file), loc.line, err)
			status = 1
			continue
		}
		if flags.print || !loc.marked || sites[a.Dir+"\x00"+a.Test] > 1 {
			if err := printCode(stdout, loc, code); err != nil {
				fmt.Fprintln(stderr, "bigfoot record:", err)
				status = 1
			}
			continue
		}
		if err := writeCode(loc, code); err != nil {
			fmt.Fprintln(stderr, "bigfoot record:", err)
			status = 1
			continue
		}
		fmt.Fprintf(stderr, "bigfoot record: %s: wrote %d script and %d assertion lines into %s\n", a.Test, len(code.Script), len(code.Assert), rel(loc.file))
		for _, m := range missingModules(a.Dir, code.Imports) {
			fmt.Fprintf(stderr, "bigfoot record: %s uses %s, which its module does not require yet: go get %s\n", rel(loc.file), m, m)
		}
	}
	return status
}

func rel(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return path
}

// testFiles lists the _test.go files of the packages.
func testFiles(dir string, pkgs []string) ([]string, error) {
	args := append([]string{"list", "-e", "-f", "{{$d := .Dir}}{{range .TestGoFiles}}{{$d}}/{{.}}\n{{end}}{{range .XTestGoFiles}}{{$d}}/{{.}}\n{{end}}"}, pkgs...)
	out, err := goOutput(dir, args...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}

// Markers that a test function carries where record writes its code.
const (
	scriptMarker = "// bigfoot:script"
	assertMarker = "// bigfoot:assert"
	endMarker    = "// bigfoot:end"
)

// blankedOverlay writes an overlay that adds, to the standard library's,
// a copy of each test file with markers whose recorded code is removed,
// so that recording again lets those calls through rather than answering
// them from the old script. Imports only that code used become blank
// imports, so the copy compiles.
func blankedOverlay(overlayPath string, files []string, work string) (string, error) {
	b, err := os.ReadFile(overlayPath)
	if err != nil {
		return "", err
	}
	var ov struct{ Replace map[string]string }
	if err := json.Unmarshal(b, &ov); err != nil {
		return "", err
	}
	for i, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		if !bytes.Contains(src, []byte(endMarker)) {
			continue
		}
		blank, err := blankRegions(src)
		if err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		copyPath := filepath.Join(work, "blank"+strconv.Itoa(i)+"_"+filepath.Base(f))
		if err := os.WriteFile(copyPath, blank, 0o600); err != nil {
			return "", err
		}
		ov.Replace[f] = copyPath
	}
	out, err := json.Marshal(ov)
	if err != nil {
		return "", err
	}
	path := filepath.Join(work, "overlay.json")
	return path, os.WriteFile(path, out, 0o600)
}

// blankRegions removes the lines between each marker and its end marker,
// and turns imports that nothing uses any more into blank imports.
func blankRegions(src []byte) ([]byte, error) {
	lines := strings.SplitAfter(string(src), "\n")
	var out strings.Builder
	for i := 0; i < len(lines); i++ {
		out.WriteString(lines[i])
		if t := strings.TrimSpace(lines[i]); t != scriptMarker && t != assertMarker {
			continue
		}
		if end := blockEnd(lines, i); end > 0 {
			out.WriteString(strings.Repeat("\n", end-i-1)) // keep line numbers
			i = end - 1
		}
	}
	text := out.String()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", text, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return nil, err
	}
	body := text[fset.Position(f.End()).Offset:]
	// Replace from the end, so earlier offsets stay valid.
	specs := f.Imports
	for i := len(specs) - 1; i >= 0; i-- {
		s := specs[i]
		if s.Name != nil && (s.Name.Name == "_" || s.Name.Name == ".") {
			continue
		}
		path, _ := strconv.Unquote(s.Path.Value)
		name := path[strings.LastIndexByte(path, '/')+1:]
		if s.Name != nil {
			name = s.Name.Name
		}
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\.`).MatchString(body) {
			continue
		}
		start, end := fset.Position(s.Pos()).Offset, fset.Position(s.End()).Offset
		text = text[:start] + "_ " + s.Path.Value + text[end:]
	}
	return []byte(text), nil
}

// blockEnd returns the index of the end marker of the block that the
// marker at lines[i] starts, or -1 when the marker has none before the
// next marker (it was never recorded).
func blockEnd(lines []string, i int) int {
	for j := i + 1; j < len(lines); j++ {
		switch strings.TrimSpace(lines[j]) {
		case endMarker:
			return j
		case scriptMarker, assertMarker:
			return -1
		}
	}
	return -1
}

// location is where a test's code goes.
type location struct {
	test, file string
	line       int    // of the function, for printed code
	verifier   string // the expression the test calls Sandbox on
	serverURL  string // X.URL, for the one httptest server X the test starts, if it starts one
	marked     bool   // the function has one script and one assert marker
	scriptLine int    // 1-based lines of the markers
	assertLine int
}

// locate finds the function of test in the package at dir: the top-level
// test function, or, for a subtest, the function literal given to t.Run
// with its name; and in it the verifier and the markers.
func locate(dir, test string) (*location, error) {
	names, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	sort.Strings(names)
	top, sub, _ := strings.Cut(test, "/")
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Name.Name != top || fd.Body == nil {
				continue
			}
			var scope ast.Node = fd.Body
			if sub != "" {
				if lit := subtest(fd.Body, sub); lit != nil {
					scope = lit
				}
			}
			loc := &location{test: test, file: name, line: fset.Position(fd.Pos()).Line, verifier: "bf"}
			from, to := fset.Position(scope.Pos()).Line, fset.Position(scope.End()).Line
			var scripts, asserts []int
			for _, cg := range f.Comments {
				for _, c := range cg.List {
					l := fset.Position(c.Pos()).Line
					if l < from || l > to {
						continue
					}
					switch strings.TrimSpace(c.Text) {
					case scriptMarker:
						scripts = append(scripts, l)
					case assertMarker:
						asserts = append(asserts, l)
					}
				}
			}
			if len(scripts) == 1 && len(asserts) == 1 && scripts[0] < asserts[0] {
				loc.marked, loc.scriptLine, loc.assertLine = true, scripts[0], asserts[0]
			}
			after := 0
			if loc.marked {
				after = loc.scriptLine
			}
			loc.serverURL = httptestServer(fd.Body)
			ast.Inspect(scope, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || loc.verifier != "bf" && loc.verifier != "" {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if ok && sel.Sel.Name == "Sandbox" && fset.Position(call.Pos()).Line > after {
					var b bytes.Buffer
					printer.Fprint(&b, fset, sel.X)
					loc.verifier = b.String()
					return false
				}
				return true
			})
			return loc, nil
		}
	}
	return nil, fmt.Errorf("%s: no function %s in %s/*_test.go to write the recorded code for", test, top, dir)
}

// httptestServer returns X.URL when body starts one httptest server, X :=
// httptest.NewServer(...) (or NewTLSServer, NewUnstartedServer), and ""
// when it starts none or several: its URL, new each run, is what the
// recorded requests' URLs are written from.
func httptestServer(body ast.Node) string {
	var names []string
	ast.Inspect(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		call, ok := as.Rhs[0].(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		id, ok2 := as.Lhs[0].(*ast.Ident)
		if ok && ok2 && pkg.Name == "httptest" && id.Name != "_" {
			switch sel.Sel.Name {
			case "NewServer", "NewTLSServer", "NewUnstartedServer":
				if !contains(names, id.Name) {
					names = append(names, id.Name)
				}
			}
		}
		return true
	})
	if len(names) != 1 {
		return ""
	}
	return names[0] + ".URL"
}

// subtest returns the function literal that body passes to a t.Run whose
// name, as package testing rewrites it, is name.
func subtest(body ast.Node, name string) *ast.FuncLit {
	var found *ast.FuncLit
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found != nil || len(call.Args) != 2 {
			return found == nil
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		lit, ok2 := call.Args[1].(*ast.FuncLit)
		bl, ok3 := call.Args[0].(*ast.BasicLit)
		if ok && ok2 && ok3 && sel.Sel.Name == "Run" && bl.Kind == token.STRING {
			if s, err := strconv.Unquote(bl.Value); err == nil && strings.ReplaceAll(s, " ", "_") == name {
				found = lit
			}
		}
		return found == nil
	})
	return found
}

// checkStatements parses code as a function body, so that what is written
// or printed is always Go.
func checkStatements(code string) (string, error) {
	src := "package p\nfunc _() {\n" + code + "\n}\n"
	out, err := format.Source([]byte(src))
	if err != nil {
		return "", fmt.Errorf("the recorded code does not parse (%v):\n%s", err, code)
	}
	s := string(out)
	s = s[strings.Index(s, "{\n")+2 : strings.LastIndex(s, "}")]
	return strings.TrimRight(s, "\n"), nil
}

// blocks returns the code that goes before the sandbox (set-up and
// script) and after it (assertions), each gofmt'd as statements.
func blocks(code *record.Code) (before, after string, err error) {
	if before, err = checkStatements(strings.Join(append(append([]string{}, code.Setup...), code.Script...), "\n")); err != nil {
		return "", "", err
	}
	after, err = checkStatements(strings.Join(code.Assert, "\n"))
	return before, after, err
}

func printCode(w io.Writer, loc *location, code *record.Code) error {
	before, after, err := blocks(code)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "// %s (%s:%d): paste before %s.Sandbox:\n%s\n\n// and after it:\n%s\n\n// imports:\n", loc.test, rel(loc.file), loc.line, loc.verifier, dedent(before), dedent(after))
	for _, imp := range code.Imports {
		fmt.Fprintf(w, "//\t%q\n", imp)
	}
	fmt.Fprintln(w)
	return nil
}

func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	return strings.Join(lines, "\n")
}

// writeCode puts code after the test's markers, replacing what was
// between each marker and its end marker, adds the imports the file lacks,
// and gofmt's the file; the result must parse, or nothing is written.
func writeCode(loc *location, code *record.Code) error {
	src, err := os.ReadFile(loc.file)
	if err != nil {
		return err
	}
	before, after, err := blocks(code)
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(src), "\n")
	var out strings.Builder
	for i := 0; i < len(lines); i++ {
		out.WriteString(lines[i])
		var block string
		switch i + 1 {
		case loc.scriptLine:
			block = before
		case loc.assertLine:
			block = after
		default:
			continue
		}
		// Skip an old block up to its end marker.
		if end := blockEnd(lines, i); end > 0 {
			i = end
		}
		indent := lines[loc.scriptLine-1][:len(lines[loc.scriptLine-1])-len(strings.TrimLeft(lines[loc.scriptLine-1], " \t"))]
		if block != "" {
			out.WriteString(block + "\n")
		}
		out.WriteString(indent + endMarker + "\n")
	}
	text, err := addImports(out.String(), code.Imports)
	if err != nil {
		return err
	}
	formatted, err := format.Source([]byte(text))
	if err != nil {
		return fmt.Errorf("%s: the file with the recorded code does not parse: %v", loc.file, err)
	}
	return os.WriteFile(loc.file, formatted, 0o644)
}

// addImports adds to the Go file src the import paths it does not import
// yet.
func addImports(src string, paths []string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly)
	if err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, s := range f.Imports {
		p, _ := strconv.Unquote(s.Path.Value)
		if s.Name == nil || s.Name.Name != "_" {
			have[p] = true
		}
	}
	var add []string
	for _, p := range paths {
		if !have[p] {
			add = append(add, strconv.Quote(p))
		}
	}
	if len(add) == 0 {
		return src, nil
	}
	block := "\n\t" + strings.Join(add, "\n\t") + "\n"
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			if g.Lparen.IsValid() {
				at := fset.Position(g.Rparen).Offset
				return src[:at] + strings.TrimPrefix(block, "\n") + src[at:], nil
			}
			start, end := fset.Position(g.Pos()).Offset, fset.Position(g.End()).Offset
			spec := strings.TrimSpace(strings.TrimPrefix(src[start:end], "import"))
			return src[:start] + "import (\n\t" + spec + block + ")" + src[end:], nil
		}
	}
	at := fset.Position(f.Name.End()).Offset
	return src[:at] + "\n\nimport (" + block + ")" + src[at:], nil
}

// missingModules returns the modules among the plugins in imports that the
// go.mod governing dir does not require.
func missingModules(dir string, imports []string) []string {
	var gomod []byte
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			gomod = b
			break
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
	var missing []string
	for _, imp := range imports {
		switch imp {
		case "github.com/bigfoot-go/bigfoot/bfredis", "github.com/bigfoot-go/bigfoot/bfpg":
			if !bytes.Contains(gomod, []byte(imp+" ")) && !bytes.Contains(gomod, []byte("module "+imp)) {
				missing = append(missing, imp)
			}
		}
	}
	return missing
}
