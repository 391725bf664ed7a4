package bfslog

import (
	"fmt"
	"go/parser"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// AttrList is a record's attributes as the plugin records them: flattened
// (group names joined to keys with dots), resolved, in the order a
// slog.TextHandler prints them. It is the value of a Record interaction's
// "attrs" field, so a matcher on that field receives one.
type AttrList []slog.Attr

// GoString renders the list as the Attrs call that matches it.
func (l AttrList) GoString() string {
	var b strings.Builder
	b.WriteString("bfslog.Attrs(")
	writeArgs(&b, l)
	b.WriteString(")")
	return b.String()
}

func writeArgs(b *strings.Builder, l AttrList) {
	for i, a := range l {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(core.String(a.Key).GoString())
		b.WriteString(", ")
		b.WriteString(goValue(a.Value))
	}
}

// flatten appends a to dst as slog's handlers would print it: resolved,
// groups flattened into prefix-dotted keys, an empty Attr and an empty
// group dropped, a group with an empty key inlined.
func flatten(dst AttrList, prefix string, a slog.Attr) AttrList {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		g := v.Group()
		if len(g) == 0 {
			return dst
		}
		p := prefix
		if a.Key != "" {
			p = prefix + a.Key + "."
		}
		for _, x := range g {
			dst = flatten(dst, p, x)
		}
		return dst
	}
	if a.Key == "" && v.Kind() == slog.KindAny && v.Any() == nil {
		return dst // the zero Attr
	}
	return append(dst, slog.Attr{Key: prefix + a.Key, Value: v})
}

// Attrs returns a matcher for a record's "attrs" field (see Record): the
// attributes args, given as a logger takes them (key-value pairs or
// slog.Attr values, groups flattened or not), must be exactly the
// record's, in order. A value may be a matcher. AssertLog and its
// siblings build their attributes with it.
func Attrs(args ...any) core.Matcher {
	var want AttrList
	for len(args) > 0 {
		switch x := args[0].(type) {
		case string:
			if len(args) == 1 {
				want = flatten(want, "", slog.Any("!BADKEY", x))
				args = args[1:]
				continue
			}
			want = flatten(want, "", slog.Any(x, args[1]))
			args = args[2:]
		case slog.Attr:
			want = flatten(want, "", x)
			args = args[1:]
		default:
			want = flatten(want, "", slog.Any("!BADKEY", x))
			args = args[1:]
		}
	}
	return attrsMatcher{want: want}
}

type attrsMatcher struct{ want AttrList }

// Matches reports whether x, an AttrList, holds exactly the wanted attributes.
func (m attrsMatcher) Matches(x any) bool {
	got, ok := x.(AttrList)
	if !ok || len(got) != len(m.want) {
		return false
	}
	for i := range got {
		if got[i].Key != m.want[i].Key || !valueMatches(m.want[i].Value, got[i].Value) {
			return false
		}
	}
	return true
}

// String renders the matcher as the Attrs call that built it.
func (m attrsMatcher) String() string { return m.want.GoString() }

// valueMatches compares an expected value (possibly a matcher) with a
// recorded one, as the package documentation says.
func valueMatches(want, got slog.Value) bool {
	if want.Kind() == slog.KindAny {
		if m, ok := want.Any().(core.Matcher); ok {
			return m.Matches(got.Any())
		}
	}
	switch want.Kind() {
	case slog.KindInt64:
		switch got.Kind() {
		case slog.KindInt64:
			return want.Int64() == got.Int64()
		case slog.KindUint64:
			return want.Int64() >= 0 && uint64(want.Int64()) == got.Uint64()
		}
		return false
	case slog.KindUint64:
		switch got.Kind() {
		case slog.KindUint64:
			return want.Uint64() == got.Uint64()
		case slog.KindInt64:
			return got.Int64() >= 0 && uint64(got.Int64()) == want.Uint64()
		}
		return false
	case slog.KindFloat64:
		return got.Kind() == slog.KindFloat64 && want.Float64() == got.Float64()
	case slog.KindString:
		return got.Kind() == slog.KindString && want.String() == got.String()
	case slog.KindBool:
		return got.Kind() == slog.KindBool && want.Bool() == got.Bool()
	case slog.KindDuration:
		return got.Kind() == slog.KindDuration && want.Duration() == got.Duration()
	case slog.KindTime:
		return got.Kind() == slog.KindTime && want.Time().Equal(got.Time())
	case slog.KindAny:
		return got.Kind() == slog.KindAny && reflect.DeepEqual(want.Any(), got.Any())
	}
	return false
}

