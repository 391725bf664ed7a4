package bfslog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go/parser"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfslog"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// charge is code under test: it logs through the logger it is given.
func charge(logger *slog.Logger, account string, cents int) {
	l := logger.With("account", account)
	l.Info("charged", "cents", cents)
	if cents > 100 {
		l.WithGroup("review").Warn("large charge", slog.Int("cents", cents), slog.Bool("manual", true))
	}
}

func TestRecordsAreAsserted(t *testing.T) {
	bf := bigfoot.New(t)
	logger := slog.New(bf.Log().Handler())
	bf.Sandbox(func() { charge(logger, "acct-1", 250) })

	bf.Log().AssertInfo("charged", "account", "acct-1", "cents", 250)
	bf.Log().AssertWarn("large charge", "account", "acct-1", "review.cents", 250, "review.manual", true)
}

func TestAttrFormsAreInterchangeable(t *testing.T) {
	bf := bigfoot.New(t)
	logger := bf.Log().Logger()
	bf.Sandbox(func() {
		for i := 0; i < 4; i++ {
			logger.WithGroup("req").Info("served", "id", 7, "path", "/x")
		}
	})
	// Key-value pairs, slog.Attr values, dotted keys and groups: all the same.
	bf.Log().AssertInfo("served", "req.id", 7, "req.path", "/x")
	bf.Log().AssertInfo("served", slog.Int("req.id", 7), slog.String("req.path", "/x"))
	bf.Log().AssertInfo("served", slog.Group("req", "id", 7, "path", "/x"))
	bf.Log().AssertLog(slog.LevelInfo, "served", slog.Group("req", slog.Int64("id", 7)), "req.path", "/x")
}

type token string

func (token) LogValue() slog.Value { return slog.StringValue("REDACTED") }

func TestHandlerRules(t *testing.T) {
	bf := bigfoot.New(t)
	logger := bf.Log().Logger()
	bf.Sandbox(func() {
		logger.WithGroup("empty").Info("a")                                         // a group that gets no attrs is dropped
		logger.Info("b", slog.Group("g"), slog.Attr{}, "k", 1)                      // empty group and zero Attr dropped
		logger.Info("c", slog.Group("", "inl", 2))                                  // an empty-key group is inlined
		logger.Info("d", "tok", token("secret"))                                    // LogValuer resolved
		logger.Debug("e")                                                           // every level is recorded
		logger.Log(context.Background(), slog.LevelInfo+2, "f")                     // and levels between them
		logger.With(slog.Group("outer", "x", 1)).WithGroup("in").Error("g", "y", 2) // With attrs keep their groups
	})
	bf.Log().AssertInfo("a")
	bf.Log().AssertInfo("b", "k", 1)
	bf.Log().AssertInfo("c", "inl", 2)
	bf.Log().AssertInfo("d", "tok", "REDACTED")
	bf.Log().AssertDebug("e")
	bf.Log().AssertLog(slog.LevelInfo+2, "f")
	bf.Log().AssertError("g", "outer.x", 1, "in.y", 2)
}

func TestValuesCompareAsSlogHoldsThem(t *testing.T) {
	bf := bigfoot.New(t)
	logger := bf.Log().Logger()
	when := time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	bf.Sandbox(func() {
		logger.Info("v",
			"i", 3, "u", uint8(4), "f", 1.5, "d", 1500*time.Millisecond, "t", when,
			"b", []byte("raw"), "err", errors.New("boom"), "m", map[string]int{"a": 1}, "nil", nil)
	})
	var gotInt any
	bf.Log().AssertInfo("v",
		"i", bigfoot.Satisfies("captures", func(x int64) bool { gotInt = x; return x == 3 }),
		"u", 4, // any integer matches
		"f", 1.5, "d", 1500*time.Millisecond, "t", when.In(time.FixedZone("x", 3600)),
		"b", []byte("raw"), "err", errors.New("boom"), "m", map[string]int{"a": 1}, "nil", nil)
	if gotInt != int64(3) {
		t.Errorf("matcher got %#v, want int64(3): the value as slog holds it", gotInt)
	}
}

