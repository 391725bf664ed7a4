package bigfoot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
)

// fetchUserName is code under test: it takes the *http.Client to use.
func fetchUserName(ctx context.Context, c *http.Client, id int) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("https://api.example.com/users/%d", id), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var u struct{ Name string }
	err = json.NewDecoder(resp.Body).Decode(&u)
	return u.Name, err
}

// The HTTP plugin: responses scripted with Expect, the code given
// bf.HTTP().Client(), every request asserted after the sandbox. In a test,
// bf is bigfoot.New(t) and the failures fail t.
func ExampleStrictVerifier_HTTP() {
	bf := bigfoot.NewStrictVerifier()
	bf.HTTP().Expect("GET", "https://api.example.com/users/1", bfhttp.JSON(200, map[string]string{"name": "ada"}))

	var name string
	var err error
	bf.Sandbox(func() { name, err = fetchUserName(context.Background(), bf.HTTP().Client(), 1) })
	fmt.Println(name, err)

	fmt.Println(bf.HTTP().AssertRequest("GET", "https://api.example.com/users/1", http.Header{"Accept": {"application/json"}}, ""))
	fmt.Println(bf.VerifyAll())
	// Output:
	// ada <nil>
	// <nil>
	// <nil>
}
