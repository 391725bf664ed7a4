package record

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var pgUpdateGolden = flag.Bool("pg.update", false, "rewrite testdata/pg/*.golden.txt from the pg fixtures")

// readFixture loads testdata/<dir>/<name>.json, a transcript captured
// from a real server by integration/record (capture_pg_test.go and
// capture_redis_test.go).
func readFixture(tb testing.TB, dir, name string) *Transcript {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	tr := new(Transcript)
	if err := json.Unmarshal(b, tr); err != nil {
		tb.Fatal(err)
	}
	return tr
}

// renderOwn renders a call with each field's own value.
func renderOwn(c Call) (script, assert string) {
	exprs := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		exprs[i] = f.Go
	}
	return c.Render("bf", exprs)
}

// mustParse fails the test for each line that is not a Go expression;
// empty lines (a call with no script or no assertion) are skipped.
func mustParse(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if l == "" {
			continue
		}
		if _, err := parser.ParseExpr(l); err != nil {
			t.Fatalf("rendered line does not parse: %v\n%s", err, l)
		}
	}
}

// pgCode renders code as the lines of a test, for goldens and checks.
func pgCode(c *Code) string {
	return "imports: " + strings.Join(c.Imports, " ") + "\n-- setup\n" + strings.Join(c.Setup, "\n") +
		"\n-- script\n" + strings.Join(c.Script, "\n") + "\n-- assert\n" + strings.Join(c.Assert, "\n") + "\n"
}

// pgParses checks that every line of code is Go that parses, in a
// function where bf is the verifier.
func pgParses(t *testing.T, c *Code) {
	t.Helper()
	src := "package x\nfunc f() {\n" + strings.Join(c.Setup, "\n") + "\n" + strings.Join(c.Script, "\n") + "\n" + strings.Join(c.Assert, "\n") + "\n}\n"
	if _, err := parser.ParseFile(token.NewFileSet(), "emitted.go", src, 0); err != nil {
		t.Fatalf("the emitted code does not parse: %v\n%s", err, src)
	}
}

// pgSecrets returns the authentication messages the client sent in a
// transcript (SASL or password messages), split into their fields.
func pgSecrets(t *testing.T, c *Conn) []string {
	t.Helper()
	s := newStream(c, true)
	msgs, err := pgSplit(s, 1, "sent")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.typ != 'p' {
			continue
		}
		for _, part := range regexp.MustCompile(`[\x00-\x1f,]+`).Split(string(m.body), -1) {
			if len(part) >= 6 {
				out = append(out, part)
			}
		}
	}
	return out
}

func TestPGFixturesEmit(t *testing.T) {
	for _, name := range []string{"pgx", "pq"} {
		t.Run(name, func(t *testing.T) {
			tr := readFixture(t, "pg", name)
			code, err := Emit("bf", tr, tr, nil)
			if err != nil {
				t.Fatal(err)
			}
			pgParses(t, code)
			got := pgCode(code)
			golden := filepath.Join("testdata", "pg", name+".golden.txt")
			if *pgUpdateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (write it with -pg.update)", err)
			}
			if got != string(want) {
				t.Errorf("the %s fixture emits\n%s\nthe golden file has\n%s", name, got, want)
			}
			// Another verifier name reaches every line.
			other, err := Emit("v2", tr, tr, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range append(append(other.Setup, other.Script...), other.Assert...) {
				if regexp.MustCompile(`\bbf\b`).MatchString(l) || !strings.Contains(l, "bfpg.For(v2)") {
					t.Errorf("line for verifier v2 does not use it: %s", l)
				}
			}
		})
	}
}

func TestPGFixturesNeverEmitSecrets(t *testing.T) {
	for _, name := range []string{"pgx", "pq"} {
		tr := readFixture(t, "pg", name)
		secrets := []string{"bigfoot-record-secret", "SCRAM-SHA-256"}
		for i := range tr.Conns {
			secrets = append(secrets, pgSecrets(t, &tr.Conns[i])...)
		}
		if len(secrets) < 5 {
			t.Fatalf("%s: the fixture has no SASL exchange to check (%d parts): was it captured through SCRAM?", name, len(secrets))
		}
		calls, err := Decode(tr, nil)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, c := range calls {
			all = append(all, c.Setup...)
			for _, f := range c.Fields {
				all = append(all, f.Name, f.Raw, f.Go)
			}
			s, a := renderOwn(c)
			all = append(all, s, a)
		}
		text := strings.Join(all, "\n")
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s: an emitted call holds the authentication message part %q", name, s)
			}
		}
	}
}

