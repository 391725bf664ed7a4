package core

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Sources equivalent to the socket plugin's (package socket cannot be
// imported here), with and without a Hint func.
var (
	fzConnect = &Source{Plugin: "socket", Name: "connect", Fields: []string{"host", "port"}, GoExpr: "socket.Connect",
		Hint: func(v []Value) string {
			return "bf.Socket().AssertConnect(" + v[0].GoString() + ", " + v[1].GoString() + ")"
		}}
	fzRecv = &Source{Plugin: "socket", Name: "recv", Fields: []string{"size", "data"}, GoExpr: "socket.Recv",
		Hint: func(v []Value) string {
			return "bf.Socket().AssertRecv(" + v[0].GoString() + ", " + v[1].GoString() + ")"
		}}
	fzClose = &Source{Plugin: "socket", Name: "close", GoExpr: "socket.Close",
		Hint: func([]Value) string { return "bf.Socket().AssertClose()" }}
	// No Hint: the generic hint. No GoExpr: Plugin + "." + Name.
	fzRaw  = &Source{Plugin: "fuzz", Name: "Raw", Fields: []string{"host", "data", "port", "flag"}}
	fzPair = &Source{Plugin: "fuzz", Name: "Pair", Fields: []string{"s", "b"}, GoExpr: "fuzz.Pair"}
)

// FuzzFormat checks what bigfoot prints for arbitrary values: every Value's
// GoString parses as a Go expression and evaluates back to the value, every
// hint (typed and generic, in Interaction.Hint, UnassertedInteractionsError
// and InteractionMismatchError) is a Go expression per line that, pasted,
// asserts exactly the interaction it names, and one-line descriptions stay
// on one line.
//
//	go test -run '^$' -fuzz=FuzzFormat -fuzztime=60s ./core/
func FuzzFormat(f *testing.F) {
	f.Add([]byte("ping"), "127.0.0.1", 9999)
	f.Add([]byte(nil), "", 0)
	f.Add([]byte{}, "::1", -1)
	f.Add([]byte("\x00\xff\xfe`\r\n\"\\"), "`host`\x00\r\n", -9223372036854775808)
	f.Add([]byte("\xe2\x82"), "h\u2028\u00e9\U0001F600", 9223372036854775807)
	f.Add(bytes.Repeat([]byte("ab\x00"), 100), strings.Repeat("\"`\\", 50), 65535)
	f.Add([]byte("a.b*c(d)[e]{f}|g^$"), "re+?(x)", 80)

	f.Fuzz(checkFormat)
}

// TestFormatVeryLong runs FuzzFormat's checks on values far longer than the
// fuzzing corpus holds: the engine spends its time minimizing long inputs.
func TestFormatVeryLong(t *testing.T) {
	data := bytes.Repeat([]byte("\x00\xff`\"\\\r\n\u00e9\u2028"), 1<<15)
	host := strings.Repeat("h\xc3`\"\\\x01\r\n", 1<<13)
	checkFormat(t, data, host, 1<<62)
}

