module github.com/bigfoot-go/bigfoot/bench/dnsexeclog

go 1.25

require github.com/bigfoot-go/bigfoot v0.0.0-00010101000000-000000000000

replace github.com/bigfoot-go/bigfoot => ../..
