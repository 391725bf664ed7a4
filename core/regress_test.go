package core_test

import (
	"math"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

// After a nested sandbox returns, the outer one still routes the calls of
// its goroutine and of goroutines started later (the first version restored
// the labels of context.Background(), i.e. none).
func TestNestedSandboxKeepsRouting(t *testing.T) {
	v1, v2 := core.New(nil), core.New(nil)
	// Another sandbox open elsewhere (a parallel test).
	hold, release := make(chan struct{}), make(chan struct{})
	go v2.Sandbox(func() { close(hold); <-release })
	<-hold
	defer close(release)

	v1.Sandbox(func() {
		if got := core.SandboxOwner(nil).Verifier; got != v1 {
			t.Fatalf("before nesting: SandboxOwner = %p, want v1 %p", got, v1)
		}
		v1.Sandbox(func() {})
		if got := core.SandboxOwner(nil); got.Verifier != v1 || !got.Open {
			t.Errorf("after a nested sandbox returned: SandboxOwner = %+v, want v1 %p open", got, v1)
		}
		done := make(chan *core.Verifier)
		go func() { done <- core.SandboxOwner(nil).Verifier }()
		if got := <-done; got != v1 {
			t.Errorf("goroutine started after the nested sandbox: ActiveSandbox = %p, want v1 %p", got, v1)
		}
	})
}

var otherValueSource = &core.Source{Plugin: "sql", Name: "exec", Fields: []string{"arg"}, GoExpr: "sql.Exec"}

type otherValueRow struct{ ID int }

// For values that are not int, string, []byte or bool, InAnyOrder and
// in-order assertions agree (the first version found such values by their
// %#v text in InAnyOrder, but compared them with reflect.DeepEqual in order).
func TestAnyOrderAgreesWithInOrderForOtherValues(t *testing.T) {
	for _, c := range []struct {
		name               string
		recorded, asserted any
	}{
		{"nested pointers", []*otherValueRow{{ID: 1}}, []*otherValueRow{{ID: 1}}},
		{"NaN", math.NaN(), math.NaN()},
	} {
		v1 := core.New(nil)
		v1.Record(otherValueSource, core.ValueOf(c.recorded))
		inOrder := v1.AssertValues(otherValueSource, core.ValueOf(c.asserted))

		v2 := core.New(nil)
		v2.Record(otherValueSource, core.ValueOf(c.recorded))
		var anyOrder error
		v2.InAnyOrder(func() { anyOrder = v2.AssertValues(otherValueSource, core.ValueOf(c.asserted)) })

		if (inOrder == nil) != (anyOrder == nil) {
			t.Errorf("%s: in order passes = %v, InAnyOrder passes = %v", c.name, inOrder == nil, anyOrder == nil)
		}
	}
}
