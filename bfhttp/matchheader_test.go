package bfhttp_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
)

func TestMatchHeader(t *testing.T) {
	m := bfhttp.MatchHeader(map[string]any{
		"accept":        "application/json",
		"Authorization": bigfoot.HasPrefix("Bearer "),
		"X-Tags":        []string{"a", "b"},
	})
	good := http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer s3cret"}, "X-Tags": {"a", "b"}}
	if !m.Matches(good) {
		t.Errorf("%s does not match %v", m, good)
	}
	for name, h := range map[string]http.Header{
		"wrong value":   {"Accept": {"text/plain"}, "Authorization": {"Bearer x"}, "X-Tags": {"a", "b"}},
		"matcher fails": {"Accept": {"application/json"}, "Authorization": {"Basic x"}, "X-Tags": {"a", "b"}},
		"missing key":   {"Accept": {"application/json"}, "X-Tags": {"a", "b"}},
		"extra key":     {"Accept": {"application/json"}, "Authorization": {"Bearer x"}, "X-Tags": {"a", "b"}, "X-More": {"1"}},
		"values differ": {"Accept": {"application/json"}, "Authorization": {"Bearer x"}, "X-Tags": {"a"}},
		"two values":    {"Accept": {"application/json", "text/plain"}, "Authorization": {"Bearer x"}, "X-Tags": {"a", "b"}},
	} {
		if m.Matches(h) {
			t.Errorf("%s: %s matches %v", name, m, h)
		}
	}
	if m.Matches("not a header") {
		t.Error("matches a string")
	}
	want := `bfhttp.MatchHeader(map[string]any{"Accept": "application/json", "Authorization": bigfoot.HasPrefix("Bearer "), "X-Tags": []string{"a", "b"}})`
	if got := m.String(); got != want {
		t.Errorf("String() = %s\nwant       %s", got, want)
	}
	bad := bfhttp.MatchHeader(map[string]any{"Accept": 3})
	if bad.Matches(http.Header{"Accept": {"3"}}) || !strings.Contains(bad.String(), `the value of "Accept" is a int`) {
		t.Errorf("a misused MatchHeader: %s", bad)
	}
}

func TestMatchHeaderInAssertRequest(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/me", bfhttp.Response{Status: 200})
	bf.Sandbox(func() {
		req, _ := http.NewRequest("GET", "https://api.example.com/me", nil)
		req.Header.Set("Authorization", "Bearer token-1")
		resp, err := bf.HTTP().Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	})
	bf.HTTP().AssertRequest("GET", "https://api.example.com/me",
		bfhttp.MatchHeader(map[string]any{"Authorization": bigfoot.HasPrefix("Bearer ")}), "")
}
