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
		if len(vs) == 0 || !isCanonicalKey(k) {
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

// recordHeader returns a request's header as recorded: canonical keys, no
// keys without values, the values copied, so that the record is safe from
// code that changes the header after sending it (retries do). It is a
// headerSnapshot, cut from the plugin's chunks rather than a map copied
// for every request; it stands for the http.Header it materializes.
func (p *Plugin) recordHeader(h http.Header) *headerSnapshot {
	if len(h) == 0 {
		return &emptyHeader
	}
	// One pass over the map (iterating one is not cheap), into room on
	// the stack for the usual few keys.
	type pair struct {
		k  string
		vs []string
	}
	var local [8]pair
	pairs := local[:0]
	nv := 0
	for k, vs := range h {
		if len(vs) == 0 || !isCanonicalKey(k) {
			c, _ := canonicalHeader(h)
			return p.recordHeader(c)
		}
		pairs = append(pairs, pair{k, vs})
		nv += len(vs)
	}
	snap, keys, vals, all := p.snapshotSlots(len(pairs), nv)
	for i, kv := range pairs {
		n := copy(all, kv.vs)
		keys[i], vals[i] = kv.k, all[:n:n]
		all = all[n:]
	}
	snap.keys, snap.vals = keys, vals
	return snap
}

// emptyHeader is the record of a request without a header.
var emptyHeader headerSnapshot

// headerSnapshot is a recorded request header (see recordHeader): a
// core.Snapshot of the http.Header it materializes.
type headerSnapshot struct {
	keys []string   // canonical, each with at least one value
	vals [][]string // vals[i] are the values of keys[i]
}

// Materialize returns the header as an http.Header of its own.
func (s *headerSnapshot) Materialize() any {
	h := make(http.Header, len(s.keys))
	for i, k := range s.keys {
		h[k] = append([]string(nil), s.vals[i]...)
	}
	return h
}

// equal reports whether the snapshot holds exactly the canonical want.
func (s *headerSnapshot) equal(want http.Header) bool {
	if len(want) != len(s.keys) {
		return false
	}
	for i, k := range s.keys {
		if !slices.Equal(want[k], s.vals[i]) {
			return false
		}
	}
	return true
}

// snapshotSlots cuts a snapshot and the room for its keys and values from
// the plugin's chunks.
func (p *Plugin) snapshotSlots(nkeys, nvals int) (*headerSnapshot, []string, [][]string, []string) {
	if nkeys+nvals > 64 {
		return &headerSnapshot{}, make([]string, nkeys), make([][]string, nkeys), make([]string, nvals)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.snaps) == cap(p.snaps) {
		p.snaps = make([]headerSnapshot, 0, 64)
	}
	p.snaps = p.snaps[:len(p.snaps)+1]
	snap := &p.snaps[len(p.snaps)-1]
	if cap(p.values)-len(p.values) < nkeys+nvals {
		p.values = make([]string, 0, 256)
	}
	start := len(p.values)
	p.values = p.values[:start+nkeys+nvals]
	keys := p.values[start : start+nkeys : start+nkeys]
	all := p.values[start+nkeys : start+nkeys+nvals : start+nkeys+nvals]
	if cap(p.lists)-len(p.lists) < nkeys {
		p.lists = make([][]string, 0, 64)
	}
	ls := len(p.lists)
	p.lists = p.lists[:ls+nkeys]
	return snap, keys, p.lists[ls : ls+nkeys : ls+nkeys], all
}

// isCanonicalKey reports whether textproto.CanonicalMIMEHeaderKey(k) == k,
// without its work: a key of token bytes in canonical case, or one with a
// byte that is not a token byte (which CanonicalMIMEHeaderKey leaves as
// it is).
func isCanonicalKey(k string) bool {
	upper := true // the next letter must be upper case
	ok := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z':
			if upper {
				ok = false
			}
			upper = false
		case 'A' <= c && c <= 'Z':
			if !upper {
				ok = false
			}
			upper = false
		case c == '-':
			upper = true
		case '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+.^_`|~", c) >= 0:
			upper = false
		default:
			return true // not a token: left unmodified
		}
	}
	return ok
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
