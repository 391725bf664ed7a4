module github.com/bigfoot-go/bigfoot/bench/alternatives

go 1.25

require (
	github.com/DATA-DOG/go-sqlmock v1.5.2
	github.com/bigfoot-go/bigfoot v0.0.0
	github.com/jarcoal/httpmock v1.4.2
	go.uber.org/mock v0.6.0
)

replace github.com/bigfoot-go/bigfoot => ../..
