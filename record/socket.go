package record

import (
	"errors"
	"net"
	"strconv"
)

// socketDecoder takes any connection no protocol decoder knows: its bytes
// become a socket session, one step per Write and per Read as the code made
// them.
type socketDecoder struct{}

func (socketDecoder) Name() string      { return "socket" }
func (socketDecoder) Detect(*Conn) bool { return true }

func (socketDecoder) Decode(c *Conn, _ *Options) ([]Call, error) {
	if sent := c.Sent(); len(sent) >= 3 && sent[0] == 0x16 && sent[1] == 0x03 {
		return nil, errors.New("it speaks TLS, which record cannot read (only HTTPS is recorded, at the request layer); script this connection by hand, or record against a server without TLS")
	}
	host, portText, err := net.SplitHostPort(c.Address)
	if err != nil {
		host, portText = c.Address, "0"
	}
	if _, err := strconv.Atoi(portText); err != nil {
		portText = "0"
	}
	imports := []string{"github.com/bigfoot-go/bigfoot", "github.com/bigfoot-go/bigfoot/socket", "errors"}
	var calls []Call
	// The session is one script line, chained step by step; each call adds
	// its step, and the first opens the session.
	session := func(bf string) string { return bf + ".Socket().NewSession()" }
	calls = append(calls, Call{Seq: c.Seq, Plugin: "socket", Imports: imports,
		Fields: []Field{{Name: "host", Raw: host, Go: strconv.Quote(host), Matchable: true}, {Name: "port", Raw: portText, Go: portText, Matchable: true, Numeric: true}},
		Render: func(bf string, x []string) (string, string) {
			assert := bf + ".Socket().AssertConnect(" + x[0] + ", " + x[1] + ")"
			if IsMatcher(x[0]) || IsMatcher(x[1]) {
				assert = bf + ".AssertInteraction(socket.Connect, bigfoot.Fields{\"host\": " + x[0] + ", \"port\": " + x[1] + "})"
			}
			if c.Err != "" {
				return session(bf) + ".\nExpect(\"connect\", nil, bigfoot.Raises(errors.New(" + strconv.Quote(c.Err) + ")))", assert
			}
			return session(bf) + ".\nExpect(\"connect\", nil)", assert
		}})
	if c.Err != "" {
		calls[0].Chain = c
		return calls, nil
	}
	for _, ch := range c.Chunks {
		ch := ch
		if ch.Send {
			calls = append(calls, Call{Seq: ch.Seq, Plugin: "socket", Imports: imports,
				Fields: []Field{{Name: "sent bytes", Raw: string(ch.Data), Go: GoBytes(ch.Data), Matchable: true}},
				Render: func(bf string, x []string) (string, string) {
					if IsMatcher(x[0]) {
						return "Expect(\"sendall\", nil)", bf + ".AssertInteraction(socket.Sendall, bigfoot.Fields{\"data\": " + x[0] + "})"
					}
					return "Expect(\"sendall\", nil)", bf + ".Socket().AssertSendall(" + x[0] + ")"
				}})
			continue
		}
		data := GoBytes(ch.Data)
		if len(ch.Data) == 0 {
			data = "[]byte{}"
		}
		calls = append(calls, Call{Seq: ch.Seq, Plugin: "socket", Imports: imports,
			Fields: []Field{{Name: "read size", Raw: strconv.Itoa(ch.Size), Go: strconv.Itoa(ch.Size), Matchable: true, Numeric: true}},
			Render: func(bf string, x []string) (string, string) {
				if IsMatcher(x[0]) {
					return "Expect(\"recv\", " + data + ")", bf + ".AssertInteraction(socket.Recv, bigfoot.Fields{\"size\": " + x[0] + ", \"data\": " + data + "})"
				}
				return "Expect(\"recv\", " + data + ")", bf + ".Socket().AssertRecv(" + x[0] + ", " + data + ")"
			}})
	}
	if c.Closed {
		calls = append(calls, Call{Seq: c.ClosedSeq, Plugin: "socket", Imports: imports,
			Render: func(bf string, _ []string) (string, string) {
				return "Expect(\"close\", nil)", bf + ".Socket().AssertClose()"
			}})
	}
	for i := range calls {
		calls[i].Chain = c
	}
	return calls, nil
}
