package mock

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Messages show Go values as Go: a struct as a composite literal with its
// non-zero fields, a pointer to one as &T{...}, a []byte as []byte("..."),
// a time.Duration as 5 * time.Second, a time.Time as time.Date(...), an
// errors.New error as errors.New("..."). The rendering is bounded (long
// strings are elided in the middle, long composites cut with a comment), and
// always parses as a Go expression. Parts that no Go expression can equal
// (a non-nil func or chan, a derived context) make the rendering inexact:
// hints then use a matcher for that argument.

const (
	renderBudget = 2048 // bytes of one value before composites are cut
	maxElems     = 32   // elements of one slice, array or map
	maxDepth     = 8
	elideAt      = 512 // strings longer than this are elided in the middle
	elideHead    = 192
	elideTail    = 64
)

var (
	errorType    = reflect.TypeFor[error]()
	contextType  = reflect.TypeFor[context.Context]()
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	goStringer   = reflect.TypeFor[fmt.GoStringer]()
)

// GoString renders x as a Go expression, bounded, the way this package's
// messages show values: structs as composite literals, not %#v.
func GoString(x any) string {
	s, _ := render(x, nil, "")
	return s
}

// render renders x; typed is the type the context gives it (a parameter's
// static type, nil for none), so that untyped constants need no conversion.
// local is the package name of the test's file, whose qualifier is dropped.
// exact is false when part of the value cannot be written as Go.
func render(x any, typed reflect.Type, local string) (s string, exact bool) {
	r := renderer{local: local, exact: true}
	if x == nil {
		return "nil", true
	}
	v := reflect.ValueOf(x)
	implied := typed != nil && typed.Kind() != reflect.Interface && typed == v.Type()
	r.value(v, implied, false, 0)
	return r.b.String(), r.exact
}

type renderer struct {
	b     strings.Builder
	local string
	exact bool
	seen  []uintptr // pointers on the current path, for cycles
}

func (r *renderer) over() bool { return r.b.Len() > renderBudget }

// typeName names t as Go code in the test's package: import paths cut to
// their package names, the test's own package unqualified.
func (r *renderer) typeName(t reflect.Type) string { return typeName(t, r.local) }

func typeName(t reflect.Type, local string) string {
	s := t.String()
	// Instantiated generic types carry full import paths in their
	// brackets ("Box[github.com/x/y.User]"): keep the last element.
	if strings.ContainsRune(s, '/') {
		var b strings.Builder
		start := 0
		for i := 0; i <= len(s); i++ {
			if i < len(s) && isPathByte(s[i]) {
				continue
			}
			word := s[start:i]
			if j := strings.LastIndexByte(word, '/'); j >= 0 {
				word = word[j+1:]
			}
			b.WriteString(word)
			if i < len(s) {
				b.WriteByte(s[i])
			}
			start = i + 1
		}
		s = b.String()
	}
	if strings.Contains(s, "[]uint8") {
		s = strings.ReplaceAll(s, "[]uint8", "[]byte") // the same type, as Go code spells it
	}
	if local != "" && strings.Contains(s, local+".") {
		s = dropQualifier(s, local)
	}
	return s
}

