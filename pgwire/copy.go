package pgwire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
)

// CopySignature starts binary COPY data.
const CopySignature = "PGCOPY\n\377\r\n\x00"

// The ways binary COPY data can be malformed, for errors.Is.
var (
	ErrCopySignature = errors.New("the binary COPY data has no PGCOPY signature")
	ErrCopyHeader    = errors.New("the binary COPY header is cut")
	ErrCopyCut       = errors.New("the binary COPY data ends inside a row")
)

// CopyTextRows splits text COPY data into rows of raw fields: a row a
// line, fields split by tabs, up to the end or a \. line. A field is as
// sent: `\N` for NULL, else still escaped (see UnescapeCopy).
func CopyTextRows(data []byte) [][]string {
	var rows [][]string
	if len(data) == 0 {
		return rows
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == `\.` {
			break
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

// UnescapeCopy undoes the backslash escapes of a text COPY field.
func UnescapeCopy(f string) string {
	if !strings.Contains(f, `\`) {
		return f
	}
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '\\' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// CopyBinaryRows splits binary COPY data (pgx's CopyFrom, lib/pq's
// binary mode) into rows of fields, each the bytes sent, nil for NULL;
// the fields share data's memory. It reads up to the end of the data or
// the -1 trailer (pgx sends none). Malformed data gives one of
// ErrCopySignature, ErrCopyHeader and ErrCopyCut, and no rows.
func CopyBinaryRows(data []byte) ([][][]byte, error) {
	if !bytes.HasPrefix(data, []byte(CopySignature)) {
		return nil, ErrCopySignature
	}
	b := data[len(CopySignature):]
	if len(b) < 8 {
		return nil, ErrCopyHeader
	}
	ext := int32(binary.BigEndian.Uint32(b[4:])) // after the flags
	b = b[8:]
	if ext < 0 || int(ext) > len(b) {
		return nil, ErrCopyHeader
	}
	b = b[ext:]
	var rows [][][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, ErrCopyCut
		}
		n := int(int16(binary.BigEndian.Uint16(b)))
		b = b[2:]
		if n == -1 {
			break
		}
		row := make([][]byte, 0, max(n, 0))
		for i := 0; i < n; i++ {
			if len(b) < 4 {
				return nil, ErrCopyCut
			}
			l := int32(binary.BigEndian.Uint32(b))
			b = b[4:]
			if l < 0 {
				row = append(row, nil)
				continue
			}
			if int(l) > len(b) {
				return nil, ErrCopyCut
			}
			row = append(row, b[:l:l])
			b = b[l:]
		}
		rows = append(rows, row)
	}
	return rows, nil
}
