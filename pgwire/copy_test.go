package pgwire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// appendCopyBinary writes rows as pgx's CopyFrom does, with lib/pq's -1
// trailer when trailer is set; a nil field is NULL.
func appendCopyBinary(rows [][][]byte, trailer bool) []byte {
	b := append([]byte(CopySignature), 0, 0, 0, 0, 0, 0, 0, 0) // flags, extension length
	for _, row := range rows {
		b = binary.BigEndian.AppendUint16(b, uint16(len(row)))
		for _, f := range row {
			if f == nil {
				b = binary.BigEndian.AppendUint32(b, 0xFFFFFFFF)
				continue
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
			b = append(b, f...)
		}
	}
	if trailer {
		b = binary.BigEndian.AppendUint16(b, 0xFFFF)
	}
	return b
}

func TestCopyTextRows(t *testing.T) {
	got := CopyTextRows([]byte("1\ta\\tb\n\\N\t\n\\.\nignored\n"))
	want := [][]string{{"1", `a\tb`}, {`\N`, ""}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("CopyTextRows = %q, want %q", got, want)
	}
	if rows := CopyTextRows(nil); len(rows) != 0 {
		t.Errorf("CopyTextRows(nil) = %q, want no rows", rows)
	}
	if rows := CopyTextRows([]byte("\n")); len(rows) != 1 || len(rows[0]) != 1 || rows[0][0] != "" {
		t.Errorf("an empty line is %q, want one row of one empty field", rows)
	}
}

func TestUnescapeCopy(t *testing.T) {
	for in, want := range map[string]string{`plain`: "plain", `a\nb\tc\rd`: "a\nb\tc\rd", `\\`: `\`, `x\`: `x\`, `\q`: "q"} {
		if got := UnescapeCopy(in); got != want {
			t.Errorf("UnescapeCopy(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCopyBinaryRows(t *testing.T) {
	rows := [][][]byte{{[]byte("a"), nil, {}}, {[]byte{0, 0, 0, 7}}, {}}
	for _, trailer := range []bool{false, true} {
		got, err := CopyBinaryRows(appendCopyBinary(rows, trailer))
		if err != nil || len(got) != len(rows) {
			t.Fatalf("CopyBinaryRows = %q, %v; want %q", got, err, rows)
		}
		for i := range rows {
			if !slices.EqualFunc(got[i], rows[i], func(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }) {
				t.Errorf("row %d = %q, want %q", i, got[i], rows[i])
			}
		}
	}
	full := appendCopyBinary(rows, false)
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"no signature":  {[]byte("PGCOPY"), ErrCopySignature},
		"cut header":    {full[:len(CopySignature)+5], ErrCopyHeader},
		"long ext":      {append([]byte(CopySignature), 0, 0, 0, 0, 0, 0, 0, 9), ErrCopyHeader},
		"cut count":     {append(appendCopyBinary(nil, false), 0), ErrCopyCut},
		"cut length":    {full[:len(CopySignature)+8+2+2], ErrCopyCut},
		"cut field":     {full[:len(CopySignature)+8+2+4], ErrCopyCut},
		"missing field": {full[:len(full)-4-4], ErrCopyCut},
	} {
		if got, err := CopyBinaryRows(c.data); !errors.Is(err, c.want) || got != nil {
			t.Errorf("%s: CopyBinaryRows = %q, %v; want no rows and %v", name, got, err, c.want)
		}
	}
}

// FuzzCopyBinary feeds arbitrary COPY data: no panic, and rows that are
// read write back to the same rows.
func FuzzCopyBinary(f *testing.F) {
	f.Add(appendCopyBinary([][][]byte{{[]byte("x"), nil}}, true))
	f.Add(appendCopyBinary(nil, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := CopyBinaryRows(data)
		if err != nil {
			return
		}
		again, err := CopyBinaryRows(appendCopyBinary(rows, true))
		if err != nil || len(again) != len(rows) {
			t.Fatalf("rows %q read back as %q, %v", rows, again, err)
		}
		for i := range rows {
			if !slices.EqualFunc(again[i], rows[i], bytes.Equal) {
				t.Fatalf("row %q read back as %q", rows[i], again[i])
			}
		}
	})
}
