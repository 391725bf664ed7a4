package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// recordModule copies the testdata/record/app package into a new module
// that uses this checkout of bigfoot, and returns its directory.
func recordModule(t *testing.T) string {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/rec\n\ngo 1.25\n\nrequire github.com/bigfoot-go/bigfoot v0.0.0\n\nreplace github.com/bigfoot-go/bigfoot => " + repo + "\n"
	must(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	for _, name := range []string{"app.go", "app_test.go"} {
		src, err := os.ReadFile(filepath.Join("testdata/record/app", name+".txt"))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, name), src, 0o644))
	}
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// bigfootIn runs the command in dir and returns its exit code and output.
func bigfootIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{args[0], "-C", dir}, args[1:]...), nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// greeter serves the line protocol app.Greet speaks.
func greeter(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if name, ok := strings.CutPrefix(strings.TrimSpace(line), "HELLO "); ok {
						fmt.Fprintf(c, "HI %s\n", name)
						continue
					}
					io.WriteString(c, "BYE\n")
					return
				}
			}()
		}
	}()
	return ln
}

func api() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/users/1" && r.Header.Get("Authorization") == "Bearer s3cr3t-token":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Set-Cookie", "session=abc123")
			io.WriteString(w, `{"id":1,"name":"ada"}`)
		case r.Method == "GET" && (r.URL.Path == "/users/2" || r.URL.Path == "/users/3"):
			// Slow enough that the three requests of FetchMany overlap.
			time.Sleep(50 * time.Millisecond)
			io.WriteString(w, `{"id":`+strings.TrimPrefix(r.URL.Path, "/users/")+`}`)
		case r.Method == "POST" && r.URL.Path == "/users":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			io.WriteString(w, `{"id":2}`)
		default:
			http.Error(w, "no", 404)
		}
	}))
}