func TestPGFixtureTimeline(t *testing.T) {
	tr := readFixture(t, "pg", "pgx")
	calls, err := Decode(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	// pgx's sslmode=prefer asks for TLS, is answered 'N' (by the
	// capture, as by bfpg) and dials again in the clear.
	if len(tr.Conns) != 2 || !tr.Conns[0].PlainForTLS || len(tr.Conns[0].Chunks) != 0 {
		t.Fatalf("pgx's fixture should start with a connection that only asked for TLS: %+v", tr.Conns)
	}
	c := &tr.Conns[1]
	// Each call's Seq is that of the chunk holding the message bfpg
	// records it at: the StartupMessage, a Query, or a Bind.
	seqs := map[int64]byte{}
	s := newStream(c, true)
	msgs, err := pgSplit(s, 1, "sent")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.typ == 0 || m.typ == 'Q' || m.typ == 'B' {
			seqs[m.seq] = m.typ
		}
	}
	var prev int64
	for i, call := range calls {
		if _, ok := seqs[call.Seq]; !ok {
			t.Errorf("call %d has Seq %d, which is no chunk with a startup, Query or Bind", i, call.Seq)
		}
		if call.Seq < prev {
			t.Errorf("call %d is out of order", i)
		}
		prev = call.Seq
		if call.Plugin != "pg" || len(call.Setup) != 1 || call.Setup[0] != `bfpg.For(bf).Serve("127.0.0.1:5432")` {
			t.Errorf("call %d: plugin %q, setup %q", i, call.Plugin, call.Setup)
		}
	}
	code, err := Emit("bf", tr, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"AssertConnect(", "AssertExec(\"CREATE", "AssertExec(\"INSERT", "AssertExec(\"INSERT", "AssertQuery(\"SELECT name",
		"AssertQuery(\"SELECT id", "AssertQuery(\"SELECT id", "AssertExec(\"UPDATE", "AssertBegin(\"begin\")", "AssertExec(\"INSERT",
		"AssertCommit()", "AssertBegin(\"begin\")", "AssertExec(\"DELETE", "AssertRollback()", "AssertCopyFrom(\"pg_items\"", "AssertExec(\"INSERT",
		"AssertQuery(\"SELECT name", "AssertQuery(\"SELECT count", "AssertExec(\"DROP"}
	if len(code.Assert) != len(want) {
		t.Fatalf("%d assertions, want %d:\n%s", len(code.Assert), len(want), strings.Join(code.Assert, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(code.Assert[i], w) {
			t.Errorf("assertion %d is %s, want %s...", i, code.Assert[i], w)
		}
	}
}

// pgConnOf builds a connection from whole messages: sent ones prefixed
// with '>', received ones with '<', each its own chunk.
type pgConnBuilder struct {
	c   Conn
	seq int64
}

func newPGConn() *pgConnBuilder {
	b := &pgConnBuilder{c: Conn{Network: "tcp", Address: "db.internal:5432", Seq: 1}, seq: 1}
	return b
}

func (b *pgConnBuilder) chunk(send bool, data []byte) *pgConnBuilder {
	b.seq++
	b.c.Chunks = append(b.c.Chunks, Chunk{Seq: b.seq, Send: send, Data: data})
	return b
}

func pgMessage(typ byte, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	var out []byte
	if typ != 0 {
		out = append(out, typ)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)+4))
	return append(out, body...)
}

