package bfhttp

import (
	"net/http"
	"net/textproto"
	"net/url"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

// The fast paths of the request path must agree with the standard
// library's slow ones on every input.

var keySeeds = []string{"Accept", "accept", "Content-Type", "content-type", "X-Request-ID", "X-Request-Id",
	"WWW-Authenticate", "Www-Authenticate", "a b", "Foo_bar", "ünicode", "-leading", "trailing-", "A--B", "1a", "", "ETag", "Etag"}

func FuzzIsCanonicalKey(f *testing.F) {
	for _, s := range keySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if got, want := isCanonicalKey(k), textproto.CanonicalMIMEHeaderKey(k) == k; got != want {
			t.Errorf("isCanonicalKey(%q) = %v, CanonicalMIMEHeaderKey gives %q", k, got, textproto.CanonicalMIMEHeaderKey(k))
		}
	})
}

var urlSeeds = []string{"https://api.example.com/users/1", "http://h:8080/a%20b?x=1&y=2", "https://API.Example.com/",
	"https://h/p#frag", "https://user:pw@h/p", "https://h", "https://h?q", "https://[::1]:80/x", "http://h/a b",
	"https://h/%2F?x", "https://h/caf%C3%A9", "mailto:x@y", "https://h/p?", "https://xn--e1afmkfd.example/п",
	"https://api.example.com/a;b=c/@x:y$&+,=?q=1", "https://h/~user/_x-y.z", "https://h/a*b", "https://h/a!b(c)"}

func FuzzSentURL(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	v := core.New(nil)
	p := For(v)
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		want := *u
		want.Fragment, want.RawFragment = "", ""
		if got := p.sentURL(u, nil); got != want.String() {
			t.Errorf("sentURL(%q) = %q, url.URL.String gives %q", raw, got, want.String())
		}
		k1, ok1 := requestKey("GET", u)
		k2, ok2 := appendRequestKey(make([]byte, 0, 4), "GET", u)
		if k1 != string(k2) || ok1 != ok2 {
			t.Errorf("appendRequestKey(%q) = %q, %v; requestKey gives %q, %v", raw, k2, ok2, k1, ok1)
		}
	})
}

func TestRecordedHeaderIsACopy(t *testing.T) {
	p := For(core.New(nil))
	h := http.Header{"Accept": {"a", "b"}, "x-lower": {"1"}, "Empty": {}}
	snap := p.recordHeader(h)
	h["Accept"][0] = "changed"
	h.Set("X-New", "2")
	got := snap.Materialize().(http.Header)
	want := http.Header{"Accept": {"a", "b"}, "X-Lower": {"1"}}
	if !headersEqual(want, got) || !snap.equal(want) {
		t.Errorf("recorded %#v, want %#v", got, want)
	}
	if snap.equal(http.Header{"Accept": {"a", "b"}}) || snap.equal(http.Header{"Accept": {"a"}, "X-Lower": {"1"}}) {
		t.Error("equal matched a different header")
	}
	if e := p.recordHeader(nil).Materialize().(http.Header); e == nil || len(e) != 0 {
		t.Errorf("no header: %#v", e)
	}
}
