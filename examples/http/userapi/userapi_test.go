package userapi_test

import (
	"context"
	"errors"
	"net/http"
	"syscall"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfhttp"
	"github.com/bigfoot-go/bigfoot/examples/http/userapi"
)

// headers are what the client sends with every request.
func headers(extra ...string) http.Header {
	h := http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer t0ken"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

func newClient(bf *bigfoot.StrictVerifier) *userapi.Client {
	return &userapi.Client{BaseURL: "https://api.example.com/v1", Token: "t0ken", HTTP: bf.HTTP().Client()}
}

func TestGet(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/v1/users/1", bfhttp.JSON(200, userapi.User{ID: 1, Name: "Ada"}))

	var u userapi.User
	var err error
	bf.Sandbox(func() { u, err = newClient(bf).Get(context.Background(), 1) })

	if err != nil || u != (userapi.User{ID: 1, Name: "Ada"}) {
		t.Fatalf("Get = %+v, %v", u, err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v1/users/1", headers(), "")
}

func TestGetMissingUser(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/v1/users/9", bfhttp.JSON(404, map[string]string{"error": "no user 9"}))

	var err error
	bf.Sandbox(func() { _, err = newClient(bf).Get(context.Background(), 9) })

	if !errors.Is(err, userapi.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v1/users/9", headers(), "")
}

func TestCreate(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("POST", "https://api.example.com/v1/users", bfhttp.JSON(201, userapi.User{ID: 2, Name: "Grace", Email: "grace@example.com"}))

	var u userapi.User
	var err error
	bf.Sandbox(func() { u, err = newClient(bf).Create(context.Background(), "Grace", "grace@example.com") })

	if err != nil || u.ID != 2 {
		t.Fatalf("Create = %+v, %v", u, err)
	}
	bf.HTTP().AssertRequest("POST", "https://api.example.com/v1/users",
		headers("Content-Type", "application/json"), `{"id":0,"name":"Grace","email":"grace@example.com"}`)
}

// The query is matched as parsed values: the script need not spell it in
// the order url.Values.Encode writes it. The assertion states the URL as
// the client sent it.
func TestSearch(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/v1/users?prefix=A&limit=2",
		bfhttp.JSON(200, map[string][]userapi.User{"users": {{ID: 1, Name: "Ada"}, {ID: 3, Name: "Alan"}}}))

	var users []userapi.User
	var err error
	bf.Sandbox(func() { users, err = newClient(bf).Search(context.Background(), "A", 2) })

	if err != nil || len(users) != 2 || users[1].Name != "Alan" {
		t.Fatalf("Search = %+v, %v", users, err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v1/users?limit=2&prefix=A", headers(), "")
}

func TestServerError(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/v1/users/1", bfhttp.JSON(503, map[string]string{"error": "maintenance"}))

	var err error
	bf.Sandbox(func() { _, err = newClient(bf).Get(context.Background(), 1) })

	var apiErr *userapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.Message != "maintenance" {
		t.Fatalf("err = %v", err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v1/users/1", headers(), "")
}

// A transport error: the connection was refused. The request still
// happened, so it is asserted.
func TestConnectionRefused(t *testing.T) {
	bf := bigfoot.New(t)
	bf.HTTP().Expect("GET", "https://api.example.com/v1/users/1", bfhttp.Response{}, bigfoot.Raises(syscall.ECONNREFUSED))

	var err error
	bf.Sandbox(func() { _, err = newClient(bf).Get(context.Background(), 1) })

	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v", err)
	}
	bf.HTTP().AssertRequest("GET", "https://api.example.com/v1/users/1", headers(), "")
}
