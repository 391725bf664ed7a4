//go:build bigfoot_overlay

package bfdns

import (
	"net"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/core"
)

// TestRawClientOverTheDial: a DNS client that dials a name server
// itself (as github.com/miekg/dns does) reaches, inside a sandbox of a
// test that used the plugin, the in-process server, over UDP and TCP.
func TestRawClientOverTheDial(t *testing.T) {
	v := core.New(t)
	p := For(v)
	p.ExpectLookup("raw.example.com", []string{"192.0.2.44"}).ExpectLookup("raw.example.com", []string{"192.0.2.44"})
	v.Sandbox(func() {
		for _, network := range []string{"udp", "tcp"} {
			c, err := net.Dial(network, "10.0.0.53:53")
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := c.(net.PacketConn); ok != (network == "udp") {
				t.Errorf("%s: PacketConn %v", network, ok)
			}
			q, _ := (&message{ID: 3, Flags: flagRecursionDes, Questions: []question{{Name: "raw.example.com.", Type: typeA, Class: classINET}}}).pack()
			if network == "tcp" {
				q = append([]byte{byte(len(q) >> 8), byte(len(q))}, q...)
			}
			c.Write(q)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 512)
			n, err := c.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			if network == "tcp" {
				buf, n = buf[2:], n-2
			}
			m, err := parseMessage(buf[:n])
			if err != nil || len(m.Answers) != 1 || m.Answers[0].IP.String() != "192.0.2.44" {
				t.Errorf("%s: %+v %v", network, m, err)
			}
			c.Close()
		}
	})
	p.AssertLookup("raw.example.com")
	p.AssertLookup("raw.example.com")
}
