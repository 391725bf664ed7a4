package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/record"
)

func TestParseRecordFlags(t *testing.T) {
	f, rest, err := parseRecordFlags([]string{"-allow", "loopback,api.example.com", "-run", "TestX", "--redact=X-Api-Key", "-print", "-allow=10.0.0.0/8", "./..."})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"loopback", "api.example.com", "10.0.0.0/8"}; !reflect.DeepEqual(f.allow, want) {
		t.Errorf("allow = %q, want %q", f.allow, want)
	}
	if !reflect.DeepEqual(f.redact, []string{"X-Api-Key"}) || !f.print {
		t.Errorf("redact = %q, print = %v", f.redact, f.print)
	}
	if want := []string{"-run", "TestX", "./..."}; !reflect.DeepEqual(rest, want) {
		t.Errorf("rest = %q, want %q", rest, want)
	}
	if f, _, _ := parseRecordFlags(nil); !reflect.DeepEqual(f.allow, []string{"loopback"}) {
		t.Errorf("the default allow = %q, want loopback", f.allow)
	}
	if _, _, err := parseRecordFlags([]string{"-allow"}); err == nil || !strings.Contains(err.Error(), "-allow needs a value, e.g. -allow=loopback") {
		t.Errorf("a bare -allow: %v", err)
	}
}

func TestPackageArgs(t *testing.T) {
	for _, c := range []struct{ args, want []string }{
		{nil, []string{"."}},
		{[]string{"-run", "TestX", "-count", "2", "./a", "./b/..."}, []string{"./a", "./b/..."}},
		{[]string{"-run=TestX", "-v", "./a", "-args", "x"}, []string{"./a"}},
	} {
		if got := packageArgs(c.args); !reflect.DeepEqual(got, c.want) {
			t.Errorf("packageArgs(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

const markedTest = `package app

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfredis"
)

func TestA(t *testing.T) {
	bf := bigfoot.New(t)
	// bigfoot:script
	bfredis.For(bf).Expect("GET", "k").Reply("v")
	// bigfoot:end
	bf.Sandbox(func() {})
	// bigfoot:assert
	bfredis.For(bf).AssertCommand("GET", "k")
	// bigfoot:end
}

func TestB(t *testing.T) {
	t.Run("with spaces", func(t *testing.T) {
		other := bigfoot.New(t)
		// bigfoot:script
		// bigfoot:assert
		_ = other
		other.Sandbox(func() {})
	})
}
`

func TestBlankRegions(t *testing.T) {
	out, err := blankRegions([]byte(markedTest))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, `Expect("GET"`) || strings.Contains(s, "AssertCommand") {
		t.Errorf("the recorded code is still there:\n%s", s)
	}
	if !strings.Contains(s, `_ "github.com/bigfoot-go/bigfoot/bfredis"`) || !strings.Contains(s, "\t\"github.com/bigfoot-go/bigfoot\"\n") {
		t.Errorf("bfredis, used only by the recorded code, is not a blank import (and bigfoot must stay):\n%s", s)
	}
	if strings.Count(s, "\n") != strings.Count(markedTest, "\n") {
		t.Error("blanking changed the line count, so failures would point at the wrong lines")
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "", out, 0); err != nil {
		t.Errorf("the blanked file does not parse: %v", err)
	}
}

func TestLocateAndWriteCode(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a_test.go")
	must(t, os.WriteFile(file, []byte(markedTest), 0o644))

	loc, err := locate(dir, "TestB/with_spaces")
	if err != nil {
		t.Fatal(err)
	}
	if !loc.marked || loc.verifier != "other" {
		t.Fatalf("locate(TestB/with_spaces) = %+v, want the markers of the subtest and verifier other", loc)
	}
	code := &record.Code{
		Setup:   []string{`bfhttp.For(other)`},
		Script:  []string{`other.HTTP().Expect("GET", "http://x/", bfhttp.Response{Status: 200})`},
		Assert:  []string{`other.HTTP().AssertRequest("GET", "http://x/", nil, "")`},
		Imports: []string{"github.com/bigfoot-go/bigfoot/bfhttp", "github.com/bigfoot-go/bigfoot"},
	}
	must(t, writeCode(loc, code))
	got, err := os.ReadFile(file)
	must(t, err)
	for _, want := range []string{
		"\t\t// bigfoot:script\n\t\tbfhttp.For(other)\n\t\tother.HTTP().Expect(\"GET\", \"http://x/\", bfhttp.Response{Status: 200})\n\t\t// bigfoot:end\n\t\t// bigfoot:assert\n\t\tother.HTTP().AssertRequest(\"GET\", \"http://x/\", nil, \"\")\n\t\t// bigfoot:end\n",
		"\t\"github.com/bigfoot-go/bigfoot/bfhttp\"\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the file lacks %q:\n%s", want, got)
		}
	}
	// Writing again replaces the blocks.
	loc, err = locate(dir, "TestB/with_spaces")
	must(t, err)
	must(t, writeCode(loc, code))
	again, err := os.ReadFile(file)
	must(t, err)
	if string(again) != string(got) {
		t.Errorf("writing again changed the file:\n%s", again)
	}

	loc, err = locate(dir, "TestA")
	if err != nil || !loc.marked || loc.verifier != "bf" {
		t.Fatalf("locate(TestA) = %+v, %v", loc, err)
	}
	if _, err := locate(dir, "TestMissing"); err == nil || !strings.Contains(err.Error(), "no function TestMissing in") {
		t.Errorf("locate(TestMissing) = %v", err)
	}
}

func TestAddImports(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"package p\n\nimport \"testing\"\n", "import (\n\t\"testing\"\n\t\"net/http\"\n)"},
		{"package p\n\nimport (\n\t\"testing\"\n)\n", "import (\n\t\"testing\"\n\t\"net/http\"\n)"},
		{"package p\n", "package p\n\nimport (\n\t\"net/http\"\n)"},
		{"package p\n\nimport \"net/http\"\n", "import \"net/http\"\n"},
	} {
		got, err := addImports(c.src, []string{"net/http"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("addImports(%q) = %q, want it to contain %q", c.src, got, c.want)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "", got, 0); err != nil {
			t.Errorf("addImports(%q) does not parse: %v", c.src, err)
		}
	}
}

func TestRecordHelp(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"record", "-h"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "// bigfoot:script") {
		t.Errorf("record -h exited %d:\n%s%s", code, out.String(), errOut.String())
	}
}
