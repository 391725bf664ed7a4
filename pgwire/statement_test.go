package pgwire

import (
	"slices"
	"strings"
	"testing"
)

func TestCountParams(t *testing.T) {
	for q, want := range map[string]int{
		"SELECT $1, $2":                  2,
		"SELECT '$3', \"$4\", $1":        1,
		"SELECT $body$ $9 $body$, $2":    2,
		"SELECT 1 -- $5\n, $1":           1,
		"SELECT /* $7 */ $3":             3,
		"SELECT a$1 FROM t":              0,
		"INSERT INTO t VALUES ($10, $2)": 10,
		"SELECT $70000":                  0,
		"SELECT 'unterminated $1":        0,
	} {
		if got := CountParams(q); got != want {
			t.Errorf("CountParams(%q) = %d, want %d", q, got, want)
		}
	}
}

func TestTxKind(t *testing.T) {
	for q, want := range map[string]Tx{
		"begin": TxBegin, "BEGIN READ WRITE": TxBegin, "start transaction isolation level serializable": TxBegin,
		"commit": TxCommit, "END": TxCommit, "rollback": TxRollback, "ABORT;": TxRollback, "begin;": TxBegin,
		"rollback to savepoint sp": TxNone, "commit prepared 'x'": TxNone, "select 1": TxNone, "beginning": TxNone,
		"-- c\nbegin": TxBegin, "/* c */ COMMIT": TxCommit, "startup": TxNone, "start": TxNone, "": TxNone,
		"rollback prepared 'x'": TxNone, "begin\u00e9": TxNone,
	} {
		if got := TxKind(q); got != want {
			t.Errorf("TxKind(%q) = %d, want %d", q, got, want)
		}
	}
}

func TestIsEmpty(t *testing.T) {
	for q, want := range map[string]bool{
		"": true, " ; ;\n": true, "-- only a comment": true, "/* a */ ; -- b\n;": true, "/* unterminated": true,
		"select 1": false, "; select 1": false, "-- c\nselect 1": false,
	} {
		if got := IsEmpty(q); got != want {
			t.Errorf("IsEmpty(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestStripComments(t *testing.T) {
	for q, want := range map[string]string{
		"  select 1":              "select 1",
		"-- a\n/* b */\tselect 1": "select 1",
		"select /* kept */ 1":     "select /* kept */ 1",
		"-- no newline":           "",
	} {
		if got := StripComments(q); got != want {
			t.Errorf("StripComments(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	for _, c := range []struct {
		in, table string
		cols      []string
		rest      string
		ok        bool
	}{
		{"users", "users", nil, "", true},
		{` Public."My Table" (id, "Na""me") FROM STDIN`, `public.My Table`, []string{"id", `Na"me`}, " FROM STDIN", true},
		{"s . t ( a ,b )x", "s.t", []string{"a", "b"}, "x", true},
		{"t$1 (c$)", "t$1", []string{"c$"}, "", true},
		{`"open`, "", nil, "", false},
		{"t (a, ", "", nil, "", false},
		{"t (a b)", "", nil, "", false},
		{"(a)", "", nil, "", false},
	} {
		table, cols, rest, ok := Identifiers(c.in)
		if table != c.table || !slices.Equal(cols, c.cols) || rest != c.rest || ok != c.ok {
			t.Errorf("Identifiers(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", c.in, table, cols, rest, ok, c.table, c.cols, c.rest, c.ok)
		}
	}
}

func TestCopyStatements(t *testing.T) {
	for q, want := range map[string]bool{
		"COPY t FROM STDIN": true, "-- c\ncopy t (a) from stdin binary": true, "copy t from stdin;": true,
		"COPY t TO STDOUT": false, "select 'copy t from stdin'": false, "copy": false,
	} {
		if got := IsCopyFrom(q); got != want {
			t.Errorf("IsCopyFrom(%q) = %v, want %v", q, got, want)
		}
	}
	table, cols, rest, ok := CopyTarget("/* c */ COPY\t\"T\" (a, b) FROM STDIN (FORMAT binary)")
	if table != "T" || !slices.Equal(cols, []string{"a", "b"}) || !strings.Contains(rest, "binary") || !ok {
		t.Errorf("CopyTarget = %q, %q, %q, %v", table, cols, rest, ok)
	}
	if _, _, _, ok := CopyTarget("copying t"); ok {
		t.Error("CopyTarget read a statement that is no COPY")
	}
	table, cols, ok = CopySelect(`select "a", "b" from "t"`)
	if table != "t" || !slices.Equal(cols, []string{"a", "b"}) || !ok {
		t.Errorf("CopySelect = %q, %q, %v", table, cols, ok)
	}
	for _, q := range []string{`select "a" from "t" where x`, `select a`, `select "a" from t (b)`, `insert into t`} {
		if _, _, ok := CopySelect(q); ok {
			t.Errorf("CopySelect(%q) is ok, want not", q)
		}
	}
}

// FuzzStatement feeds arbitrary statements to the classifiers: they must
// never panic, and what they return must be consistent.
func FuzzStatement(f *testing.F) {
	for _, q := range []string{"begin", "-- c\nCOMMIT;", "select $1, $body$ $2 $body$", `copy "a""b".t (x, y) from stdin`,
		`select "a", "b" from "t"`, "/* x", " ; ", "rollback to sp"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		s := StripComments(q)
		if StripComments(s) != s {
			t.Errorf("StripComments is not idempotent on %q", q)
		}
		if IsEmpty(q) && (TxKind(q) != TxNone || CountParams(q) != 0 || IsCopyFrom(q)) {
			t.Errorf("the empty statement %q is classified", q)
		}
		if n := CountParams(q); n < 0 || n > 65535 {
			t.Errorf("CountParams(%q) = %d", q, n)
		}
		// An empty name can only be a quoted one ("").
		if table, cols, rest, ok := CopyTarget(q); ok && (len(rest) > len(q) || (table == "" || slices.Contains(cols, "")) && !strings.Contains(q, `""`)) {
			t.Errorf("CopyTarget(%q) = %q, %q, %q", q, table, cols, rest)
		}
		if table, cols, ok := CopySelect(q); ok && (len(cols) == 0 || table == "" && !strings.Contains(q, `""`)) {
			t.Errorf("CopySelect(%q) = %q, %q", q, table, cols)
		}
	})
}
