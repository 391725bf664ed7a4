package weather_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	weather "github.com/bigfoot-go/bigfoot/examples/mock"
	"github.com/bigfoot-go/bigfoot/examples/mock/weathermock"
	"github.com/bigfoot-go/bigfoot/mock"
)

var (
	thursday = time.Date(2025, time.March, 6, 8, 0, 0, 0, time.UTC)
	saturday = time.Date(2025, time.March, 8, 0, 0, 0, 0, time.UTC)
)

func TestWeekendWithFrost(t *testing.T) {
	bf := bigfoot.New(t)
	provider := weathermock.NewMockProvider(bf)
	now := mock.Func(bf, &weather.Now)

	now.Expect().Returns(thursday)
	provider.ExpectForecastMatch(bigfoot.Any(), "Oslo", 7).
		Returns([]weather.Day{{Date: saturday, High: 3, Low: -4, Summary: "clear"}}, nil)
	provider.ExpectAlertMatch(bigfoot.Any(), "Oslo", bigfoot.Contains("frost"), "frost", "weekend").Returns(nil)

	var got string
	var err error
	bf.Sandbox(func() { got, err = weather.Weekend(context.Background(), provider, "Oslo") })

	if err != nil || got != "Saturday in Oslo: clear, -4 to 3" {
		t.Fatalf("Weekend = %q, %v", got, err)
	}
	now.AssertCall()
	provider.AssertForecast(context.Background(), "Oslo", 7)
	provider.AssertAlert(context.Background(), "Oslo", "frost on Saturday", "frost", "weekend")
}

func TestUnknownCityIsLogged(t *testing.T) {
	bf := bigfoot.New(t)
	provider := weathermock.NewMockProvider(bf)
	now := mock.Func(bf, &weather.Now)
	logf := mock.Func(bf, &weather.Logf)

	now.Expect().Returns(thursday)
	provider.ExpectForecastMatch(bigfoot.Any(), "Atlantis", 7).Raises(weather.ErrUnknownCity)
	logf.Expect("weather: no forecast for %s", "Atlantis")

	var err error
	bf.Sandbox(func() { _, err = weather.Weekend(context.Background(), provider, "Atlantis") })

	if !errors.Is(err, weather.ErrUnknownCity) {
		t.Fatalf("err = %v", err)
	}
	now.AssertCall()
	provider.AssertForecast(context.Background(), "Atlantis", 7)
	logf.AssertCall("weather: no forecast for %s", "Atlantis")
}

// A mock's answer may depend on the call's arguments.
func TestForecastByDoes(t *testing.T) {
	bf := bigfoot.New(t)
	provider := weathermock.NewMockProvider(bf)
	mock.Func(bf, &weather.Now).Expect().Returns(thursday)
	provider.ExpectForecastMatch(bigfoot.Any(), bigfoot.Any(), 7).Does(func(_ context.Context, city string, days int) ([]weather.Day, error) {
		return []weather.Day{{Date: saturday, High: 20, Low: 11, Summary: "sunny in " + city}}, nil
	})

	var got string
	bf.Sandbox(func() { got, _ = weather.Weekend(context.Background(), provider, "Rome") })

	if got != "Saturday in Rome: sunny in Rome, 11 to 20" {
		t.Fatalf("got %q", got)
	}
	mock.Func(bf, &weather.Now).AssertCall()
	provider.AssertForecastMatch(bigfoot.Any(), "Rome", 7)
}

// What a test sees when the code does something the script did not say.
func TestWhatFailuresLookLike(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		provider := weathermock.NewMockProvider(bf)
		now := mock.Func(bf, &weather.Now)
		now.Expect().Returns(thursday)
		provider.ExpectForecastMatch(bigfoot.Any(), "Oslo", 7).
			Returns([]weather.Day{{Date: saturday, High: 3, Low: -4, Summary: "clear"}}, nil)
		// No alert is scripted: the code's Alert call fails the test, even
		// though Weekend only logs the error it gets.
		mock.Func(bf, &weather.Logf).Expect("weather: alert failed: %v", bigfoot.Any()).Optional()
		bf.Sandbox(func() { weather.Weekend(context.Background(), provider, "Oslo") })
		now.AssertCall()
		provider.AssertForecast(context.Background(), "Oslo", 6) // wrong: the code asked for 7 days
	})
	all := ft.All()
	for _, want := range []string{
		`unmocked mock call "weather.Provider.Alert": weather.Provider.Alert(context.Background(), "Oslo", "frost on Saturday", "frost", "weekend")`,
		`provider.ExpectAlert(context.Background(), "Oslo", "frost on Saturday", "frost", "weekend").Returns(nil)`,
		"called at ", "examples/mock/weather.go:",
		`expected: weather.Provider.Forecast(context.Background(), "Oslo", 6)`,
		"days (int):\n      - 6\n      + 7",
		`provider.AssertForecast(context.Background(), "Oslo", 7)`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("failure lacks %q:\n%s", want, all)
		}
	}
}

func ExampleWeekend() {
	bf := bigfoot.NewStrictVerifier() // in a test: bigfoot.New(t)
	provider := weathermock.NewMockProvider(bf)
	now := mock.Func(bf, &weather.Now)
	now.Expect().Returns(thursday)
	provider.ExpectForecastMatch(bigfoot.Any(), "Lisbon", 7).
		Returns([]weather.Day{{Date: saturday, High: 19, Low: 12, Summary: "showers"}}, nil)

	bf.Sandbox(func() {
		fmt.Println(weather.Weekend(context.Background(), provider, "Lisbon"))
	})

	now.AssertCall()
	provider.AssertForecastMatch(bigfoot.Any(), "Lisbon", 7)
	fmt.Println(bf.VerifyAll())
	// Output:
	// Saturday in Lisbon: showers, 12 to 19 <nil>
	// <nil>
}
