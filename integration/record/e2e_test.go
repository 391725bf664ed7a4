package record

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// service returns the address of a real server that .ci/services.sh
// started, named by the environment variable env. Without one the test
// fails where the servers are required (CI) and is skipped elsewhere.
func service(t *testing.T, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("BIGFOOT_SERVICES") == "required" {
			t.Fatalf("%s is not set: .ci/services.sh starts the servers and sets it", env)
		}
		t.Skipf("%s is not set; start the servers with: source .ci/services.sh start", env)
	}
	return v
}

// e2eModule copies testdata/e2e into a new module that uses this checkout
// of bigfoot and its plugins.
func e2eModule(t *testing.T) string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"app.go", "app_test.go"} {
		src, err := os.ReadFile(filepath.Join("testdata/e2e", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(src)
	}
	dir := newModule(t, "example.com/e2e", []string{"bfpg", "bfredis"},
		[]string{"github.com/jackc/pgx/v5 v5.7.6", "github.com/redis/go-redis/v9 v9.23.0"}, files)
	// The module's requirements as go would tidy them, offline.
	if out, err := goIn(t, dir, nil, "mod", "tidy"); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	return dir
}

// TestRecordRedisAndPostgres records a go-redis client against a real
// redis-server (with an ACL user and password) and a pgx client against
// a real PostgreSQL (SCRAM-SHA-256, as Debian configures it), checks the
// code written into the tests, runs them again in a network namespace of
// their own (no server there), and changes a call.
func TestRecordRedisAndPostgres(t *testing.T) {
	redisAddr := service(t, "BIGFOOT_REDIS_ADDR")
	pgDSN := service(t, "BIGFOOT_PG_DSN")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// A Redis user with a password, so that AUTH is part of the handshake.
	admin := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer admin.Close()
	const redisPassword = "redis-record-secret"
	if err := admin.Do(ctx, "ACL", "SETUSER", "recorder", "on", ">"+redisPassword, "~*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	defer admin.Do(context.Background(), "ACL", "DELUSER", "recorder")

	// The table the store reads.
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.Background())
	for _, q := range []string{
		"DROP TABLE IF EXISTS record_users",
		"CREATE TABLE record_users (id int PRIMARY KEY, name text NOT NULL, seen_at timestamptz)",
		"INSERT INTO record_users (id, name) VALUES (1, 'ada'), (2, 'grace')",
	} {
		if _, err := pg.Exec(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	defer pg.Exec(context.Background(), "DROP TABLE IF EXISTS record_users")

	pgPassword := ""
	if m := regexp.MustCompile(`://[^:]*:([^@]*)@`).FindStringSubmatch(pgDSN); m != nil {
		pgPassword = m[1]
	}
	env := []string{"APP_REDIS=" + redisAddr, "APP_REDIS_USER=recorder", "APP_REDIS_PASSWORD=" + redisPassword, "APP_PG=" + pgDSN}

	dir := e2eModule(t)
	out, err := bigfoot(t, dir, env, "record", "-allow", "loopback", "./...")
	if err != nil {
		t.Fatalf("bigfoot record: %v\n%s", err, out)
	}
	src, err := os.ReadFile(filepath.Join(dir, "app_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	t.Logf("bigfoot record:\n%s\nthe recorded test:\n%s", out, text)
	if _, err := parser.ParseFile(token.NewFileSet(), "app_test.go", src, 0); err != nil {
		t.Fatalf("the recorded file does not parse: %v", err)
	}
	for _, secret := range []string{redisPassword, pgPassword} {
		if secret == "" || strings.Contains(text, secret) || strings.Contains(out, secret) {
			t.Errorf("the secret %q reached the emitted code (or there is none to check)", secret)
		}
	}
	for _, want := range []string{
		`bfredis.For(bf).Serve("` + redisAddr + `")`,
		`bfredis.For(bf).AssertConnect("` + redisAddr + `", "recorder", 0)`,
		`bfredis.For(bf).AssertCommand("GET", "user:1")`,
		`bfpg.For(bf).Serve("127.0.0.1:5432")`,
		`bfpg.For(bf).AssertConnect("bigfoot", "bigfoot")`,
		"SELECT name FROM record_users WHERE id = $1",
		"UPDATE record_users SET seen_at = $1 WHERE id = $2",
		"bigfoot.", // a matcher, for the nanoseconds and the timestamp
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the recorded test lacks\n\t%s", want)
		}
	}

	// Offline: in a network namespace with a loopback of its own, where
	// neither server runs; the firewall on.
	if out, err := bigfoot(t, dir, env, "test", "-isolate", "-count=1", "./..."); err != nil {
		t.Fatalf("the recorded tests fail offline: %v\n%s", err, out)
	}

	// A changed call fails with the plugins' messages.
	changed := strings.Replace(text, `Remember(context.Background(), "user:1", "ada")`, `Remember(context.Background(), "user:2", "ada")`, 1)
	changed = strings.Replace(changed, `Touch(context.Background(), 1)`, `Touch(context.Background(), 2)`, 1)
	writeFixture(t, filepath.Join(dir, "app_test.go"), []byte(changed))
	out, err = bigfoot(t, dir, env, "test", "-isolate", "-count=1", "./...")
	if err == nil {
		t.Fatalf("the changed calls pass:\n%s", out)
	}
	for _, want := range []string{"SET user:2", "FAIL: TestTouch"} {
		if !strings.Contains(out, want) {
			t.Errorf("the failure does not show %q:\n%s", want, out)
		}
	}
}
