package record

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// unrecordedResponseHeaders are response headers the emitted script leaves
// out: the plugin writes its own Content-Length, and a Date would only
// make the script look stale.
var unrecordedResponseHeaders = map[string]bool{"Date": true, "Content-Length": true}

// decodeHTTP turns each exchange into a call of the HTTP plugin: an
// Expect with the response as recorded, and an AssertRequest with the
// method, URL, header and body as the code sent them.
func decodeHTTP(exs []Exchange, opts *Options) []Call {
	imports := []string{"github.com/bigfoot-go/bigfoot", "github.com/bigfoot-go/bigfoot/bfhttp", "net/http", "errors"}
	var calls []Call
	for i := range exs {
		ex := &exs[i]
		keys := make([]string, 0, len(ex.Header))
		for k := range ex.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fields := []Field{
			{Name: "method", Raw: ex.Method, Go: strconv.Quote(ex.Method)},
			{Name: "url", Raw: ex.URL, Go: GoString(ex.URL), Infer: serverURL(opts)},
		}
		for _, k := range keys {
			vs := ex.Header[k]
			f := Field{Name: "header " + k, Raw: strings.Join(vs, ", "), Matchable: true, Secret: opts.IsRedacted(k)}
			if len(vs) == 1 {
				f.Go = GoString(vs[0])
			} else {
				f.Go = goStrings(vs)
			}
			fields = append(fields, f)
		}
		body := Field{Name: "body", Raw: string(ex.Body), Go: GoString(string(ex.Body)), Matchable: true, Infer: sameJSON}
		if redacted, ok := redactJSON(string(ex.Body), opts, secretMark); ok {
			body.Raw, body.Secret = redacted, true
		}
		fields = append(fields, body)
		concurrent := false
		for j := range exs {
			o := &exs[j]
			if j != i && o.EndSeq != 0 && ex.EndSeq != 0 && o.Seq < ex.EndSeq && ex.Seq < o.EndSeq {
				concurrent = true
			}
		}
		calls = append(calls, Call{Seq: ex.Seq, Plugin: "http", Imports: imports, Fields: fields, Concurrent: concurrent,
			Render: func(bf string, x []string) (string, string) {
				return bf + ".HTTP().Expect(" + x[0] + ", " + x[1] + ", " + response(ex, opts) + ")",
					bf + ".HTTP().AssertRequest(" + x[0] + ", " + x[1] + ", " + requestHeader(keys, x[2:len(x)-1]) + ", " + x[len(x)-1] + ")"
			}})
	}
	return calls
}

// response renders ex's response as the Response argument of Expect (and
// Raises, for a round trip that failed), with secrets in it replaced.
func response(ex *Exchange, opts *Options) string {
	if ex.Err != "" {
		return "bfhttp.Response{}, bigfoot.Raises(errors.New(" + strconv.Quote(ex.Err) + "))"
	}
	var parts []string
	if ex.Status != 0 && ex.Status != http.StatusOK {
		parts = append(parts, "Status: "+strconv.Itoa(ex.Status))
	} else {
		parts = append(parts, "Status: 200")
	}
	var keys []string
	for k := range ex.RespHeader {
		if !unrecordedResponseHeaders[http.CanonicalHeaderKey(k)] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		var h strings.Builder
		h.WriteString("Header: http.Header{")
		for i, k := range keys {
			if i > 0 {
				h.WriteString(", ")
			}
			vs := ex.RespHeader[k]
			if opts.IsRedacted(k) {
				vs = make([]string, len(vs))
				for j := range vs {
					vs[j] = "REDACTED"
				}
			}
			h.WriteString(strconv.Quote(k) + ": {")
			for j, v := range vs {
				if j > 0 {
					h.WriteString(", ")
				}
				h.WriteString(GoString(v))
			}
			h.WriteString("}")
		}
		h.WriteString("}")
		parts = append(parts, h.String())
	}
	if len(ex.RespBody) > 0 {
		body := string(ex.RespBody)
		if redacted, ok := redactJSON(body, opts, "REDACTED"); ok {
			body = redacted
		}
		parts = append(parts, "Body: "+GoBytes([]byte(body)))
	}
	return "bfhttp.Response{" + strings.Join(parts, ", ") + "}"
}

