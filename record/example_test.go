package record_test

import (
	"fmt"
	"strings"

	"github.com/bigfoot-go/bigfoot/record"
)

// Two recording runs of a test that sent one request with a request ID
// that changes every time, and a bearer token: the emitted script answers
// the request as the service did, and the assertion puts matchers on the
// ID and the token.
func ExampleEmit() {
	run := func(id string) *record.Transcript {
		return &record.Transcript{Test: "TestFetchUser", HTTP: []record.Exchange{{
			Seq: 1, Method: "GET", URL: "https://api.example.com/users/1",
			Header: map[string][]string{"Authorization": {"Bearer s3cr3t"}, "X-Request-Id": {id}},
			Status: 200, RespHeader: map[string][]string{"Content-Type": {"application/json"}},
			RespBody: []byte(`{"id":1,"name":"ada"}`),
		}}}
	}
	code, err := record.Emit("bf", run("5f1c"), run("9a0b"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(code.Script, "\n"))
	fmt.Println(strings.Join(code.Assert, "\n"))
	fmt.Println(code.Imports)
	// Output:
	// bf.HTTP().Expect("GET", "https://api.example.com/users/1", bfhttp.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":1,"name":"ada"}`)})
	// bf.HTTP().AssertRequest("GET", "https://api.example.com/users/1", bfhttp.MatchHeader(map[string]any{
	// "Authorization": bigfoot.HasPrefix("Bearer "),
	// "X-Request-Id": bigfoot.Regexp(`^[0-9a-f]+$`),
	// }), "")
	// [github.com/bigfoot-go/bigfoot github.com/bigfoot-go/bigfoot/bfhttp net/http]
}
