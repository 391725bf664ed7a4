//go:build bigfoot_overlay

package guard

// This file is compiled with the bigfoot_overlay build tag, which the
// bigfoot command sets together with the -overlay that patches the
// standard library (see hook_overlay.go). Without that overlay the
// functions linked below do not exist, and the build fails at link time
// naming them. Keep it in step with hook_sql_plain.go.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "unsafe" // for go:linkname
)

// setSQLConnHook sets the hook consulted first thing in
// database/sql.(*DB).conn.
//
//go:linkname setSQLConnHook database/sql.bigfootSetConnHook
func setSQLConnHook(h func(ctx context.Context, db *sql.DB) (connect func() (driver.Conn, error)))

// setSQLOpenHook sets the hook database/sql.Open calls with each DB it
// opens and its DSN.
//
//go:linkname setSQLOpenHook database/sql.bigfootSetOpenHook
func setSQLOpenHook(h func(db *sql.DB, dsn string))
