package record

import (
	"errors"
	"go/parser"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestInferMatcher(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"1700000001", "1700000002", "bigfoot.Regexp(`^[0-9]+$`)"},
		{"ab12ef", "09cd34", "bigfoot.Regexp(`^[0-9a-f]+$`)"},
		{"AB12EF", "09CD34", "bigfoot.Regexp(`^[0-9A-F]+$`)"},
		{`{"name":"grace","at":17}`, `{"name":"grace","at":18}`, "bigfoot.Regexp(`^\\{\"name\":\"grace\",\"at\":[0-9]+\\}$`)"},
		{"6f1c2a1e-8d2b-4c1a-9f00-1b2c3d4e5f60", "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d", "bigfoot.Regexp(`^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$`)"},
		{"session-zq", "session-yx", "bigfoot.Regexp(`^session-\\w+$`)"},
		{"2026-12-01 13:48:07.123456+00", "2026-12-01 13:48:09.5+00", "bigfoot.Regexp(`^" + timestampPattern + "$`)"},
		{`{"at":"2026-12-01T13:48:07Z","n":1}`, `{"at":"2026-12-01T13:49:00.25Z","n":1}`, "bigfoot.Regexp(`^\\{\"at\":\"" + timestampPattern + "\",\"n\":1\\}$`)"},
		{"at 2026-12-01 13:48:07", "at 2026-12-01 13:48:07 and 2026-12-02 00:00:00", "bigfoot.Any()"},
		{"a b", "a-b", "bigfoot.Any()"},
		{"short", "two words", "bigfoot.Any()"},
	} {
		got := InferMatcher(c.a, c.b)
		if got != c.want {
			t.Errorf("InferMatcher(%q, %q) = %s, want %s", c.a, c.b, got, c.want)
		}
		checkMatcherMatches(t, got, c.a, c.b)
	}
}

// checkMatcherMatches parses a matcher expression and, for a regexp,
// checks that it matches every value.
func checkMatcherMatches(t *testing.T, expr string, values ...string) {
	t.Helper()
	if _, err := parser.ParseExpr(expr); err != nil {
		t.Fatalf("%s does not parse: %v", expr, err)
	}
	if !strings.HasPrefix(expr, "bigfoot.Regexp(") {
		return
	}
	lit := strings.TrimSuffix(strings.TrimPrefix(expr, "bigfoot.Regexp("), ")")
	pattern, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	re := regexp.MustCompile(pattern)
	for _, v := range values {
		if !re.MatchString(v) {
			t.Errorf("%s does not match %q", expr, v)
		}
	}
}

func TestSecretMatcher(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"Bearer s3cr3t", `bigfoot.HasPrefix("Bearer ")`},
		{"s3cr3t", "bigfoot.Any()"},
		{`{"user":"ada","password":"` + secretMark + `"}`, "bigfoot.Regexp(`^\\{\"user\":\"ada\",\"password\":\"[^\"]*\"\\}$`)"},
	} {
		if got := secretMatcher(c.raw); got != c.want {
			t.Errorf("secretMatcher(%q) = %s, want %s", c.raw, got, c.want)
		}
	}
	checkMatcherMatches(t, secretMatcher(`{"password":"`+secretMark+`"}`), `{"password":"hunter2"}`)
}

func TestGoString(t *testing.T) {
	for _, s := range []string{"", "plain", `{"id":1}`, "line\n", "tab\tq\"", "back`tick\"", "\x00\xff", "crlf\r\n\"", "é"} {
		lit := GoString(s)
		got, err := strconv.Unquote(lit)
		if err != nil || got != s {
			t.Errorf("GoString(%q) = %s, which unquotes to %q, %v", s, lit, got, err)
		}
	}
	if got := GoString(`{"id":1}`); got != "`{\"id\":1}`" {
		t.Errorf("GoString of JSON = %s, want a raw string", got)
	}
	if got := GoBytes(nil); got != "[]byte(nil)" {
		t.Errorf("GoBytes(nil) = %s", got)
	}
}

