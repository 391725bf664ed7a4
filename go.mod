module github.com/bigfoot-go/bigfoot

go 1.25
