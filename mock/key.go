package mock

import (
	"math"
	"reflect"
	"strconv"
)

// KeyMode says how a parameter takes part in the exact key by which a call
// finds its scripted answer in O(1). Generated code passes the mode of each
// parameter in its Param, and builds a call's key with the Key method of
// the same name, so that the expectation and the call agree.
type KeyMode uint8

const (
	// KeyNone: the parameter's values are compared with reflect.DeepEqual
	// (structs, pointers, floats, variadic slices); an expectation that
	// gives one a value is matched by scanning, not by key.
	KeyNone KeyMode = iota
	// KeyString: a parameter whose type's underlying type is string.
	KeyString
	// KeyInt: signed integer kinds.
	KeyInt
	// KeyUint: unsigned integer kinds, uintptr included.
	KeyUint
	// KeyBool: boolean kinds.
	KeyBool
	// KeyBytes: []byte and named byte slices (nil and empty are equal, as
	// bytes.Equal has it).
	KeyBytes
	// KeyAny: interface types and type parameters: keyed by the dynamic
	// value when it is nil, an int, a string, a bool or a []byte.
	KeyAny
)

// maxFrags is how many arguments keep their key fragment: expectations
// with matchers compare the other arguments by fragment, without boxing
// them; arguments past it are compared as values.
const maxFrags = 8

// Key builds the exact key of a call from its arguments, without
// allocating for keys of up to 64 bytes (it has no pointer into itself, so
// it stays on the caller's stack). Generated code declares one per call
// and calls the method of each parameter's KeyMode in order.
type Key struct {
	buf  [64]byte
	n    int32  // bytes of buf in use
	ext  []byte // the whole key, once it outgrows buf
	ends [maxFrags]int32
	args int  // arguments added
	none bool // some argument cannot be keyed: only scanned entries may match
}

func (k *Key) bytes() []byte {
	if k.ext != nil {
		return k.ext
	}
	return k.buf[:k.n]
}

func (k *Key) len() int32 {
	if k.ext != nil {
		return int32(len(k.ext))
	}
	return k.n
}

func (k *Key) put(p []byte) {
	if k.ext == nil && int(k.n)+len(p) <= len(k.buf) {
		k.n += int32(copy(k.buf[k.n:], p))
		return
	}
	if k.ext == nil {
		k.ext = make([]byte, k.n, 2*(int(k.n)+len(p)))
		copy(k.ext, k.buf[:k.n])
	}
	k.ext = append(k.ext, p...)
}

func (k *Key) putString(s string) {
	if k.ext == nil && int(k.n)+len(s) <= len(k.buf) {
		k.n += int32(copy(k.buf[k.n:], s))
		return
	}
	if k.ext == nil {
		k.ext = make([]byte, k.n, 2*(int(k.n)+len(s)))
		copy(k.ext, k.buf[:k.n])
	}
	k.ext = append(k.ext, s...)
}

func (k *Key) putByte(c byte) {
	if k.ext == nil && int(k.n) < len(k.buf) {
		k.buf[k.n] = c
		k.n++
		return
	}
	var one [1]byte
	one[0] = c
	k.put(one[:])
}

// maxIntLen is the longest decimal int64 with its sign.
const maxIntLen = 20

func (k *Key) putInt(n int64) {
	if k.ext == nil && int(k.n)+maxIntLen <= len(k.buf) {
		k.n = int32(len(strconv.AppendInt(k.buf[:k.n], n, 10)))
		return
	}
	var tmp [24]byte
	k.put(strconv.AppendInt(tmp[:0], n, 10))
}

func (k *Key) putUint(n uint64) {
	var tmp [24]byte
	k.put(strconv.AppendUint(tmp[:0], n, 10))
}

// end closes one argument's fragment.
func (k *Key) end() {
	if k.args < maxFrags {
		k.ends[k.args] = k.len()
	}
	k.args++
}

func (k *Key) fragBounds(i int) (from, to int32, ok bool) {
	if i >= maxFrags || i >= k.args {
		return 0, 0, false
	}
	if i > 0 {
		from = k.ends[i-1]
	}
	return from, k.ends[i], true
}

// fragBytes returns argument i's fragment, in k's storage; ok is false
// past maxFrags.
func (k *Key) fragBytes(i int) ([]byte, bool) {
	from, to, ok := k.fragBounds(i)
	if !ok {
		return nil, false
	}
	return k.bytes()[from:to], true
}

func (k *Key) fragEqual(i int, want string) bool {
	from, to, ok := k.fragBounds(i)
	return ok && string(k.bytes()[from:to]) == want
}

