package bfhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
)

// The phases of one scripted request, each measured alone over a
// verifier holding b.N requests (see bench/http for the whole beside
// httpmock, gock and httptest.Server).

func benchURLs(n int) ([]string, []*http.Request) {
	urls := make([]string, n)
	reqs := make([]*http.Request, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("https://api.example.com/users/%d", i)
		reqs[i], _ = http.NewRequest("GET", urls[i], nil)
		reqs[i].Header.Set("Accept", "application/json")
	}
	return urls, reqs
}

var benchResp = bfhttp.Response{Status: 200, Body: []byte(`{"id":1,"name":"ada"}`)}

func BenchmarkPhaseExpect(b *testing.B) {
	urls, _ := benchURLs(b.N)
	p := bigfoot.NewStrictVerifier().HTTP()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Expect("GET", urls[i], benchResp)
	}
}

func BenchmarkPhaseRoundTrip(b *testing.B) {
	urls, reqs := benchURLs(b.N)
	bf := bigfoot.NewStrictVerifier()
	p := bf.HTTP()
	for i := range b.N {
		p.Expect("GET", urls[i], benchResp)
	}
	b.ReportAllocs()
	b.ResetTimer()
	bf.Sandbox(func() {
		for i := range b.N {
			resp, err := p.RoundTrip(reqs[i])
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		b.StopTimer()
	})
}

func BenchmarkPhaseAssert(b *testing.B) {
	urls, reqs := benchURLs(b.N)
	bf := bigfoot.NewStrictVerifier()
	p := bf.HTTP()
	for i := range b.N {
		p.Expect("GET", urls[i], benchResp)
	}
	bf.Sandbox(func() {
		for i := range b.N {
			resp, _ := p.RoundTrip(reqs[i])
			resp.Body.Close()
		}
	})
	accept := http.Header{"Accept": {"application/json"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := p.AssertRequest("GET", urls[i], accept, ""); err != nil {
			b.Fatal(err)
		}
	}
}
