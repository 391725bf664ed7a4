package record

import (
	"fmt"
	"sort"
	"sync"
)

// A Call is one recorded interaction, decoded at the layer of the plugin
// that would have answered it: an HTTP request, a Redis command, a query,
// or the bytes of a connection no protocol decoder knows. The emitter
// writes a script line and an assertion for it; its Fields are what the
// code sent, compared between the two recording runs, and those that
// differ are replaced by a matcher.
type Call struct {
	Seq    int64  // orders the assertions: they follow the timeline
	Plugin string // e.g. "http", "redis": for messages
	// Setup lines run once per verifier before any script line, e.g.
	// `bfredis.For(bf).Serve("127.0.0.1:6379")`; equal lines of several
	// calls are written once, in the order first seen. The identifier bf
	// in them is replaced by the verifier's name.
	Setup []string
	// Concurrent marks a call made while another was in flight: the
	// code makes its calls from goroutines whose order is not fixed, so
	// the assertions go in an InAnyOrder block.
	Concurrent bool
	// Once, when set, keeps only the first call (by Seq) of the
	// transcript with the same key: for what a plugin records once per
	// verifier however many connections make it (a Redis login per
	// address, user and database).
	Once string
	// Imports are the import paths that the call's code may need; the
	// emitter keeps those whose package name the code uses.
	Imports []string
	// Chain, when set, groups calls whose script parts make one chained
	// statement (a socket session's steps): the first call's script
	// starts it, and each next one's is appended after a dot.
	Chain any
	// Fields are what the code sent, in a fixed order: the emitter
	// compares them with the same call of the second run.
	Fields []Field
	// Render writes the call's script line (empty when the plugin
	// answers the call without a script, as for a connect) and its
	// assertion (empty when none is needed), for verifier bf, with
	// exprs[i] the Go expression to use for Fields[i]: its value, or a
	// matcher when the two runs differ or the field is a secret.
	Render func(bf string, exprs []string) (script, assert string)
}

// A Field is one value of a call that the code sent.
type Field struct {
	Name string // e.g. "url", "header Authorization", "arg 2", for messages
	// Raw is the value as sent, compared between the two runs and used to
	// infer a matcher when they differ.
	Raw string
	// Go is the Go expression of Raw as the plugin's API takes it, e.g.
	// `"GET"`, `int64(7)`, `[]byte("PING\r\n")`.
	Go string
	// Matchable says whether the plugin's API accepts a bigfoot.Matcher
	// in this position. A field that differs between the runs and is not
	// matchable makes the recording fail with a message naming it.
	Matchable bool
	// Infer, when set, is asked first for the expression of a field
	// whose two runs' values differ: a matcher, or, even where the API
	// takes none, an expression that is right in both runs (a test's own
	// server's URL). ok false leaves it to InferMatcher, or to a
	// DiffError for a field that is not Matchable. A plugin knows shapes
	// the generic inference does not (a JSON body whose members come in
	// another order).
	Infer func(a, b string) (expr string, ok bool)
	// Numeric marks a value the API takes as a number: one that differs
	// between the runs is matched by bigfoot.Any(), since the text
	// matchers match strings.
	Numeric bool
	// Secret marks a value that must not reach the emitted code
	// (Authorization, a password): it is always replaced by a matcher
	// (or, in a reply, by "REDACTED").
	Secret bool
}

// A Decoder turns connections of one protocol into calls. The tool asks
// the registered decoders in order of registration; the socket decoder,
// which takes any connection, is asked last.
type Decoder interface {
	// Name is the protocol's name, in messages.
	Name() string
	// Detect reports whether c, as recorded, speaks the protocol.
	Detect(c *Conn) bool
	// Decode returns c's calls. opts says which more fields are secrets.
	Decode(c *Conn, opts *Options) ([]Call, error)
}

// Options are the recording's settings that decoders use.
type Options struct {
	// Redact names more fields whose values are secrets, beyond the
	// defaults (Authorization, Cookie, Proxy-Authorization and Set-Cookie
	// headers; passwords): header names (any case), JSON object keys,
	// and, to the Redis and Postgres decoders, hash fields and columns.
	// URLs take no matcher, so a query parameter cannot be redacted.
	Redact []string
	// ServerURL, when set, is the Go expression of the URL of an HTTP
	// server the test starts itself (`srv.URL` for an httptest server):
	// a request URL whose origin differs between the two runs, as a new
	// server's port does, is written as ServerURL + its path.
	ServerURL string
}

// IsRedacted reports whether a header, JSON key, field or column named
// name is a secret under opts (defaults included).
func (o *Options) IsRedacted(name string) bool {
	switch lowerASCII(name) {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "password", "passwd":
		return true
	}
	if o == nil {
		return false
	}
	for _, r := range o.Redact {
		if lowerASCII(r) == lowerASCII(name) {
			return true
		}
	}
	return false
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

var (
	decodersMu sync.Mutex // guards decoders
	decoders   []Decoder
)

// Register adds a protocol decoder, asked before every decoder registered
// after it and before the socket decoder.
func Register(d Decoder) {
	decodersMu.Lock()
	defer decodersMu.Unlock()
	decoders = append(decoders, d)
}

func registered() []Decoder {
	decodersMu.Lock()
	defer decodersMu.Unlock()
	return append([]Decoder(nil), decoders...)
}

// Decode returns every call of t, ordered by Seq: its HTTP exchanges,
// lookups and processes, and each connection decoded by the first decoder that detects its protocol
// (bytes on a socket when none does).
func Decode(t *Transcript, opts *Options) ([]Call, error) {
	calls := decodeHTTP(t.HTTP, opts)
	calls = append(calls, decodeLookups(t.Lookups)...)
	calls = append(calls, decodeCommands(t.Commands)...)
	ds := registered()
	for i := range t.Conns {
		c := &t.Conns[i]
		var d Decoder = socketDecoder{}
		for _, cand := range ds {
			if cand.Detect(c) {
				d = cand
				break
			}
		}
		cs, err := d.Decode(c, opts)
		if err != nil {
			return nil, fmt.Errorf("%s connection to %s: %w", d.Name(), c.Address, err)
		}
		calls = append(calls, cs...)
	}
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].Seq < calls[j].Seq })
	seen := map[string]bool{}
	kept := calls[:0]
	for _, c := range calls {
		if c.Once != "" {
			if seen[c.Once] {
				continue
			}
			seen[c.Once] = true
		}
		kept = append(kept, c)
	}
	return kept, nil
}
