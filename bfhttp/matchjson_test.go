package bfhttp_test

import (
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/bfhttp"
)

func TestMatchJSON(t *testing.T) {
	m := bfhttp.MatchJSON(`{"name":"ada","n":1,"tags":["a","b"],"x":{"y":null}}`)
	for _, good := range []any{
		`{"tags":["a","b"],"x":{"y":null},"n":1.0,"name":"ada"}`,
		[]byte(` {"n":1e0, "name":"ada","x":{"y":null},"tags":["a","b"]} `),
	} {
		if !m.Matches(good) {
			t.Errorf("%s does not match %s", m, good)
		}
	}
	for _, bad := range []any{
		`{"name":"ada","n":2,"tags":["a","b"],"x":{"y":null}}`,
		`{"name":"ada","n":1,"tags":["b","a"],"x":{"y":null}}`,
		`{"name":"ada","n":1,"tags":["a","b"]}`,
		`{"name":"ada"} {}`,
		`not json`,
		42,
	} {
		if m.Matches(bad) {
			t.Errorf("%s matches %v", m, bad)
		}
	}
	if got := m.String(); got != `bfhttp.MatchJSON("{\"name\":\"ada\",\"n\":1,\"tags\":[\"a\",\"b\"],\"x\":{\"y\":null}}")` {
		t.Errorf("String() = %s", got)
	}
	bad := bfhttp.MatchJSON(`{"a":`)
	if bad.Matches(`{"a":1}`) || !strings.Contains(bad.String(), "not JSON") {
		t.Errorf("a MatchJSON of text that is not JSON: %s", bad)
	}
}
