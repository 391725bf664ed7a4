package bfhttp

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/bigfoot-go/bigfoot/core"
)

// MatchJSON returns a matcher of a body, for AssertRequest, that holds the
// same JSON value as want: objects compare by their members whatever
// their order, numbers by their value as written. It is what `bigfoot
// record` writes for a body whose members the code wrote in a different
// order each run (a Go map encoded by hand, say):
//
//	bfhttp.MatchJSON(`{"name":"ada","tags":["a","b"]}`)
//
// A want that is not JSON matches nothing, and says so in its
// description.
func MatchJSON(want string) core.Matcher {
	m := &jsonMatcher{text: want}
	v, err := decodeJSON([]byte(want))
	if err != nil {
		m.bad = err.Error()
	}
	m.want = v
	return m
}

type jsonMatcher struct {
	text string
	want any
	bad  string // why want is not JSON, if it is not
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, &json.SyntaxError{Offset: d.InputOffset()}
	}
	return normalize(v), nil
}

// normalize makes numbers comparable by value: 1, 1.0 and 1e0 are one
// number.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalize(x[k])
		}
	}
	return v
}

func (m *jsonMatcher) Matches(x any) bool {
	if m.bad != "" {
		return false
	}
	var b []byte
	switch v := x.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return false
	}
	got, err := decodeJSON(b)
	return err == nil && reflect.DeepEqual(got, m.want)
}

// String renders the matcher as the Go call that made it.
func (m *jsonMatcher) String() string {
	s := "bfhttp.MatchJSON(" + strconv.Quote(m.text) + ")"
	if m.bad != "" {
		s += " /* not JSON: " + m.bad + " */"
	}
	return s
}
