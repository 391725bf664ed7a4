package bfhttp

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bigfoot-go/bigfoot/core"
)

// MatchHeader returns a matcher of a whole request header, for
// AssertRequest, in which each value is given as a string (the header
// has exactly that one value), a []string (exactly those values) or a
// matcher (given the values joined with ", ", as HTTP combines them). Keys
// are compared canonically; a key not in fields must be absent, so the
// assertion stays as strict as an http.Header. It is what `bigfoot record`
// writes for a header with a secret or a value that changes between runs:
//
//	bfhttp.MatchHeader(map[string]any{
//		"Accept":        "application/json",
//		"Authorization": bigfoot.HasPrefix("Bearer "),
//	})
//
// A value of another type is a misuse: the matcher matches nothing and
// says why in its description.
func MatchHeader(fields map[string]any) core.Matcher {
	m := &headerMatcher{fields: make(map[string]any, len(fields))}
	for k, x := range fields {
		switch x.(type) {
		case string, []string, core.Matcher:
		default:
			m.bad = fmt.Sprintf("the value of %q is a %T; MatchHeader takes a string, a []string or a matcher", k, x)
		}
		m.fields[http.CanonicalHeaderKey(k)] = x
	}
	return m
}

type headerMatcher struct {
	fields map[string]any // canonical key: string, []string or core.Matcher
	bad    string         // why the matcher was misused, if it was
}

func (m *headerMatcher) Matches(x any) bool {
	h, ok := x.(http.Header)
	if !ok || m.bad != "" {
		return false
	}
	n := 0
	for k, vs := range h {
		if len(vs) == 0 {
			continue // a key without values is absent
		}
		n++
		want, ok := m.fields[http.CanonicalHeaderKey(k)]
		if !ok {
			return false
		}
		switch w := want.(type) {
		case string:
			if len(vs) != 1 || vs[0] != w {
				return false
			}
		case []string:
			if !slices.Equal(vs, w) {
				return false
			}
		case core.Matcher:
			if !w.Matches(strings.Join(vs, ", ")) {
				return false
			}
		}
	}
	return n == len(m.fields)
}

// String renders the matcher as the Go call that made it.
func (m *headerMatcher) String() string {
	keys := make([]string, 0, len(m.fields))
	for k := range m.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("bfhttp.MatchHeader(map[string]any{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k) + ": ")
		switch w := m.fields[k].(type) {
		case string:
			b.WriteString(strconv.Quote(w))
		case []string:
			b.WriteString(fmt.Sprintf("%#v", w))
		case core.Matcher:
			b.WriteString(w.String())
		default:
			b.WriteString(fmt.Sprintf("%#v", w))
		}
	}
	b.WriteString("})")
	if m.bad != "" {
		b.WriteString(" /* misused: " + m.bad + " */")
	}
	return b.String()
}
