package corpus

import (
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// signAll is code under test: it uses the unexported cache and token.
func signAll(c cache, s Signer, keys ...string) ([][]byte, error) {
	var out [][]byte
	for _, k := range keys {
		tok, ok := c.lookup(k)
		if !ok {
			tok = token{value: k}
			c.save(tok, time.Minute)
		}
		sig, err := s.Sign(tok)
		if err != nil {
			return nil, err
		}
		out = append(out, sig)
	}
	return out, nil
}

func TestUnexportedTypesInPackage(t *testing.T) {
	bf := bigfoot.New(t)
	c := newMockCache(bf)
	s := NewMockSigner(bf)
	c.ExpectLookup("a").Returns(token{value: "ta"}, true)
	c.ExpectLookup("b").Returns(token{}, false)
	c.ExpectSave(token{value: "b"}, time.Minute)
	s.ExpectSign(token{value: "ta"}).Returns([]byte("sig-a"), nil)
	s.ExpectSign(token{value: "b"}).Returns([]byte("sig-b"), nil)

	var sigs [][]byte
	bf.Sandbox(func() { sigs, _ = signAll(c, s, "a", "b") })
	if len(sigs) != 2 || string(sigs[1]) != "sig-b" {
		t.Fatalf("sigs = %q", sigs)
	}
	c.AssertLookup("a")
	s.AssertSign(token{value: "ta"})
	c.AssertLookup("b")
	c.AssertSave(token{value: "b"}, time.Minute)
	s.AssertSign(token{value: "b"})
}

func TestUnassertedHintInPackage(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		c := newMockCache(bf)
		c.ExpectSave(token{value: "x"}, 90*time.Second)
		bf.Sandbox(func() { c.save(token{value: "x"}, 90*time.Second) })
	})
	// The file's own package is not qualified; a duration reads as Go.
	if want := `c.AssertSave(token{value: "x"}, 90 * time.Second)`; !strings.Contains(ft.All(), want) {
		t.Errorf("failure lacks %q:\n%s", want, ft.All())
	}
}