// checkFormat is FuzzFormat's body.
func checkFormat(t *testing.T, data []byte, host string, port int) {
	// Values print as Go expressions that evaluate back to them.
	values := []Value{Bytes(data), String(host), Int(port), Bool(port%2 == 0), {}}
	for _, x := range values {
		checkValueGoString(t, x)
	}
	if data != nil {
		checkValueGoString(t, Bytes(nil))
	}
	checkBytesRoundTrip(t, data)
	checkStringRoundTrip(t, host)

	// Hints of recorded interactions, with and without a Hint func.
	v := New(nil)
	ins := []*Interaction{
		v.Record(fzConnect, String(host), Int(port)),
		v.Record(fzRecv, Int(port), Bytes(data)),
		v.Record(fzClose),
		v.Record(fzRaw, String(host), Bytes(data), Int(port), Bool(port%2 == 0)),
		v.Record(fzPair, String(host), Bytes(data)),
	}
	for _, in := range ins {
		checkHint(t, in, in.Hint())
		checkHint(t, in, genericHint(in.Source, in.Values))
		checkGoLines(t, "shape hint", genericHint(in.Source, nil))
		checkOneLine(t, in.String())
	}

	// The unasserted-interactions error lists one hint per line, in order.
	err := v.VerifyAll()
	var unasserted *UnassertedInteractionsError
	if !errors.As(err, &unasserted) {
		t.Fatalf("VerifyAll: %v, want *UnassertedInteractionsError", err)
	}
	fix := fixLines(t, err.Error())
	if len(fix) != len(ins) {
		t.Fatalf("fix has %d lines for %d interactions:\n%s", len(fix), len(ins), err)
	}
	for i, line := range fix {
		checkHint(t, ins[i], line)
	}

	// Mismatches, in order and in any order, with values and matchers.
	v2 := New(nil)
	in := v2.Record(fzConnect, String(host), Int(port))
	v2.Record(fzRecv, Int(port), Bytes(data))
	other := host + "\x00x"
	// A regexp pattern must be valid UTF-8 (regexp.MustCompile panics
	// otherwise, and so does bigfoot.Regexp, by design).
	re := regexp.QuoteMeta(strings.ToValidUTF8(host, "\uFFFD"))
	wrong := [][]Value{
		{String(other), Int(port)},
		{String(host), Int(port ^ 1)},
		{ValueOf(Not(Eq(host))), ValueOf(Any())},
		{ValueOf(Contains(other)), Int(port)},
		{ValueOf(HasPrefix(other)), Int(port)},
		{ValueOf(Regexp("^" + re + "x$")), Int(port)},
		{ValueOf(Satisfies(host, func(string) bool { return false })), Int(port)},
		{ValueOf(Eq(other)), ValueOf(Eq(port ^ 1))},
	}
	for _, want := range wrong {
		for _, anyOrder := range []bool{false, true} {
			var err error
			assert := func() { err = v2.AssertValues(fzConnect, want...) }
			if anyOrder {
				v2.InAnyOrder(assert)
			} else {
				assert()
			}
			var mm *InteractionMismatchError
			if !errors.As(err, &mm) {
				t.Fatalf("AssertValues(%v) (any order %v) = %v, want *InteractionMismatchError", want, anyOrder, err)
			}
			checkMismatchText(t, mm, in)
		}
	}
	// A mismatch on a source with no field in common still prints a fix.
	if err := v2.AssertValues(fzPair, String(host), Bytes(data)); err != nil {
		var mm *InteractionMismatchError
		if !errors.As(err, &mm) {
			t.Fatalf("AssertValues(fzPair) = %v", err)
		}
		checkMismatchText(t, mm, in)
	}

	// The matchers that should pass do, and exact values assert the lot.
	matching := [][]Value{
		{ValueOf(Eq(host)), Int(port)},
		{ValueOf(Contains(host)), Int(port)},
		{ValueOf(HasPrefix(host)), Int(port)},
		{ValueOf(Satisfies(host, func(s string) bool { return s == host })), ValueOf(Any())},
	}
	if utf8.ValidString(host) {
		matching = append(matching, []Value{ValueOf(Regexp("^" + re + "$")), Int(port)})
	}
	for _, want := range matching {
		if !matchAll(want, in.Values) {
			t.Fatalf("%v does not match %v", want, in)
		}
	}
	if err := v2.AssertValues(fzConnect, String(host), Int(port)); err != nil {
		t.Fatal(err)
	}
	if err := v2.AssertValues(fzRecv, Int(port), Bytes(data)); err != nil {
		t.Fatal(err)
	}
	if err := v2.VerifyAll(); err != nil {
		t.Fatal(err)
	}
}

// checkMismatchText checks the Go parts of an InteractionMismatchError: the
// field diffs, the fix (a hint for the actual interaction), and that the
// description lines are single lines.
func checkMismatchText(t *testing.T, mm *InteractionMismatchError, actual *Interaction) {
	t.Helper()
	text := mm.Error()
	if mm.Actual != actual {
		t.Fatalf("mismatch names %v as actual, want %v:\n%s", mm.Actual, actual, text)
	}
	for _, d := range mm.Diffs {
		checkGoLines(t, "diff -", d.Expected.GoString())
		checkGoLines(t, "diff +", d.Actual.GoString())
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "- ") || strings.HasPrefix(trimmed, "+ ") {
			checkGoLines(t, "diff line", trimmed[2:])
		}
	}
	fix := fixLines(t, text)
	if len(fix) != 1 {
		t.Fatalf("fix of a mismatch has %d lines, want 1:\n%s", len(fix), text)
	}
	checkHint(t, actual, fix[0])
}

