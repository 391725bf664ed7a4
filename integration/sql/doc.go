// Package sqlclients proves bigfoot's SQL plugin against unmodified real
// libraries: github.com/jmoiron/sqlx, gorm.io/gorm (with the postgres
// dialector over the plugin's *sql.DB), github.com/uptrace/bun (with its
// pgdialect), and, under `bigfoot test`, pgx's database/sql driver
// (github.com/jackc/pgx/v5/stdlib) opened by sql.Open with no seam. In
// each, a repository-style function with a transaction is scripted and
// asserted statement by statement.
package sqlclients