func TestIsRedacted(t *testing.T) {
	o := &Options{Redact: []string{"X-Api-Key"}}
	for name, want := range map[string]bool{"Authorization": true, "cookie": true, "Set-Cookie": true, "x-api-key": true, "password": true, "Accept": false} {
		if got := o.IsRedacted(name); got != want {
			t.Errorf("IsRedacted(%q) = %v", name, got)
		}
	}
	var none *Options
	if none.IsRedacted("X-Api-Key") || !none.IsRedacted("Authorization") {
		t.Error("a nil Options redacts only the defaults")
	}
}

func TestRedactJSON(t *testing.T) {
	o := &Options{Redact: []string{"token"}}
	got, ok := redactJSON(`{"user": "ada", "token" : "abc\"def", "n": 1}`, o, "REDACTED")
	if !ok || got != `{"user": "ada", "token" : "REDACTED", "n": 1}` {
		t.Errorf("redactJSON = %s, %v", got, ok)
	}
	if _, ok := redactJSON(`token=abc`, o, "REDACTED"); ok {
		t.Error("redacted a body that is not JSON")
	}
}

func exchange(seq int64, url, requestID string) Exchange {
	return Exchange{Seq: seq, Method: "GET", URL: url,
		Header: map[string][]string{"Authorization": {"Bearer s3cr3t"}, "X-Request-Id": {requestID}},
		Status: 200, RespHeader: map[string][]string{"Content-Type": {"application/json"}, "Date": {"today"}}, RespBody: []byte(`{"token":"t0k3n","id":1}`)}
}

func TestEmitHTTP(t *testing.T) {
	a := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "https://api.example.com/users/1", "aa11")}}
	b := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "https://api.example.com/users/1", "bb22")}}
	code, err := Emit("client", a, b, &Options{Redact: []string{"token"}})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(append(code.Script, code.Assert...), "\n")
	for _, secret := range []string{"s3cr3t", "t0k3n", "today"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q reached the code:\n%s", secret, all)
		}
	}
	for _, want := range []string{
		`client.HTTP().Expect("GET", "https://api.example.com/users/1", bfhttp.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(` + "`" + `{"token":"REDACTED","id":1}` + "`" + `)})`,
		`"Authorization": bigfoot.HasPrefix("Bearer ")`,
		"\"X-Request-Id\": bigfoot.Regexp(`^[0-9a-f]+$`)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the code lacks %s:\n%s", want, all)
		}
	}
	if want := []string{"github.com/bigfoot-go/bigfoot", "github.com/bigfoot-go/bigfoot/bfhttp", "net/http"}; strings.Join(code.Imports, " ") != strings.Join(want, " ") {
		t.Errorf("imports %v, want %v", code.Imports, want)
	}
	for _, line := range append(code.Script, code.Assert...) {
		if _, err := parser.ParseExpr(line); err != nil {
			t.Errorf("%s does not parse: %v", line, err)
		}
	}
}

func TestEmitFailsWhenTheRunsDiffer(t *testing.T) {
	one := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "https://api.example.com/users/1", "a")}}
	two := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "https://api.example.com/users/1", "a"), exchange(2, "https://api.example.com/users/2", "a")}}
	_, err := Emit("bf", one, two, nil)
	var d *DiffError
	if !errors.As(err, &d) || !strings.Contains(err.Error(), `1 calls in the first, 2 in the second; the second run's extra call is a http call with method "GET"`) {
		t.Errorf("Emit = %v", err)
	}
	port := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "http://127.0.0.1:4000/users/1", "a")}}
	port2 := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "http://127.0.0.1:4001/users/1", "a")}}
	_, err = Emit("bf", port, port2, nil)
	if !errors.As(err, &d) || !strings.Contains(err.Error(), `the url of http call 1 is "http://127.0.0.1:4000/users/1" in the first and "http://127.0.0.1:4001/users/1" in the second, and the plugin takes no matcher there (give the service a fixed address`) {
		t.Errorf("Emit = %v", err)
	}
}

