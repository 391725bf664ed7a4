//go:build bigfoot_overlay

package userapi_test

import (
	"context"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
	"github.com/bigfoot-go/bigfoot/examples/http/userapi"
)

// The client left with no *http.Client uses http.DefaultClient: no seam.
// Under bigfoot test the default transport answers from the plugin.
func TestGetThroughTheDefaultClient(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/v1/users/1", bfhttp.JSON(200, userapi.User{ID: 1, Name: "Ada"}))

	c := &userapi.Client{BaseURL: "https://api.example.com/v1", Token: "t0ken"}
	var u userapi.User
	var err error
	bf.Sandbox(func() { u, err = c.Get(context.Background(), 1) })

	if err != nil || u.Name != "Ada" {
		t.Fatalf("Get = %+v, %v", u, err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v1/users/1", headers(), "")
}
