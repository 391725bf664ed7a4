// Package benchmock benchmarks bigfoot's mocks against gomock
// (go.uber.org/mock, with mockgen's generated code) and testify/mock, in
// one run: N expectations of Store.Get(ctx, key) with distinct keys, N
// calls, and what each library checks afterwards (bigfoot: N assertions
// and VerifyAll; gomock: Finish; testify: AssertExpectations). It is its
// own module, so that the bigfoot module never requires them. RESULTS.md
// has the figures and the command.
package benchmock

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -source=store.go -destination=gomock_store.go -package=benchmock -mock_names=Store=GomockStore
//go:generate go run github.com/bigfoot-go/bigfoot/cmd/bigfoot mock -o bigfoot_store.go -pkg benchmock . Store

import "context"

// Store is the interface the code under test depends on.
type Store interface {
	Get(ctx context.Context, key string) (string, error)
}

// Fetch is a function variable with Store.Get's signature, for mock.Func.
var Fetch = func(ctx context.Context, key string) (string, error) { return "", nil }
