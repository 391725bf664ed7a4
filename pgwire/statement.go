package pgwire

import (
	"strconv"
	"strings"
)

// IsIdentByte reports whether c may continue an unquoted identifier or a
// dollar-quote tag: ASCII letters, digits, '_' and any byte of a
// non-ASCII character, as Postgres's lexer takes them.
func IsIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// StripComments removes the white space and the -- and /* */ comments
// that lead a statement.
func StripComments(q string) string {
	for {
		q = strings.TrimLeft(q, " \t\r\n")
		switch {
		case strings.HasPrefix(q, "--"):
			i := strings.IndexByte(q, '\n')
			if i < 0 {
				return ""
			}
			q = q[i+1:]
		case strings.HasPrefix(q, "/*"):
			i := strings.Index(q, "*/")
			if i < 0 {
				return ""
			}
			q = q[i+2:]
		default:
			return q
		}
	}
}

// IsEmpty reports whether a statement holds nothing but white space,
// comments and semicolons: Postgres answers it with EmptyQueryResponse.
func IsEmpty(q string) bool {
	for {
		q = strings.TrimLeft(StripComments(q), ";")
		if q == "" {
			return true
		}
		if q[0] != ' ' && q[0] != '\t' && q[0] != '\n' && q[0] != '\r' {
			return false
		}
	}
}

// Tx is the kind of a transaction control statement.
type Tx int

// The transaction control statements bfpg answers itself; savepoints and
// prepared transactions are scripted as any other statement (TxNone).
const (
	TxNone     Tx = iota // not transaction control
	TxBegin              // BEGIN, START TRANSACTION
	TxCommit             // COMMIT, END
	TxRollback           // ROLLBACK, ABORT (not ROLLBACK TO)
)

// TxKind classifies a statement as transaction control or not.
func TxKind(q string) Tx {
	q = StripComments(q)
	if q == "" {
		return TxNone
	}
	// Most statements start with another word: no allocation for them.
	known := false
	for _, w := range [...]string{"begin", "start", "commit", "end", "rollback", "abort"} {
		if len(q) >= len(w) && strings.EqualFold(q[:len(w)], w) && (len(q) == len(w) || !IsIdentByte(q[len(w)])) {
			known = true
			break
		}
	}
	if !known {
		return TxNone
	}
	words := strings.Fields(strings.ToLower(strings.TrimRight(strings.TrimSpace(q), ";")))
	if len(words) == 0 {
		return TxNone
	}
	switch words[0] {
	case "begin", "start":
		if words[0] == "start" && (len(words) < 2 || words[1] != "transaction") {
			return TxNone
		}
		return TxBegin
	case "commit", "end":
		if len(words) > 1 && words[1] == "prepared" {
			return TxNone
		}
		return TxCommit
	case "rollback", "abort":
		for _, w := range words[1:] {
			if w == "to" || w == "prepared" {
				return TxNone
			}
		}
		return TxRollback
	}
	return TxNone
}

// CountParams returns the highest $n placeholder of a statement, outside
// quotes, identifiers, comments and dollar-quoted strings: how many
// parameters it takes.
func CountParams(q string) int {
	n := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'' || c == '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				return n
			}
			i += j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				return n
			}
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return n
			}
			i += j + 3
		case c == '$':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 && (i == 0 || !IsIdentByte(q[i-1])) {
				if k, err := strconv.Atoi(q[i+1 : j]); err == nil && k > n && k <= 65535 {
					n = k
				}
				i = j - 1
				continue
			}
			// A dollar-quoted string: $tag$ ... $tag$.
			k := j
			for k < len(q) && IsIdentByte(q[k]) && !(q[k] >= '0' && q[k] <= '9' && k == i+1) {
				k++
			}
			if k < len(q) && q[k] == '$' && (i == 0 || !IsIdentByte(q[i-1])) {
				tag := q[i : k+1]
				end := strings.Index(q[k+1:], tag)
				if end < 0 {
					return n
				}
				i = k + end + len(tag)
			}
		}
	}
	return n
}

// Ident reads one identifier after any leading white space: "quoted"
// (with "" for a quote) or bare (folded to lower case, as Postgres folds
// it; '$' may stand in it). It returns what follows.
func Ident(s string) (id, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), s[i+1:], true
			}
			b.WriteByte(s[i])
		}
		return "", "", false
	}
	i := 0
	for i < len(s) && (IsIdentByte(s[i]) || s[i] == '$') {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	return strings.ToLower(s[:i]), s[i:], true
}

// Identifiers reads a table name (schema.table) and an optional
// parenthesised column list from s, unquoting them; it returns what
// follows.
func Identifiers(s string) (table string, cols []string, rest string, ok bool) {
	s = strings.TrimSpace(s)
	var parts []string
	for {
		id, r, ok := Ident(s)
		if !ok {
			return "", nil, "", false
		}
		parts = append(parts, id)
		s = strings.TrimLeft(r, " \t\r\n")
		if !strings.HasPrefix(s, ".") {
			break
		}
		s = s[1:]
	}
	table = strings.Join(parts, ".")
	if strings.HasPrefix(s, "(") {
		s = s[1:]
		for {
			id, r, ok := Ident(s)
			if !ok {
				return "", nil, "", false
			}
			cols = append(cols, id)
			s = strings.TrimLeft(r, " \t\r\n")
			if strings.HasPrefix(s, ",") {
				s = s[1:]
				continue
			}
			if !strings.HasPrefix(s, ")") {
				return "", nil, "", false
			}
			s = s[1:]
			break
		}
	}
	return table, cols, s, true
}

// IsCopyFrom reports whether q is COPY ... FROM STDIN.
func IsCopyFrom(q string) bool {
	w := strings.Fields(strings.ToLower(StripComments(q)))
	if len(w) < 2 || w[0] != "copy" {
		return false
	}
	for i := 1; i+1 < len(w); i++ {
		if w[i] == "from" && strings.HasPrefix(w[i+1], "stdin") {
			return true
		}
	}
	return false
}

// CopyTarget reads the table and columns of a COPY statement, and what
// follows them (FROM STDIN and the options).
func CopyTarget(q string) (table string, cols []string, rest string, ok bool) {
	s := strings.TrimSpace(StripComments(q))
	w := strings.Fields(s)
	if len(w) == 0 || !strings.EqualFold(w[0], "copy") {
		return "", nil, "", false
	}
	return Identifiers(s[len(w[0]):])
}

// CopySelect recognises the statement pgx describes before a CopyFrom,
// to learn the column types: select "a", "b" from "t".
func CopySelect(q string) (table string, cols []string, ok bool) {
	s := strings.TrimSpace(q)
	if len(s) < 7 || !strings.EqualFold(s[:7], "select ") {
		return "", nil, false
	}
	s = s[7:]
	for {
		id, r, ok := Ident(s)
		if !ok {
			return "", nil, false
		}
		cols = append(cols, id)
		r = strings.TrimLeft(r, " ")
		if strings.HasPrefix(r, ",") {
			s = r[1:]
			continue
		}
		s = r
		break
	}
	if len(s) < 5 || !strings.EqualFold(s[:5], "from ") {
		return "", nil, false
	}
	table, more, rest, ok := Identifiers(s[5:])
	if !ok || more != nil || strings.TrimSpace(rest) != "" {
		return "", nil, false
	}
	return table, cols, true
}