func isPathByte(c byte) bool {
	return c == '/' || c == '.' || c == '_' || c == '-' || c == '~' ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

func isIdentByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// dropQualifier removes "pkg." where pkg is a whole identifier.
func dropQualifier(s, pkg string) string {
	var b strings.Builder
	q := pkg + "."
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], q) && (i == 0 || !isIdentByte(s[i-1])) {
			i += len(q)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// value writes v. implied: the context fixes v's type (an untyped constant
// needs no conversion); elide: v is an element of a composite literal, whose
// type may be left out.
func (r *renderer) value(v reflect.Value, implied, elide bool, depth int) {
	if !v.IsValid() {
		r.b.WriteString("nil")
		return
	}
	t := v.Type()
	conv := func(lit string) {
		if implied || isDefault(t) {
			r.b.WriteString(lit)
			return
		}
		r.b.WriteString(r.typeName(t))
		r.b.WriteByte('(')
		r.b.WriteString(lit)
		r.b.WriteByte(')')
	}
	switch t.Kind() {
	case reflect.Bool:
		conv(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t == durationType {
			r.b.WriteString(durationLit(time.Duration(v.Int())))
			return
		}
		conv(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		conv(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			r.exact = false // NaN equals nothing, not even itself
			conv("math.NaN()")
		case math.IsInf(f, 1):
			conv("math.Inf(1)")
		case math.IsInf(f, -1):
			conv("math.Inf(-1)")
		default:
			bits := 64
			if t.Kind() == reflect.Float32 {
				bits = 32
			}
			lit := strconv.FormatFloat(f, 'g', -1, bits)
			if !strings.ContainsAny(lit, ".eEn") {
				lit += ".0" // stays a float constant where the type is not implied
			}
			conv(lit)
		}
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		conv("complex(" + strconv.FormatFloat(real(c), 'g', -1, 64) + ", " + strconv.FormatFloat(imag(c), 'g', -1, 64) + ")")
	case reflect.String:
		conv(quoteElided(v.String()))
	case reflect.Slice:
		if v.IsNil() {
			r.nilOf(t, implied || elide)
			return
		}
		if t.Elem().Kind() == reflect.Uint8 && t.Elem().PkgPath() == "" {
			r.b.WriteString(r.typeName(t))
			r.b.WriteByte('(')
			r.b.WriteString(quoteElided(string(v.Bytes())))
			r.b.WriteByte(')')
			return
		}
		r.elems(v, elide, depth)
	case reflect.Array:
		r.elems(v, elide, depth)
	case reflect.Map:
		if v.IsNil() {
			r.nilOf(t, implied || elide)
			return
		}
		r.mapLit(v, elide, depth)
	case reflect.Struct:
		r.structLit(v, elide, depth)
	case reflect.Pointer:
		r.pointer(v, implied, elide, depth)
	case reflect.Interface:
		if v.IsNil() {
			r.b.WriteString("nil")
			return
		}
		r.value(v.Elem(), false, false, depth)
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if v.IsNil() {
			r.nilOf(t, implied || elide)
			return
		}
		r.exact = false
		r.b.WriteString("nil /* a non-nil " + commentSafe(r.typeName(t)) + " */")
	default:
		r.exact = false
		r.b.WriteString("nil /* " + commentSafe(t.String()) + " */")
	}
}

// isDefault reports whether t is the default type of an untyped constant,
// so that a literal needs no conversion even where no type is implied.
func isDefault(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Float64, reflect.String, reflect.Complex128:
		return t.PkgPath() == "" && t.Name() == t.Kind().String()
	}
	return false
}

func (r *renderer) nilOf(t reflect.Type, implied bool) {
	if implied {
		r.b.WriteString("nil")
		return
	}
	name := r.typeName(t)
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Func || t.Kind() == reflect.Chan {
		name = "(" + name + ")"
	}
	r.b.WriteString(name + "(nil)")
}

func (r *renderer) elems(v reflect.Value, elide bool, depth int) {
	if !elide {
		r.b.WriteString(r.typeName(v.Type()))
	}
	r.b.WriteByte('{')
	n := v.Len()
	if depth >= maxDepth {
		if n > 0 {
			r.b.WriteString("/* " + strconv.Itoa(n) + " elements not shown */")
		}
		r.b.WriteByte('}')
		return
	}
	for i := 0; i < n; i++ {
		if i >= maxElems || r.over() {
			r.b.WriteString("/* ... " + strconv.Itoa(n-i) + " more */")
			break
		}
		if i > 0 {
			r.b.WriteString(", ")
		}
		r.value(v.Index(i), true, true, depth+1)
	}
	r.b.WriteByte('}')
}

func (r *renderer) mapLit(v reflect.Value, elide bool, depth int) {
	if !elide {
		r.b.WriteString(r.typeName(v.Type()))
	}
	r.b.WriteByte('{')
	type kv struct{ k, v string }
	var items []kv
	iter := v.MapRange()
	n := v.Len()
	for iter.Next() {
		if len(items) >= maxElems || depth >= maxDepth {
			break
		}
		kr := renderer{local: r.local, exact: true, seen: r.seen}
		kr.value(iter.Key(), true, true, depth+1)
		vr := renderer{local: r.local, exact: true, seen: r.seen}
		vr.value(iter.Value(), true, true, depth+1)
		r.exact = r.exact && kr.exact && vr.exact
		items = append(items, kv{kr.b.String(), vr.b.String()})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].k < items[j].k })
	for i, it := range items {
		if r.over() {
			r.b.WriteString("/* ... " + strconv.Itoa(n-i) + " more */")
			r.b.WriteByte('}')
			return
		}
		if i > 0 {
			r.b.WriteString(", ")
		}
		r.b.WriteString(it.k)
		r.b.WriteString(": ")
		r.b.WriteString(it.v)
	}
	if len(items) < n {
		r.b.WriteString("/* ... " + strconv.Itoa(n-len(items)) + " more */")
	}
	r.b.WriteByte('}')
}

