package bfpg

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"github.com/bigfoot-go/bigfoot/pgwire"
	"math"
	"strconv"
	"strings"
	"time"
)

// Error is a Postgres error as the server sends it (an ErrorResponse):
// script it with bigfoot.Raises and the client returns its own error type
// with these fields (pgx a *pgconn.PgError, lib/pq a *pq.Error):
//
//	bfpg.For(bf).ExpectExec("INSERT INTO users (name) VALUES ($1)", bfsql.Result{},
//		bigfoot.Raises(&bfpg.Error{Code: "23505", Message: `duplicate key value violates unique constraint "users_name_key"`}))
//
// Code is the SQLSTATE (XX000 when empty); an error of another type given
// to Raises is sent with code XX000 and its text as the message.
type Error struct {
	Severity   string // ERROR when empty; FATAL closes the connection
	Code       string // SQLSTATE, e.g. "23505"
	Message    string
	Detail     string
	Hint       string
	Schema     string
	Table      string
	Column     string
	Constraint string
}

// Error returns the message as Postgres prints it.
func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = "XX000"
	}
	return "ERROR: " + e.Message + " (SQLSTATE " + code + ")"
}

// UniqueViolation is the error Postgres returns for a duplicate key
// (SQLSTATE 23505), for bigfoot.Raises.
func UniqueViolation(constraint string) *Error {
	return &Error{Code: "23505", Constraint: constraint,
		Message: "duplicate key value violates unique constraint " + strconv.Quote(constraint)}
}

// Column values of types Go has no type for. Scripted rows hold them
// beside the Go types the plugin maps by itself (see the package doc).
type (
	// Numeric is a numeric value written as a decimal, e.g. "12.50"; "NaN" is allowed.
	Numeric string
	// Date is a date column: only the year, month and day of the time count.
	Date time.Time
	// Timestamp is a timestamp without time zone: the wall clock of the time.
	Timestamp time.Time
	// UUID is a uuid column; ParseUUID makes one from its text form.
	UUID [16]byte
	// JSON is a json column holding the document's text.
	JSON string
	// JSONB is a jsonb column holding the document's text.
	JSONB string
)

// ParseUUID parses the text form of a UUID (with or without hyphens,
// optionally in braces).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := strings.ReplaceAll(strings.Trim(s, "{}"), "-", "")
	if len(h) != 32 {
		return u, &ScriptError{Call: "bfpg.ParseUUID(" + strconv.Quote(s) + ")", Reason: "a UUID has 32 hex digits",
			Fix: `bfpg.MustUUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")`}
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, &ScriptError{Call: "bfpg.ParseUUID(" + strconv.Quote(s) + ")", Reason: "it is not hexadecimal: " + err.Error(),
			Fix: `bfpg.MustUUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")`}
	}
	return u, nil
}

