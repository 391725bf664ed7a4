module github.com/bigfoot-go/bigfoot/integration/http

go 1.25

require (
	github.com/bigfoot-go/bigfoot v0.0.0
	github.com/go-resty/resty/v2 v2.17.2
	github.com/hashicorp/go-retryablehttp v0.7.8
	golang.org/x/oauth2 v0.34.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	golang.org/x/net v0.43.0 // indirect
)

replace github.com/bigfoot-go/bigfoot => ../..
