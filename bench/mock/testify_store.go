package benchmock

import (
	"context"

	tmock "github.com/stretchr/testify/mock"
)

// TestifyStore is Store written the way testify/mock users write it.
type TestifyStore struct{ tmock.Mock }

// Get records the call and returns what On(...).Return(...) scripted.
func (m *TestifyStore) Get(ctx context.Context, key string) (string, error) {
	args := m.Called(ctx, key)
	return args.String(0), args.Error(1)
}
