package bfhttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bigfoot-go/bigfoot/core"
)

// Rendering for messages and hints. Only failure paths call these.

// maxHeaderKeys bounds how many header keys a message or hint shows.
const maxHeaderKeys = 32

// goHeader renders h as a Go expression of type http.Header, keys sorted:
// nil for an empty header, else http.Header{"Accept": {"application/json"}}.
// Long values are elided as core elides strings; the result parses as Go.
func goHeader(h http.Header) string {
	if len(h) == 0 {
		return "nil"
	}
	keys := sortedKeys(h)
	var b strings.Builder
	b.WriteString("http.Header{")
	for i, k := range keys {
		if i == maxHeaderKeys {
			b.WriteString(", /* " + strconv.Itoa(len(keys)-i) + " more keys */")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k))
		b.WriteString(": ")
		b.WriteString(goValues(h[k]))
	}
	b.WriteString("}")
	return b.String()
}

// goValues renders one key's values as the elements of an http.Header
// literal: {"a", "b"}.
func goValues(vs []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(core.String(v).GoString())
	}
	b.WriteByte('}')
	return b.String()
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// goBody renders a request body as the body argument of AssertRequest: ""
// when empty, a raw string when it is short text with quotes in it (JSON
// reads as JSON), else a quoted string, or []byte(...) for bytes that are
// not UTF-8; long bodies are elided as core elides values.
func goBody(b []byte) string {
	if len(b) == 0 {
		return `""`
	}
	if !utf8.Valid(b) {
		return core.Bytes(b).GoString()
	}
	if len(b) <= 512 && bytes.IndexByte(b, '"') >= 0 && isRawable(b) {
		return "`" + string(b) + "`"
	}
	return core.String(string(b)).GoString()
}

// isRawable reports whether b can be written as a one-line raw string.
func isRawable(b []byte) bool {
	for _, r := range string(b) {
		if r == '`' || r == '\r' || r == '\n' || r == utf8.RuneError || r < ' ' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// hint renders the assertion that matches an interaction of Request.
func hint(v []core.Value) string {
	h, _ := v[2].Interface().(http.Header)
	b, _ := v[3].Interface().([]byte)
	return "bf.HTTP().AssertRequest(" + v[0].GoString() + ", " + v[1].GoString() + ", " + goHeader(h) + ", " + goBody(b) + ")"
}

// canonicalHeader returns h with canonical keys (the values of keys that
// differ only in case joined, in sorted key order) and without keys that
// have no values, which no transport writes; fresh reports whether it is a
// new map (whose value slices are new too). It returns h itself when h is
// already so: the common case costs no allocation.
func canonicalHeader(h http.Header) (c http.Header, fresh bool) {
	clean := true
	for k, vs := range h {
		if len(vs) == 0 || textproto.CanonicalMIMEHeaderKey(k) != k {
			clean = false
			break
		}
	}
	if clean {
		return h, false
	}
	out := make(http.Header, len(h))
	for _, k := range sortedKeys(h) {
		if vs := h[k]; len(vs) > 0 {
			ck := textproto.CanonicalMIMEHeaderKey(k)
			out[ck] = append(out[ck], vs...)
		}
	}
	return out, true
}

// recordHeader returns a copy of a request's header as recorded: never
// nil, canonical keys, no keys without values. The copy keeps the record
// safe from code that changes the header after sending it (retries do).
// A header already canonical (the common case) is copied as
// http.Header.Clone copies, checking keys in the same pass.
func recordHeader(h http.Header) http.Header {
	if len(h) == 0 {
		return http.Header{}
	}
	nv := 0
	for k, vs := range h {
		if len(vs) == 0 || textproto.CanonicalMIMEHeaderKey(k) != k {
			c, _ := canonicalHeader(h)
			return c
		}
		nv += len(vs)
	}
	all := make([]string, nv) // one backing array for every value, as Clone does
	out := make(http.Header, len(h))
	for k, vs := range h {
		n := copy(all, vs)
		out[k] = all[:n:n]
		all = all[n:]
	}
	return out
}

// headersEqual compares a canonical expected header with a recorded one.
func headersEqual(want, got http.Header) bool {
	if len(want) != len(got) {
		return false
	}
	for k, vs := range want {
		if !slices.Equal(vs, got[k]) {
			return false
		}
	}
	return true
}

// headerDiff lists how got differs from want, key by key, sorted.
func headerDiff(want, got http.Header) []string {
	keys := sortedKeys(want)
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case inWant && inGot && slices.Equal(w, g):
			continue
		case inWant && inGot:
			out = append(out, k+": expected "+goValues(w)+", got "+goValues(g))
		case inWant:
			out = append(out, k+": expected "+goValues(w)+", not sent")
		default:
			out = append(out, k+": sent "+goValues(g)+", not expected")
		}
	}
	return out
}

// jsonLines pretty-prints a JSON document, one line per element, or
// returns nil when b is not JSON.
func jsonLines(b []byte) []string {
	if len(bytes.TrimSpace(b)) == 0 || !json.Valid(b) {
		return nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil
	}
	return strings.Split(out.String(), "\n")
}
