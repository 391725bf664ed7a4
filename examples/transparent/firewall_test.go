//go:build bigfoot_overlay

package transparent

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// TestFirewall shows the firewall, which decides the dials made outside
// every sandbox: the test's own httptest server, on loopback, is reached
// for real; with loopback denied, the same dial is refused with an error
// that says how to allow it. (Dials to other addresses are refused the same
// way by default; the tests in package transparent at the repository root
// show it inside a network namespace, where nothing can leave the machine.)
func TestFirewall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	healthy, err := Healthy(srv.URL) // no sandbox, loopback: a real request
	if err != nil || !healthy {
		t.Fatalf("Healthy(httptest server) = %v, %v; want true, nil", healthy, err)
	}

	t.Run("loopback denied", func(t *testing.T) {
		bigfoot.DenyLoopback(t)
		// The firewall decides dials: drop the connection the default
		// transport kept from the request above, so that it dials again.
		http.DefaultClient.CloseIdleConnections()
		_, err := Healthy(srv.URL)
		var refused *bigfoot.GuardedCallError
		if !errors.As(err, &refused) {
			t.Fatalf("Healthy with loopback denied: %v, want a *bigfoot.GuardedCallError", err)
		}
		addr := srv.Listener.Addr().String()
		if !strings.Contains(refused.Fix, `bigfoot.AllowDial(t, "`+addr+`")`) {
			t.Errorf("the refusal does not say how to allow the dial:\n%v", refused)
		}
	})
}
