// Package bfdns is bigfoot's DNS plugin: name lookups are answered from a
// script, and each is an interaction to assert.
//
//	bf := bigfoot.New(t)
//	bf.DNS().ExpectLookup("api.example.com", []string{"192.0.2.10"})
//	bf.Sandbox(func() { addrs, err = bf.DNS().Resolver().LookupHost(ctx, "api.example.com") })
//	bf.DNS().AssertLookup("api.example.com")
//
// # Scripts
//
// ExpectLookup scripts one lookup of a host's addresses: LookupHost,
// LookupIP, LookupIPAddr, LookupNetIP, and the lookup a Dial makes for a
// host name. The other record types take the same shape: ExpectCNAME,
// ExpectMX, ExpectNS, ExpectTXT, ExpectSRV and ExpectAddr (reverse,
// LookupAddr), each asserted with its Assert method. A lookup takes the
// first unused answer scripted for its kind and name; names match
// case-insensitively, a trailing dot ignored. Names in answers come back
// rooted ("mail.example.com."), as a resolver returns them. The
// resolver's search list applies as it does in Go's resolver: with
// "search corp.example" a lookup of "db" takes an answer scripted for
// "db.corp.example" if there is one, else one for "db".
//
// A failing lookup is scripted with bigfoot.Raises: a *net.DNSError with
// IsNotFound is "no such host", with IsTimeout a timeout; any other error
// is a server failure ("server misbehaving", temporary). The code gets
// the *net.DNSError a real resolver gives, with Err, Name and Server (the
// first name server of /etc/resolv.conf) filled in. A lookup answered
// with Raises is recorded like any other.
//
// An unscripted lookup fails as unmocked, once per lookup (not once per
// query, address family or retry), naming the Expect line that scripts
// it.
//
// # Seam: Resolver
//
// Resolver returns a *net.Resolver (PreferGo, with a Dial) whose queries
// an in-process DNS server answers from the script, speaking the DNS wire
// protocol over connections that reach no network: code that takes a
// resolver, or a net.Dialer with one, needs no change. The server ties a
// lookup's queries together (A and AAAA, the names of the search list,
// retries) by the goroutines Go's resolver runs them on, so one lookup is
// one interaction. What Go's resolver does before it queries still
// happens: names in /etc/hosts ("localhost") are answered from the file,
// and a lookup for both families returns the addresses in the order
// RFC 6724 gives them.
//
// # Transparent mode
//
// Under `bigfoot test` every lookup method of net.Resolver starts with a
// hook, before the resolver chooses between its Go and cgo
// implementations, so that net.DefaultResolver, the package-level
// functions, the Resolver a Dial uses and every other *net.Resolver are
// answered inside a sandbox at the lookup level, with GODEBUG=netdns=cgo
// or an nsswitch.conf that selects the C library as well. The layer rule
// holds: in a test that used bf.DNS() a lookup never reaches the socket
// plugin; in one that did not, a lookup inside a sandbox fails as
// unmocked at the DNS level, and the system's resolver never dials (so it
// cannot take the sessions scripted for the code's own connections). The
// exception is a resolver with a Dial of its own: the code (or the test)
// chose how its DNS travels, so without bf.DNS() its lookups go on to
// that dial, the layer below (DNS over the resolver's dial). A lookup
// on behalf of a dial the socket plugin let through (PassThrough) is
// answered from the script when the test used bf.DNS(), and otherwise
// goes to the real resolver. Lookups answered at this level return the
// addresses in the order scripted. A lookup of an IP literal is not a
// lookup. Outside sandboxes lookups go on as usual; their DNS queries
// meet the firewall as dials.
//
// A client that speaks DNS itself (github.com/miekg/dns) dials a name
// server: inside a sandbox of a test that used bf.DNS(), a dial to port 53
// is answered by the same in-process server, over UDP or TCP, one lookup
// per query; in a test that did not, the dial goes to the socket plugin
// like any other.
package bfdns