// fixLines returns the lines of the "fix:" section at the end of an error
// message, each without its leading tab.
func fixLines(t *testing.T, text string) []string {
	t.Helper()
	i := strings.LastIndex(text, "\nfix:")
	if i < 0 {
		t.Fatalf("no fix in:\n%s", text)
	}
	rest := text[i+len("\nfix:"):]
	rest = strings.TrimPrefix(rest, " assert them after the sandbox, in this order:")
	var out []string
	for _, line := range strings.Split(strings.TrimPrefix(rest, "\n"), "\n") {
		if !strings.HasPrefix(line, "\t") {
			t.Fatalf("fix line %q does not start with a tab:\n%s", line, text)
		}
		out = append(out, line[1:])
	}
	return out
}

// checkHint checks that hint, a Go call, asserts exactly in: every line
// parses, and the call's arguments evaluate to values that match in's.
func checkHint(t *testing.T, in *Interaction, hint string) {
	t.Helper()
	checkGoLines(t, "hint", hint)
	e, err := parser.ParseExpr(hint)
	if err != nil {
		t.Fatalf("hint %q: %v", hint, err)
	}
	call, ok := e.(*ast.CallExpr)
	if !ok {
		t.Fatalf("hint %q is not a call", hint)
	}
	var got []Value
	if in.Source.Hint != nil && !strings.HasPrefix(hint, "bf.AssertInteraction(") && !strings.HasPrefix(hint, "v.AssertInteraction(") {
		for _, arg := range call.Args {
			got = append(got, evalValue(t, hint, arg))
		}
	} else {
		// bf.AssertInteraction(src, bigfoot.Fields{"f": value, ...})
		if len(call.Args) != 2 || exprString(call.Args[0]) != in.Source.Expr() {
			t.Fatalf("generic hint %q does not name source %s", hint, in.Source.Expr())
		}
		lit, ok := call.Args[1].(*ast.CompositeLit)
		if !ok || (exprString(lit.Type) != "bigfoot.Fields" && exprString(lit.Type) != "core.Fields") || len(lit.Elts) != len(in.Source.Fields) {
			t.Fatalf("generic hint %q: second argument is not a bigfoot.Fields of %d fields", hint, len(in.Source.Fields))
		}
		for i, elt := range lit.Elts {
			kv := elt.(*ast.KeyValueExpr)
			k, err := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
			if err != nil || k != in.Source.Fields[i] {
				t.Fatalf("generic hint %q: field %d is %s, want %q", hint, i, exprString(kv.Key), in.Source.Fields[i])
			}
			got = append(got, evalValue(t, hint, kv.Value))
		}
	}
	if len(got) != len(in.Values) {
		t.Fatalf("hint %q has %d values, interaction %v has %d", hint, len(got), in, len(in.Values))
	}
	for i := range got {
		if !got[i].matches(in.Values[i]) {
			t.Fatalf("hint %q: argument %d evaluates to %#v, which does not match the recorded %#v", hint, i, got[i], in.Values[i])
		}
	}
}

// checkGoLines checks that each line of s parses as a Go expression.
func checkGoLines(t *testing.T, what, s string) {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		if _, err := parser.ParseExpr(line); err != nil {
			t.Fatalf("%s line %q does not parse: %v", what, line, err)
		}
	}
}

// checkOneLine checks that a description meant for one line has no line
// break or other control character in it (all of them are quoted).
func checkOneLine(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			t.Fatalf("description %q holds control character %U", s, r)
		}
	}
	if !utf8.ValidString(s) {
		t.Fatalf("description %q is not valid UTF-8", s)
	}
}

