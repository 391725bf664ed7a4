package mock

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
)

// maxDiffs bounds how many differences one argument lists.
const maxDiffs = 8

// diffValues lists where got differs from want, field by field, element by
// element: one entry per leaf, each with its path below the argument
// (".Name", "[2]", "[\"k\"]") and both sides rendered as Go. It returns
// nothing when the values are equal or not comparable that way.
func diffValues(want, got any, local string) []string {
	d := differ{local: local}
	d.walk("", reflect.ValueOf(want), reflect.ValueOf(got), 0)
	if d.more > 0 {
		d.out = append(d.out, "... and "+strconv.Itoa(d.more)+" more difference(s)")
	}
	return d.out
}

type differ struct {
	local string
	out   []string
	more  int
}

func (d *differ) leaf(path string, want, got reflect.Value) {
	if len(d.out) >= maxDiffs {
		d.more++
		return
	}
	w, _ := renderValue(want, d.local)
	g, _ := renderValue(got, d.local)
	where := path
	if where == "" {
		where = "value"
	}
	line := where + ":\n      - " + w + "\n      + " + g
	if want.IsValid() && got.IsValid() && want.Kind() == reflect.String && got.Kind() == reflect.String {
		if at := firstDiff(want.String(), got.String()); at >= 0 {
			line = where + " (first difference at byte " + strconv.Itoa(at) + "):\n      - " + w + "\n      + " + g
		}
	}
	d.out = append(d.out, line)
}

func renderValue(v reflect.Value, local string) (string, bool) {
	if !v.IsValid() {
		return "nil", true
	}
	r := renderer{local: local, exact: true}
	r.value(v, false, false, 0)
	return r.b.String(), r.exact
}

func (d *differ) walk(path string, want, got reflect.Value, depth int) {
	if !want.IsValid() || !got.IsValid() {
		if want.IsValid() != got.IsValid() {
			d.leaf(path, want, got)
		}
		return
	}
	if want.Type() != got.Type() {
		d.leaf(path, want, got)
		return
	}
	if depth > maxDepth {
		if !reflect.DeepEqual(safeInterface(want), safeInterface(got)) {
			d.leaf(path, want, got)
		}
		return
	}
	switch want.Kind() {
	case reflect.Struct:
		if want.Type() == timeType || !want.CanInterface() {
			break
		}
		t := want.Type()
		for i := 0; i < t.NumField(); i++ {
			d.walkField(path+"."+t.Field(i).Name, want.Field(i), got.Field(i), depth+1)
		}
		return
	case reflect.Pointer:
		if want.IsNil() || got.IsNil() {
			if want.IsNil() != got.IsNil() {
				d.leaf(path, want, got)
			}
			return
		}
		if want.Pointer() == got.Pointer() {
			return
		}
		d.walk(path, want.Elem(), got.Elem(), depth+1)
		return
	case reflect.Interface:
		d.walk(path, want.Elem(), got.Elem(), depth+1)
		return
	case reflect.Slice, reflect.Array:
		if want.Kind() == reflect.Slice && want.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				d.leaf(path, want, got)
			}
			return
		}
		if want.Kind() == reflect.Slice && (want.IsNil() != got.IsNil() || want.Len() != got.Len()) {
			d.leaf(path+" (len "+strconv.Itoa(want.Len())+" vs "+strconv.Itoa(got.Len())+")", want, got)
			return
		}
		for i := 0; i < want.Len(); i++ {
			d.walk(path+"["+strconv.Itoa(i)+"]", want.Index(i), got.Index(i), depth+1)
		}
		return
	case reflect.Map:
		if want.IsNil() != got.IsNil() || want.Len() != got.Len() {
			d.leaf(path+" (len "+strconv.Itoa(want.Len())+" vs "+strconv.Itoa(got.Len())+")", want, got)
			return
		}
		iter := want.MapRange()
		for iter.Next() {
			k := iter.Key()
			ks, _ := renderValue(k, d.local)
			g := got.MapIndex(k)
			if !g.IsValid() {
				d.leaf(path+"["+ks+"] (missing)", iter.Value(), g)
				continue
			}
			d.walk(path+"["+ks+"]", iter.Value(), g, depth+1)
		}
		return
	}
	if !reflect.DeepEqual(safeInterface(want), safeInterface(got)) {
		d.leaf(path, want, got)
	}
}

// walkField compares struct fields, which may be unexported: reflect can
// read them but not hand them out as interfaces.
func (d *differ) walkField(path string, want, got reflect.Value, depth int) {
	if want.CanInterface() {
		d.walk(path, want, got, depth)
		return
	}
	if !equalUnexported(want, got) {
		d.leaf(path, want, got)
	}
}

func safeInterface(v reflect.Value) any {
	if v.CanInterface() {
		return v.Interface()
	}
	return nil
}

// equalUnexported compares values read from unexported fields.
func equalUnexported(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.String:
		return a.String() == b.String()
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return a.Pointer() == b.Pointer()
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalUnexported(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !equalUnexported(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return a.Elem().Type() == b.Elem().Type() && equalUnexported(a.Elem(), b.Elem())
	}
	return false
}

func firstDiff(a, b string) int {
	if a == b {
		return -1
	}
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// indent prefixes every line of s but the first with pad.
func indent(s, pad string) string { return strings.ReplaceAll(s, "\n", "\n"+pad) }
