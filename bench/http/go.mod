module github.com/bigfoot-go/bigfoot/bench/http

go 1.25

require (
	github.com/bigfoot-go/bigfoot v0.0.0-00010101000000-000000000000
	github.com/h2non/gock v1.2.0
	github.com/jarcoal/httpmock v1.4.2
)

require github.com/h2non/parth v0.0.0-20190131123155-b4df798d6542 // indirect

replace github.com/bigfoot-go/bigfoot => ../..