func TestWrapKeepsTheCodesOutput(t *testing.T) {
	bf := bigfoot.New(t)
	var out bytes.Buffer
	json := slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})
	logger := slog.New(bf.Log().Wrap(json))
	bf.Sandbox(func() {
		logger.With("svc", "billing").WithGroup("req").Info("served", "id", 7)
		logger.Debug("quiet") // recorded, but below the JSON handler's level
	})
	bf.Log().AssertInfo("served", "svc", "billing", "req.id", 7)
	bf.Log().AssertDebug("quiet")
	if got := out.String(); !strings.Contains(got, `"svc":"billing","req":{"id":7}`) || strings.Contains(got, "quiet") {
		t.Errorf("JSON handler wrote %q", got)
	}
}

func TestConcurrentRecordsInAnyOrder(t *testing.T) {
	bf := bigfoot.New(t)
	logger := bf.Log().Logger()
	const n = 50
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				logger.Info("worker", "n", i)
			}()
		}
		wg.Wait()
	})
	bf.InAnyOrder(func() {
		for i := n - 1; i >= 0; i-- {
			bf.Log().AssertInfo("worker", "n", i)
		}
	})
}

func TestManualUse(t *testing.T) {
	v := bigfoot.NewStrictVerifier()
	p, err := bfslog.NewPlugin(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bfslog.NewPlugin(v); !errors.Is(err, bigfoot.ErrPluginExists) {
		t.Errorf("second NewPlugin: %v, want ErrPluginExists", err)
	}
	v.Sandbox(func() { slog.New(p.Handler()).Warn("w", "k", "v") })
	if err := p.AssertWarn("w", "k", "other"); err == nil {
		t.Error("a wrong value passed")
	}
	if err := v.AssertInteraction(bfslog.Record, bigfoot.Fields{"level": slog.LevelWarn, "msg": "w", "attrs": bfslog.Attrs("k", "v")}); err != nil {
		t.Error(err)
	}
	if err := v.VerifyAll(); err != nil {
		t.Error(err)
	}
}

// The failure paths, with their messages.

func TestUnassertedRecordShowsTheAssertion(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		logger := bf.Log().Logger()
		bf.Sandbox(func() {
			charge(logger, "acct-9", 500)
			logger.Log(context.Background(), slog.LevelWarn+1, "odd", "when", time.Unix(5, 6).UTC(), "err", errors.New("x"))
		})
	})
	want := []string{
		"3 recorded interaction(s) were never asserted",
		`bf.Log().AssertInfo("charged", "account", "acct-9", "cents", 500)`,
		`bf.Log().AssertWarn("large charge", "account", "acct-9", "review.cents", 500, "review.manual", true)`,
		`bf.Log().AssertLog(slog.Level(5), "odd", "when", time.Unix(5, 6)`,
	}
	for _, w := range want {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
	parseHints(t, ft.All())
}

func TestMismatchNamesTheField(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		logger := bf.Log().Logger()
		bf.Sandbox(func() { charge(logger, "acct-1", 50) })
		bf.Log().AssertInfo("charged", "account", "acct-1", "cents", 51)
	})
	for _, w := range []string{
		"assertion does not match the next interaction",
		`field attrs:`,
		`- bfslog.Attrs("account", "acct-1", "cents", 51)`,
		`+ bfslog.Attrs("account", "acct-1", "cents", 50)`,
		`fix:` + "\n\t" + `bf.Log().AssertInfo("charged", "account", "acct-1", "cents", 50)`,
	} {
		if !strings.Contains(ft.All(), w) {
			t.Errorf("failure lacks %q:\n%s", w, ft.All())
		}
	}
	if len(ft.Fatals()) != 1 {
		t.Errorf("want one fatal failure (the assertion), got %d", len(ft.Fatals()))
	}
}

