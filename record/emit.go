package record

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Code is what the tool writes for one verifier: set-up and script lines
// that go before its sandbox, assertion lines that go after it, and the
// import paths they use.
type Code struct {
	Setup   []string
	Script  []string
	Assert  []string
	Imports []string
}

// A DiffError says that the two recording runs of a test made different
// calls, so no deterministic script can be written.
type DiffError struct {
	Test   string
	Reason string
}

func (e *DiffError) Error() string {
	return "bigfoot record: " + e.Test + ": the two recording runs differ: " + e.Reason +
		"\n  record needs the test to make the same calls each time (values may differ; matchers cover those)"
}

// Emit returns the code for verifier bf of a test from its two runs'
// transcripts: every field equal in both is written as its value, every
// field that differs or is a secret as a matcher.
func Emit(bf string, a, b *Transcript, opts *Options) (*Code, error) {
	ca, err := Decode(a, opts)
	if err != nil {
		return nil, err
	}
	cb, err := Decode(b, opts)
	if err != nil {
		return nil, err
	}
	if len(ca) != len(cb) {
		return nil, &DiffError{Test: a.Test, Reason: fmt.Sprintf("%d calls in the first, %d in the second%s", len(ca), len(cb), firstDifference(ca, cb))}
	}
	cb, anyOrder := pair(ca, cb)
	for i := range ca {
		anyOrder = anyOrder || ca[i].Concurrent
	}
	code := &Code{}
	seenSetup := map[string]bool{}
	imports := map[string]bool{}
	chains := map[any]int{} // a chain's statement, by index in code.Script
	for i := range ca {
		x, y := &ca[i], &cb[i]
		if x.Plugin != y.Plugin || len(x.Fields) != len(y.Fields) {
			return nil, &DiffError{Test: a.Test, Reason: fmt.Sprintf("call %d is %s in the first and %s in the second", i+1, describe(x), describe(y))}
		}
		exprs := make([]string, len(x.Fields))
		for j, f := range x.Fields {
			g := y.Fields[j]
			if f.Name != g.Name {
				return nil, &DiffError{Test: a.Test, Reason: fmt.Sprintf("call %d (%s) has %s in the first and %s in the second", i+1, x.Plugin, f.Name, g.Name)}
			}
			switch {
			case f.Secret:
				if !f.Matchable {
					return nil, fmt.Errorf("bigfoot record: %s: the %s of a %s call is a secret, and the plugin takes no matcher there to stand for it", a.Test, f.Name, x.Plugin)
				}
				exprs[j] = secretMatcher(f.Raw)
			case f.Raw != g.Raw:
				m, ok := "", false
				if f.Infer != nil {
					m, ok = f.Infer(f.Raw, g.Raw)
				}
				switch {
				case ok:
				case !f.Matchable:
					return nil, &DiffError{Test: a.Test, Reason: fmt.Sprintf("the %s of %s call %d is %s in the first and %s in the second, and the plugin takes no matcher there (give the service a fixed address, or script this call by hand)",
						f.Name, x.Plugin, i+1, short(f.Raw), short(g.Raw))}
				case f.Numeric:
					m = "bigfoot.Any()"
				default:
					m = InferMatcher(f.Raw, g.Raw)
				}
				exprs[j] = m
			default:
				exprs[j] = f.Go
			}
		}
		for _, s := range x.Setup {
			s = verifierName.ReplaceAllLiteralString(s, bf)
			if !seenSetup[s] {
				seenSetup[s] = true
				code.Setup = append(code.Setup, s)
			}
		}
		for _, imp := range x.Imports {
			imports[imp] = true
		}
		script, assert := x.Render(bf, exprs)
		if script != "" {
			if x.Chain != nil {
				if k, ok := chains[x.Chain]; ok {
					code.Script[k] += ".\n" + script
				} else {
					chains[x.Chain] = len(code.Script)
					code.Script = append(code.Script, script)
				}
			} else {
				code.Script = append(code.Script, script)
			}
		}
		if assert != "" {
			code.Assert = append(code.Assert, assert)
		}
	}
	if anyOrder && len(chains) == 0 {
		// In no fixed order, the lines are written in one that does not
		// depend on the run, so that recording again writes the same test.
		sort.Strings(code.Script)
		sort.Strings(code.Assert)
	}
	if anyOrder && len(code.Assert) > 1 {
		// The two runs made the same calls in different orders, or made
		// them concurrently: the code makes them from goroutines whose
		// order is not fixed.
		code.Assert = []string{bf + ".InAnyOrder(func() {\n" + strings.Join(code.Assert, "\n") + "\n})"}
	}
	all := strings.Join(code.Setup, "\n") + strings.Join(code.Script, "\n") + strings.Join(code.Assert, "\n")
	for imp := range imports {
		name := imp[strings.LastIndexByte(imp, '/')+1:]
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\.`).MatchString(all) {
			code.Imports = append(code.Imports, imp)
		}
	}
	sort.Strings(code.Imports)
	return code, nil
}

// compatible reports whether x and y can be one call of the two runs: the
// same plugin and fields, and the same values where the plugin takes no
// matcher.
func compatible(x, y *Call) bool {
	if x.Plugin != y.Plugin || len(x.Fields) != len(y.Fields) || x.Chain != nil {
		return false
	}
	for i, f := range x.Fields {
		g := y.Fields[i]
		if f.Name != g.Name || !f.Matchable && f.Raw != g.Raw {
			return false
		}
	}
	return true
}

// pair returns the second run's calls in the order that pairs them with
// the first run's: in the order they happened when that pairs them, and
// otherwise, when each call of one run has its own compatible call in the
// other (the most alike first), in that order, reporting that the order
// differed. Calls that cannot be paired are left in place, for Emit to
// report.
func pair(a, b []Call) ([]Call, bool) {
	inOrder := true
	for i := range a {
		if !compatible(&a[i], &b[i]) {
			inOrder = false
			break
		}
	}
	if inOrder {
		return b, false
	}
	used := make([]bool, len(b))
	out := make([]Call, len(a))
	for i := range a {
		best, score := -1, -1
		for j := range b {
			if used[j] || !compatible(&a[i], &b[j]) {
				continue
			}
			n := 0
			for k, f := range a[i].Fields {
				if f.Raw == b[j].Fields[k].Raw {
					n++
				}
			}
			if n > score {
				best, score = j, n
			}
		}
		if best < 0 {
			return b, false
		}
		used[best] = true
		out[i] = b[best]
	}
	return out, true
}

// verifierName is the verifier's name in Setup lines.
var verifierName = regexp.MustCompile(`\bbf\b`)

func describe(c *Call) string {
	if len(c.Fields) == 0 {
		return "a " + c.Plugin + " call"
	}
	return "a " + c.Plugin + " call with " + c.Fields[0].Name + " " + short(c.Fields[0].Raw)
}

func firstDifference(a, b []Call) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].Plugin != b[i].Plugin || len(a[i].Fields) != len(b[i].Fields) ||
			len(a[i].Fields) > 0 && a[i].Fields[0].Raw != b[i].Fields[0].Raw {
			return fmt.Sprintf("; call %d is %s in the first and %s in the second", i+1, describe(&a[i]), describe(&b[i]))
		}
	}
	if len(a) > len(b) {
		return "; the first run's extra call is " + describe(&a[len(b)])
	}
	if len(b) > len(a) {
		return "; the second run's extra call is " + describe(&b[len(a)])
	}
	return ""
}

// short quotes s, cut to a length a message can show.
func short(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%q...", s[:60])
	}
	return fmt.Sprintf("%q", s)
}
