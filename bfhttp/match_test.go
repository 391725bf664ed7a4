package bfhttp

import (
	"net/url"
	"testing"
)

// The fast path must agree with url.Parse + requestKey wherever it answers.
func TestFastKeyAgreesWithParsing(t *testing.T) {
	for _, raw := range []string{
		"https://api.example.com/users/1",
		"https://api.example.com",
		"http://api.example.com:80/x",
		"http://api.example.com:8080/x?b=2&a=1",
		"https://api.example.com/search?q=go+lang&tag=a&tag=b",
		"https://api.example.com/a,b;c=d@e:f$g&h+i",
		"https://api.example.com/?x=%2F",
		"https://api.example.com/?x=%41",
		"https://api.example.com/?a",
		"https://api.example.com/?",
		"https://Api.Example.com/x",
		"https://[::1]:443/x",
		"https://api.example.com/%7e",
		"https://api.example.com/a b",
		"https://api.example.com/x#frag",
		"https://u:p@api.example.com/x",
		"https://api.example.com/?a=1;b=2",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		want, ok := requestKey("GET", u)
		got, fast := fastKey("GET", raw)
		if fast && (!ok || got != want) {
			t.Errorf("%s: fast key %q, parsed key %q (query ok %v)", raw, got, want, ok)
		}
	}
}

func FuzzFastKeyAgreesWithParsing(f *testing.F) {
	f.Add("https://api.example.com/users/1?b=2&a=1")
	f.Add("http://x:81/%41?q=%20")
	f.Fuzz(func(t *testing.T, raw string) {
		got, fast := fastKey("GET", raw)
		if !fast {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("fast path took %q, which does not parse: %v", raw, err)
		}
		if want, ok := requestKey("GET", u); !ok || got != want {
			t.Fatalf("%q: fast key %q, parsed key %q", raw, got, want)
		}
	})
}

func TestCanonicalQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"a=1&b=2":     "a=1&b=2",
		"b=2&a=1":     "a=1&b=2",
		"a=2&a=1":     "a=2&a=1",
		"a=1&b=2&a=3": "a=1&a=3&b=2",
		"x=a%2fb":     "x=a%2Fb",
		"x=a/b":       "x=a%2Fb",
		"x=a%20b":     "x=a+b",
		"a":           "a=",
		"a=1&&b=2":    "a=1&b=2",
	} {
		if got, ok := canonicalQuery(raw); !ok || got != want {
			t.Errorf("canonicalQuery(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	if _, ok := canonicalQuery("a=1;b=2"); ok {
		t.Error("a query with ';' parsed")
	}
}

// requestKey and fastKey are the string forms of the key builders, for
// comparing them.
func requestKey(method string, u *url.URL) (string, bool) {
	k, ok := appendRequestKey(nil, method, u)
	return string(k), ok
}

func fastKey(method, raw string) (string, bool) {
	k, ok := appendFastKey(nil, method, raw)
	return string(k), ok
}