// MustUUID is ParseUUID for scripts; it panics on a malformed UUID.
func MustUUID(s string) UUID {
	u, err := ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

// String returns the canonical text form.
func (u UUID) String() string {
	return pgwire.FormatUUID(u[:])
}

// Type OIDs, as pg_type has them (pgwire holds the numbers, which the
// recorder shares).
const (
	oidBool        = pgwire.OIDBool
	oidBytea       = pgwire.OIDBytea
	oidInt8        = pgwire.OIDInt8
	oidInt2        = pgwire.OIDInt2
	oidInt4        = pgwire.OIDInt4
	oidText        = pgwire.OIDText
	oidJSON        = pgwire.OIDJSON
	oidFloat4      = pgwire.OIDFloat4
	oidFloat8      = pgwire.OIDFloat8
	oidVarchar     = pgwire.OIDVarchar
	oidDate        = pgwire.OIDDate
	oidTimestamp   = pgwire.OIDTimestamp
	oidTimestamptz = pgwire.OIDTimestamptz
	oidNumeric     = pgwire.OIDNumeric
	oidUUID        = pgwire.OIDUUID
	oidJSONB       = pgwire.OIDJSONB
	oidBoolArr     = pgwire.OIDBoolArray
	oidInt2Arr     = pgwire.OIDInt2Array
	oidInt4Arr     = pgwire.OIDInt4Array
	oidTextArr     = pgwire.OIDTextArray
	oidInt8Arr     = pgwire.OIDInt8Array
	oidFloat8Arr   = pgwire.OIDFloat8Array
	oidUUIDArr     = pgwire.OIDUUIDArray
)

// typeNames names the OIDs for messages.
var typeNames = map[uint32]string{oidBool: "bool", oidBytea: "bytea", oidInt8: "int8", oidInt2: "int2", oidInt4: "int4",
	oidText: "text", oidJSON: "json", oidFloat4: "float4", oidFloat8: "float8", oidDate: "date", oidTimestamp: "timestamp",
	oidTimestamptz: "timestamptz", oidNumeric: "numeric", oidUUID: "uuid", oidJSONB: "jsonb", oidBoolArr: "bool[]",
	oidInt2Arr: "int2[]", oidInt4Arr: "int4[]", oidTextArr: "text[]", oidInt8Arr: "int8[]", oidFloat8Arr: "float8[]", oidUUIDArr: "uuid[]"}

// typeLen is pg_type.typlen: the size of fixed-size types, -1 otherwise.
func typeLen(oid uint32) int16 {
	switch oid {
	case oidBool:
		return 1
	case oidInt2:
		return 2
	case oidInt4, oidFloat4, oidDate:
		return 4
	case oidInt8, oidFloat8, oidTimestamp, oidTimestamptz:
		return 8
	case oidUUID:
		return 16
	}
	return -1
}

// oidOf returns the column type of a scripted value, or 0 for a type the
// plugin cannot encode.
func oidOf(x any) uint32 {
	switch x.(type) {
	case nil:
		return oidText
	case int, int64, uint32:
		return oidInt8
	case int32, uint16:
		return oidInt4
	case int16, int8, uint8:
		return oidInt2
	case float64:
		return oidFloat8
	case float32:
		return oidFloat4
	case bool:
		return oidBool
	case string:
		return oidText
	case []byte:
		return oidBytea
	case time.Time:
		return oidTimestamptz
	case Timestamp:
		return oidTimestamp
	case Date:
		return oidDate
	case Numeric:
		return oidNumeric
	case UUID:
		return oidUUID
	case JSON:
		return oidJSON
	case JSONB:
		return oidJSONB
	case []bool:
		return oidBoolArr
	case []int16:
		return oidInt2Arr
	case []int32:
		return oidInt4Arr
	case []int64, []int:
		return oidInt8Arr
	case []string:
		return oidTextArr
	case []float64:
		return oidFloat8Arr
	case []UUID:
		return oidUUIDArr
	}
	return 0
}

// elemOID is the element type of an array type.
func elemOID(arr uint32) uint32 {
	switch arr {
	case oidBoolArr:
		return oidBool
	case oidInt2Arr:
		return oidInt2
	case oidInt4Arr:
		return oidInt4
	case oidInt8Arr:
		return oidInt8
	case oidTextArr:
		return oidText
	case oidFloat8Arr:
		return oidFloat8
	case oidUUIDArr:
		return oidUUID
	}
	return 0
}

func asInt(x any) int64 {
	switch v := x.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case int32:
		return int64(v)
	case int16:
		return int64(v)
	case int8:
		return int64(v)
	case uint8:
		return int64(v)
	case uint16:
		return int64(v)
	case uint32:
		return int64(v)
	}
	return 0
}

// encode appends x, a non-nil scripted value of column type oid, in
// format (0 text, 1 binary).
func encode(b []byte, x any, oid uint32, format int16) []byte {
	if format == 0 {
		return appendText(b, x)
	}
	switch v := x.(type) {
	case bool:
		if v {
			return append(b, 1)
		}
		return append(b, 0)
	case float64:
		return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
	case float32:
		return binary.BigEndian.AppendUint32(b, math.Float32bits(v))
	case string:
		return append(b, v...)
	case []byte:
		return append(b, v...)
	case JSON:
		return append(b, v...)
	case JSONB:
		return append(append(b, 1), v...)
	case UUID:
		return append(b, v[:]...)
	case time.Time:
		return binary.BigEndian.AppendUint64(b, uint64(pgwire.Micros(v)))
	case Timestamp:
		t := time.Time(v)
		wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		return binary.BigEndian.AppendUint64(b, uint64(pgwire.Micros(wall)))
	case Date:
		t := time.Time(v)
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return binary.BigEndian.AppendUint32(b, uint32(int32(day.Sub(pgwire.Epoch).Hours()/24)))
	case Numeric:
		return pgwire.AppendNumeric(b, string(v))
	case []bool, []int16, []int32, []int64, []int, []string, []float64, []UUID:
		return appendArray(b, x, oid)
	}
	switch oid {
	case oidInt2:
		return appendInt16(b, int16(asInt(x)))
	case oidInt4:
		return appendInt32(b, int32(asInt(x)))
	}
	return binary.BigEndian.AppendUint64(b, uint64(asInt(x)))
}

