package bfslog

import (
	"context"
	"log/slog"
	"sync"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Record is the source of the plugin's interactions, one per log record.
// Its fields are the record's level (a slog.Level), its message (a
// string) and its attributes, flattened (see the package documentation);
// assert the attributes generically with Attrs.
var Record = &core.Source{Plugin: "log", Name: "record", Fields: []string{"level", "msg", "attrs"},
	GoExpr: "bfslog.Record", Hint: hint}

// Plugin is the log plugin of one verifier.
type Plugin struct {
	v    *core.Verifier
	root *handler

	once   sync.Once // makes logger
	logger *slog.Logger
}

var key = core.NewKey[*Plugin]("log", "bf.Log()")

func init() {
	core.RegisterPackages("github.com/bigfoot-go/bigfoot/bfslog")
	guard.ClaimLog(guard.LogClaim{Name: "log", Layer: guard.LayerRequest, Logger: claimLogger})
}

func newPlugin(v *core.Verifier) *Plugin {
	p := &Plugin{v: v}
	p.root = &handler{p: p}
	return p
}

// For returns h's log plugin, creating it on first use; bf.Log() is For(bf).
func For(h core.Host) *Plugin { return key.Of(h, newPlugin) }

// NewPlugin creates h's log plugin, for manual use. Each verifier has at
// most one: a second call returns an error for which
// errors.Is(err, bigfoot.ErrPluginExists).
func NewPlugin(h core.Host) (*Plugin, error) { return key.New(h, newPlugin) }

// claimLogger is the default logger inside v's sandbox when v's test used
// the plugin (transparent mode).
func claimLogger(v *core.Verifier) *slog.Logger {
	p, ok := key.Get(v)
	if !ok {
		return nil
	}
	return p.Logger()
}

// Handler returns a slog.Handler that records every record it is given
// (any level) as an interaction of the plugin, and writes nothing.
func (p *Plugin) Handler() slog.Handler { return p.root }

// Logger returns a *slog.Logger over Handler: slog.New(bf.Log().Handler()).
func (p *Plugin) Logger() *slog.Logger {
	p.once.Do(func() { p.logger = slog.New(p.root) })
	return p.logger
}

// Wrap returns a handler that records every record, as Handler does, and
// also passes it to next when next is enabled for its level: for a test
// that keeps the code's own output (a JSON handler writing to a buffer)
// while asserting the records. WithAttrs and WithGroup apply to both.
func (p *Plugin) Wrap(next slog.Handler) slog.Handler {
	if next == nil {
		return p.root
	}
	return &handler{p: p, next: next}
}

// handler is the plugin's slog.Handler. Its state is immutable: WithAttrs
// and WithGroup return new handlers, so it is safe for concurrent use.
type handler struct {
	p      *Plugin
	next   slog.Handler // nil unless made by Wrap
	prefix string       // the open groups, dotted, e.g. "req."
	attrs  []slog.Attr  // With attributes, flattened with the prefix in force when added
}

// Enabled reports true: every record is an interaction.
func (h *handler) Enabled(context.Context, slog.Level) bool { return true }

// Handle records r and, for a wrapping handler, passes it on.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	attrs := make(AttrList, len(h.attrs), len(h.attrs)+r.NumAttrs())
	copy(attrs, h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		attrs = flatten(attrs, h.prefix, a)
		return true
	})
	h.p.v.Record(Record, core.ValueOf(r.Level), core.String(r.Message), core.ValueOf(attrs))
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

// WithAttrs returns a handler whose records carry attrs first.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := *h
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range attrs {
		c.attrs = flatten(c.attrs, h.prefix, a)
	}
	if h.next != nil {
		c.next = h.next.WithAttrs(attrs)
	}
	return &c
}

// WithGroup returns a handler whose later attributes are in group name.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.prefix = h.prefix + name + "."
	if h.next != nil {
		c.next = h.next.WithGroup(name)
	}
	return &c
}

// AssertLog asserts that the next interaction is a record of level with
// message msg and exactly the attributes attrs, given as slog takes them:
// key-value pairs or slog.Attr values, in the order a TextHandler prints
// them, groups flattened or not (see the package documentation). A value
// may be a matcher.
func (p *Plugin) AssertLog(level slog.Level, msg string, attrs ...any) error {
	err := p.check(level, msg, attrs)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertDebug is AssertLog(slog.LevelDebug, msg, attrs...).
func (p *Plugin) AssertDebug(msg string, attrs ...any) error {
	err := p.check(slog.LevelDebug, msg, attrs)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertInfo is AssertLog(slog.LevelInfo, msg, attrs...).
func (p *Plugin) AssertInfo(msg string, attrs ...any) error {
	err := p.check(slog.LevelInfo, msg, attrs)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertWarn is AssertLog(slog.LevelWarn, msg, attrs...).
func (p *Plugin) AssertWarn(msg string, attrs ...any) error {
	err := p.check(slog.LevelWarn, msg, attrs)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

// AssertError is AssertLog(slog.LevelError, msg, attrs...).
func (p *Plugin) AssertError(msg string, attrs ...any) error {
	err := p.check(slog.LevelError, msg, attrs)
	if err != nil {
		p.v.Reporter().Helper()
	}
	return p.v.Fail(err)
}

func (p *Plugin) check(level slog.Level, msg string, attrs []any) error {
	return p.v.CheckValues(Record, core.ValueOf(level), core.String(msg), core.ValueOf(Attrs(attrs...)))
}
