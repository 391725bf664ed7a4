package bfdns

// A small DNS message codec (RFC 1035, with the record types the plugin
// answers), written for the in-process server behind Resolver: the core
// module depends on the standard library only, so it cannot use
// golang.org/x/net/dns/dnsmessage. Decoding accepts any well-formed
// message, compression pointers included, and rejects the rest with an
// error, never a panic (it is fuzzed: FuzzMessage). Encoding writes names
// uncompressed. Names are in presentation form: labels joined by dots,
// with a trailing dot ("example.com."), "." for the root, and '.', '\\'
// and bytes outside printable ASCII in a label escaped as \. \\ and \DDD.

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// Record types and classes the plugin uses.
const (
	typeA     uint16 = 1
	typeNS    uint16 = 2
	typeCNAME uint16 = 5
	typePTR   uint16 = 12
	typeMX    uint16 = 15
	typeTXT   uint16 = 16
	typeAAAA  uint16 = 28
	typeSRV   uint16 = 33
	typeOPT   uint16 = 41

	classINET uint16 = 1
)

// Header flag bits and response codes.
const (
	flagResponse      = 1 << 15
	flagAuthoritative = 1 << 10
	flagTruncated     = 1 << 9
	flagRecursionDes  = 1 << 8
	flagRecursionAv   = 1 << 7

	rcodeSuccess  = 0
	rcodeFormErr  = 1
	rcodeServFail = 2
	rcodeNXDomain = 3
)

// message is a DNS message.
type message struct {
	ID          uint16
	Flags       uint16 // QR, opcode, AA, TC, RD, RA, Z and RCODE, as on the wire
	Questions   []question
	Answers     []resource
	Authorities []resource
	Additionals []resource
}

type question struct {
	Name  string
	Type  uint16
	Class uint16
}

// resource is a resource record. Which data fields are set depends on
// Type: IP for A and AAAA; Target for NS, CNAME, PTR, MX (with Pref) and
// SRV (with Priority, Weight, Port); TXT for TXT (one string per
// character-string); Raw for every other type, OPT included.
type resource struct {
	Name  string
	Type  uint16
	Class uint16
	TTL   uint32

	IP                     netip.Addr
	Target                 string
	Pref                   uint16
	Priority, Weight, Port uint16
	TXT                    []string
	Raw                    []byte
}

func (m *message) rcode() int { return int(m.Flags & 0xf) }

var (
	errShort      = errors.New("dns: message too short")
	errName       = errors.New("dns: malformed name")
	errPointer    = errors.New("dns: bad compression pointer")
	errNameLength = errors.New("dns: name longer than 255 bytes")
	errRData      = errors.New("dns: malformed record data")
	errLabel      = errors.New("dns: label longer than 63 bytes")
	errTooLong    = errors.New("dns: message longer than 65535 bytes")
)

// parseMessage decodes a whole message; trailing bytes are an error.
func parseMessage(b []byte) (*message, error) {
	if len(b) < 12 {
		return nil, errShort
	}
	m := &message{ID: binary.BigEndian.Uint16(b), Flags: binary.BigEndian.Uint16(b[2:])}
	counts := [4]int{}
	for i := range counts {
		counts[i] = int(binary.BigEndian.Uint16(b[4+2*i:]))
	}
	off := 12
	// Every question takes at least 5 bytes and every record 11: bound
	// the allocations by what the message can hold.
	if counts[0]*5+(counts[1]+counts[2]+counts[3])*11 > len(b)-off {
		return nil, errShort
	}
	if counts[0] > 0 {
		m.Questions = make([]question, 0, counts[0])
	}
	for i := 0; i < counts[0]; i++ {
		name, next, err := readName(b, off)
		if err != nil {
			return nil, err
		}
		if next+4 > len(b) {
			return nil, errShort
		}
		m.Questions = append(m.Questions, question{Name: name, Type: binary.BigEndian.Uint16(b[next:]), Class: binary.BigEndian.Uint16(b[next+2:])})
		off = next + 4
	}
	for s, dst := range []*[]resource{&m.Answers, &m.Authorities, &m.Additionals} {
		n := counts[1+s]
		if n > 0 {
			*dst = make([]resource, 0, n)
		}
		for i := 0; i < n; i++ {
			r, next, err := readResource(b, off)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, r)
			off = next
		}
	}
	if off != len(b) {
		return nil, errors.New("dns: trailing bytes after the message")
	}
	return m, nil
}