func TestEmitSocket(t *testing.T) {
	conn := func(size int) *Transcript {
		return &Transcript{Test: "TestX", Conns: []Conn{{Seq: 1, Network: "tcp", Address: "127.0.0.1:7000", Closed: true, ClosedSeq: 5, Chunks: []Chunk{
			{Seq: 2, Send: true, Data: []byte("PING\n")}, {Seq: 3, Size: size, Data: []byte("PONG\n")}, {Seq: 4, Size: size, Err: "EOF"},
		}}}}
	}
	code, err := Emit("bf", conn(4096), conn(512), nil)
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join(code.Script, "\n")
	if want := "bf.Socket().NewSession().\nExpect(\"connect\", nil).\nExpect(\"sendall\", nil).\nExpect(\"recv\", []byte(\"PONG\\n\")).\nExpect(\"recv\", []byte{}).\nExpect(\"close\", nil)"; script != want {
		t.Errorf("script:\n%s\nwant:\n%s", script, want)
	}
	asserts := strings.Join(code.Assert, "\n")
	for _, want := range []string{
		`bf.Socket().AssertConnect("127.0.0.1", 7000)`,
		`bf.Socket().AssertSendall([]byte("PING\n"))`,
		"bf.AssertInteraction(socket.Recv, bigfoot.Fields{\"size\": bigfoot.Any(), \"data\": []byte(\"PONG\\n\")})",
		`bf.Socket().AssertClose()`,
	} {
		if !strings.Contains(asserts, want) {
			t.Errorf("assertions lack %s:\n%s", want, asserts)
		}
	}
}

func TestEmitRefusesTLSBytes(t *testing.T) {
	tr := &Transcript{Test: "TestX", Conns: []Conn{{Seq: 1, Network: "tcp", Address: "db.internal:5433", Chunks: []Chunk{
		{Seq: 2, Send: true, Data: []byte{0x16, 0x03, 0x01, 0x02, 0x00}},
	}}}}
	_, err := Emit("bf", tr, tr, nil)
	if err == nil || !strings.Contains(err.Error(), "socket connection to db.internal:5433: it speaks TLS, which record cannot read") {
		t.Errorf("Emit = %v", err)
	}
}

func TestEmitSocketPortThatDiffers(t *testing.T) {
	conn := func(port string) *Transcript {
		return &Transcript{Test: "TestX", Conns: []Conn{{Seq: 1, Network: "tcp", Address: "127.0.0.1:" + port}}}
	}
	code, err := Emit("bf", conn("7000"), conn("7001"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `bf.AssertInteraction(socket.Connect, bigfoot.Fields{"host": "127.0.0.1", "port": bigfoot.Any()})`; strings.Join(code.Assert, "\n") != want {
		t.Errorf("assertions %q, want %s", code.Assert, want)
	}
}

func TestEmitCallsInAnotherOrderAreAssertedInAnyOrder(t *testing.T) {
	ab := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "https://api.example.com/a", "1"), exchange(2, "https://api.example.com/b", "2")}}
	ba := &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "https://api.example.com/b", "3"), exchange(2, "https://api.example.com/a", "4")}}
	code, err := Emit("bf", ab, ba, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(code.Assert) != 1 || !strings.HasPrefix(code.Assert[0], "bf.InAnyOrder(func() {\nbf.HTTP().AssertRequest(\"GET\", \"https://api.example.com/a\"") {
		t.Errorf("assertions:\n%s", strings.Join(code.Assert, "\n"))
	}
	if len(code.Script) != 2 {
		t.Errorf("script: %q", code.Script)
	}
}

type onceDecoder struct{}

func (onceDecoder) Name() string        { return "once" }
func (onceDecoder) Detect(c *Conn) bool { return c.Network == "once" }
func (onceDecoder) Decode(c *Conn, _ *Options) ([]Call, error) {
	return []Call{{Seq: c.Seq, Plugin: "once", Once: "login " + c.Address,
		Render: func(bf string, _ []string) (string, string) {
			return "", bf + ".Login(" + strconvQuote(c.Address) + ")"
		}}}, nil
}