func TestWrongLevelAndMissingAttr(t *testing.T) {
	for _, tt := range []struct {
		name   string
		assert func(bf *bigfoot.StrictVerifier)
		want   string
	}{
		{"level", func(bf *bigfoot.StrictVerifier) { bf.Log().AssertWarn("charged", "account", "a", "cents", 1) }, "field level"},
		{"msg", func(bf *bigfoot.StrictVerifier) { bf.Log().AssertInfo("charge", "account", "a", "cents", 1) }, "field msg"},
		{"missing attr", func(bf *bigfoot.StrictVerifier) { bf.Log().AssertInfo("charged", "cents", 1) }, "field attrs"},
		{"extra attr", func(bf *bigfoot.StrictVerifier) { bf.Log().AssertInfo("charged", "account", "a", "cents", 1, "x", 2) }, "field attrs"},
		{"order", func(bf *bigfoot.StrictVerifier) { bf.Log().AssertInfo("charged", "cents", 1, "account", "a") }, "field attrs"},
		{"inside sandbox", func(bf *bigfoot.StrictVerifier) {
			bf.Sandbox(func() { bf.Log().AssertInfo("charged", "account", "a", "cents", 1) })
		}, "made inside the sandbox"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ft := bftest.New(t)
			ft.Run(func() {
				bf := bigfoot.New(ft)
				logger := bf.Log().Logger()
				bf.Sandbox(func() { charge(logger, "a", 1) })
				tt.assert(bf)
			})
			if !strings.Contains(ft.All(), tt.want) {
				t.Errorf("failure lacks %q:\n%s", tt.want, ft.All())
			}
		})
	}
}

// TestHintsParse renders the hint of a record holding every kind of value
// and parses it as Go.
func TestHintsParse(t *testing.T) {
	ft := bftest.New(t)
	type point struct{ X, Y int }
	ft.Run(func() {
		bf := bigfoot.New(ft)
		logger := bf.Log().Logger()
		bf.Sandbox(func() {
			logger.Info("kinds", "s", "q\"uote\n", "i", -3, "u", uint64(1<<63), "f", 2.0, "f2", 1e-9,
				"d", 90*time.Second, "d2", 1500*time.Microsecond, "t", time.Unix(1, 2), "b", []byte{0, 1},
				"p", point{1, 2}, "pp", &point{3, 4}, "ch", make(chan int), "e", errors.New("a */ b"),
				"long", strings.Repeat("x", 2000))
		})
	})
	if !strings.Contains(ft.All(), `"f", 2.0, "f2", 1e-09, "d", 90 * time.Second, "d2", 1500 * time.Microsecond`) {
		t.Errorf("hint lacks the rendered values:\n%s", ft.All())
	}
	if n := parseHints(t, ft.All()); n != 1 {
		t.Errorf("parsed %d hints, want 1", n)
	}
}

// parseHints parses every bf.Log() assertion line of a failure as Go and
// returns how many it found.
func parseHints(t *testing.T, msg string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "bf.Log().Assert") {
			continue
		}
		n++
		if _, err := parser.ParseExpr(line); err != nil {
			t.Errorf("hint does not parse: %v\n%s", err, line)
		}
	}
	return n
}

// TestLogJSONRoundTrip checks that Wrap passes records on intact to a
// handler that renders every attribute (the JSON handler), groups and all.
func TestLogJSONRoundTrip(t *testing.T) {
	bf := bigfoot.New(t)
	var out bytes.Buffer
	logger := slog.New(bf.Log().Wrap(slog.NewJSONHandler(&out, nil)))
	bf.Sandbox(func() { logger.Info("m", slog.Group("g", "a", 1, slog.Group("h", "b", "c"))) })
	bf.Log().AssertInfo("m", "g.a", 1, "g.h.b", "c")
	var rec map[string]any
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if g, _ := rec["g"].(map[string]any); g["a"] != 1.0 {
		t.Errorf("JSON record %v", rec)
	}
}
