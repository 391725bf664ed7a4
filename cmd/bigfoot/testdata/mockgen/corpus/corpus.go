// Package corpus holds the interfaces that bigfoot mock is tested on: the
// shapes mockgen users meet (contexts and named types, variadics, generics,
// embedded interfaces from this package and the standard library,
// unexported types and interfaces, parameter names that clash with what
// the generated code uses). The test copies it into a scratch module,
// generates the mocks, and runs go vet and the tests beside it.
package corpus

import (
	"context"
	"io"
	"net/http"
	"time"
)

// User is a record the Store returns.
type User struct {
	ID   ID
	Name string
	Tags []string
}

// ID is a named string.
type ID string

// Store has contexts, named types, struct and pointer results.
type Store interface {
	Get(ctx context.Context, id ID) (*User, error)
	Put(ctx context.Context, u User) error
	List(ctx context.Context, limit int, after time.Time) ([]User, error)
	Count() int
}

// Logger has variadic methods and an io.Writer-shaped one.
type Logger interface {
	Logf(format string, args ...any)
	Write(p []byte) (n int, err error)
	Tags(tags ...string) bool
}

// Repo is generic.
type Repo[K comparable, V any] interface {
	Load(key K) (V, bool)
	Save(key K, value V) error
	Keys() []K
}

// Getter is embedded in ReadStore.
type Getter interface {
	Get(ctx context.Context, id ID) (*User, error)
}

// ReadStore embeds an interface of this package and one of the standard library.
type ReadStore interface {
	io.Closer
	Getter
	Ping(ctx context.Context) error
}

// token is unexported: only a mock inside this package can name it.
type token struct{ value string }

// Signer is exported but uses an unexported type.
type Signer interface {
	Sign(t token) ([]byte, error)
}

// cache is unexported, with unexported methods.
type cache interface {
	lookup(key string) (token, bool)
	save(t token, ttl time.Duration)
}

// Tricky has parameter names that clash with the generated code's
// identifiers and imports, unnamed parameters, function, channel and map
// types, and no results.
type Tricky interface {
	Do(m, k, c string, core int, mock bool, err error) (a int, e error)
	Unnamed(int, string) (string, error)
	NoResults()
	Func(fn func(int) error, ch chan<- string, mp map[string][]int) func() error
	Serve(w http.ResponseWriter, r *http.Request)
}

// Number is a constraint, not an interface a value implements: bigfoot
// mock refuses it.
type Number interface {
	~int | ~float64
}
