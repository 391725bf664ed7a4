package guard

import (
	"os"
	"strings"
	"testing"
)

// resetFirewall restores the default policy when t ends. The tests check
// the defaults, which the environment may change.
func resetFirewall(t *testing.T) {
	if os.Getenv(EnvFirewall) != "" || os.Getenv(EnvAllow) != "" {
		t.Skipf("%s or %s is set in the environment", EnvFirewall, EnvAllow)
	}
	t.Cleanup(func() {
		if err := SetFirewall(FirewallConfig{}); err != nil {
			t.Error(err)
		}
	})
}

func TestCheckDialDefaults(t *testing.T) {
	resetFirewall(t)
	for _, d := range [][2]string{
		{"tcp", "127.0.0.1:80"}, {"tcp", "[::1]:80"}, {"tcp", "localhost:80"}, {"unix", "/tmp/s"}, {"tcp", ":80"},
	} {
		if rule, refused := CheckDial("socket", d[0], d[1]); refused != nil || rule == "" {
			t.Errorf("CheckDial(%s %s) = %q, %v; want it allowed by default", d[0], d[1], rule, refused)
		}
	}
	rule, refused := CheckDial("socket", "tcp", "db.internal:5432")
	if refused == nil {
		t.Fatalf("CheckDial(db.internal:5432) allowed by %s", rule)
	}
	if refused.Plugin != "socket" || refused.Op != "dial" || refused.Network != "tcp" || refused.Address != "db.internal:5432" {
		t.Errorf("refusal fields: %+v", refused)
	}
	for _, want := range []string{
		"bigfoot: socket dial tcp db.internal:5432 refused: ",
		`outside sandboxes the firewall allows "loopback", "unix" (default)`,
		`bigfoot.AllowDial(t, "db.internal:5432")`,
		`bigfoot.SetFirewall(bigfoot.Firewall{Allow: []string{"db.internal:5432"}})`,
		"bf.Sandbox",
	} {
		if !strings.Contains(refused.Error(), want) {
			t.Errorf("refusal lacks %q:\n%v", want, refused)
		}
	}
}

func TestCheckDialRules(t *testing.T) {
	resetFirewall(t)
	if err := SetFirewall(FirewallConfig{Allow: []string{"10.0.0.0/8"}}); err != nil {
		t.Fatal(err)
	}
	if rule, refused := CheckDial("socket", "tcp", "10.1.1.1:1"); refused != nil || rule != `"10.0.0.0/8" (bigfoot.SetFirewall)` {
		t.Errorf("CheckDial(10.1.1.1:1) = %q, %v", rule, refused)
	}

	remove, err := AddDialRules("AllowDial in TestX", []string{"db.internal:5432"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if rule, refused := CheckDial("socket", "tcp", "db.internal:5432"); refused != nil || rule != `"db.internal:5432" (AllowDial in TestX)` {
		t.Errorf("CheckDial(db.internal:5432) = %q, %v", rule, refused)
	}
	_, refused := CheckDial("socket", "tcp", "api.internal:443")
	if refused == nil || !strings.Contains(refused.Reason, `"10.0.0.0/8" (bigfoot.SetFirewall), "db.internal:5432" (AllowDial in TestX)`) {
		t.Errorf("refusal does not list the rules in force: %v", refused)
	}
	remove()
	remove() // a second call does nothing
	if _, refused := CheckDial("socket", "tcp", "db.internal:5432"); refused == nil {
		t.Error("rule still applies after remove")
	}

	// Denying loopback: an allow rule still wins.
	deny, _ := AddDialRules("DenyLoopback in TestY", nil, true)
	defer deny()
	if FirewallAllowsFast("tcp", "127.0.0.1:80") {
		t.Error("FirewallAllowsFast allows loopback while it is denied")
	}
	_, refused = CheckDial("socket", "tcp", "127.0.0.1:80")
	if refused == nil || !strings.Contains(refused.Reason, "loopback dials outside sandboxes are denied by DenyLoopback in TestY") {
		t.Errorf("loopback while denied: %v", refused)
	}
	if _, refused := CheckDial("socket", "unix", "/tmp/s"); refused != nil {
		t.Errorf("unix while loopback is denied: %v", refused)
	}
	allow, _ := AddDialRules("AllowDial in TestY", []string{"127.0.0.1:80"}, false)
	defer allow()
	if _, refused := CheckDial("socket", "tcp", "127.0.0.1:80"); refused != nil {
		t.Errorf("loopback named by an allow rule while denied: %v", refused)
	}
}

func TestFirewallOff(t *testing.T) {
	resetFirewall(t)
	if err := SetFirewall(FirewallConfig{Off: true, DenyLoopback: true}); err != nil {
		t.Fatal(err)
	}
	if !FirewallAllowsFast("tcp", "db.internal:5432") {
		t.Error("FirewallAllowsFast refuses with the firewall off")
	}
	if rule, refused := CheckDial("socket", "tcp", "db.internal:5432"); refused != nil || !strings.Contains(rule, "Off: true") {
		t.Errorf("CheckDial with the firewall off = %q, %v", rule, refused)
	}
}

func TestSetFirewallInvalid(t *testing.T) {
	resetFirewall(t)
	if err := SetFirewall(FirewallConfig{DenyLoopback: true}); err != nil {
		t.Fatal(err)
	}
	if err := SetFirewall(FirewallConfig{Allow: []string{"ok.internal", "bad rule"}}); err == nil {
		t.Fatal("SetFirewall accepted an invalid rule")
	}
	if _, refused := CheckDial("socket", "tcp", "127.0.0.1:80"); refused == nil {
		t.Error("a rejected SetFirewall changed the policy")
	}
	if _, err := AddDialRules("x", []string{"10.0.0.0/40"}, false); err == nil {
		t.Error("AddDialRules accepted an invalid rule")
	}
}

func TestFirewallAllowsFast(t *testing.T) {
	resetFirewall(t)
	for addr, want := range map[string]bool{"127.0.0.1:80": true, "[::1]:1": true, "localhost:80": false, "10.0.0.1:80": false} {
		if got := FirewallAllowsFast("tcp", addr); got != want {
			t.Errorf("FirewallAllowsFast(tcp %s) = %v, want %v", addr, got, want)
		}
	}
	if !FirewallAllowsFast("unix", "/tmp/s") {
		t.Error("FirewallAllowsFast refuses a unix socket")
	}
	if n := testing.AllocsPerRun(100, func() { FirewallAllowsFast("tcp", "127.0.0.1:8080") }); n != 0 {
		t.Errorf("FirewallAllowsFast allocates %v times", n)
	}
}

func BenchmarkFirewallAllowsFast(b *testing.B) {
	for b.Loop() {
		FirewallAllowsFast("tcp", "127.0.0.1:8080")
	}
}
