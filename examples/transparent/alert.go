package transparent

import (
	"net/smtp"
)

// SendAlert mails subject and body from one address to another through the
// SMTP server at addr.
func SendAlert(addr, from, to, subject, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	if err := send(c, from, to, "Subject: "+subject+"\r\n\r\n"+body+"\r\n"); err != nil {
		c.Close()
		return err
	}
	return c.Quit()
}

func send(c *smtp.Client, from, to, msg string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return w.Close()
}
