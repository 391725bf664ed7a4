module github.com/bigfoot-go/bigfoot/bench/pg

go 1.25.0

require (
	github.com/bigfoot-go/bigfoot v0.0.0
	github.com/bigfoot-go/bigfoot/bfpg v0.0.0
	github.com/jackc/pgx/v5 v5.7.6
	github.com/pashagolub/pgxmock/v4 v4.9.0
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/crypto v0.37.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/bigfoot-go/bigfoot => ../..
	github.com/bigfoot-go/bigfoot/bfpg => ../../bfpg
)
