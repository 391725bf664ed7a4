package pgwire

import (
	"encoding/binary"
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNumericBinary(t *testing.T) {
	for s, want := range map[string][]int16{
		"0":          {0, 0, 0, 0},
		"12345.678":  {3, 1, 0, 3, 1, 2345, 6780},
		"-0.0001":    {1, -1, 0x4000, 4, 1},
		"1000000":    {1, 1, 0, 0, 100},
		"10000.5000": {3, 1, 0, 4, 1, 0, 5000}, // the zero between is a digit
		"+7":         {1, 0, 0, 0, 7},
	} {
		b := AppendNumeric(nil, s)
		got := make([]int16, len(b)/2)
		for i := range got {
			got[i] = int16(binary.BigEndian.Uint16(b[2*i:]))
		}
		if !slices.Equal(got, want) {
			t.Errorf("numeric %s = %v, want %v", s, got, want)
		}
	}
}

func TestNumericText(t *testing.T) {
	for _, s := range []string{"0", "12345.678", "-0.0001", "1000000", "10000.5000", "NaN", "Infinity", "-Infinity", "0.00", "-12.5"} {
		if got, ok := NumericText(AppendNumeric(nil, s)); !ok || got != s {
			t.Errorf("NumericText(AppendNumeric(%q)) = %q, %v", s, got, ok)
		}
	}
	for name, v := range map[string][]byte{
		"short":          {0, 1},
		"digits missing": {0, 1, 0, 0, 0, 0, 0, 0},
		"bad sign":       {0, 0, 0, 0, 0x12, 0x34, 0, 0},
		"big digit":      {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10},
		"negative scale": {0, 0, 0, 0, 0, 0, 0xFF, 0xFF},
	} {
		if s, ok := NumericText(v); ok {
			t.Errorf("%s: NumericText = %q, want not ok", name, s)
		}
	}
}

func TestValidNumeric(t *testing.T) {
	for s, want := range map[string]bool{"12.50": true, "-1": true, "+1": true, ".5": true, "5.": true, "NaN": true,
		"-Infinity": true, "": false, ".": false, "1e3": false, "1.2.3": false, "nan": false, "--1": false} {
		if got := ValidNumeric(s); got != want {
			t.Errorf("ValidNumeric(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestBinaryScalars(t *testing.T) {
	if n, ok := Int([]byte{0xFF, 0xFE}, OIDInt2); n != -2 || !ok {
		t.Errorf("int2 = %d, %v", n, ok)
	}
	if n, ok := Int([]byte{0, 0, 1, 0}, OIDInt4); n != 256 || !ok {
		t.Errorf("int4 = %d, %v", n, ok)
	}
	if n, ok := Int(binary.BigEndian.AppendUint64(nil, math.MaxUint64), OIDInt8); n != -1 || !ok {
		t.Errorf("int8 = %d, %v", n, ok)
	}
	if _, ok := Int([]byte{0, 0, 1, 0}, OIDInt8); ok {
		t.Error("a 4-byte int8 decoded")
	}
	if f, ok := Float(binary.BigEndian.AppendUint32(nil, math.Float32bits(1.5)), 32); f != 1.5 || !ok {
		t.Errorf("float4 = %v, %v", f, ok)
	}
	if f, ok := Float(binary.BigEndian.AppendUint64(nil, math.Float64bits(-2.25)), 64); f != -2.25 || !ok {
		t.Errorf("float8 = %v, %v", f, ok)
	}
	if _, ok := Float(make([]byte, 8), 32); ok {
		t.Error("an 8-byte float4 decoded")
	}
	if got := FormatUUID([]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}); got != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" {
		t.Errorf("FormatUUID = %s", got)
	}
}

func TestTimes(t *testing.T) {
	for _, want := range []time.Time{Epoch, time.Date(2026, 12, 1, 14, 3, 4, 123456000, time.UTC), time.Date(1850, 2, 3, 4, 5, 6, 7000, time.UTC),
		time.Date(2600, 1, 1, 0, 0, 0, 1000, time.UTC)} {
		got, ok := Timestamp(binary.BigEndian.AppendUint64(nil, uint64(Micros(want))))
		if !ok || got != want {
			t.Errorf("Timestamp(Micros(%v)) = %v, %v", want, got, ok)
		}
	}
	for _, us := range []uint64{math.MaxInt64, 1 << 63} {
		if got, ok := Timestamp(binary.BigEndian.AppendUint64(nil, us)); ok {
			t.Errorf("infinity decoded as %v", got)
		}
	}
	if _, ok := Timestamp(make([]byte, 4)); ok {
		t.Error("a 4-byte timestamp decoded")
	}
	if d, ok := Date([]byte{0xFF, 0xFF, 0xFF, 0xFF}); !ok || d != time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC) {
		t.Errorf("date -1 = %v, %v", d, ok)
	}
	if _, ok := Date([]byte{0x7F, 0xFF, 0xFF, 0xFF}); ok {
		t.Error("infinity decoded as a date")
	}
}

// FuzzNumeric decodes arbitrary binary numerics: what decodes is a
// valid decimal that encodes to a numeric of the same value (a server
// writes no leading zero digits, which the encoding drops).
func FuzzNumeric(f *testing.F) {
	f.Add(AppendNumeric(nil, "12345.678"))
	f.Add(AppendNumeric(nil, "-0.0001"))
	f.Add(AppendNumeric(nil, "NaN"))
	f.Fuzz(func(t *testing.T, v []byte) {
		s, ok := NumericText(v)
		if !ok {
			return
		}
		if !ValidNumeric(s) {
			t.Fatalf("NumericText(%x) = %q, which ValidNumeric refuses", v, s)
		}
		again, ok := NumericText(AppendNumeric(nil, s))
		if !ok {
			t.Fatalf("%q encodes to a numeric that does not decode", s)
		}
		if s == "NaN" || strings.HasSuffix(s, "Infinity") {
			if again != s {
				t.Fatalf("%q encodes and decodes to %q", s, again)
			}
			return
		}
		a, _ := new(big.Rat).SetString(s)
		b, _ := new(big.Rat).SetString(again)
		if a == nil || b == nil || a.Cmp(b) != 0 || len(again) > len(s) {
			t.Fatalf("%q encodes and decodes to %q", s, again)
		}
	})
}

// TestNumericTextOf checks decoding against numerics written by hand,
// as a real server sends them.
func TestNumericTextOf(t *testing.T) {
	num := func(weight, sign, dscale int, digits ...int) []byte {
		var b []byte
		for _, n := range append([]int{len(digits), weight, sign, dscale}, digits...) {
			b = binary.BigEndian.AppendUint16(b, uint16(int16(n)))
		}
		return b
	}
	for _, c := range []struct {
		bin  []byte
		want string
	}{
		{num(0, 0, 2, 12, 5000), "12.50"},
		{num(-1, 0x4000, 2, 100), "-0.01"},
		{num(1, 0, 0, 1, 2345), "12345"},
		{num(2, 0, 0, 1), "100000000"},
		{num(0, 0, 0), "0"},
		{num(-1, 0, 6, 12), "0.001200"},
		{num(-2, 0, 8, 12), "0.00000012"},
		{num(0, 0xC000, 0), "NaN"},
		{num(0, 0, 3, 7), "7.000"},
	} {
		got, ok := NumericText(c.bin)
		if !ok || got != c.want {
			t.Errorf("numeric % x = %q, %v; want %q", c.bin, got, ok, c.want)
		}
	}
	if _, ok := NumericText([]byte{0, 1}); ok {
		t.Error("a short numeric decoded")
	}
}
