package dns

import (
	"context"
	"net"
	"slices"
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

func TestBackends(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().
		ExpectSRV("api", "tcp", "svc.example.com", []*net.SRV{
			{Target: "a.svc.example.com", Port: 8443, Priority: 10, Weight: 50},
			{Target: "gone.svc.example.com", Port: 8443, Priority: 20, Weight: 50},
		}).
		ExpectLookup("a.svc.example.com", []string{"10.0.0.1"}).
		ExpectLookup("gone.svc.example.com", nil, bigfoot.Raises(&net.DNSError{IsNotFound: true}))

	var got []string
	var err error
	bf.Sandbox(func() {
		got, err = Backends(context.Background(), bf.DNS().Resolver(), "api", "svc.example.com")
	})

	if err != nil || !slices.Equal(got, []string{"10.0.0.1:8443"}) {
		t.Fatalf("Backends = %v, %v", got, err)
	}
	bf.DNS().AssertSRV("api", "tcp", "svc.example.com")
	bf.DNS().AssertLookup("a.svc.example.com")
	bf.DNS().AssertLookup("gone.svc.example.com")
}
