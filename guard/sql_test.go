package guard

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// TestSQLVariantsMatch keeps hook_sql_plain.go and hook_sql_overlay.go in
// step, as TestVariantsMatch does for hook_plain.go and hook_overlay.go.
func TestSQLVariantsMatch(t *testing.T) {
	plain := readSource(t, "hook_sql_plain.go")
	linked := readSource(t, "hook_sql_overlay.go")
	if !bytes.HasPrefix(plain, []byte("//go:build !bigfoot_overlay\n")) {
		t.Error("hook_sql_plain.go does not start with //go:build !bigfoot_overlay")
	}
	if !bytes.HasPrefix(linked, []byte("//go:build bigfoot_overlay\n")) {
		t.Error("hook_sql_overlay.go does not start with //go:build bigfoot_overlay")
	}
	for _, link := range []string{"setSQLConnHook database/sql.bigfootSetConnHook", "setSQLOpenHook database/sql.bigfootSetOpenHook"} {
		if !bytes.Contains(linked, []byte("\n//go:linkname "+link+"\n")) {
			t.Errorf("hook_sql_overlay.go lacks //go:linkname %s", link)
		}
	}
	if got, want := declarations(t, "hook_sql_overlay.go", linked), declarations(t, "hook_sql_plain.go", plain); !slices.Equal(got, want) {
		t.Errorf("declarations of hook_sql_overlay.go:\n%s\nof hook_sql_plain.go:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// sqlTest holds the claimants this file registers once (claimants are
// process-wide, and -count runs the tests again) and what they decide
// for the verifiers of its tests.
var sqlTest struct {
	once sync.Once
	mu   sync.Mutex // guards decide and asked
	// decide maps a test's verifier to the decision of each claimant,
	// by name; verifiers not in it get Pass from both.
	decide map[*core.Verifier]map[string]Decision
	asked  []string // claimants asked, in order
}

var errHigh = errors.New("answered by the high claimant")

func registerSQLTestClaims() {
	sqlTest.once.Do(func() {
		sqlTest.decide = map[*core.Verifier]map[string]Decision{}
		for _, c := range []struct {
			name  string
			layer int
		}{{"test-low", LayerSocket + 1}, {"test-high", LayerRequest + 1}} {
			ClaimSQL(SQLClaim{Name: c.name, Layer: c.layer, Claim: func(ctx context.Context, v *core.Verifier, db *sql.DB, dsn string) (Decision, func() (driver.Conn, error)) {
				sqlTest.mu.Lock()
				d, ok := sqlTest.decide[v][c.name]
				if ok {
					sqlTest.asked = append(sqlTest.asked, c.name+" "+dsn)
				}
				sqlTest.mu.Unlock()
				if d != Answer {
					return d, nil
				}
				return Answer, func() (driver.Conn, error) { return nil, errors.New(c.name) }
			}})
		}
	})
}

func decideSQL(t *testing.T, v *core.Verifier, d map[string]Decision) {
	sqlTest.mu.Lock()
	sqlTest.decide[v] = d
	sqlTest.asked = nil
	sqlTest.mu.Unlock()
	t.Cleanup(func() {
		sqlTest.mu.Lock()
		delete(sqlTest.decide, v)
		sqlTest.mu.Unlock()
	})
}

func askedSQL() []string {
	sqlTest.mu.Lock()
	defer sqlTest.mu.Unlock()
	return append([]string(nil), sqlTest.asked...)
}

func TestSQLConnectRouting(t *testing.T) {
	registerSQLTestClaims()
	db := sql.OpenDB(nopConnector{})
	defer db.Close()
	sqlOpenHook(db, "test://db") // as sql.Open does under the overlay
	if got := SQLDSN(db); got != "test://db" {
		t.Fatalf("SQLDSN = %q", got)
	}

	v := core.New(nil)
	// Outside every sandbox the request is the DB's.
	decideSQL(t, v, map[string]Decision{"test-high": Answer})
	if c := SQLConnect(context.Background(), db); c != nil {
		t.Error("a request outside every sandbox was claimed")
	}

	// Inside: the highest layer that answers decides.
	var err error
	v.Sandbox(func() { err = connectErr(SQLConnect(context.Background(), db)) })
	if err == nil || err.Error() != "test-high" {
		t.Errorf("inside the sandbox: %v, want the high claimant's connection", err)
	}
	if got := askedSQL(); !slices.Equal(got, []string{"test-high test://db"}) {
		t.Errorf("claimants asked %v", got)
	}

	// Pass goes down a layer; LetThrough stops there and leaves the DB alone.
	decideSQL(t, v, map[string]Decision{"test-high": Pass, "test-low": Answer})
	v.Sandbox(func() { err = connectErr(SQLConnect(context.Background(), db)) })
	if err == nil || err.Error() != "test-low" || !slices.Equal(askedSQL(), []string{"test-high test://db", "test-low test://db"}) {
		t.Errorf("after Pass: %v, asked %v", err, askedSQL())
	}
	decideSQL(t, v, map[string]Decision{"test-high": LetThrough, "test-low": Answer})
	v.Sandbox(func() {
		if c := SQLConnect(context.Background(), db); c != nil {
			t.Error("LetThrough did not leave the request to the DB")
		}
	})

	// A context from the verifier carries the request to the sandbox from
	// a goroutine that did not descend from it.
	decideSQL(t, v, map[string]Decision{"test-high": Answer})
	ctxs, errs := make(chan context.Context), make(chan error)
	go func() { // started before the sandbox: no labels of it
		for ctx := range ctxs {
			errs <- connectErr(SQLConnect(ctx, db))
		}
	}()
	defer close(ctxs)
	ctxs <- context.Background()
	if err := <-errs; err != nil {
		t.Errorf("an unrelated goroutine's request was claimed: %v", err)
	}
	v.Sandbox(func() {
		ctxs <- context.Background()
		if err := <-errs; err != nil {
			t.Errorf("an unrelated goroutine's request without the context was claimed: %v", err)
		}
		ctxs <- core.WithSandbox(context.Background(), v)
		err = <-errs
	})
	if err == nil || err.Error() != "test-high" {
		t.Errorf("with the verifier's context: %v", err)
	}
}

func TestSQLConnectAfterTheSandboxIsRefused(t *testing.T) {
	registerSQLTestClaims()
	db := sql.OpenDB(nopConnector{})
	defer db.Close()
	v := core.New(nil)
	decideSQL(t, v, map[string]Decision{"test-high": Answer})
	late := make(chan func() (driver.Conn, error), 1)
	release := make(chan struct{})
	v.Sandbox(func() {
		go func() {
			<-release
			late <- SQLConnect(context.Background(), db)
		}()
	})
	close(release)
	var connect func() (driver.Conn, error)
	select {
	case connect = <-late:
	case <-time.After(5 * time.Second):
		t.Fatal("the late request did not return")
	}
	var post *core.PostSandboxInteractionError
	if err := connectErr(connect); !errors.As(err, &post) || !strings.Contains(err.Error(), `sql connection of a *sql.DB (dsn "")`) {
		t.Errorf("late request: %v, want *core.PostSandboxInteractionError", err)
	}
}

func connectErr(connect func() (driver.Conn, error)) error {
	if connect == nil {
		return nil
	}
	_, err := connect()
	return err
}

// nopConnector is a connector no test reaches: SQLConnect decides before
// any connection is made.
type nopConnector struct{}

func (nopConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("nopConnector reached")
}
func (nopConnector) Driver() driver.Driver { return nil }
