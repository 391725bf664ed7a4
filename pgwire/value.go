package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
)

// Type OIDs, as pg_type has them: those bfpg sends, and the text types a
// real server may describe.
const (
	OIDBool        = 16
	OIDBytea       = 17
	OIDChar        = 18
	OIDName        = 19
	OIDInt8        = 20
	OIDInt2        = 21
	OIDInt4        = 23
	OIDText        = 25
	OIDJSON        = 114
	OIDFloat4      = 700
	OIDFloat8      = 701
	OIDBpchar      = 1042
	OIDVarchar     = 1043
	OIDDate        = 1082
	OIDTimestamp   = 1114
	OIDTimestamptz = 1184
	OIDNumeric     = 1700
	OIDUUID        = 2950
	OIDJSONB       = 3802

	OIDBoolArray    = 1000
	OIDInt2Array    = 1005
	OIDInt4Array    = 1007
	OIDTextArray    = 1009
	OIDVarcharArray = 1015
	OIDInt8Array    = 1016
	OIDFloat8Array  = 1022
	OIDUUIDArray    = 2951
)

// Epoch is the zero of Postgres's binary dates and timestamps.
var Epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Int decodes the binary form of an int2, int4 or int8 (by oid); false
// when v is not that type's length or oid is no integer type.
func Int(v []byte, oid uint32) (int64, bool) {
	switch {
	case oid == OIDInt2 && len(v) == 2:
		return int64(int16(binary.BigEndian.Uint16(v))), true
	case oid == OIDInt4 && len(v) == 4:
		return int64(int32(binary.BigEndian.Uint32(v))), true
	case oid == OIDInt8 && len(v) == 8:
		return int64(binary.BigEndian.Uint64(v)), true
	}
	return 0, false
}

// Float decodes the binary form of a float4 (bits 32) or float8 (bits
// 64); false when v is not that length.
func Float(v []byte, bits int) (float64, bool) {
	switch {
	case bits == 32 && len(v) == 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(v))), true
	case bits == 64 && len(v) == 8:
		return math.Float64frombits(binary.BigEndian.Uint64(v)), true
	}
	return 0, false
}

// Micros is t as the binary form of a timestamp(tz): microseconds since
// Epoch.
func Micros(t time.Time) int64 {
	return t.Unix()*1e6 + int64(t.Nanosecond())/1e3 - Epoch.Unix()*1e6
}

// Timestamp decodes the binary form of a timestamp or timestamptz, in
// UTC; false for infinity or a value that is not 8 bytes.
func Timestamp(v []byte) (time.Time, bool) {
	if len(v) != 8 {
		return time.Time{}, false
	}
	us := int64(binary.BigEndian.Uint64(v))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return time.Time{}, false
	}
	return time.Unix(Epoch.Unix()+us/1e6, us%1e6*1e3).UTC(), true
}

// Date decodes the binary form of a date, at midnight UTC; false for
// infinity or a value that is not 4 bytes.
func Date(v []byte) (time.Time, bool) {
	if len(v) != 4 {
		return time.Time{}, false
	}
	days := int32(binary.BigEndian.Uint32(v))
	if days == math.MaxInt32 || days == math.MinInt32 {
		return time.Time{}, false
	}
	return Epoch.AddDate(0, 0, int(days)), true
}

// FormatUUID writes 16 bytes in the canonical text form of a uuid.
func FormatUUID(u []byte) string {
	h := hex.EncodeToString(u)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ValidNumeric reports whether s is a decimal bfpg.Numeric accepts: an
// optional sign, digits with at most one point, or NaN and ±Infinity.
func ValidNumeric(s string) bool {
	if s == "NaN" || s == "Infinity" || s == "-Infinity" {
		return true
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return false
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// The sign words of a binary numeric.
const (
	numericPos    = 0
	numericNeg    = 0x4000
	numericNaN    = 0xC000
	numericPosInf = 0xD000
	numericNegInf = 0xF000
)

// AppendNumeric appends the binary form of a decimal that ValidNumeric
// accepts: base-10000 digits, the weight of the first, the sign and the
// display scale.
func AppendNumeric(b []byte, s string) []byte {
	switch s {
	case "NaN":
		return append(b, 0, 0, 0, 0, 0xC0, 0, 0, 0)
	case "Infinity":
		return append(b, 0, 0, 0, 0, 0xD0, 0, 0, 0)
	case "-Infinity":
		return append(b, 0, 0, 0, 0, 0xF0, 0, 0, 0)
	}
	sign := uint16(numericPos)
	if strings.HasPrefix(s, "-") {
		sign, s = numericNeg, s[1:]
	}
	s = strings.TrimPrefix(s, "+")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	dscale := len(frac)
	if pad := len(intPart) % 4; pad != 0 {
		intPart = strings.Repeat("0", 4-pad) + intPart
	}
	if pad := len(frac) % 4; pad != 0 {
		frac += strings.Repeat("0", 4-pad)
	}
	all := intPart + frac
	digits := make([]int16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		n, _ := strconv.Atoi(all[i : i+4])
		digits = append(digits, int16(n))
	}
	weight := len(intPart)/4 - 1
	for len(digits) > 0 && digits[0] == 0 {
		digits, weight = digits[1:], weight-1
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		weight, sign = 0, numericPos
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(digits)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(int16(dscale)))
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, uint16(d))
	}
	return b
}

// NumericText decodes the binary form of a numeric to its decimal text,
// with as many fraction digits as its display scale; false when v is
// malformed.
func NumericText(v []byte) (string, bool) {
	if len(v) < 8 {
		return "", false
	}
	ndigits, weight := int(int16(binary.BigEndian.Uint16(v))), int(int16(binary.BigEndian.Uint16(v[2:])))
	sign, dscale := binary.BigEndian.Uint16(v[4:]), int(int16(binary.BigEndian.Uint16(v[6:])))
	v = v[8:]
	if ndigits < 0 || dscale < 0 || dscale > 16383 || len(v) != 2*ndigits {
		return "", false
	}
	switch sign {
	case numericNaN:
		return "NaN", true
	case numericPosInf:
		return "Infinity", true
	case numericNegInf:
		return "-Infinity", true
	case numericPos, numericNeg:
	default:
		return "", false
	}
	digits := make([]int, ndigits)
	for i := range digits {
		digits[i] = int(int16(binary.BigEndian.Uint16(v[2*i:])))
		if digits[i] < 0 || digits[i] > 9999 {
			return "", false
		}
	}
	if weight < -ndigits-4100 || weight > 4100 {
		return "", false
	}
	digit := func(i int) int { // base-10000 digit i of the number, 0 outside
		if i < 0 || i >= ndigits {
			return 0
		}
		return digits[i]
	}
	var b strings.Builder
	if sign == numericNeg {
		b.WriteByte('-')
	}
	if weight < 0 {
		b.WriteByte('0')
	} else {
		for i := 0; i <= weight; i++ {
			s := strconv.Itoa(digit(i))
			if i > 0 {
				s = strings.Repeat("0", 4-len(s)) + s
			}
			b.WriteString(s)
		}
	}
	if dscale > 0 {
		b.WriteByte('.')
		var frac strings.Builder
		for i := weight + 1; frac.Len() < dscale; i++ {
			s := strconv.Itoa(digit(i))
			frac.WriteString(strings.Repeat("0", 4-len(s)) + s)
		}
		b.WriteString(frac.String()[:dscale])
	}
	return b.String(), true
}
