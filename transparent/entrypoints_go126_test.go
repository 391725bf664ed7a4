//go:build bigfoot_overlay && go1.26

package transparent

import (
	"context"
	"net"
	"net/netip"
)

// The (*net.Dialer) methods that dial a concrete connection, new in Go
// 1.26; this file carries the go1.26 constraint because the module's
// go.mod asks for less. They reach net's internal dialTCP and friends
// with the caller's context, so a call outside a sandbox can be tied to
// its test with bf.Context.
func init() {
	entryRows = append(entryRows, []entryRow{
		{name: "(*net.Dialer).DialTCP", witness: tcpW, takesCtx: true, call: func(ctx context.Context, ws *witnesses) error {
			return write((&net.Dialer{}).DialTCP(ctx, "tcp", netip.AddrPort{}, standInTCP))
		}},
		{name: "(*net.Dialer).DialUDP", witness: udpW, takesCtx: true, call: func(ctx context.Context, ws *witnesses) error {
			return write((&net.Dialer{}).DialUDP(ctx, "udp", netip.AddrPort{}, standInUDP))
		}},
		{name: "(*net.Dialer).DialIP", witness: rawW, takesCtx: true, call: func(ctx context.Context, ws *witnesses) error {
			return write((&net.Dialer{}).DialIP(ctx, "ip4:"+rawProto, netip.Addr{}, standInRaw))
		}},
		{name: "(*net.Dialer).DialUnix", witness: streamW, local: true, takesCtx: true, call: func(ctx context.Context, ws *witnesses) error {
			return write((&net.Dialer{}).DialUnix(ctx, "unix", nil, &net.UnixAddr{Name: ws.streamPath, Net: "unix"}))
		}},
	}...)
}