// checkValueGoString checks that x.GoString() parses and evaluates to a
// value that, asserted, matches x. (Bytes(nil) prints as nil, which asserts
// an empty []byte, so the check is one-way.)
func checkValueGoString(t *testing.T, x Value) {
	t.Helper()
	s := x.GoString()
	checkGoLines(t, "GoString", s)
	e, _ := parser.ParseExpr(s)
	got := evalValue(t, s, e)
	if !got.matches(x) {
		t.Fatalf("%q evaluates to %#v, want %#v", s, got, x)
	}
}

// checkBytesRoundTrip checks []byte(...) byte for byte through strconv.Unquote.
func checkBytesRoundTrip(t *testing.T, data []byte) {
	t.Helper()
	s := Bytes(data).GoString()
	if data == nil {
		if s != "nil" {
			t.Fatalf("Bytes(nil).GoString() = %q, want nil", s)
		}
		return
	}
	inner, ok := strings.CutPrefix(s, "[]byte(")
	if !ok || !strings.HasSuffix(inner, ")") {
		t.Fatalf("Bytes(%q).GoString() = %q, want []byte(\"...\")", data, s)
	}
	if len(data) > elideAt {
		checkElided(t, s, string(data))
		return
	}
	u, err := strconv.Unquote(inner[:len(inner)-1])
	if err != nil || !bytes.Equal([]byte(u), data) {
		t.Fatalf("Bytes(%q).GoString() = %q unquotes to %q, %v", data, s, u, err)
	}
}

func checkStringRoundTrip(t *testing.T, str string) {
	t.Helper()
	s := String(str).GoString()
	if len(str) > elideAt {
		checkElided(t, s, str)
		return
	}
	u, err := strconv.Unquote(s)
	if err != nil || u != str {
		t.Fatalf("String(%q).GoString() = %q unquotes to %q, %v", str, s, u, err)
	}
}

// checkElided checks a long value's rendering: short, and naming the value's
// length and how much was left out.
func checkElided(t *testing.T, s, value string) {
	t.Helper()
	if len(s) > 4*elideAt {
		t.Fatalf("elided rendering of %d bytes is %d bytes long", len(value), len(s))
	}
	if !strings.Contains(s, "("+strconv.Itoa(len(value))+" in all)") {
		t.Fatalf("elided rendering %q does not give the length %d", s, len(value))
	}
}

// evalValue evaluates the Go expressions bigfoot prints for values: nil,
// true, false, integer literals (possibly negated), string literals,
// []byte(string literal), and bigfoot.Any().
func evalValue(t *testing.T, src string, e ast.Expr) Value {
	t.Helper()
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "nil":
			return Value{}
		case "true":
			return Bool(true)
		case "false":
			return Bool(false)
		}
	case *ast.BasicLit:
		switch e.Kind {
		case token.INT:
			n, err := strconv.ParseInt(e.Value, 0, 64)
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			return Int(int(n))
		case token.STRING:
			s, err := strconv.Unquote(e.Value)
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			return String(s)
		}
	case *ast.UnaryExpr:
		if lit, ok := e.X.(*ast.BasicLit); ok && e.Op == token.SUB && lit.Kind == token.INT {
			n, err := strconv.ParseInt("-"+lit.Value, 0, 64)
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			return Int(int(n))
		}
	case *ast.BinaryExpr:
		// A long value elided in the middle: "head" + /* n bytes elided */ "tail".
		parts := stringParts(t, src, e)
		return ValueOf(elidedMatcher{head: parts[0], tail: parts[len(parts)-1]})
	case *ast.CallExpr:
		if exprString(e.Fun) == "[]byte" && len(e.Args) == 1 {
			s := evalValue(t, src, e.Args[0])
			if s.k() == kindString {
				return Bytes([]byte(s.str()))
			}
			if m, ok := s.iface().(elidedMatcher); ok {
				m.bytes = true
				return ValueOf(m)
			}
		}
		if (exprString(e.Fun) == "bigfoot.Any" || exprString(e.Fun) == "core.Any") && len(e.Args) == 0 {
			return ValueOf(Any())
		}
	}
	t.Fatalf("%q: cannot evaluate %s", src, exprString(e))
	return Value{}
}