func pgCStr(s string) []byte { return append([]byte(s), 0) }
func pgI16(n int) []byte     { return binary.BigEndian.AppendUint16(nil, uint16(n)) }
func pgI32(n int) []byte     { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func pgStartup(user, db string) []byte {
	params := append(pgCStr("user"), pgCStr(user)...)
	if db != "" {
		params = append(append(params, pgCStr("database")...), pgCStr(db)...)
	}
	return pgMessage(0, pgI32(pgProtocol3), params, []byte{0})
}

// pgLoggedIn is a connection through its login (trust), as user app.
func pgLoggedIn() *pgConnBuilder {
	return newPGConn().chunk(true, pgStartup("app", "appdb")).
		chunk(false, append(append(pgMessage('R', pgI32(0)), pgMessage('S', pgCStr("TimeZone"), pgCStr("UTC"))...),
			append(pgMessage('K', pgI32(1), pgI32(2)), pgMessage('Z', []byte{'I'})...)...))
}

func pgRowDesc(cols ...struct {
	name string
	oid  int
	fmt  int
}) []byte {
	parts := [][]byte{pgI16(len(cols))}
	for _, c := range cols {
		parts = append(parts, pgCStr(c.name), pgI32(0), pgI16(0), pgI32(c.oid), pgI16(-1), pgI32(-1), pgI16(c.fmt))
	}
	return pgMessage('T', parts...)
}

func pgDataRow(vals ...[]byte) []byte {
	parts := [][]byte{pgI16(len(vals))}
	for _, v := range vals {
		if v == nil {
			parts = append(parts, pgI32(-1))
			continue
		}
		parts = append(parts, pgI32(len(v)), v)
	}
	return pgMessage('D', parts...)
}

func pgErr(code, msg string) []byte {
	return pgMessage('E', []byte("SERROR\x00"), []byte("C"+code+"\x00"), []byte("M"+msg+"\x00"), []byte{0})
}

func pgCat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// pgLines decodes one connection and renders its calls with their values.
func pgLines(t *testing.T, c *Conn, opts *Options) (scripts, asserts []string, calls []Call) {
	t.Helper()
	tr := &Transcript{Test: "TestX", Conns: []Conn{*c}}
	code, err := Emit("bf", tr, tr, opts)
	if err != nil {
		t.Fatal(err)
	}
	pgParses(t, code)
	calls, err = Decode(tr, opts)
	if err != nil {
		t.Fatal(err)
	}
	return code.Script, code.Assert, calls
}

func TestPGSimpleQueryTextValues(t *testing.T) {
	type col = struct {
		name string
		oid  int
		fmt  int
	}
	b := pgLoggedIn().chunk(true, pgMessage('Q', pgCStr("SELECT * FROM t"))).
		chunk(false, pgCat(
			pgRowDesc(col{"n", 1700, 0}, col{"d", 1082, 0}, col{"ts", 1114, 0}, col{"tz", 1184, 0}, col{"b", 17, 0}, col{"f", 701, 0},
				col{"arr", 1009, 0}, col{"ok", 16, 0}, col{"u", 2950, 0}, col{"i", 21, 0}, col{"v", 1043, 0}),
			pgDataRow([]byte("-12.50"), []byte("2024-02-29"), []byte("2024-02-29 01:02:03.5"), []byte("2024-02-29 01:02:03+02"), []byte(`\x00ff`),
				[]byte("NaN"), []byte(`{a,"b \"c\""}`), []byte("t"), []byte("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), []byte("-3"), []byte("x")),
			pgMessage('C', pgCStr("SELECT 1")), pgMessage('Z', []byte{'I'})))
	scripts, asserts, _ := pgLines(t, &b.c, nil)
	want := "bfpg.For(bf).ExpectQuery(\"SELECT * FROM t\", bfsql.Rows{Columns: []string{\"n\", \"d\", \"ts\", \"tz\", \"b\", \"f\", \"arr\", \"ok\", \"u\", \"i\", \"v\"}, Values: [][]any{\n" +
		"{bfpg.Numeric(\"-12.50\"), bfpg.Date(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), bfpg.Timestamp(time.Date(2024, 2, 29, 1, 2, 3, 500000000, time.UTC)), " +
		"time.Date(2024, 2, 28, 23, 2, 3, 0, time.UTC), []byte(\"\\x00\\xff\"), float64(math.NaN()), []string{\"a\", \"b \\\"c\\\"\"}, true, " +
		"bfpg.MustUUID(\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"), int16(-3), \"x\"},\n}})"
	if len(scripts) != 1 || scripts[0] != want {
		t.Errorf("script:\n%s\nwant\n%s", strings.Join(scripts, "\n"), want)
	}
	if len(asserts) != 2 || asserts[0] != `bfpg.For(bf).AssertConnect("app", "appdb")` || asserts[1] != `bfpg.For(bf).AssertQuery("SELECT * FROM t")` {
		t.Errorf("assertions: %q", asserts)
	}
}

func TestPGExtendedBinaryArgsAndErrors(t *testing.T) {
	type col = struct {
		name string
		oid  int
		fmt  int
	}
	q := "INSERT INTO users (name, password, born) VALUES ($1, $2, $3) RETURNING id"
	b := pgLoggedIn().
		chunk(true, pgCat(pgMessage('P', pgCStr("s1"), pgCStr(q), pgI16(0)), pgMessage('D', []byte{'S'}, pgCStr("s1")), pgMessage('S'))).
		chunk(false, pgCat(pgMessage('1'), pgMessage('t', pgI16(3), pgI32(25), pgI32(25), pgI32(1082)), pgRowDesc(col{"id", 20, 0}), pgMessage('Z', []byte{'I'}))).
		chunk(true, pgCat(pgMessage('B', pgCStr(""), pgCStr("s1"), pgI16(1), pgI16(1), pgI16(3), pgI32(3), []byte("ada"), pgI32(6), []byte("hunter"), pgI32(4), pgI32(-1), pgI16(1), pgI16(1)),
			pgMessage('E', pgCStr(""), pgI32(0)), pgMessage('S'))).
		chunk(false, pgCat(pgMessage('2'), pgDataRow(pgI32(0)[:0:0]), pgMessage('Z', []byte{'I'})))
	// The DataRow above is malformed for int8 (0 bytes): a decode error.
	tr := &Transcript{Conns: []Conn{b.c}}
	_, err := Decode(tr, nil)
	var de *PGDecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `column "id"`) || !strings.Contains(err.Error(), "is not a int8") {
		t.Fatalf("a malformed int8: %v", err)
	}
	b.c.Chunks[len(b.c.Chunks)-1].Data = pgCat(pgMessage('2'), pgDataRow(pgCat(pgI32(0), pgI32(7))), pgMessage('C', pgCStr("INSERT 0 1")), pgMessage('Z', []byte{'I'}))
	scripts, asserts, calls := pgLines(t, &b.c, nil)
	want := "bfpg.For(bf).ExpectQueryArgs(\"INSERT INTO users (name, password, born) VALUES ($1, $2, $3) RETURNING id\", []any{\"ada\", bigfoot.Any(), bigfoot.HasPrefix(\"1999-12-31\")}, bfsql.Rows{Columns: []string{\"id\"}, Values: [][]any{\n{int64(7)},\n}})"
	if len(scripts) != 1 || scripts[0] != want {
		t.Errorf("script:\n%s\nwant\n%s", strings.Join(scripts, "\n"), want)
	}
	if asserts[1] != `bfpg.For(bf).AssertQuery("INSERT INTO users (name, password, born) VALUES ($1, $2, $3) RETURNING id", "ada", bigfoot.Any(), bigfoot.HasPrefix("1999-12-31"))` {
		t.Errorf("assertion: %s", asserts[1])
	}
	for _, c := range calls {
		for _, f := range c.Fields {
			if strings.Contains(f.Raw+f.Go, "hunter") {
				t.Errorf("the password column's value reached field %q: %q %q", f.Name, f.Raw, f.Go)
			}
		}
	}
	if f := calls[1].Fields[2]; !f.Secret || f.Name != "arg 2 (password)" {
		t.Errorf("the password argument is %+v, want a secret", f)
	}
	// Redact names more columns.
	_, asserts, _ = pgLines(t, &b.c, &Options{Redact: []string{"name"}})
	if !strings.Contains(asserts[1], `RETURNING id", bigfoot.Any(), bigfoot.Any(),`) {
		t.Errorf("with Redact name: %s", asserts[1])
	}
}

func TestPGParseErrorAbortedTransactionAndEmpty(t *testing.T) {
	b := pgLoggedIn().
		chunk(true, pgMessage('Q', pgCStr("BEGIN"))).chunk(false, pgCat(pgMessage('C', pgCStr("BEGIN")), pgMessage('Z', []byte{'T'}))).
		chunk(true, pgCat(pgMessage('P', pgCStr(""), pgCStr("SELEC 1"), pgI16(0)), pgMessage('D', []byte{'S'}, pgCStr("")), pgMessage('S'))).
		chunk(false, pgCat(pgErr("42601", `syntax error at or near "SELEC"`), pgMessage('Z', []byte{'E'}))).
		chunk(true, pgMessage('Q', pgCStr("SELECT 1"))).chunk(false, pgCat(pgErr("25P02", "current transaction is aborted"), pgMessage('Z', []byte{'E'}))).
		chunk(true, pgMessage('Q', pgCStr(";"))).chunk(false, pgCat(pgMessage('I'), pgMessage('Z', []byte{'E'}))).
		chunk(true, pgMessage('Q', pgCStr("ROLLBACK"))).chunk(false, pgCat(pgMessage('C', pgCStr("ROLLBACK")), pgMessage('Z', []byte{'I'}))).
		chunk(true, pgMessage('X'))
	scripts, asserts, _ := pgLines(t, &b.c, nil)
	if len(scripts) != 1 || scripts[0] != "bfpg.For(bf).ExpectExec(\"SELEC 1\", bfsql.Result{RowsAffected: 0}, bigfoot.Raises(&bfpg.Error{Code: \"42601\", Message: `syntax error at or near \"SELEC\"`}))" {
		t.Errorf("scripts: %q", scripts)
	}
	want := []string{`bfpg.For(bf).AssertConnect("app", "appdb")`, `bfpg.For(bf).AssertBegin("BEGIN")`,
		`bf.AssertInteraction(bfpg.Exec, bigfoot.Fields{"query": "SELEC 1", "args": bigfoot.Any()})`, `bfpg.For(bf).AssertRollback()`}
	if strings.Join(asserts, "\n") != strings.Join(want, "\n") {
		t.Errorf("assertions:\n%s\nwant\n%s", strings.Join(asserts, "\n"), strings.Join(want, "\n"))
	}
}

func TestPGTLSRequestInTheChunks(t *testing.T) {
	// A recorder that passed the SSLRequest through: the server's 'N'
	// arrives before its first message, in the same chunk.
	b := newPGConn().chunk(true, []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}).chunk(false, []byte("N"))
	b.chunk(true, pgStartup("u", "")).chunk(false, pgCat(pgMessage('R', pgI32(0)), pgMessage('Z', []byte{'I'})))
	if !(pgDecoder{}).Detect(&b.c) {
		t.Fatal("an SSLRequest is not detected as Postgres")
	}
	_, asserts, _ := pgLines(t, &b.c, nil)
	if len(asserts) != 1 || asserts[0] != `bfpg.For(bf).AssertConnect("u", "u")` {
		t.Errorf("assertions: %q (the database defaults to the user)", asserts)
	}
	b.c.Chunks[1].Data = []byte("S")
	_, err := Decode(&Transcript{Conns: []Conn{b.c}}, nil)
	if !errors.Is(err, ErrPGUnsupported) || !strings.Contains(err.Error(), "encrypt") {
		t.Errorf("TLS accepted: %v", err)
	}
}

