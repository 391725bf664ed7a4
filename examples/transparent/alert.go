package transparent

import (
	"net/smtp"
)

// SendAlert mails subject and body from one address to another through the
// SMTP server at addr, with smtp.SendMail: it dials, speaks SMTP, quits, and
// closes the connection a second time on its way out, as real Go code does.
func SendAlert(addr, from, to, subject, body string) error {
	msg := "Subject: " + subject + "\r\n\r\n" + body + "\r\n"
	return smtp.SendMail(addr, nil, from, []string{to}, []byte(msg))
}
