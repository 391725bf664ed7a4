package netdialhook

import (
	"context"
	"net"
	"testing"
)

func TestInstallReportsAvailable(t *testing.T) {
	// Install(nil) is harmless either way: without the overlay it does
	// nothing, with it it removes any hook.
	if got, want := Install(nil), Available(); got != want {
		t.Errorf("Install returned %v, Available %v; want them equal", got, want)
	}
}

// TestHookInterceptsDial only runs under the overlay, for example as
// 'go run ./cmd/bigfoot test ./internal/netdialhook', which the cmd/bigfoot
// tests do.
func TestHookInterceptsDial(t *testing.T) {
	if !Available() {
		t.Skip("not built with the bigfoot overlay")
	}
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()

	var gotNetwork, gotAddress string
	Install(func(ctx context.Context, network, address string) (bool, net.Conn, error) {
		if address != "netdialhook.invalid:1" {
			return false, nil, nil
		}
		gotNetwork, gotAddress = network, address
		return true, client, nil
	})
	defer Install(nil)

	c, err := net.Dial("tcp", "netdialhook.invalid:1")
	if err != nil {
		t.Fatal(err)
	}
	if c != client {
		t.Errorf("net.Dial returned %v, want the hook's connection", c)
	}
	if gotNetwork != "tcp" || gotAddress != "netdialhook.invalid:1" {
		t.Errorf("hook saw (%q, %q), want (\"tcp\", \"netdialhook.invalid:1\")", gotNetwork, gotAddress)
	}
}
