package record

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// GoString returns s as a Go string literal: a raw string where that is
// easier to read (quotes or backslashes, no backquote, no control
// characters), an interpreted one otherwise.
func GoString(s string) string {
	if strings.ContainsAny(s, "\"\\") && !strings.ContainsAny(s, "`\r") && utf8.ValidString(s) && printable(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// GoBytes returns b as a Go []byte expression.
func GoBytes(b []byte) string {
	if b == nil {
		return "[]byte(nil)"
	}
	return "[]byte(" + GoString(string(b)) + ")"
}

// IsMatcher reports whether expr, as the emitter gives it to Render, is a
// matcher rather than a value: plugins whose typed assertion takes no
// matcher then use their generic form.
func IsMatcher(expr string) bool { return strings.HasPrefix(expr, "bigfoot.") }

// secretMark stands for a secret inside a field's Raw value (a redacted
// JSON value in a body): the matcher made for the field accepts anything
// there and the literal text around it.
const secretMark = "\x00bigfoot-redacted\x00"

// secretMatcher is the matcher that stands for a secret field's value, so
// that the secret never reaches the emitted code: the literal text around
// marked secrets, or the scheme of an Authorization-like value, or any
// value.
func secretMatcher(raw string) string {
	if strings.Contains(raw, secretMark) {
		parts := strings.Split(raw, secretMark)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		return matcherRegexp("^" + strings.Join(parts, `[^"]*`) + "$")
	}
	if i := strings.IndexByte(raw, ' '); i > 0 && isWord(raw[:i]) {
		return "bigfoot.HasPrefix(" + strconv.Quote(raw[:i+1]) + ")"
	}
	return "bigfoot.Any()"
}

func matcherRegexp(pattern string) string {
	if !strings.Contains(pattern, "`") && printable(pattern) {
		return "bigfoot.Regexp(`" + pattern + "`)"
	}
	return "bigfoot.Regexp(" + strconv.Quote(pattern) + ")"
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// tokens splits s into runs of word bytes and single other bytes.
func tokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		j := i + 1
		if isWordByte(s[i]) {
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// InferMatcher returns a Go matcher expression that both a and b, two
// runs' values of one field, satisfy and that is as narrow as their shape
// allows: when they split into the same words and punctuation, a regular
// expression that keeps every equal part and matches the differing words
// by their kind (digits, hexadecimal, letters and digits); otherwise any
// value (also for bytes that are not UTF-8, which a regexp cannot spell).
//
// A timestamp (a date and a time of day, as SQL and RFC 3339 write them)
// that differs is matched by its shape as a whole, never by the parts the
// two runs shared: runs a second apart share the date, and the test must
// still pass tomorrow.
func InferMatcher(a, b string) string {
	if !utf8.ValidString(a) || !utf8.ValidString(b) {
		return "bigfoot.Any()"
	}
	sa, sb := timestampRE.FindAllStringIndex(a, -1), timestampRE.FindAllStringIndex(b, -1)
	if len(sa) != len(sb) {
		sa, sb = nil, nil
	}
	var p strings.Builder
	p.WriteByte('^')
	ia, ib := 0, 0
	for k := 0; k <= len(sa); k++ {
		ea, eb := len(a), len(b)
		if k < len(sa) {
			ea, eb = sa[k][0], sb[k][0]
		}
		if !inferTokens(&p, a[ia:ea], b[ib:eb]) {
			return "bigfoot.Any()"
		}
		if k == len(sa) {
			break
		}
		ta, tb := a[sa[k][0]:sa[k][1]], b[sb[k][0]:sb[k][1]]
		if ta == tb {
			p.WriteString(regexp.QuoteMeta(ta))
		} else {
			p.WriteString(timestampPattern)
		}
		ia, ib = sa[k][1], sb[k][1]
	}
	p.WriteByte('$')
	if p.Len() == 2 {
		return "bigfoot.Any()"
	}
	return matcherRegexp(p.String())
}

// timestampPattern matches a date and time of day as SQL and RFC 3339
// write them, with or without fractions and zone.
const timestampPattern = `[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?`

var timestampRE = regexp.MustCompile(timestampPattern)

// inferTokens writes the pattern of two texts that split into the same
// words and punctuation, and reports whether they did.
func inferTokens(p *strings.Builder, a, b string) bool {
	ta, tb := tokens(a), tokens(b)
	if len(ta) != len(tb) {
		return false
	}
	for i := range ta {
		x, y := ta[i], tb[i]
		switch {
		case x == y:
			p.WriteString(regexp.QuoteMeta(x))
		case isWord(x) && isWord(y):
			p.WriteString(wordClass(x + y))
		default:
			return false
		}
	}
	return true
}

func wordClass(s string) string {
	digits, lowerHex, upperHex := true, true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		isDigit := '0' <= c && c <= '9'
		digits = digits && isDigit
		lowerHex = lowerHex && (isDigit || 'a' <= c && c <= 'f')
		upperHex = upperHex && (isDigit || 'A' <= c && c <= 'F')
	}
	switch {
	case digits:
		return "[0-9]+"
	case lowerHex:
		return "[0-9a-f]+"
	case upperHex:
		return "[0-9A-F]+"
	}
	return `\w+`
}
