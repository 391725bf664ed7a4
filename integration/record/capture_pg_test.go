package record

// The Postgres fixtures of record's pg decoder, captured from the real
// server (PostgreSQL with SCRAM-SHA-256, as Debian configures it) with the
// real clients: pgx v5, and lib/pq through database/sql. Run
//
//	go test -run TestCapturePG -update .
//
// with BIGFOOT_PG_DSN set (source .ci/services.sh start) to write
// ../../record/testdata/pg/*.json and testdata/pg/*.out; without -update
// the test captures again and checks that the committed fixtures decode to
// the same calls and the scenarios print the same results.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/record"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"
)

// pgFixtureDir holds the transcripts that record's unit tests decode.
const pgFixtureDir = "../../record/testdata/pg"

// pgDialFunc is how a scenario dials: nil for the client's own dialer.
type pgDialFunc = func(ctx context.Context, network, address string) (net.Conn, error)

// The scenarios below are the code under test: the emit test copies
// their source into the test it generates, so that the recorded and the
// replayed runs execute the same code. Each returns a log of what the
// client got, which the replay must reproduce.

// scenarioPGX runs pgx v5 through its whole range: DDL, Exec with
// RowsAffected, QueryRow (of the row lookupID; none for 0), Query over
// rows of mixed types (binary and text results), transactions, COPY, a
// unique violation and no rows.
func scenarioPGX(ctx context.Context, dsn string, dial pgDialFunc, lookupID int32) (string, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", err
	}
	if dial != nil {
		cfg.DialFunc = dial
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var out strings.Builder
	logf := func(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE pg_items (id int4 PRIMARY KEY, name varchar(40) UNIQUE NOT NULL, qty int2, big int8,
		price numeric(10,2), ok bool, ratio float8, r4 float4, data bytea, uid uuid, day date, at timestamp, atz timestamptz,
		doc jsonb, meta json, tags text[], nums int4[])`); err != nil {
		return "", err
	}
	insert := `INSERT INTO pg_items (id, name, qty, big, price, ok, ratio, r4, data, uid, day, at, atz, doc, meta, tags, nums)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`
	at := time.Date(2024, 3, 5, 7, 8, 9, 123456000, time.UTC)
	for _, row := range [][]any{
		{int32(1), "ada", int16(3), int64(1) << 40, "12.50", true, 0.25, float32(1.5), []byte{0, 1, 0xfe},
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", at, at, at, `{"k": [1, 2]}`, `{"x":1}`, []string{"a", "b c"}, []int32{1, 2}},
		{int32(2), "bob", nil, int64(-7), "-0.01", false, -1e100, float32(0), []byte{}, nil, nil, nil, nil, nil, nil, []string{}, nil},
	} {
		tag, err := conn.Exec(ctx, insert, row...)
		if err != nil {
			return "", err
		}
		logf("insert: %d", tag.RowsAffected())
	}
	var name string
	if lookupID != 0 { // 0: the code changed, and looks nothing up
		if err := conn.QueryRow(ctx, "SELECT name FROM pg_items WHERE id = $1", lookupID).Scan(&name); err != nil {
			return "", err
		}
		logf("name: %s", name)
	}
	all := "SELECT id, name, qty, big, price, ok, ratio, r4, data, uid, day, at, atz, doc, meta, tags, nums FROM pg_items ORDER BY id"
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		q := all
		if mode == pgx.QueryExecModeSimpleProtocol {
			q += " DESC" // another text: the simple protocol's text results
		}
		rows, err := conn.Query(ctx, q, mode)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				rows.Close()
				return "", err
			}
			logf("row: %v", vals)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	tag, err := conn.Exec(ctx, "UPDATE pg_items SET qty = coalesce(qty, 0) + $1", 1)
	if err != nil {
		return "", err
	}
	logf("update: %d", tag.RowsAffected())

	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO pg_items (id, name) VALUES ($1, $2)", 3, "cy"); err != nil {
		return "", err
	}
	if err := tx.Commit(ctx); err != nil {
		return "", err
	}
	tx, err = conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	tag, err = tx.Exec(ctx, "DELETE FROM pg_items WHERE id > $1", 1)
	if err != nil {
		return "", err
	}
	logf("delete in tx: %d", tag.RowsAffected())
	if err := tx.Rollback(ctx); err != nil {
		return "", err
	}

	copied, err := conn.CopyFrom(ctx, pgx.Identifier{"pg_items"}, []string{"id", "name", "qty", "atz"}, pgx.CopyFromRows([][]any{
		{int32(10), "copied", int16(5), at}, {int32(11), "tab\there", nil, nil},
	}))
	if err != nil {
		return "", err
	}
	logf("copy: %d", copied)

	_, err = conn.Exec(ctx, "INSERT INTO pg_items (id, name) VALUES ($1, $2)", 4, "ada")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return "", fmt.Errorf("duplicate insert: got %v, want a unique violation", err)
	}
	logf("duplicate: %s %s %s", pgErr.Code, pgErr.ConstraintName, pgErr.Message)

	err = conn.QueryRow(ctx, "SELECT name FROM pg_items WHERE id = $1", 99).Scan(&name)
	logf("missing: %v", errors.Is(err, pgx.ErrNoRows))
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_items").Scan(&n); err != nil {
		return "", err
	}
	logf("count: %d", n)
	if _, err := conn.Exec(ctx, "DROP TABLE pg_items"); err != nil {
		return "", err
	}
	return out.String(), nil
}

// scenarioPQ runs lib/pq through database/sql (sslmode=disable: lib/pq's
// default, require, needs TLS, which a recording cannot read).
func scenarioPQ(ctx context.Context, dsn string, dialer pq.Dialer, lookupID int) (string, error) {
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return "", err
	}
	if dialer != nil {
		connector.Dialer(dialer)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: the temp table lives on it
	var out strings.Builder
	logf := func(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

	if _, err := db.ExecContext(ctx, "CREATE TEMP TABLE pq_items (id int4 PRIMARY KEY, name text UNIQUE, price numeric(10,2), at timestamptz, ok bool, data bytea)"); err != nil {
		return "", err
	}
	at := time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	res, err := db.ExecContext(ctx, "INSERT INTO pq_items (id, name, price, at, ok, data) VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, NULL, NULL, NULL, NULL)",
		1, "ada", "9.99", at, true, []byte("hi"), 2, "bob")
	if err != nil {
		return "", err
	}
	n, _ := res.RowsAffected()
	logf("insert: %d", n)
	var name string
	if err := db.QueryRowContext(ctx, "SELECT name FROM pq_items WHERE id = $1", lookupID).Scan(&name); err != nil {
		return "", err
	}
	logf("name: %s", name)
	rows, err := db.QueryContext(ctx, "SELECT id, name, price, at, ok, data FROM pq_items ORDER BY id")
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var id int64
		var name sql.NullString
		var price sql.NullString
		var when sql.NullTime
		var ok sql.NullBool
		var data []byte
		if err := rows.Scan(&id, &name, &price, &when, &ok, &data); err != nil {
			rows.Close()
			return "", err
		}
		logf("row: %d %v %v %v %v %q", id, name, price, when.Time.UTC(), ok, data)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE pq_items SET price = $1 WHERE id = $2", "1.00", 2); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM pq_items"); err != nil {
		return "", err
	}
	if err := tx.Rollback(); err != nil {
		return "", err
	}
	// lib/pq's COPY FROM STDIN, in the text format, inside a transaction.
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("pq_items", "id", "name", "at"))
	if err != nil {
		return "", err
	}
	for _, row := range [][]any{{10, "copied", at}, {11, "tab\there\\", nil}} {
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			return "", err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return "", err
	}
	if err := stmt.Close(); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	var copied int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pq_items WHERE id >= $1", 10).Scan(&copied); err != nil {
		return "", err
	}
	logf("copied: %d", copied)

	_, err = db.ExecContext(ctx, "INSERT INTO pq_items (id, name) VALUES ($1, $2)", 1, "again")
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return "", fmt.Errorf("duplicate insert: got %v, want a unique violation", err)
	}
	logf("duplicate: %s %s", pqErr.Code, pqErr.Constraint)
	if _, err := db.ExecContext(ctx, "DROP TABLE pq_items"); err != nil {
		return "", err
	}
	return out.String(), nil
}

// pgCaptured runs one scenario against the real server through a capture.
func pgCaptured(t *testing.T, name string) (*record.Transcript, string) {
	t.Helper()
	dsn := service(t, "BIGFOOT_PG_DSN")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := newCapture("TestRecorded" + strings.ToUpper(name))
	c.t.Dir = "."
	var out string
	var err error
	switch name {
	case "pgx":
		out, err = scenarioPGX(ctx, dsn, c.DialContext, 1)
	case "pq":
		// lib/pq's default sslmode is require, which needs TLS.
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		out, err = scenarioPQ(ctx, dsn+sep+"sslmode=disable", c, 1)
	}
	if err != nil {
		t.Fatalf("%s scenario against the real server: %v", name, err)
	}
	return c.transcript(t), out
}

var pgTempSchema = regexp.MustCompile(`pg_temp_[0-9]+`)

// pgRendered renders a transcript's calls with each field's own value,
// for comparing two captures.
func pgRendered(t *testing.T, tr *record.Transcript) []string {
	t.Helper()
	calls, err := record.Decode(tr, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	var lines []string
	for _, c := range calls {
		exprs := make([]string, len(c.Fields))
		for i, f := range c.Fields {
			exprs[i] = f.Go
		}
		script, assert := c.Render("bf", exprs)
		// The server names a session's temporary schema by its backend
		// slot, which another session may hold this time.
		lines = append(lines, pgTempSchema.ReplaceAllString(c.Plugin+": "+script+" | "+assert, "pg_temp_N"))
	}
	return lines
}

func TestCapturePG(t *testing.T) {
	for _, name := range []string{"pgx", "pq"} {
		t.Run(name, func(t *testing.T) {
			tr, out := pgCaptured(t, name)
			fixture := filepath.Join(pgFixtureDir, name+".json")
			outFile := filepath.Join("testdata", "pg", name+".out")
			if *update {
				writeTranscript(t, fixture, tr, " ")
				writeFixture(t, outFile, []byte(out))
				return
			}
			want, err := os.ReadFile(outFile)
			if err != nil {
				t.Fatalf("%v (write the fixtures with -update)", err)
			}
			if out != string(want) {
				t.Errorf("the %s scenario printed\n%s\nthe committed capture printed\n%s", name, out, want)
			}
			old := readTranscript(t, fixture, "TestCapturePG")
			got, committed := pgRendered(t, tr), pgRendered(t, old)
			if strings.Join(got, "\n") != strings.Join(committed, "\n") {
				t.Errorf("the real server's traffic decodes to\n%s\nthe committed fixture to\n%s\n(rerun with -update if the change is meant)",
					strings.Join(got, "\n"), strings.Join(committed, "\n"))
			}
			if b, err := os.ReadFile(fixture); err != nil || bytes.Contains(b, []byte("bigfoot-record-secret")) {
				t.Errorf("the fixture %s holds the password in the clear (or is unreadable: %v)", fixture, err)
			}
		})
	}
}