// appendText appends the text form Postgres sends for x.
func appendText(b []byte, x any) []byte {
	switch v := x.(type) {
	case bool:
		if v {
			return append(b, 't')
		}
		return append(b, 'f')
	case float64:
		return appendFloat(b, v, 64)
	case float32:
		return appendFloat(b, float64(v), 32)
	case string:
		return append(b, v...)
	case []byte:
		b = append(b, `\x`...)
		return hex.AppendEncode(b, v)
	case JSON:
		return append(b, v...)
	case JSONB:
		return append(b, v...)
	case UUID:
		return append(b, v.String()...)
	case time.Time:
		return append(b, v.UTC().Format("2006-01-02 15:04:05.999999")+"+00"...)
	case Timestamp:
		return append(b, time.Time(v).Format("2006-01-02 15:04:05.999999")...)
	case Date:
		return append(b, time.Time(v).Format("2006-01-02")...)
	case Numeric:
		return append(b, v...)
	case []bool, []int16, []int32, []int64, []int, []string, []float64, []UUID:
		return appendArrayText(b, x)
	}
	return strconv.AppendInt(b, asInt(x), 10)
}

func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// elems returns an array's elements as values.
func elems(x any) []any {
	var out []any
	switch v := x.(type) {
	case []bool:
		for _, e := range v {
			out = append(out, e)
		}
	case []int16:
		for _, e := range v {
			out = append(out, e)
		}
	case []int32:
		for _, e := range v {
			out = append(out, e)
		}
	case []int64:
		for _, e := range v {
			out = append(out, e)
		}
	case []int:
		for _, e := range v {
			out = append(out, int64(e))
		}
	case []string:
		for _, e := range v {
			out = append(out, e)
		}
	case []float64:
		for _, e := range v {
			out = append(out, e)
		}
	case []UUID:
		for _, e := range v {
			out = append(out, e)
		}
	}
	return out
}

func appendArrayText(b []byte, x any) []byte {
	b = append(b, '{')
	for i, e := range elems(x) {
		if i > 0 {
			b = append(b, ',')
		}
		if s, ok := e.(string); ok {
			b = append(b, '"')
			for j := 0; j < len(s); j++ {
				if s[j] == '"' || s[j] == '\\' {
					b = append(b, '\\')
				}
				b = append(b, s[j])
			}
			b = append(b, '"')
			continue
		}
		b = appendText(b, e)
	}
	return append(b, '}')
}

// appendArray appends the binary form of a one-dimensional array.
func appendArray(b []byte, x any, oid uint32) []byte {
	list := elems(x)
	elem := elemOID(oid)
	if len(list) == 0 {
		b = appendInt32(b, 0)
		b = appendInt32(b, 0)
		return appendInt32(b, int32(elem))
	}
	b = appendInt32(b, 1) // dimensions
	b = appendInt32(b, 0) // no NULLs
	b = appendInt32(b, int32(elem))
	b = appendInt32(b, int32(len(list)))
	b = appendInt32(b, 1) // lower bound
	for _, e := range list {
		at := len(b)
		b = appendInt32(b, 0)
		b = encode(b, e, elem, 1)
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	return b
}

// decodeParam turns a Bind parameter into the Go value recorded for it:
// nil for NULL; in text format the text; in binary format, for the
// parameter types the client named, the value (int64, float64, bool,
// string, time.Time, UUID), else the bytes.
func decodeParam(p []byte, format int16, oid uint32) any {
	if p == nil {
		return nil
	}
	if format == 0 {
		return string(p)
	}
	switch oid {
	case oidInt2, oidInt4, oidInt8:
		if n, ok := pgwire.Int(p, oid); ok {
			return n
		}
	case oidFloat8:
		if f, ok := pgwire.Float(p, 64); ok {
			return f
		}
	case oidFloat4:
		if f, ok := pgwire.Float(p, 32); ok {
			return f
		}
	case oidBool:
		if len(p) == 1 {
			return p[0] != 0
		}
	case oidText, oidVarchar, oidJSON:
		return string(p)
	case oidUUID:
		if len(p) == 16 {
			return UUID(p)
		}
	case oidTimestamptz:
		if t, ok := pgwire.Timestamp(p); ok {
			return t
		}
	}
	return bytes.Clone(p)
}
