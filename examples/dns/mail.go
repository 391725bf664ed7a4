package dns

import "net"

// AcceptsMail reports whether domain publishes a mail exchanger. It calls
// net.LookupMX itself: there is no resolver for a test to pass in.
func AcceptsMail(domain string) (bool, error) {
	mx, err := net.LookupMX(domain)
	if dnsErr, ok := err.(*net.DNSError); ok && dnsErr.IsNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(mx) > 0, nil
}