func readResource(b []byte, off int) (resource, int, error) {
	var r resource
	name, off, err := readName(b, off)
	if err != nil {
		return r, 0, err
	}
	if off+10 > len(b) {
		return r, 0, errShort
	}
	r.Name = name
	r.Type = binary.BigEndian.Uint16(b[off:])
	r.Class = binary.BigEndian.Uint16(b[off+2:])
	r.TTL = binary.BigEndian.Uint32(b[off+4:])
	n := int(binary.BigEndian.Uint16(b[off+8:]))
	off += 10
	end := off + n
	if end > len(b) {
		return r, 0, errShort
	}
	data := b[off:end]
	switch r.Type {
	case typeA:
		if n != 4 {
			return r, 0, errRData
		}
		r.IP = netip.AddrFrom4([4]byte(data))
	case typeAAAA:
		if n != 16 {
			return r, 0, errRData
		}
		r.IP = netip.AddrFrom16([16]byte(data))
	case typeNS, typeCNAME, typePTR:
		t, next, err := readName(b[:end], off)
		if err != nil {
			return r, 0, err
		}
		if next != end {
			return r, 0, errRData
		}
		r.Target = t
	case typeMX:
		if n < 3 {
			return r, 0, errRData
		}
		r.Pref = binary.BigEndian.Uint16(data)
		t, next, err := readName(b[:end], off+2)
		if err != nil {
			return r, 0, err
		}
		if next != end {
			return r, 0, errRData
		}
		r.Target = t
	case typeSRV:
		if n < 7 {
			return r, 0, errRData
		}
		r.Priority = binary.BigEndian.Uint16(data)
		r.Weight = binary.BigEndian.Uint16(data[2:])
		r.Port = binary.BigEndian.Uint16(data[4:])
		t, next, err := readName(b[:end], off+6)
		if err != nil {
			return r, 0, err
		}
		if next != end {
			return r, 0, errRData
		}
		r.Target = t
	case typeTXT:
		for i := 0; i < n; {
			l := int(data[i])
			if i+1+l > n {
				return r, 0, errRData
			}
			r.TXT = append(r.TXT, string(data[i+1:i+1+l]))
			i += 1 + l
		}
	default:
		r.Raw = append([]byte{}, data...)
	}
	return r, end, nil
}

// readName decodes the name at off, following compression pointers
// (each must point before the name that uses it, so that they cannot
// loop), and returns it in presentation form with the offset after it.
func readName(b []byte, off int) (string, int, error) {
	var sb strings.Builder
	wire := 0 // length of the name on the wire, uncompressed
	next := -1
	start := off
	for hops := 0; ; hops++ {
		if off >= len(b) {
			return "", 0, errShort
		}
		c := int(b[off])
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				if next < 0 {
					next = off + 1
				}
				if sb.Len() == 0 {
					sb.WriteByte('.')
				}
				if wire+1 > 255 {
					return "", 0, errNameLength
				}
				return sb.String(), next, nil
			}
			if off+1+c > len(b) {
				return "", 0, errShort
			}
			wire += 1 + c
			if wire+1 > 255 {
				return "", 0, errNameLength
			}
			writeLabel(&sb, b[off+1:off+1+c])
			sb.WriteByte('.')
			off += 1 + c
		case 0xc0:
			if off+2 > len(b) {
				return "", 0, errShort
			}
			ptr := int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
			if ptr >= start || hops > 127 {
				return "", 0, errPointer
			}
			if next < 0 {
				next = off + 2
			}
			start = ptr
			off = ptr
		default:
			return "", 0, errName // the 0x40 and 0x80 label types are not in use
		}
	}
}

func writeLabel(sb *strings.Builder, label []byte) {
	for _, c := range label {
		switch {
		case c == '.' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c < '!' || c > '~':
			sb.WriteByte('\\')
			s := strconv.Itoa(int(c))
			sb.WriteString(strings.Repeat("0", 3-len(s)))
			sb.WriteString(s)
		default:
			sb.WriteByte(c)
		}
	}
}

