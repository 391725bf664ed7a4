module github.com/bigfoot-go/bigfoot/bench/mock

go 1.25

require (
	github.com/bigfoot-go/bigfoot v0.0.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/mock v0.6.0
)

require (
	github.com/stretchr/objx v0.5.3 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/bigfoot-go/bigfoot => ../..