// TestRecordHTTPAndLineProtocol records the app's tests against an
// httptest server and a line-protocol server, checks the written code,
// runs the tests again with both servers gone, and changes a call.
func TestRecordHTTPAndLineProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test several times")
	}
	dir := recordModule(t)
	srv := api()
	ln := greeter(t)
	t.Setenv("APP_BASE", srv.URL)
	t.Setenv("APP_TOKEN", "s3cr3t-token")
	t.Setenv("APP_GREETER", ln.Addr().String())

	code, stdout, stderr := bigfootIn(t, dir, "record", "-race", "-allow", "loopback", "-allow", "exec:sh", "./...")
	if code != 0 {
		t.Fatalf("record exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	src, err := os.ReadFile(filepath.Join(dir, "app_test.go"))
	must(t, err)
	text := string(src)
	t.Logf("recorded test:\n%s\nprinted:\n%s\nstderr:\n%s", text, stdout, stderr)
	if _, err := parser.ParseFile(token.NewFileSet(), "app_test.go", src, 0); err != nil {
		t.Fatalf("the recorded file does not parse: %v", err)
	}
	for _, secret := range []string{"s3cr3t-token", "abc123"} {
		if strings.Contains(text, secret) || strings.Contains(stdout, secret) {
			t.Errorf("the secret %q reached the emitted code", secret)
		}
	}
	for _, want := range []string{
		`bf.HTTP().Expect("GET", "` + srv.URL + `/users/1", bfhttp.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"REDACTED"}}, Body: []byte(` + "`" + `{"id":1,"name":"ada"}` + "`" + `)})`,
		`"Authorization": bigfoot.HasPrefix("Bearer ")`,
		`"X-Request-Id":  bigfoot.Regexp(` + "`^[0-9a-f]+$`" + `),`,
		`v.Socket().NewSession().`,
		`v.Socket().AssertSendall([]byte("HELLO ada\n"))`,
		`v.Socket().AssertRecv(4096, []byte("HI ada\n"))`,
		`v.Socket().AssertClose()`,
		`bf.HTTP().AssertRequest("POST", "` + srv.URL + `/users"`,
		`bf.DNS().ExpectLookup("localhost", []string{`,
		"bf.InAnyOrder(func() {\n\t\tbf.HTTP().AssertRequest(\"GET\", \"" + srv.URL + "/users/",
		`bf.HTTP().Expect("GET", srv.URL+"/users/7", bfhttp.Response{Status: 200, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte(` + "`" + `{"id":7}` + "`" + `)})`,
		`bf.HTTP().AssertRequest("GET", srv.URL+"/users/7", bfhttp.MatchHeader(`,
		`bf.DNS().AssertLookup("localhost")`,
		`bf.Exec().Expect([]string{"sh", "-c", "tr a-z A-Z; echo done >&2; exit 3"}, bfexec.Result{Stdout: []byte("HELLO"), Stderr: []byte("done\n"), ExitCode: 3})`,
		`bf.Exec().AssertRun([]string{"sh", "-c", "tr a-z A-Z; echo done >&2; exit 3"}, "", []byte("hello"))`,
		"// bigfoot:end",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the recorded test lacks\n\t%s", want)
		}
	}
	if !strings.Contains(stdout, "// TestUnmarked (") || !strings.Contains(stdout, "bf.HTTP().Expect(") {
		t.Errorf("TestUnmarked, which has no markers, is not printed:\n%s", stdout)
	}
	if strings.Count(text, "// bigfoot:end") != 14 {
		t.Errorf("want 14 end markers (2 per marked test), got %d", strings.Count(text, "// bigfoot:end"))
	}

	// Recording again replaces the blocks rather than adding to them.
	if code, stdout, stderr := bigfootIn(t, dir, "record", "-allow=loopback,exec:sh", "./..."); code != 0 {
		t.Fatalf("recording again exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	again, err := os.ReadFile(filepath.Join(dir, "app_test.go"))
	must(t, err)
	if string(again) != text {
		t.Errorf("recording again changed the file:\n%s", again)
	}

	// Offline: both servers gone, the firewall on.
	srv.Close()
	ln.Close()
	offline := func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command("go", append([]string{"run", mustAbs(t, "."), "test", "-count=1", "-run", "TestFetchUser|TestCreateUser|TestGreet|TestLocalAddrs|TestShout|TestFetchMany|TestOwnServer"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), string(out)
			}
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := offline("./..."); code != 0 {
		t.Fatalf("the recorded tests fail offline:\n%s", out)
	}

	// A changed call fails with the plugins' messages.
	app := filepath.Join(dir, "app_test.go")
	changed := strings.Replace(text, `FetchUser(os.Getenv("APP_BASE"), 1)`, `FetchUser(os.Getenv("APP_BASE"), 2)`, 1)
	changed = strings.Replace(changed, `Greet(os.Getenv("APP_GREETER"), "ada")`, `Greet(os.Getenv("APP_GREETER"), "bob")`, 1)
	changed = strings.Replace(changed, `Shout("hello")`, `Shout("bye")`, 1)
	changed = strings.Replace(changed, `FetchUser(srv.URL, 7)`, `FetchUser(srv.URL, 8)`, 1)
	must(t, os.WriteFile(app, []byte(changed), 0o644))
	code, out := offline("./...")
	if code == 0 {
		t.Fatalf("the changed calls pass:\n%s", out)
	}
	for _, want := range []string{"GET " + srv.URL + "/users/2", "HELLO bob", `[]byte("bye")`, "/users/8"} {
		if !strings.Contains(out, want) {
			t.Errorf("the failure does not show %q:\n%s", want, out)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	must(t, err)
	return a
}

// TestRecordFailures records tests that cannot be recorded: one that makes
// more calls on its second run, and one that runs a program -allow does
// not name. Neither writes anything, and each says why.
func TestRecordFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test several times")
	}
	repo, err := filepath.Abs("../..")
	must(t, err)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/fail\n\ngo 1.25\n\nrequire github.com/bigfoot-go/bigfoot v0.0.0\n\nreplace github.com/bigfoot-go/bigfoot => "+repo+"\n"), 0o644))
	src := `package fail

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// runs counts this test's runs in a file, so that the second recording
// run makes one call more than the first.
func runs(t *testing.T) int {
	path := os.Getenv("FAIL_COUNTER")
	b, _ := os.ReadFile(path)
	n := len(b) + 1
	os.WriteFile(path, []byte(strings.Repeat("x", n)), 0o644)
	return n
}

func TestMoreEachTime(t *testing.T) {
	bf := bigfoot.New(t)
	n := runs(t)
	// bigfoot:script
	bf.Sandbox(func() {
		for i := 0; i < n; i++ {
			resp, err := http.Get(os.Getenv("FAIL_BASE"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	})
	// bigfoot:assert
}
`
	must(t, os.WriteFile(filepath.Join(dir, "fail_test.go"), []byte(src), 0o644))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	t.Setenv("FAIL_BASE", srv.URL)
	t.Setenv("FAIL_COUNTER", filepath.Join(t.TempDir(), "runs"))
	code, stdout, stderr := bigfootIn(t, dir, "record", "./...")
	if code == 0 {
		t.Fatalf("record of a test that differs between runs succeeded:\n%s%s", stdout, stderr)
	}
	want := `fail_test.go:22: bigfoot record: TestMoreEachTime: the two recording runs differ: 1 calls in the first, 2 in the second; the second run's extra call is a http call with method "GET"`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks\n\t%s\ngot:\n%s", want, stderr)
	}
	after, err := os.ReadFile(filepath.Join(dir, "fail_test.go"))
	must(t, err)
	if string(after) != src {
		t.Errorf("a failed recording changed the test:\n%s", after)
	}

	// A program that -allow does not name is refused, and the test fails.
	must(t, os.WriteFile(filepath.Join(dir, "fail_test.go"), []byte(`package fail

import (
	"os/exec"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

func TestRunsTrue(t *testing.T) {
	bf := bigfoot.New(t)
	bf.Sandbox(func() { exec.Command("true").Run() })
}
`), 0o644))
	code, stdout, stderr = bigfootIn(t, dir, "record", "./...")
	if code == 0 {
		t.Fatalf("record ran a program -allow does not name:\n%s%s", stdout, stderr)
	}
	for _, want := range []string{"recording run 1 of go test failed", "bigfoot record runs only the programs named by -allow exec:NAME, and true is not one of them",
		"record -allow loopback -allow exec:true ./..."} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
