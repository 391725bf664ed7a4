//go:build bigfoot_overlay

package transparent

import (
	"testing"

	"github.com/bigfoot-go/bigfoot"
)

// TestSendAlert scripts an SMTP dialogue: each command smtp.SendMail writes
// and each reply it reads. SendMail closes the connection twice (Quit, then
// its deferred Close); the second Close is answered with net.ErrClosed, as
// by a real connection, and is neither a step nor a failure.
func TestSendAlert(t *testing.T) {
	const (
		greeting = "220 mail.internal ESMTP\r\n"
		ehlo     = "250-mail.internal\r\n250 8BITMIME\r\n"
		ok       = "250 2.0.0 OK\r\n"
		goAhead  = "354 Go ahead\r\n"
		queued   = "250 2.0.0 Queued\r\n"
		bye      = "221 2.0.0 Bye\r\n"
		message  = "Subject: disk full\r\n\r\n/var is at 97%\r\n"
	)
	bf := bigfoot.New(t)
	bf.Socket().NewSession().
		Expect("connect", nil).
		Expect("recv", []byte(greeting)).
		Expect("sendall", nil). // EHLO
		Expect("recv", []byte(ehlo)).
		Expect("sendall", nil). // MAIL FROM
		Expect("recv", []byte(ok)).
		Expect("sendall", nil). // RCPT TO
		Expect("recv", []byte(ok)).
		Expect("sendall", nil). // DATA
		Expect("recv", []byte(goAhead)).
		Expect("sendall", nil). // the message and its final dot
		Expect("recv", []byte(queued)).
		Expect("sendall", nil). // QUIT
		Expect("recv", []byte(bye)).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() {
		err = SendAlert("mail.internal:25", "monitor@example.com", "oncall@example.com", "disk full", "/var is at 97%")
	})

	if err != nil {
		t.Fatalf("SendAlert: %v", err)
	}
	bf.Socket().AssertConnect("mail.internal", 25)
	bf.Socket().AssertRecv(4096, []byte(greeting))
	bf.Socket().AssertSendall([]byte("EHLO localhost\r\n"))
	bf.Socket().AssertRecv(4096, []byte(ehlo))
	bf.Socket().AssertSendall([]byte("MAIL FROM:<monitor@example.com> BODY=8BITMIME\r\n"))
	bf.Socket().AssertRecv(4096, []byte(ok))
	bf.Socket().AssertSendall([]byte("RCPT TO:<oncall@example.com>\r\n"))
	bf.Socket().AssertRecv(4096, []byte(ok))
	bf.Socket().AssertSendall([]byte("DATA\r\n"))
	bf.Socket().AssertRecv(4096, []byte(goAhead))
	bf.Socket().AssertSendall([]byte(message + ".\r\n"))
	bf.Socket().AssertRecv(4096, []byte(queued))
	bf.Socket().AssertSendall([]byte("QUIT\r\n"))
	bf.Socket().AssertRecv(4096, []byte(bye))
	bf.Socket().AssertClose()
}
