//go:build !bigfoot_overlay

package guard

// This file is compiled without the bigfoot_overlay build tag (plain go
// build or go test); with it, hook_sql_overlay.go replaces it. Keep the
// two in step. Without the overlay there are no hooks to set, so the
// setters do nothing.

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// setSQLConnHook sets the hook consulted first thing in
// database/sql.(*DB).conn.
func setSQLConnHook(h func(ctx context.Context, db *sql.DB) (connect func() (driver.Conn, error))) {}

// setSQLOpenHook sets the hook database/sql.Open calls with each DB it
// opens and its DSN.
func setSQLOpenHook(h func(db *sql.DB, dsn string)) {}