func TestPGUnsupported(t *testing.T) {
	for _, c := range []struct {
		name string
		conn *pgConnBuilder
		want string
	}{
		{"copy to stdout", pgLoggedIn().chunk(true, pgMessage('Q', pgCStr("COPY t TO STDOUT"))).chunk(false, pgMessage('H', []byte{0}, pgI16(0))), "COPY TO STDOUT"},
		{"copy of an expression", pgLoggedIn().chunk(true, pgMessage('Q', pgCStr("COPY (SELECT 1) FROM STDIN"))).chunk(false, pgMessage('G', []byte{0}, pgI16(0))), "cannot read the table"},
		{"two statements", pgLoggedIn().chunk(true, pgMessage('Q', pgCStr("SELECT 1; SELECT 2"))).
			chunk(false, pgCat(pgMessage('C', pgCStr("SET")), pgMessage('C', pgCStr("SET")), pgMessage('Z', []byte{'I'}))), "several statements"},
		{"refused login", newPGConn().chunk(true, pgStartup("u", "d")).chunk(false, pgCat(pgMessage('R', pgI32(10), pgCStr("SCRAM-SHA-256"), []byte{0}))).
			chunk(true, pgMessage('p', []byte("SCRAM-SHA-256\x00"), pgI32(8), []byte("n,,n=,r="))).chunk(false, pgErr("28P01", "password authentication failed")), "refused the login"},
		{"function call", pgLoggedIn().chunk(true, pgMessage('F', pgI32(1))), "does not answer this message"},
		{"interval", pgLoggedIn().chunk(true, pgMessage('Q', pgCStr("SELECT now() - now()"))).
			chunk(false, pgCat(pgRowDesc(struct {
				name string
				oid  int
				fmt  int
			}{"d", 1186, 0}), pgDataRow([]byte("00:00:00")), pgMessage('C', pgCStr("SELECT 1")), pgMessage('Z', []byte{'I'}))), "cast it in the query"},
	} {
		_, err := Decode(&Transcript{Conns: []Conn{c.conn.c}}, nil)
		var de *PGDecodeError
		if !errors.Is(err, ErrPGUnsupported) || !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an unsupported error saying %q", c.name, err, c.want)
		}
	}
}