func (r *renderer) structLit(v reflect.Value, elide bool, depth int) {
	t := v.Type()
	if t == timeType && v.CanInterface() {
		r.b.WriteString(timeLit(v.Interface().(time.Time)))
		return
	}
	if s, ok := r.special(v); ok {
		r.b.WriteString(s)
		return
	}
	if !elide {
		r.b.WriteString(r.typeName(t))
	}
	r.b.WriteByte('{')
	if depth >= maxDepth {
		r.b.WriteString("/* not shown */}")
		return
	}
	first := true
	for i := 0; i < t.NumField(); i++ {
		f := v.Field(i)
		if f.IsZero() {
			continue
		}
		if r.over() {
			r.b.WriteString("/* ... */")
			break
		}
		if !first {
			r.b.WriteString(", ")
		}
		first = false
		r.b.WriteString(t.Field(i).Name)
		r.b.WriteString(": ")
		r.value(f, true, false, depth+1)
	}
	r.b.WriteByte('}')
}

func (r *renderer) pointer(v reflect.Value, implied, elide bool, depth int) {
	if v.IsNil() {
		r.nilOf(v.Type(), implied || elide)
		return
	}
	if s, ok := r.special(v); ok {
		r.b.WriteString(s)
		return
	}
	p := v.Pointer()
	for _, q := range r.seen {
		if q == p {
			r.exact = false
			r.b.WriteString("nil /* a cycle back to " + commentSafe(r.typeName(v.Type())) + " */")
			return
		}
	}
	r.seen = append(r.seen, p)
	defer func() { r.seen = r.seen[:len(r.seen)-1] }()
	e := v.Elem()
	switch e.Kind() {
	case reflect.Struct, reflect.Array, reflect.Slice, reflect.Map:
		if e.Type() == timeType {
			break
		}
		if !elide {
			r.b.WriteByte('&')
		}
		r.value(e, true, elide, depth)
		return
	}
	// &[]T{v}[0] is a pointer to a copy of v, written as one expression.
	r.b.WriteString("&[]" + r.typeName(e.Type()) + "{")
	r.value(e, true, false, depth)
	r.b.WriteString("}[0]")
}

// special renders values whose own form is better than their fields:
// contexts, errors from errors.New, and types with a GoString method.
func (r *renderer) special(v reflect.Value) (string, bool) {
	if !v.CanInterface() {
		return "", false
	}
	t := v.Type()
	if t.PkgPath() == "context" || (t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "context") {
		if t.Implements(contextType) {
			s := fmt.Sprint(v.Interface())
			switch s {
			case "context.Background", "context.TODO":
				return s + "()", true
			}
			r.exact = false
			return "nil /* " + commentSafe(cutText(s, 200)) + " */", true
		}
	}
	if t.Implements(errorType) && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "errors" && t.Elem().Name() == "errorString" {
		return "errors.New(" + quoteElided(v.Interface().(error).Error()) + ")", true
	}
	if t.Implements(goStringer) && t.PkgPath() != "" {
		s, ok := safeGoString(v.Interface().(fmt.GoStringer))
		if ok {
			return s, true
		}
	}
	return "", false
}

func safeGoString(g fmt.GoStringer) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	s = g.GoString()
	return cutText(s, renderBudget), s != ""
}

func durationLit(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{time.Hour, "time.Hour"}, {time.Minute, "time.Minute"}, {time.Second, "time.Second"},
		{time.Millisecond, "time.Millisecond"}, {time.Microsecond, "time.Microsecond"}}
	if d == 0 {
		return "time.Duration(0)"
	}
	for _, u := range units {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + " * " + u.name
		}
	}
	return "time.Duration(" + strconv.FormatInt(int64(d), 10) + ")"
}

func timeLit(t time.Time) string {
	loc := "time.UTC"
	switch {
	case t.Location() == time.UTC:
	case t.Location() == time.Local:
		loc = "time.Local"
	default:
		name, off := t.Zone()
		loc = "time.FixedZone(" + strconv.Quote(name) + ", " + strconv.Itoa(off) + ")"
	}
	return fmt.Sprintf("time.Date(%d, time.%s, %d, %d, %d, %d, %d, %s)",
		t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// quoteElided quotes s as Go; a long string keeps its start and end around
// a comment that says how much was left out, and still parses.
func quoteElided(s string) string {
	if len(s) <= elideAt {
		return strconv.Quote(s)
	}
	head := cutText(s, elideHead)
	tail := s[len(s)-elideTail:]
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	return strconv.Quote(head) + " + /* " + strconv.Itoa(len(s)-len(head)-len(tail)) + " bytes elided (" +
		strconv.Itoa(len(s)) + " in all) */ " + strconv.Quote(tail)
}

func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// commentSafe makes s safe inside a /* */ comment.
func commentSafe(s string) string { return strings.ReplaceAll(s, "*/", "* /") }
