package guard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/core"
)

// withResolverFiles points the localhost check at a hosts file and an
// nsswitch.conf holding the given text ("" for no nsswitch.conf) until t
// ends.
func withResolverFiles(t *testing.T, hosts, nsswitch string) {
	t.Helper()
	dir := t.TempDir()
	h, n := filepath.Join(dir, "hosts"), filepath.Join(dir, "nsswitch.conf")
	if err := os.WriteFile(h, []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	if nsswitch != "" {
		if err := os.WriteFile(n, []byte(nsswitch), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	savedH, savedN := hostsPath, nsswitchPath
	hostsPath, nsswitchPath = h, n
	t.Cleanup(func() { hostsPath, nsswitchPath = savedH, savedN })
}

// TestLocalhostByName: the name localhost is loopback only where the
// machine resolves it to loopback from its hosts file before asking any
// nameserver; the check reads files, it looks nothing up.
func TestLocalhostByName(t *testing.T) {
	resetFirewall(t)
	const hosts = "# comment\n127.0.0.1\tlocalhost  # trailing\n::1 ip6-localhost localhost\n10.0.0.5 db.internal\n"
	for _, tt := range []struct {
		name, hosts, nsswitch string
		ok                    bool
		why                   string
	}{
		{"files first", hosts, "passwd: files\nhosts: files dns\n", true, ""},
		{"no nsswitch.conf", hosts, "", true, ""},
		{"no hosts line", hosts, "passwd: files\n", true, ""},
		{"local sources first", hosts, "hosts: myhostname mdns4_minimal [NOTFOUND=return] resolve [!UNAVAIL=return] files dns\n", true, ""},
		{"dns first", hosts, "hosts: dns files\n", false, `lists "dns" before "files" for hosts`},
		{"unknown source first", hosts, "hosts:  sss files\n", false, `lists "sss" before "files"`},
		{"no files", hosts, "hosts: myhostname\n", false, `does not list "files" for hosts`},
		{"not in the hosts file", "127.0.0.1 other\n", "", false, "does not map localhost, so resolving it would ask a nameserver"},
		{"mapped elsewhere", "127.0.0.1 localhost\n192.0.2.9 localhost\n", "", false, "maps localhost to 192.0.2.9, which is not a loopback address"},
		{"mapped-v4 loopback", "::ffff:127.0.0.1 LocalHost.\n", "", true, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			withResolverFiles(t, tt.hosts, tt.nsswitch)
			ok, why := localhostIsLoopback()
			if ok != tt.ok || !strings.Contains(why, tt.why) || (tt.ok && why != "") {
				t.Fatalf("localhostIsLoopback() = %v, %q; want %v, %q", ok, why, tt.ok, tt.why)
			}
			rule, refused := CheckDial("socket", "tcp", "localhost:8080")
			if tt.ok != (refused == nil) {
				t.Fatalf("CheckDial(localhost:8080) = %q, %v", rule, refused)
			}
			if !tt.ok && !strings.Contains(refused.Reason, "the name localhost is not taken for loopback here: ") {
				t.Errorf("the refusal does not say why localhost is not loopback: %s", refused.Reason)
			}
			loopback, _ := ParseDialRules("loopback")
			if _, matched := loopback.Match("tcp", "localhost:8080"); matched != tt.ok {
				t.Errorf(`rule "loopback" matches localhost: %v, want %v`, matched, tt.ok)
			}
		})
	}
}

// TestLocalhostCheckFollowsTheFiles: the answer is kept until a file
// changes, and a change is seen.
func TestLocalhostCheckFollowsTheFiles(t *testing.T) {
	withResolverFiles(t, "127.0.0.1 localhost\n", "")
	if ok, _ := localhostIsLoopback(); !ok {
		t.Fatal("localhost not loopback")
	}
	if err := os.WriteFile(hostsPath, []byte("203.0.113.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, why := localhostIsLoopback(); ok || !strings.Contains(why, "203.0.113.1") {
		t.Errorf("after the hosts file changed: %v %q", ok, why)
	}
	if err := os.Remove(hostsPath); err != nil {
		t.Fatal(err)
	}
	if ok, why := localhostIsLoopback(); ok || !strings.Contains(why, "cannot be read") {
		t.Errorf("without a hosts file: %v %q", ok, why)
	}
}

// TestNamesUnderLocalhostAreNotLoopback: app.localhost is refused before
// it is resolved, as any name without a rule.
func TestNamesUnderLocalhostAreNotLoopback(t *testing.T) {
	resetFirewall(t)
	resetLevels(t)
	_, refused := CheckDial("socket", "tcp", "app.localhost:80")
	if refused == nil {
		t.Fatal("app.localhost allowed as loopback by name")
	}
	var g *core.GuardedCallError
	if err := error(refused); !errors.As(err, &g) || !strings.Contains(g.Fix, `bigfoot.AllowDial(t, "app.localhost:80")`) {
		t.Errorf("refusal: %v", refused)
	}
	remove, err := AddDialRules("AllowDial in "+t.Name(), []string{"*.localhost"}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	if rule, refused := CheckDial("socket", "tcp", "app.localhost:80"); refused != nil || !strings.Contains(rule, `"*.localhost"`) {
		t.Errorf("with an explicit rule: %q %v", rule, refused)
	}
}
