// Package kv is a bigfoot plugin written the way a third party would write
// one, against bigfoot's exported API alone: a fake for a key-value store
// client. Code under test takes a Store; the test hands it kv.For(bf), which
// answers Get from the script and records every call on the verifier's one
// timeline.
//
//	bf := bigfoot.New(t)
//	kv.For(bf).Expect("user:1", "ada")
//	bf.Sandbox(func() { name, err = greet(ctx, kv.For(bf), 1) })
//	kv.For(bf).AssertGet("user:1", "ada")
package kv

import (
	"context"
	"errors"
	"strconv"

	"github.com/bigfoot-go/bigfoot/core"
)

// Store is the client interface the code under test depends on.
type Store interface {
	Get(ctx context.Context, key string) (string, error)
}

// ErrNotFound is what a real store returns for a missing key; script it
// with bigfoot.Raises(kv.ErrNotFound).
var ErrNotFound = errors.New("kv: not found")

// Get is the source of Get interactions, for bf.AssertInteraction.
var Get = &core.Source{Plugin: "kv", Name: "get", Fields: []string{"key", "value"}, GoExpr: "kv.Get",
	Hint: func(v []core.Value) string {
		return "kv.For(bf).AssertGet(" + v[0].GoString() + ", " + v[1].GoString() + ")"
	}}

// Plugin is the kv fake of one verifier.
type Plugin struct {
	v *core.Verifier
	q *core.Queue
}

var key = core.NewKey[*Plugin]("kv", "kv.For(bf)")

func init() { core.RegisterPackages("github.com/bigfoot-go/bigfoot/examples/plugin") }

// For returns h's kv plugin, creating it on first use.
func For(h core.Host) *Plugin {
	return key.Of(h, func(v *core.Verifier) *Plugin {
		return &Plugin{v: v, q: core.NewQueue(v, &core.QueueSpec{Plugin: "kv"})}
	})
}

// Expect scripts the answer to Get(key): value, or the error of
// bigfoot.Raises. Gets of equal keys take their answers in order.
func (p *Plugin) Expect(key, value string, opts ...core.StepOption) *Plugin {
	p.q.Add(core.Entry{Key: key, Returns: value,
		Script: "kv.For(bf).Expect(" + strconv.Quote(key) + ", " + strconv.Quote(value) + ")"}, core.Caller(0), opts...)
	return p
}

// Get answers from the script. A key with no answer left fails the test as
// unmocked, and so does a Get outside the sandbox.
func (p *Plugin) Get(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if !p.v.InSandbox() {
		err := &core.GuardedCallError{Plugin: "kv", Op: "get", Address: key,
			Reason: "no sandbox is open", Fix: "bf.Sandbox(func() { /* the code that calls Get */ })"}
		p.v.Report(err)
		return "", err
	}
	var value string
	ent, err := p.q.Take(key, key, func(e *core.Entry) error {
		if e.Err == nil {
			value = e.Returns.(string)
		}
		p.v.Record(Get, core.String(key), core.String(value))
		return nil
	})
	if err == nil && ent == nil {
		err = &core.UnmockedInteractionError{Plugin: "kv", Step: "get", Call: "Get(" + strconv.Quote(key) + ")",
			Reason: "no scripted answer is left for this key",
			Fix:    "kv.For(bf).Expect(" + strconv.Quote(key) + ", \"value\")"}
	}
	if err != nil {
		p.v.Report(err)
		return "", err
	}
	return value, ent.Err
}

// AssertGet asserts that the next interaction is a Get of key that
// returned value ("" when it failed).
func (p *Plugin) AssertGet(key, value any) error {
	err := p.v.CheckValues(Get, core.ValueOf(key), core.ValueOf(value))
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}