// elidedMatcher stands for a long value printed elided: it matches text of
// more than elideAt bytes with that start and end.
type elidedMatcher struct {
	head, tail string
	bytes      bool
}

func (m elidedMatcher) Matches(x any) bool {
	var s string
	switch v := x.(type) {
	case string:
		if m.bytes {
			return false
		}
		s = v
	case []byte:
		if !m.bytes {
			return false
		}
		s = string(v)
	default:
		return false
	}
	return len(s) > elideAt && strings.HasPrefix(s, m.head) && strings.HasSuffix(s, m.tail)
}

func (m elidedMatcher) String() string { return "elided(" + m.head + "..." + m.tail + ")" }

// stringParts returns the string literals of a chain of + in order.
func stringParts(t *testing.T, src string, e ast.Expr) []string {
	t.Helper()
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return append(stringParts(t, src, e.X), stringParts(t, src, e.Y)...)
		}
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			return []string{s}
		}
	}
	t.Fatalf("%q: cannot evaluate %s in an elided value", src, exprString(e))
	return nil
}

// exprString prints the simple expressions evalValue and checkHint look at.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.ArrayType:
		if e.Len == nil {
			return "[]" + exprString(e.Elt)
		}
	case *ast.BasicLit:
		return e.Value
	}
	return "?"
}

// FuzzAnyOrderAgreesWithInOrder checks that an assertion of plain values
// (string, []byte, int, bool) gives the same verdict in order and inside
// InAnyOrder, where exact values are found through an encoded key rather
// than Value.matches: the key must be unambiguous and agree with matches.
// The asserted values are the recorded ones with the boundary between the
// string and the bytes moved by k, and with the int and bool swapped in kind.
func FuzzAnyOrderAgreesWithInOrder(f *testing.F) {
	f.Add([]byte("ping"), "host", 0)
	f.Add([]byte("ping"), "host", 2)
	f.Add([]byte{}, "", 1)
	f.Add([]byte("\x00"), "\x00", 1)
	f.Add([]byte("1:a"), "1:", 3)
	f.Fuzz(func(t *testing.T, data []byte, s string, k int) {
		cut := 0
		if len(data) > 0 {
			cut = int(uint(k) % uint(len(data)+1))
		}
		bs := Bytes(data)
		if k%5 == 0 {
			bs = Bytes(nil) // nil and empty are equal
		}
		flag := Bool(k%2 == 0)
		num := Int(k % 2)
		if k%2 == 0 {
			num = Int(1)
		}
		recorded := []Value{String(s), bs, num, flag}
		candidates := [][]Value{
			{String(s), Bytes(data), num, flag},
			{String(s + string(data[:cut])), Bytes(data[cut:]), num, flag},
			{String(s), Bytes(data), flag, num}, // int and bool swapped: never equal
			{String(s), Bytes(append([]byte{}, data...)), Int(int(num.n)), Bool(flag.n == 1)},
			{String(s), Bytes(nil), num, flag},
			{String(s), Bytes([]byte{}), num, flag},
		}
		src := &Source{Plugin: "fuzz", Name: "Four", Fields: []string{"s", "b", "n", "f"}}
		for _, want := range candidates {
			verdicts := [3]bool{}
			for mode := range verdicts {
				v := New(nil)
				v.Record(src, recorded...)
				var err error
				switch mode {
				case 0:
					err = v.AssertValues(src, want...)
				case 1:
					v.InAnyOrder(func() { err = v.AssertValues(src, want...) })
				case 2: // with a matcher: the index scans instead of looking up a key
					w := append([]Value{ValueOf(Eq(want[0].Interface()))}, want[1:]...)
					v.InAnyOrder(func() { err = v.AssertValues(src, w...) })
				}
				verdicts[mode] = err == nil
			}
			if verdicts[0] != verdicts[1] || verdicts[0] != verdicts[2] {
				t.Fatalf("recorded %v, asserted %v: in order %v, InAnyOrder %v, InAnyOrder with a matcher %v",
					recorded, want, verdicts[0], verdicts[1], verdicts[2])
			}
		}
	})
}