// copyFrom makes k a copy of src, reusing k's storage.
func (k *Key) copyFrom(src *Key) {
	if src.ext == nil {
		// The common short key: its bytes in use, without put's tests.
		k.n, k.ext = src.n, nil
		copy(k.buf[:src.n], src.buf[:src.n])
		k.ends, k.args, k.none = src.ends, src.args, src.none
		return
	}
	k.n, k.ext = 0, k.ext[:0]
	if k.ext != nil && len(src.bytes()) <= len(k.buf) {
		k.ext = nil
	}
	k.put(src.bytes())
	k.ends, k.args, k.none = src.ends, src.args, src.none
}

// String adds a KeyString argument.
func (k *Key) String(s string) { k.appendString('s', s); k.end() }

func (k *Key) appendString(tag byte, s string) {
	if k.ext == nil && int(k.n)+len(s)+maxIntLen+2 <= len(k.buf) {
		// The common short key, written in place; a length under 100
		// as its digits directly, which strconv would write alike.
		b := append(k.buf[:k.n], tag)
		switch n := len(s); {
		case n < 10:
			b = append(b, byte('0'+n))
		case n < 100:
			b = append(b, byte('0'+n/10), byte('0'+n%10))
		default:
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(append(b, ':'), s...)
		k.n = int32(len(b))
		return
	}
	k.putByte(tag)
	k.putInt(int64(len(s)))
	k.putByte(':')
	k.putString(s)
}

// Int adds a KeyInt argument.
func (k *Key) Int(n int64) { k.appendInt('i', n); k.end() }

func (k *Key) appendInt(tag byte, n int64) {
	k.putByte(tag)
	k.putInt(n)
	k.putByte(';')
}

// Uint adds a KeyUint argument.
func (k *Key) Uint(n uint64) {
	k.putByte('u')
	k.putUint(n)
	k.putByte(';')
	k.end()
}

// Bool adds a KeyBool argument.
func (k *Key) Bool(t bool) { k.appendBool('T', 'F', t); k.end() }

func (k *Key) appendBool(yes, no byte, t bool) {
	if t {
		k.putByte(yes)
	} else {
		k.putByte(no)
	}
}

// Bytes adds a KeyBytes argument.
func (k *Key) Bytes(p []byte) { k.appendBytes('b', p); k.end() }

func (k *Key) appendBytes(tag byte, p []byte) {
	k.putByte(tag)
	k.putInt(int64(len(p)))
	k.putByte(':')
	k.put(p)
}

// Any adds a KeyAny argument.
func (k *Key) Any(x any) {
	switch t := x.(type) {
	case nil:
		k.putByte('n')
	case string:
		k.appendString('S', t)
	case int:
		k.appendInt('I', int64(t))
	case bool:
		k.appendBool('Y', 'N', t)
	case []byte:
		k.appendBytes('B', t)
	default:
		k.none = true
	}
	k.end()
}

// None adds a KeyNone argument.
func (k *Key) None() {
	k.none = true
	k.end()
}

// key returns the key, and false when some argument cannot be keyed.
func (k *Key) key() (string, bool) {
	if k.none {
		return "", false
	}
	return string(k.bytes()), true
}

// keyBytes is key in k's storage, without a copy.
func (k *Key) keyBytes() ([]byte, bool) {
	if k.none {
		return nil, false
	}
	return k.bytes(), true
}

// add adds a value already converted to its parameter's type, in mode.
func (k *Key) add(mode KeyMode, v reflect.Value) {
	switch mode {
	case KeyString:
		k.String(v.String())
	case KeyInt:
		k.Int(v.Int())
	case KeyUint:
		k.Uint(v.Uint())
	case KeyBool:
		k.Bool(v.Bool())
	case KeyBytes:
		k.Bytes(v.Bytes())
	case KeyAny:
		if !v.IsValid() || (v.Kind() == reflect.Interface && v.IsNil()) {
			k.Any(nil)
			return
		}
		k.Any(v.Interface())
	default:
		k.None()
	}
}

// modeOf returns the key mode that fits a parameter of type t, as the
// generator decides it from go/types.
func modeOf(t reflect.Type) KeyMode {
	switch t.Kind() {
	case reflect.String:
		return KeyString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return KeyInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return KeyUint
	case reflect.Bool:
		return KeyBool
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && t.Elem().PkgPath() == "" {
			return KeyBytes
		}
	case reflect.Interface:
		return KeyAny
	}
	return KeyNone
}

// floatFits reports whether f converts to an integer kind without loss, as a
// Go constant would.
func floatFits(f float64) bool {
	return f == math.Trunc(f) && !math.IsInf(f, 0)
}
