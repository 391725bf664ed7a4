// Package userapi is a small, realistic API client, the kind of code
// bigfoot's HTTP plugin is for: it talks JSON to a users service over any
// *http.Client and turns the service's answers into Go values and errors.
//
// Its tests script the service with bf.HTTP() and assert every request
// the client made, header and body included: userapi_test.go through the
// seam (the client is handed bf.HTTP().Client()), transparent_test.go with
// no seam (the client uses http.DefaultClient), which runs under
//
//	go run github.com/bigfoot-go/bigfoot/cmd/bigfoot test ./examples/...
package userapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// User is a user of the service.
type User struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// ErrNotFound is returned for a user the service does not have.
var ErrNotFound = errors.New("userapi: not found")

// APIError is an answer of the service that is neither success nor "not
// found".
type APIError struct {
	Status  int    // the HTTP status code
	Message string // the service's "error" field, if it sent one
}

func (e *APIError) Error() string {
	return "userapi: " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status) + ": " + e.Message
}

// Client calls the users service at BaseURL with Token.
type Client struct {
	BaseURL string       // e.g. "https://api.example.com/v1"
	Token   string       // sent as a bearer token
	HTTP    *http.Client // nil means http.DefaultClient
}

// Get returns the user with id.
func (c *Client) Get(ctx context.Context, id int) (User, error) {
	var u User
	err := c.do(ctx, http.MethodGet, "/users/"+strconv.Itoa(id), nil, &u)
	return u, err
}

// Create makes a user with name and email and returns it as the service
// stored it.
func (c *Client) Create(ctx context.Context, name, email string) (User, error) {
	var u User
	err := c.do(ctx, http.MethodPost, "/users", User{Name: name, Email: email}, &u)
	return u, err
}

// Search returns the users whose name starts with prefix, at most limit.
func (c *Client) Search(ctx context.Context, prefix string, limit int) ([]User, error) {
	q := url.Values{"prefix": {prefix}, "limit": {strconv.Itoa(limit)}}
	var out struct {
		Users []User `json:"users"`
	}
	err := c.do(ctx, http.MethodGet, "/users?"+q.Encode(), nil, &out)
	return out.Users, err
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("userapi: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case resp.StatusCode >= 300:
		var e struct {
			Error string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e) // best effort: the status says enough
		return &APIError{Status: resp.StatusCode, Message: e.Error}
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
