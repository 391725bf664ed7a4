package user

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/guard"
)

func TestAvailable(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("not built with the bigfoot overlay")
	}
}

func TestNetDialScripted(t *testing.T) {
	if !guard.Transparent() {
		t.Fatal("not built with the bigfoot overlay")
	}
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("sendall", nil).
		Expect("recv", []byte("pong\n")).
		Expect("close", nil)

	var reply string
	var err error
	bf.Sandbox(func() { reply, err = Ping("ping.invalid:7") })
	if err != nil || reply != "pong\n" {
		t.Fatalf("Ping = %q, %v; want \"pong\\n\", nil", reply, err)
	}

	bf.Socket().AssertConnect("ping.invalid", 7)
	bf.Socket().AssertSendall([]byte("ping\n"))
	bf.Socket().AssertRecv(4096, []byte("pong\n"))
	bf.Socket().AssertClose()
}