// appendName encodes a name in presentation form (with or without its
// trailing dot).
func appendName(b []byte, name string) ([]byte, error) {
	if name == "." || name == "" {
		return append(b, 0), nil
	}
	start := len(b)
	var label []byte
	flush := func() error {
		if len(label) == 0 {
			return errName // an empty label inside a name
		}
		if len(label) > 63 {
			return errLabel
		}
		b = append(b, byte(len(label)))
		b = append(b, label...)
		label = label[:0]
		return nil
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '.':
			if err := flush(); err != nil {
				return nil, err
			}
		case '\\':
			i++
			if i >= len(name) {
				return nil, errName
			}
			if d := name[i]; d >= '0' && d <= '9' {
				if i+2 >= len(name) {
					return nil, errName
				}
				v, err := strconv.Atoi(name[i : i+3])
				if err != nil || v > 255 {
					return nil, errName
				}
				label = append(label, byte(v))
				i += 2
			} else {
				label = append(label, d)
			}
		default:
			label = append(label, c)
		}
	}
	if len(label) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	b = append(b, 0)
	if len(b)-start > 255 {
		return nil, errNameLength
	}
	return b, nil
}

// pack encodes m.
func (m *message) pack() ([]byte, error) {
	b := make([]byte, 12, 512)
	binary.BigEndian.PutUint16(b, m.ID)
	binary.BigEndian.PutUint16(b[2:], m.Flags)
	for i, n := range []int{len(m.Questions), len(m.Answers), len(m.Authorities), len(m.Additionals)} {
		if n > 0xffff {
			return nil, errTooLong
		}
		binary.BigEndian.PutUint16(b[4+2*i:], uint16(n))
	}
	var err error
	for _, q := range m.Questions {
		if b, err = appendName(b, q.Name); err != nil {
			return nil, err
		}
		b = binary.BigEndian.AppendUint16(b, q.Type)
		b = binary.BigEndian.AppendUint16(b, q.Class)
	}
	for _, sec := range [][]resource{m.Answers, m.Authorities, m.Additionals} {
		for i := range sec {
			if b, err = appendResource(b, &sec[i]); err != nil {
				return nil, err
			}
		}
	}
	if len(b) > 0xffff {
		return nil, errTooLong
	}
	return b, nil
}

func appendResource(b []byte, r *resource) ([]byte, error) {
	var err error
	if b, err = appendName(b, r.Name); err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint16(b, r.Type)
	b = binary.BigEndian.AppendUint16(b, r.Class)
	b = binary.BigEndian.AppendUint32(b, r.TTL)
	lenAt := len(b)
	b = append(b, 0, 0)
	switch r.Type {
	case typeA:
		if !r.IP.Is4() {
			return nil, errRData
		}
		a := r.IP.As4()
		b = append(b, a[:]...)
	case typeAAAA:
		if !r.IP.IsValid() || r.IP.Is4() {
			return nil, errRData
		}
		a := r.IP.As16()
		b = append(b, a[:]...)
	case typeNS, typeCNAME, typePTR:
		if b, err = appendName(b, r.Target); err != nil {
			return nil, err
		}
	case typeMX:
		b = binary.BigEndian.AppendUint16(b, r.Pref)
		if b, err = appendName(b, r.Target); err != nil {
			return nil, err
		}
	case typeSRV:
		b = binary.BigEndian.AppendUint16(b, r.Priority)
		b = binary.BigEndian.AppendUint16(b, r.Weight)
		b = binary.BigEndian.AppendUint16(b, r.Port)
		if b, err = appendName(b, r.Target); err != nil {
			return nil, err
		}
	case typeTXT:
		for _, s := range r.TXT {
			// A character-string holds at most 255 bytes: longer text is
			// split, and resolvers join the parts again.
			for {
				n := min(len(s), 255)
				b = append(b, byte(n))
				b = append(b, s[:n]...)
				s = s[n:]
				if len(s) == 0 {
					break
				}
			}
		}
	default:
		b = append(b, r.Raw...)
	}
	n := len(b) - lenAt - 2
	if n > 0xffff {
		return nil, errTooLong
	}
	binary.BigEndian.PutUint16(b[lenAt:], uint16(n))
	return b, nil
}