func TestPGCopyFrom(t *testing.T) {
	done := pgCat(pgMessage('C', pgCStr("COPY 2")), pgMessage('Z', []byte{'I'}))
	// lib/pq: text rows, escapes and NULL.
	b := pgLoggedIn().chunk(true, pgMessage('Q', pgCStr(`COPY "Items" (id, "Name") FROM STDIN`))).
		chunk(false, pgMessage('G', []byte{0}, pgI16(2), pgI16(0), pgI16(0))).
		chunk(true, pgCat(pgMessage('d', []byte("1\ta\\tb\n")), pgMessage('d', []byte("2\t\\N\n")), pgMessage('c'))).
		chunk(false, done)
	scripts, asserts, _ := pgLines(t, &b.c, nil)
	if len(scripts) != 1 || scripts[0] != `bfpg.For(bf).ExpectCopyFrom("Items")` ||
		asserts[1] != "bfpg.For(bf).AssertCopyFrom(\"Items\", []string{\"id\", \"Name\"}, [][]any{\n{\"1\", \"a\\tb\"},\n{\"2\", nil},\n})" {
		t.Errorf("text copy:\n%s\n%s", strings.Join(scripts, "\n"), strings.Join(asserts, "\n"))
	}
	// A field that differs between the two runs gets a matcher.
	run := func(at string) *Transcript {
		b := pgLoggedIn().chunk(true, pgMessage('Q', pgCStr(`COPY t (id, at) FROM STDIN`))).
			chunk(false, pgMessage('G', []byte{0}, pgI16(2), pgI16(0), pgI16(0))).
			chunk(true, pgCat(pgMessage('d', []byte("1\t"+at+"\n")), pgMessage('c'))).chunk(false, done)
		return &Transcript{Test: "TestCopy", Conns: []Conn{b.c}}
	}
	code, err := Emit("bf", run("2024-03-05 07:08:09Z"), run("2024-03-05 07:08:10Z"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "bfpg.For(bf).AssertCopyFrom(\"t\", []string{\"id\", \"at\"}, [][]any{\n{\"1\", bigfoot.Regexp("; !strings.HasPrefix(code.Assert[1], want) {
		t.Errorf("a copy field that differs:\n%s\nwant a matcher in its place: %s...", code.Assert[1], want)
	}
	// pgx: the described select gives the column types of binary rows.
	type col = struct {
		name string
		oid  int
		fmt  int
	}
	row := func(id int, name string) []byte {
		return pgCat(pgI16(2), pgI32(4), pgI32(id), pgI32(len(name)), []byte(name))
	}
	b = pgLoggedIn().
		chunk(true, pgCat(pgMessage('P', pgCStr(""), pgCStr(`select "id", "name" from "public"."t"`), pgI16(0)), pgMessage('D', []byte{'S'}, pgCStr("")), pgMessage('S'))).
		chunk(false, pgCat(pgMessage('1'), pgMessage('t', pgI16(0)), pgRowDesc(col{"id", 23, 0}, col{"name", 25, 0}), pgMessage('Z', []byte{'I'}))).
		chunk(true, pgMessage('Q', pgCStr(`copy "public"."t" ( "id", "name" ) from stdin binary;`))).
		chunk(false, pgMessage('G', []byte{1}, pgI16(2), pgI16(1), pgI16(1))).
		chunk(true, pgCat(pgMessage('d', []byte("PGCOPY\n\377\r\n\x00"), pgI32(0), pgI32(0), row(7, "x"), row(8, "y")), pgMessage('c'))).
		chunk(false, pgCat(pgErr("23505", "duplicate"), pgMessage('Z', []byte{'I'})))
	scripts, asserts, _ = pgLines(t, &b.c, nil)
	if len(scripts) != 1 || scripts[0] != `bfpg.For(bf).ExpectCopyFrom("public.t", bigfoot.Raises(&bfpg.Error{Code: "23505", Message: "duplicate"}))` ||
		asserts[1] != "bfpg.For(bf).AssertCopyFrom(\"public.t\", []string{\"id\", \"name\"}, [][]any{\n{int32(7), \"x\"},\n{int32(8), \"y\"},\n})" {
		t.Errorf("binary copy:\n%s\n%s", strings.Join(scripts, "\n"), strings.Join(asserts, "\n"))
	}
	// A copy the client gave up (CopyFail) is refused by bfpg itself.
	b = pgLoggedIn().chunk(true, pgMessage('Q', pgCStr(`COPY t FROM STDIN`))).chunk(false, pgMessage('G', []byte{0}, pgI16(0))).
		chunk(true, pgMessage('f', pgCStr("no"))).chunk(false, pgCat(pgErr("57014", "COPY from stdin failed: no"), pgMessage('Z', []byte{'I'})))
	scripts, asserts, _ = pgLines(t, &b.c, nil)
	if len(scripts) != 1 || scripts[0] != `bfpg.For(bf).ExpectCopyFrom("t", bigfoot.Optional())` || len(asserts) != 1 {
		t.Errorf("a failed copy: %q, %q", scripts, asserts)
	}
}

func TestPGMalformed(t *testing.T) {
	for _, c := range []struct {
		name string
		conn *pgConnBuilder
		want string
	}{
		{"length", pgLoggedIn().chunk(true, []byte{'Q', 0, 0, 0, 1}), "message length of 1"},
		{"out of order", pgLoggedIn().chunk(true, pgMessage('Q', pgCStr("SELECT 1"))).chunk(false, pgMessage('2')), "answered BindComplete"},
		{"unparsed statement", pgLoggedIn().chunk(true, pgMessage('B', pgCStr(""), pgCStr("nope"), pgI16(0), pgI16(0), pgI16(0))), `statement "nope" was never parsed`},
		{"short Bind", pgLoggedIn().chunk(true, pgMessage('B', pgCStr(""))), "ends before its fields"},
	} {
		_, err := Decode(&Transcript{Conns: []Conn{c.conn.c}}, nil)
		var de *PGDecodeError
		if !errors.As(err, &de) || errors.Is(err, ErrPGUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a decode error saying %q", c.name, err, c.want)
		}
	}
	// A recording that ends inside a message keeps what came before.
	b := pgLoggedIn().chunk(true, pgMessage('Q', pgCStr("SELECT 1"))[:6])
	_, asserts, _ := pgLines(t, &b.c, nil)
	if len(asserts) != 1 {
		t.Errorf("a cut message: %q", asserts)
	}
}

func TestPGDetect(t *testing.T) {
	for _, c := range []struct {
		conn Conn
		want bool
	}{
		{Conn{PlainForTLS: true}, true},
		{pgLoggedIn().c, true},
		{Conn{Chunks: []Chunk{{Send: true, Data: []byte{0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 0, 0, 0, 2}}}}, true}, // CancelRequest
		{Conn{Chunks: []Chunk{{Send: true, Data: []byte("*1\r\n$4\r\nPING\r\n")}}}, false},
		{Conn{Chunks: []Chunk{{Send: true, Data: []byte("GET / HTTP/1.1\r\n")}}}, false},
		{Conn{Chunks: []Chunk{{Send: true, Data: []byte{0, 0, 0, 8, 0, 2, 0, 0}}}}, false}, // protocol 2.0
		{Conn{Chunks: []Chunk{{Send: false, Data: pgStartup("u", "d")}}}, false},
	} {
		if got := (pgDecoder{}).Detect(&c.conn); got != c.want {
			t.Errorf("Detect(% x) = %v", c.conn.Sent(), got)
		}
	}
	// A cancel request is answered by bfpg with nothing recorded.
	calls, err := pgDecoder{}.Decode(&Conn{Chunks: []Chunk{{Send: true, Data: []byte{0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 0, 0, 0, 2}}}}, nil)
	if err != nil || len(calls) != 0 {
		t.Errorf("cancel request: %d calls, %v", len(calls), err)
	}
}

func TestPGRegistered(t *testing.T) {
	for _, d := range registered() {
		if d.Name() == "pg" {
			return
		}
	}
	t.Fatal("the pg decoder is not registered")
}

// pgFuzzConn is a connection from a fuzzer's two streams, each cut into
// chunks at cut.
func pgFuzzConn(sent, received []byte, cut uint8, plain bool) *Conn {
	c := &Conn{Network: "tcp", Address: "127.0.0.1:5432", PlainForTLS: plain}
	n := int(cut%64) + 1
	seq := int64(1)
	for i := 0; i < len(sent) || i < len(received); i += n {
		if i < len(sent) {
			seq++
			c.Chunks = append(c.Chunks, Chunk{Seq: seq, Send: true, Data: sent[i:min(i+n, len(sent))]})
		}
		if i < len(received) {
			seq++
			c.Chunks = append(c.Chunks, Chunk{Seq: seq, Data: received[i:min(i+n, len(received))]})
		}
	}
	return c
}

// FuzzPGDecode feeds the decoder arbitrary conversations: it must not
// panic, and what it decodes must render to Go that parses.
func FuzzPGDecode(f *testing.F) {
	for _, name := range []string{"pgx", "pq"} {
		tr := readFixture(f, "pg", name)
		c := tr.Conns[len(tr.Conns)-1]
		// Prefixes: whole conversations make minimizing each new input slow.
		sent, received := c.Sent(), c.Received()
		f.Add(sent[:min(len(sent), 300)], received[:min(len(received), 600)], uint8(255), c.PlainForTLS)
	}
	f.Fuzz(func(t *testing.T, sent, received []byte, cut uint8, plain bool) {
		c := pgFuzzConn(sent, received, cut, plain)
		calls, err := pgDecoder{}.Decode(c, nil)
		if err != nil {
			var de *PGDecodeError
			if !errors.As(err, &de) {
				t.Fatalf("an error of type %T: %v", err, err)
			}
			return
		}
		for _, call := range calls {
			s, a := renderOwn(call)
			mustParse(t, s, a)
		}
	})
}

// FuzzPGValue feeds one column value of any type and format: no panic,
// and a value decoded renders as a Go expression.
func FuzzPGValue(f *testing.F) {
	for _, oid := range []uint32{16, 17, 20, 21, 23, 25, 114, 700, 701, 1082, 1114, 1184, 1700, 2950, 3802, 1007, 1009, 2951} {
		f.Add(oid, int16(0), []byte("1"))
		f.Add(oid, int16(1), []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7})
	}
	f.Add(uint32(1009), int16(0), []byte(`{"a\"b",c,NULL}`))
	f.Fuzz(func(t *testing.T, oid uint32, format int16, v []byte) {
		c, err := pgValueGo(oid, format, v)
		if err == nil {
			if _, perr := parser.ParseExpr(c.expr); perr != nil {
				t.Fatalf("value %q of %d/%d renders as %s: %v", v, oid, format, c.expr, perr)
			}
		}
		raw, expr := pgArg(v, format, oid)
		_ = raw
		if _, perr := parser.ParseExpr(expr); perr != nil {
			t.Fatalf("argument %q of %d/%d renders as %s: %v", v, oid, format, expr, perr)
		}
	})
}
