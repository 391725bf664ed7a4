package guard

// The database/sql hook point: where a *sql.DB takes a connection (the
// start of (*DB).conn, which every statement, transaction, Conn and Ping
// of the DB reaches), with claimants ordered by layer as at the other hook
// points; and the record of the DSN each DB was opened with (sql.Open), so
// that a claimant can say which database the code meant.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/bigfoot-go/bigfoot/core"
)

func init() {
	setSQLConnHook(sqlConnHook)
	setSQLOpenHook(sqlOpenHook)
}

// SQLClaim is a claimant of the database/sql hook point.
type SQLClaim struct {
	Name  string // e.g. "sql", in messages
	Layer int
	// Claim decides a connection request of db inside v's open sandbox;
	// dsn is the DSN sql.Open was given ("" for a DB from sql.OpenDB).
	// With Answer, connect makes the connection the request gets instead
	// of one from the DB's pool or its driver: database/sql wraps it,
	// counts it open, and releases and closes it as any other. Pass
	// leaves the request to lower layers and, when none answers, to the
	// DB itself (its pool, then its driver, whose dial meets the socket
	// layer); LetThrough leaves it to the DB at once.
	Claim func(ctx context.Context, v *core.Verifier, db *sql.DB, dsn string) (d Decision, connect func() (driver.Conn, error))
}

// sqlClaims holds the claimants, sorted by layer, highest first; replaced
// whole on every registration and read without locks.
var sqlClaims atomic.Pointer[[]SQLClaim]

// ClaimSQL adds a claimant of the database/sql hook point; call it from init.
func ClaimSQL(c SQLClaim) {
	claimMu.Lock()
	defer claimMu.Unlock()
	var list []SQLClaim
	if old := sqlClaims.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, c)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Layer > list[j].Layer })
	sqlClaims.Store(&list)
}

// sqlSeen is set once any *sql.DB has asked for a connection: until then
// no dial can be a database/sql driver's, and a refused dial need not
// read its stack to tell (sqlDriverOnStack).
var sqlSeen atomic.Bool

// sqlConnHook is installed in database/sql.(*DB).conn. A request that
// belongs to no sandbox costs a label read and a context lookup. One that
// belongs to an open sandbox goes to the claimants; one of a sandbox that
// has closed is refused (the connection would otherwise come from the
// DB's pool or driver, unscripted).
func sqlConnHook(ctx context.Context, db *sql.DB) func() (driver.Conn, error) {
	if !sqlSeen.Load() {
		sqlSeen.Store(true)
	}
	if core.Unowned(ctx) {
		return nil
	}
	return SQLConnect(ctx, db)
}

// SQLConnect decides a connection request of db made with ctx, as the hook
// does: it returns nil to leave the request to the DB, or the function
// that makes the connection (which may fail with the refusal of a
// post-sandbox call). A plugin's own seam may call it to apply the same
// rules.
func SQLConnect(ctx context.Context, db *sql.DB) func() (driver.Conn, error) {
	owner := core.SandboxOwner(ctx)
	switch {
	case owner.Open:
		claims := sqlClaims.Load()
		if claims == nil {
			return nil
		}
		dsn := SQLDSN(db)
		for _, cl := range *claims {
			switch d, connect := cl.Claim(ctx, owner.Verifier, db, dsn); d {
			case Answer:
				return connect
			case LetThrough:
				return nil
			}
		}
	case owner.Closed:
		return func() (driver.Conn, error) {
			return nil, PostSandbox(owner, "sql", "connection of a *sql.DB (dsn "+quoteDSN(SQLDSN(db))+")")
		}
	}
	return nil
}

func quoteDSN(s string) string { return "\"" + s + "\"" }

// dsns records the DSN of every DB sql.Open opened, keyed weakly so that
// a DB the program drops is forgotten with it.
var dsns struct {
	mu sync.Mutex // guards m
	m  map[weak.Pointer[sql.DB]]string
}

// sqlOpenHook is called by database/sql.Open with each DB it opens.
func sqlOpenHook(db *sql.DB, dsn string) {
	if db == nil {
		return
	}
	wp := weak.Make(db)
	dsns.mu.Lock()
	if dsns.m == nil {
		dsns.m = map[weak.Pointer[sql.DB]]string{}
	}
	dsns.m[wp] = dsn
	dsns.mu.Unlock()
	runtime.AddCleanup(db, func(wp weak.Pointer[sql.DB]) {
		dsns.mu.Lock()
		delete(dsns.m, wp)
		dsns.mu.Unlock()
	}, wp)
}

// SQLDSN returns the DSN sql.Open was given for db, or "" for a DB from
// sql.OpenDB (or any DB, without the overlay).
func SQLDSN(db *sql.DB) string {
	dsns.mu.Lock()
	defer dsns.mu.Unlock()
	return dsns.m[weak.Make(db)]
}