// goValue renders a recorded value as Go code that an assertion can
// take and that matches it.
func goValue(v slog.Value) string {
	pkg := core.CurrentNames().Package
	switch v.Kind() {
	case slog.KindString:
		return core.String(v.String()).GoString()
	case slog.KindInt64:
		return strconv.FormatInt(v.Int64(), 10)
	case slog.KindUint64:
		return strconv.FormatUint(v.Uint64(), 10)
	case slog.KindBool:
		return strconv.FormatBool(v.Bool())
	case slog.KindFloat64:
		f := v.Float64()
		switch {
		case math.IsNaN(f):
			return pkg + ".Satisfies(\"NaN\", math.IsNaN)"
		case math.IsInf(f, 1):
			return "math.Inf(1)"
		case math.IsInf(f, -1):
			return "math.Inf(-1)"
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	case slog.KindDuration:
		return goDuration(v.Duration())
	case slog.KindTime:
		t := v.Time()
		return "time.Unix(" + strconv.FormatInt(t.Unix(), 10) + ", " + strconv.Itoa(t.Nanosecond()) + ") /* " + t.Format(time.RFC3339Nano) + " */"
	}
	switch x := v.Any().(type) {
	case nil:
		return "nil"
	case []byte:
		return core.Bytes(x).GoString()
	case error:
		return pkg + ".Satisfies(" + strconv.Quote("error "+strconv.Quote(x.Error())) +
			", func(err error) bool { return err.Error() == " + core.String(x.Error()).GoString() + " })"
	}
	s := fmt.Sprintf("%#v", v.Any())
	if len(s) <= 512 {
		if _, err := parser.ParseExpr(s); err == nil {
			return s
		}
	}
	desc := strings.ReplaceAll(fmt.Sprintf("%v", v.Any()), "*/", "* /")
	if len(desc) > 80 {
		desc = desc[:80] + "..."
	}
	return pkg + ".Any() /* " + strings.ReplaceAll(desc, "\n", " ") + " */"
}

func goDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"}, {time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}} {
		if d != 0 && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + " * time." + u.name
		}
	}
	return "time.Duration(" + strconv.FormatInt(int64(d), 10) + ")"
}

// levelHelpers names the typed helper of each standard level.
var levelHelpers = map[slog.Level]string{
	slog.LevelDebug: "AssertDebug", slog.LevelInfo: "AssertInfo", slog.LevelWarn: "AssertWarn", slog.LevelError: "AssertError",
}

// goLevel renders a level as Go: slog.LevelWarn, slog.Level(2).
func goLevel(l slog.Level) string {
	switch l {
	case slog.LevelDebug:
		return "slog.LevelDebug"
	case slog.LevelInfo:
		return "slog.LevelInfo"
	case slog.LevelWarn:
		return "slog.LevelWarn"
	case slog.LevelError:
		return "slog.LevelError"
	}
	return "slog.Level(" + strconv.Itoa(int(l)) + ")"
}

// hint renders the typed assertion of a recorded record:
// bf.Log().AssertInfo("charged", "cents", 250).
func hint(v []core.Value) string {
	level, _ := v[0].Interface().(slog.Level)
	attrs, _ := v[2].Interface().(AttrList)
	var b strings.Builder
	b.WriteString(core.CurrentNames().Verifier)
	b.WriteString(".Log().")
	if name, ok := levelHelpers[level]; ok {
		b.WriteString(name)
		b.WriteString("(")
	} else {
		b.WriteString("AssertLog(")
		b.WriteString(goLevel(level))
		b.WriteString(", ")
	}
	b.WriteString(v[1].GoString())
	if len(attrs) > 0 {
		b.WriteString(", ")
		writeArgs(&b, attrs)
	}
	b.WriteString(")")
	return b.String()
}
