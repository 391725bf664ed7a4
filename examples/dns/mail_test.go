//go:build bigfoot_overlay

package dns

import (
	"net"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
)

// Under bigfoot test, net.LookupMX inside the sandbox is answered from
// the script: the code has no seam and needs none.
func TestAcceptsMail(t *testing.T) {
	bf := bigfoot.New(t)
	bf.DNS().
		ExpectMX("example.com", []*net.MX{{Host: "mx.example.com", Pref: 10}}).
		ExpectMX("nomail.example", nil, bigfoot.Raises(&net.DNSError{IsNotFound: true}))

	var yes, no bool
	bf.Sandbox(func() {
		yes, _ = AcceptsMail("example.com")
		no, _ = AcceptsMail("nomail.example")
	})

	if !yes || no {
		t.Fatalf("AcceptsMail = %v, %v", yes, no)
	}
	bf.DNS().AssertMX("example.com")
	bf.DNS().AssertMX("nomail.example")
}

// Without bf.DNS(), a lookup inside the sandbox is unmocked: it fails at
// the DNS level, once, with the line that scripts it, and nothing is sent.
func TestAcceptsMailUnscripted(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		bf.Sandbox(func() { AcceptsMail("example.com") })
	})
	if !strings.Contains(ft.All(), `bf.DNS().ExpectMX("example.com", []*net.MX{{Host: "mail.example.com.", Pref: 10}})`) {
		t.Errorf("failure:\n%s", ft.All())
	}
}
