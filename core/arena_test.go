package core

import (
	"strings"
	"testing"
)

func TestArenaCopies(t *testing.T) {
	v := New(nil)
	buf := []byte("GET https://x/1")
	s := v.String(buf)
	c := v.CopyBytes(buf)
	buf[0] = 'P' // the caller's scratch space is reused
	if s != "GET https://x/1" || string(c) != "GET https://x/1" {
		t.Fatalf("String %q, CopyBytes %q after the buffer changed", s, c)
	}
	if cap(c) != len(c) {
		t.Errorf("CopyBytes capacity %d, want %d: an append would reach the next copy", cap(c), len(c))
	}
	c2 := v.CopyBytes([]byte("next"))
	_ = append(c, 'X')
	if string(c2) != "next" || s != "GET https://x/1" {
		t.Errorf("an append to one copy changed another: %q, %q", c2, s)
	}
	if v.CopyBytes(nil) != nil || v.String(nil) != "" {
		t.Error("empty input gave a non-empty copy")
	}
	big := strings.Repeat("x", 3*arenaChunk)
	if got := v.String([]byte(big)); got != big {
		t.Error("a string larger than a chunk was cut")
	}
	if n := testing.AllocsPerRun(100, func() { _ = v.String(buf[:8]) }); n > 0.1 {
		t.Errorf("String allocates %.2f times per call; it should cut from the arena", n)
	}
}
