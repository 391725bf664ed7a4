package bigfoot_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/bigfoot-go/bigfoot"
)

// primaryMX is code under test: it takes the resolver it uses (the seam).
func primaryMX(ctx context.Context, r *net.Resolver, domain string) (string, error) {
	mx, err := r.LookupMX(ctx, domain)
	if err != nil {
		return "", err
	}
	return mx[0].Host, nil
}

// Lookups are answered from the script; each is asserted.
func ExampleStrictVerifier_DNS() {
	bf := bigfoot.NewStrictVerifier()
	bf.DNS().
		ExpectLookup("api.example.com", []string{"192.0.2.10"}).
		ExpectMX("example.com", []*net.MX{{Host: "mx2.example.com", Pref: 20}, {Host: "mx1.example.com", Pref: 10}})

	var addrs []string
	var mx string
	bf.Sandbox(func() {
		addrs, _ = bf.DNS().Resolver().LookupHost(context.Background(), "api.example.com")
		mx, _ = primaryMX(context.Background(), bf.DNS().Resolver(), "example.com")
	})

	fmt.Println(addrs, mx)
	fmt.Println(bf.DNS().AssertLookup("api.example.com"))
	fmt.Println(bf.DNS().AssertMX("example.com"))
	fmt.Println("VerifyAll:", bf.VerifyAll())
	// Output:
	// [192.0.2.10] mx1.example.com.
	// <nil>
	// <nil>
	// VerifyAll: <nil>
}

// A name that does not exist: the code gets the resolver's own error.
func ExampleStrictVerifier_DNS_notFound() {
	bf := bigfoot.NewStrictVerifier()
	bf.DNS().ExpectLookup("gone.example.com", nil, bigfoot.Raises(&net.DNSError{IsNotFound: true}))

	var err error
	bf.Sandbox(func() { _, err = bf.DNS().Resolver().LookupHost(context.Background(), "gone.example.com") })

	var dnsErr *net.DNSError
	fmt.Println(errors.As(err, &dnsErr), dnsErr.IsNotFound, dnsErr.Name)
	fmt.Println(bf.DNS().AssertLookup("gone.example.com"))
	// Output:
	// true true gone.example.com
	// <nil>
}
