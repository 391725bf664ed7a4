package record

import (
	"go/parser"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FuzzGoString checks that every string becomes a Go literal that parses
// and means the same string.
func FuzzGoString(f *testing.F) {
	for _, s := range []string{"", "a", `{"k":"v"}`, "a\nb", "`", "\x00", "\r\n", "\\", "é\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := GoString(s)
		if _, err := parser.ParseExpr(lit); err != nil {
			t.Fatalf("GoString(%q) = %s does not parse: %v", s, lit, err)
		}
		if got, err := strconv.Unquote(lit); err != nil || got != s {
			t.Fatalf("GoString(%q) = %s means %q (%v)", s, lit, got, err)
		}
	})
}

// FuzzInferMatcher checks that the matcher inferred from two values is Go
// and, as a regexp, matches both.
func FuzzInferMatcher(f *testing.F) {
	f.Add("1700000001", "1700000002")
	f.Add(`{"at":1,"id":"ab"}`, `{"at":2,"id":"cd"}`)
	f.Add("a.b*c", "a.b*d")
	f.Add("x", "y z")
	f.Fuzz(func(t *testing.T, a, b string) {
		expr := InferMatcher(a, b)
		if _, err := parser.ParseExpr(expr); err != nil {
			t.Fatalf("InferMatcher(%q, %q) = %s does not parse: %v", a, b, expr, err)
		}
		if !strings.HasPrefix(expr, "bigfoot.Regexp(") {
			return
		}
		pattern, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(expr, "bigfoot.Regexp("), ")"))
		if err != nil {
			t.Fatal(err)
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("InferMatcher(%q, %q) = %s: %v", a, b, expr, err)
		}
		if !re.MatchString(a) || !re.MatchString(b) {
			t.Fatalf("InferMatcher(%q, %q) = %s matches not both", a, b, expr)
		}
	})
}
