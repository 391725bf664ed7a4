package dns

import (
	"context"
	"errors"
	"net"
	"strconv"
)

// Backends returns "ip:port" for every target of the SRV records of
// service over TCP in domain, skipping targets that no longer exist.
func Backends(ctx context.Context, r *net.Resolver, service, domain string) ([]string, error) {
	_, srvs, err := r.LookupSRV(ctx, service, "tcp", domain)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range srvs {
		addrs, err := r.LookupHost(ctx, s.Target)
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			out = append(out, net.JoinHostPort(a, strconv.Itoa(int(s.Port))))
		}
	}
	return out, nil
}
