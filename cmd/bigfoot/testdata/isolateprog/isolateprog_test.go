package isolateprog

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
)

// outside is TEST-NET-1 (RFC 5737): an address beyond the machine.
var outside = [4]byte{192, 0, 2, 1}

// TestInNamespace: the test binary runs with loopback alone, up, and is
// told so.
func TestInNamespace(t *testing.T) {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(ifaces) != 1 || ifaces[0].Flags&net.FlagLoopback == 0 || ifaces[0].Flags&net.FlagUp == 0 {
		t.Fatalf("interfaces %v, want loopback alone, up", ifaces)
	}
	if os.Getenv("BIGFOOT_ISOLATED") != "1" {
		t.Error("BIGFOOT_ISOLATED is not 1")
	}
}

// TestLoopbackWorks: an httptest server is reachable, as outside the
// namespace.
func TestLoopbackWorks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Errorf("body %q", b)
	}
}

// TestRawSyscallDial: a connect(2) and a sendto(2) made with package
// syscall, below package net and its firewall, find no route.
func TestRawSyscallDial(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	err = syscall.Connect(fd, &syscall.SockaddrInet4{Port: 80, Addr: outside})
	if !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("raw connect to 192.0.2.1:80: %v, want ENETUNREACH", err)
	}

	ufd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ufd)
	err = syscall.Sendto(ufd, []byte("query"), 0, &syscall.SockaddrInet4{Port: 53, Addr: outside})
	if !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("raw sendto 192.0.2.1:53: %v, want ENETUNREACH", err)
	}
}

// TestFirewallRefusesInProcess: in the test binary itself the firewall
// refuses the dial first, with its typed error.
func TestFirewallRefusesInProcess(t *testing.T) {
	_, err := net.Dial("tcp", "192.0.2.1:80")
	var g *bigfoot.GuardedCallError
	if !errors.As(err, &g) {
		t.Errorf("net.Dial outside a sandbox: %v, want a *bigfoot.GuardedCallError", err)
	}
}

// TestChildProcessDial runs this test binary again as a child process
// with the firewall off, standing for any program the code starts (curl,
// a helper in another language): its dial reaches the kernel, which has
// no route out of the namespace.
func TestChildProcessDial(t *testing.T) {
	if os.Getenv("ISOLATEPROG_CHILD") == "1" {
		c, err := net.DialTimeout("tcp", "192.0.2.1:80", 5*time.Second)
		if c != nil {
			c.Close()
		}
		var g *bigfoot.GuardedCallError
		switch {
		case errors.As(err, &g):
			t.Fatalf("the child's dial was refused by the firewall, which is off in it: %v", err)
		case errors.Is(err, syscall.ENETUNREACH):
			t.Logf("child dial: %v", err)
		default:
			t.Fatalf("child dial: %v, want ENETUNREACH", err)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChildProcessDial$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "ISOLATEPROG_CHILD=1", "BIGFOOT_FIREWALL=off")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "connect: network is unreachable") {
		t.Errorf("child process: %v\n%s", err, out)
	}
}
