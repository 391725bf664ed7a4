package bfsql

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Transparent mode. Under `bigfoot test`, database/sql is compiled with a
// hook at the start of (*DB).conn, where every statement, transaction,
// Conn and Ping of a *sql.DB takes its connection, and sql.Open records
// the DSN of the DB it opens. Package guard owns the hook and routes each
// request; this package claims it (claimSQL):
//
//   - A request that belongs to an open sandbox whose test has used
//     bf.SQL() gets a connection of the plugin, whichever driver opened
//     the DB: the session the same DB's last connection left in this
//     sandbox, else the next scripted session (its connect step records
//     the DSN given to sql.Open, "" for sql.OpenDB). The DB's pool and its
//     driver are not touched. When database/sql releases such a
//     connection it reports itself invalid (IsValid), so database/sql drops
//     its wrapper and the connection never enters a pool that code outside
//     the sandbox, or another test, shares; the plugin keeps the session
//     for the DB's next request.
//   - Without bf.SQL() the request is left to the DB: pooled connections
//     and the driver's own dial, which meets the socket plugin inside a
//     sandbox and the firewall outside one.
//   - The DBs of Open and Connector are the plugin's own: their requests
//     are left to their connector, as in seam mode.
//   - A request of a sandbox that has closed is refused with
//     *bigfoot.PostSandboxInteractionError.
func claimTransparent() {
	guard.ClaimSQL(guard.SQLClaim{Name: "sql", Layer: guard.LayerRequest, Claim: claimSQL})
}

func claimSQL(ctx context.Context, v *core.Verifier, db *sql.DB, dsn string) (guard.Decision, func() (driver.Conn, error)) {
	if _, own := db.Driver().(drv); own {
		return guard.LetThrough, nil // a DB of Open or Connector: its connector is the plugin already
	}
	p, used := key.Get(v)
	if !used {
		return guard.Pass, nil // the layer rule: the test did not script SQL
	}
	return guard.Answer, func() (driver.Conn, error) { return p.connect(ctx, dsn, db) }
}
