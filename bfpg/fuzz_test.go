package bfpg

import (
	"encoding/binary"
	"testing"

	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/bigfoot-go/bigfoot/core"
)

// seedStream is a client's side of a session: startup, a simple query,
// an extended-protocol query with a parameter, and Terminate.
func seedStream() []byte {
	var b []byte
	start := func(params ...string) {
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		b = binary.BigEndian.AppendUint32(b, protocol3)
		for _, p := range params {
			b = appendCString(b, p)
		}
		b = append(b, 0)
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at))
	}
	b = append(b, 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f) // SSLRequest
	start("user", "app", "database", "appdb")
	var at int
	b, at = msg(b, 'Q')
	b = appendCString(b, "SELECT 1")
	b = finish(b, at)
	b, at = msg(b, 'P')
	b = appendCString(appendCString(b, "s1"), "SELECT $1")
	b = appendInt16(b, 0)
	b = finish(b, at)
	b, at = msg(b, 'D')
	b = appendCString(append(b, 'S'), "s1")
	b = finish(b, at)
	b = simple(b, 'S')
	b, at = msg(b, 'B')
	b = appendCString(appendCString(b, ""), "s1")
	b = appendInt16(b, 0)
	b = appendInt16(b, 1)
	b = appendInt32(b, 1)
	b = append(b, '7')
	b = appendInt16(b, 1)
	b = appendInt16(b, 1)
	b = finish(b, at)
	b, at = msg(b, 'E')
	b = appendInt32(appendCString(b, ""), 0)
	b = finish(b, at)
	b = simple(b, 'S')
	return simple(b, 'X')
}

// FuzzDecode feeds arbitrary bytes to the message decoder, as a client's
// stream (a startup message, then typed messages): it must never panic,
// and a decoded message must account for every byte of its frame.
func FuzzDecode(f *testing.F) {
	f.Add(seedStream())
	f.Fuzz(func(t *testing.T, data []byte) {
		first := true
		for len(data) > 0 {
			typ, body, rest, err := split(data, first)
			if err != nil {
				return
			}
			if len(rest) >= len(data) {
				t.Fatalf("split consumed nothing of %d bytes", len(data))
			}
			data = rest
			if first {
				st, err := decodeStartup(body)
				if err != nil {
					return
				}
				first = st.code == sslRequest || st.code == gssRequest
				continue
			}
			if m, err := decodeFrontend(typ, body); err == nil && m.typ != typ {
				t.Fatalf("decoded a %q message as %q", typ, m.typ)
			}
		}
	})
}

// FuzzServer runs the whole server on arbitrary client bytes, cut into
// Writes at every split point: it must never panic or hang, and what it
// answers must be well-formed backend messages.
func FuzzServer(f *testing.F) {
	f.Add(seedStream(), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, cut uint8) {
		v := core.New(nil)
		p := For(v)
		p.ExpectQuery("SELECT 1", bfsql.Rows{Columns: []string{"n"}, Values: [][]any{{1}}}, core.Optional())
		p.ExpectQuery("SELECT $1", bfsql.Rows{Columns: []string{"t"}, Values: [][]any{{"x"}}}, core.Optional())
		v.Sandbox(func() {
			c := p.dial("tcp", "db:5432")
			step := int(cut%32) + 1
			for i := 0; i < len(data); i += step {
				c.Write(data[i:min(i+step, len(data))])
			}
			c.mu.Lock()
			out := c.out
			c.mu.Unlock()
			for len(out) > 0 {
				if out[0] == 'N' && len(out) >= 1 && (len(out) == 1 || out[1] != 0) {
					out = out[1:] // the answer to SSLRequest has no frame
					continue
				}
				_, _, rest, err := split(out, false)
				if err != nil {
					t.Fatalf("the server wrote a malformed message: %v in %q", err, out)
				}
				out = rest
			}
			c.Close()
		})
		v.VerifyAll()
	})
}