func strconvQuote(s string) string { return `"` + s + `"` }

func TestDecodeKeepsTheFirstOfOnce(t *testing.T) {
	Register(onceDecoder{})
	tr := &Transcript{Test: "TestX", Conns: []Conn{{Seq: 3, Network: "once", Address: "a"}, {Seq: 1, Network: "once", Address: "a"}, {Seq: 2, Network: "once", Address: "b"}}}
	calls, err := Decode(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, c := range calls {
		seqs = append(seqs, c.Seq)
	}
	if len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 2 {
		t.Errorf("calls at %v, want the first login to a (1) and the one to b (2)", seqs)
	}
}

func TestEmitJSONBodyInAnotherOrder(t *testing.T) {
	post := func(body string) *Transcript {
		return &Transcript{Test: "TestX", HTTP: []Exchange{{Seq: 1, Method: "POST", URL: "https://api.example.com/users", Body: []byte(body), Status: 201}}}
	}
	code, err := Emit("bf", post(`{"name":"ada","role":"admin"}`), post(`{"role":"admin","name":"ada"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "bf.HTTP().AssertRequest(\"POST\", \"https://api.example.com/users\", nil, bfhttp.MatchJSON(`{\"name\":\"ada\",\"role\":\"admin\"}`))"
	if len(code.Assert) != 1 || code.Assert[0] != want {
		t.Errorf("assertions %q\nwant %s", code.Assert, want)
	}
}

func TestEmitOverlappingRequestsAreAssertedInAnyOrder(t *testing.T) {
	run := func() *Transcript {
		a, b := exchange(1, "https://api.example.com/a", "1"), exchange(2, "https://api.example.com/b", "1")
		a.EndSeq, b.EndSeq = 4, 3 // b started before a ended
		return &Transcript{Test: "TestX", HTTP: []Exchange{a, b}}
	}
	code, err := Emit("bf", run(), run(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(code.Assert) != 1 || !strings.HasPrefix(code.Assert[0], "bf.InAnyOrder(func() {") {
		t.Errorf("assertions of overlapping requests:\n%s", strings.Join(code.Assert, "\n"))
	}
	seq := func() *Transcript {
		a, b := exchange(1, "https://api.example.com/a", "1"), exchange(3, "https://api.example.com/b", "1")
		a.EndSeq, b.EndSeq = 2, 4
		return &Transcript{Test: "TestX", HTTP: []Exchange{a, b}}
	}
	code, err = Emit("bf", seq(), seq(), nil)
	if err != nil || len(code.Assert) != 2 {
		t.Errorf("requests one after the other: %q, %v", code.Assert, err)
	}
}

func TestEmitURLOfTheTestsOwnServer(t *testing.T) {
	port := func(p string) *Transcript {
		return &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "http://127.0.0.1:"+p+"/users/1?full=1", "a")}}
	}
	code, err := Emit("bf", port("4000"), port("4001"), &Options{ServerURL: "srv.URL"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(code.Script[0], `bf.HTTP().Expect("GET", srv.URL + "/users/1?full=1", `) ||
		!strings.HasPrefix(code.Assert[0], `bf.HTTP().AssertRequest("GET", srv.URL + "/users/1?full=1", `) {
		t.Errorf("code:\n%s\n%s", code.Script[0], code.Assert[0])
	}
	path := func(p string) *Transcript {
		return &Transcript{Test: "TestX", HTTP: []Exchange{exchange(1, "http://127.0.0.1:4000/users/"+p, "a")}}
	}
	var d *DiffError
	if _, err := Emit("bf", path("1"), path("2"), &Options{ServerURL: "srv.URL"}); !errors.As(err, &d) {
		t.Errorf("URLs whose paths differ: %v, want a *DiffError", err)
	}
}
