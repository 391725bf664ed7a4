package bfpg

import (
	"context"
	"net"
	"strings"

	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/guard"
)

// Transparent mode. Under `bigfoot test`, package net is compiled with a
// hook at the start of net.(*Dialer).DialContext, which pgx, lib/pq and
// every other client's default dialer pass through. Package guard owns
// the hook; this package claims it at guard.LayerProtocol, above the
// socket plugin, and answers a dial only when all of these hold:
//
//   - it belongs to an open sandbox (made from the goroutine that entered
//     it or one it started, or with a context from bf.Context);
//   - the sandbox's test used the plugin (bfpg.For(bf)): the layer rule;
//   - the address matches one the test named with Serve;
//   - the network is tcp, tcp4 or tcp6 (or unix, for a socket path named).
//
// Every other dial goes on to the socket plugin (or the firewall outside
// sandboxes), as if the plugin were not linked in.
func init() {
	guard.ClaimDial(guard.DialClaim{Name: "pg", Layer: guard.LayerProtocol, Claim: claimDial})
	guard.ClaimLookup(guard.LookupClaim{Name: "pg", Layer: guard.LayerProtocol, Claim: claimLookup})
}

// claimLookup answers a host lookup of a name the test named with Serve,
// with the name itself: pgx resolves the host before it dials, and the
// dial that follows is the plugin's. Other lookups go on to the DNS plugin.
func claimLookup(_ context.Context, v *core.Verifier, q *guard.Lookup) (guard.Decision, *guard.LookupAnswer, error) {
	p, used := key.Get(v)
	if !used || (q.Kind != guard.LookupHost && q.Kind != guard.LookupIP) {
		return guard.Pass, nil, nil
	}
	hosts := p.hosts.Load()
	if hosts == nil {
		return guard.Pass, nil, nil
	}
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	for _, h := range *hosts {
		if h == name && q.Kind == guard.LookupHost {
			return guard.Answer, &guard.LookupAnswer{Addrs: []string{q.Name}}, nil
		}
	}
	return guard.Pass, nil, nil
}

func claimDial(ctx context.Context, v *core.Verifier, network, address string) (guard.Decision, net.Conn, error) {
	p, used := key.Get(v)
	if !used {
		return guard.Pass, nil, nil
	}
	rules := p.serve.Load()
	if rules == nil {
		return guard.Pass, nil, nil
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return guard.Pass, nil, nil
	}
	if _, ok := rules.Match(network, address); !ok {
		return guard.Pass, nil, nil
	}
	if err := ctx.Err(); err != nil {
		return guard.Answer, nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	return guard.Answer, p.dial(network, address), nil
}