// requestHeader renders the header argument of AssertRequest: nil for
// none, an http.Header when every value is literal, and
// bfhttp.MatchHeader when a value takes a matcher.
func requestHeader(keys, exprs []string) string {
	if len(keys) == 0 {
		return "nil"
	}
	matcher := false
	for _, x := range exprs {
		matcher = matcher || IsMatcher(x)
	}
	var b strings.Builder
	if matcher {
		b.WriteString("bfhttp.MatchHeader(map[string]any{")
	} else {
		b.WriteString("http.Header{")
	}
	// One key per line once there are several, as gofmt aligns them.
	sep, multi := ", ", len(keys) > 1
	if multi {
		sep = ",\n"
		b.WriteString("\n")
	}
	for i, k := range keys {
		if i > 0 {
			b.WriteString(sep)
		}
		x := exprs[i]
		b.WriteString(strconv.Quote(k) + ": ")
		switch {
		case matcher:
			b.WriteString(x)
		case strings.HasPrefix(x, "[]string"):
			b.WriteString(strings.TrimPrefix(x, "[]string"))
		default:
			b.WriteString("{" + x + "}")
		}
	}
	if multi {
		b.WriteString(",\n")
	}
	if matcher {
		b.WriteString("})")
	} else {
		b.WriteString("}")
	}
	return b.String()
}

func goStrings(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = GoString(v)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// jsonString is a JSON object member whose value is a string.
var jsonString = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"`)

// redactJSON replaces the string values of redacted keys in a JSON body
// with mark, keeping the rest of the text as it was. It reports whether
// any value was replaced.
func redactJSON(body string, opts *Options, mark string) (string, bool) {
	if !strings.HasPrefix(strings.TrimSpace(body), "{") && !strings.HasPrefix(strings.TrimSpace(body), "[") {
		return body, false
	}
	changed := false
	out := jsonString.ReplaceAllStringFunc(body, func(m string) string {
		sub := jsonString.FindStringSubmatch(m)
		if !opts.IsRedacted(sub[1]) {
			return m
		}
		changed = true
		return `"` + sub[1] + `"` + sub[2] + `"` + mark + `"`
	})
	return out, changed
}

// sameJSON is the matcher of two bodies that hold one JSON value written
// in two ways (members in another order, other spacing): bfhttp.MatchJSON
// of the first.
func sameJSON(a, b string) (string, bool) {
	va, ok := jsonValue(a)
	if !ok {
		return "", false
	}
	vb, ok := jsonValue(b)
	if !ok || !reflect.DeepEqual(va, vb) {
		return "", false
	}
	return "bfhttp.MatchJSON(" + GoString(a) + ")", true
}

func jsonValue(s string) (any, bool) {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	return v, true
}

// serverURL returns the Infer of a request URL: when the test starts its
// own server (Options.ServerURL) and the two runs' URLs differ only in
// their origin (scheme, host and port, as a new httptest server's do),
// the URL is written from the server's.
func serverURL(opts *Options) func(a, b string) (string, bool) {
	return func(a, b string) (string, bool) {
		if opts == nil || opts.ServerURL == "" {
			return "", false
		}
		oa, pa := splitOrigin(a)
		ob, pb := splitOrigin(b)
		if oa == "" || ob == "" || pa != pb {
			return "", false
		}
		if pa == "" {
			return opts.ServerURL, true
		}
		return opts.ServerURL + " + " + GoString(pa), true
	}
}

// splitOrigin splits an absolute URL into its origin (scheme://host:port)
// and the rest.
func splitOrigin(u string) (origin, rest string) {
	i := strings.Index(u, "://")
	if i <= 0 {
		return "", ""
	}
	j := strings.IndexAny(u[i+3:], "/?#")
	if j < 0 {
		return u, ""
	}
	return u[:i+3+j], u[i+3+j:]
}
