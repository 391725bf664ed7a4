// Package weather is the example of package mock: a service that depends
// on an interface (Provider, mocked by a mock that bigfoot mock generated
// into package weathermock) and on function variables (Now, Logf, swapped
// with mock.Func). Its tests script both, run the code in a sandbox, and
// assert every call in order, on the one timeline.
package weather

//go:generate go run github.com/bigfoot-go/bigfoot/cmd/bigfoot mock -o weathermock/provider.go . Provider

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"
)

// Day is one day of a forecast.
type Day struct {
	Date    time.Time
	High    float64
	Low     float64
	Summary string
}

// Provider is the weather service the code calls.
type Provider interface {
	Forecast(ctx context.Context, city string, days int) ([]Day, error)
	Alert(ctx context.Context, city string, msg string, tags ...string) error
}

// ErrUnknownCity is what a Provider returns for a city it does not know.
var ErrUnknownCity = errors.New("weather: unknown city")

// Now and Logf are function variables, so that tests can swap them.
var (
	Now  = time.Now
	Logf = log.Printf
)

// Weekend says what the coming Saturday will be like in city, and sends an
// alert when it will freeze.
func Weekend(ctx context.Context, p Provider, city string) (string, error) {
	today := Now()
	days, err := p.Forecast(ctx, city, 7)
	if errors.Is(err, ErrUnknownCity) {
		Logf("weather: no forecast for %s", city)
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("forecast for %s: %w", city, err)
	}
	for _, d := range days {
		if d.Date.Weekday() != time.Saturday || !d.Date.After(today) {
			continue
		}
		if d.Low < 0 {
			if err := p.Alert(ctx, city, "frost on Saturday", "frost", "weekend"); err != nil {
				Logf("weather: alert failed: %v", err)
			}
		}
		return fmt.Sprintf("Saturday in %s: %s, %.0f to %.0f", city, d.Summary, d.Low, d.High), nil
	}
	return "", fmt.Errorf("no Saturday in the forecast for %s", city)
}
