package bfredis

import (
	"fmt"
	"strconv"
	"strings"
)

// Reply values. A scripted reply is any of these Go values, written in the
// protocol version the client negotiated (RESP2 or RESP3, see HELLO):
//
//	string, []byte      bulk string                  r.Expect("GET", "k").Reply("v")
//	nil                 null ($-1 in RESP2, _ in RESP3): a missing key
//	Status              simple string                bfredis.OK, bfredis.Status("PONG")
//	Error               error reply                  bfredis.Error("WRONGTYPE Operation against a key holding the wrong kind of value")
//	int, int64          integer                      r.Expect("INCR", "n").Reply(1)
//	float64             double (RESP2: bulk string)
//	bool                boolean (RESP2: integer 1 or 0)
//	[]string, []any     array, nested as deep as needed
//	Set                 set (RESP2: array)
//	map[string]any      map, keys in sorted order (RESP2: flat array)
//	NilArray            null array (*-1): EXEC after a WATCHed key changed
//	Messages(...)       for SUBSCRIBE and PSUBSCRIBE: the confirmations, then the messages
//
// bigfoot.Raises(err) answers with an error reply carrying err's text.

// Status is a simple-string reply, such as OK or PONG.
type Status string

// OK is the +OK reply of SET and most writes.
const OK = Status("OK")

// Error is an error reply. Its text starts with the error code, as
// Redis's do ("ERR ...", "WRONGTYPE ..."); clients return it as their
// error type. It is also an error, for bigfoot.Raises(bfredis.Error("...")).
type Error string

// Error returns the reply's text.
func (e Error) Error() string { return string(e) }

// Set is a RESP3 set reply (an array in RESP2), e.g. of SMEMBERS.
type Set []any

type nilArray struct{}

// NilArray is the null array reply (*-1 in RESP2): what EXEC returns when
// a WATCHed key changed, and BLPOP when it times out.
var NilArray any = nilArray{}

// Message is one pub/sub message that the plugin delivers to a
// subscribed client. Pattern is set only for a PSUBSCRIBE's messages: the
// pattern that matched Channel.
type Message struct {
	Pattern string
	Channel string
	Payload string
}

// Subscription is the reply of a scripted SUBSCRIBE or PSUBSCRIBE; make it
// with Messages.
type Subscription struct{ msgs []Message }

// Messages is the reply of a SUBSCRIBE (or PSUBSCRIBE): the plugin
// confirms each channel, as Redis does, then delivers msgs in order.
//
//	r.Expect("SUBSCRIBE", "news").Reply(bfredis.Messages(bfredis.Message{Channel: "news", Payload: "hello"}))
func Messages(msgs ...Message) Subscription {
	return Subscription{msgs: append([]Message(nil), msgs...)}
}

// ReplyTypeError is reported when a scripted reply is a Go value that has
// no Redis reply type.
type ReplyTypeError struct {
	Call string // the Expect call, as Go
	Got  string // the Go type given, with where it was inside the reply
	Fix  string
}

// Error describes the failure: what happened, what was expected, and the fix.
func (e *ReplyTypeError) Error() string {
	return "bigfoot: " + e.Call + ": a reply of type " + e.Got + " has no Redis reply type; a reply is a string, []byte, nil, " +
		"bfredis.Status, bfredis.Error, int, int64, float64, bool, []string, []any, bfredis.Set, map[string]any, " +
		"bfredis.NilArray or bfredis.Messages(...)\nfix:\n\t" + strings.ReplaceAll(e.Fix, "\n", "\n\t")
}

// replyType returns "" when x can be written as a reply, else the type
// that cannot (with its place inside x).
func replyType(x any, top bool) string {
	switch t := x.(type) {
	case nil, string, []byte, Status, Error, int, int64, float64, bool, []string, nilArray:
		return ""
	case Subscription:
		if top {
			return ""
		}
		return "bfredis.Subscription inside another reply"
	case []any:
		for i, e := range t {
			if bad := replyType(e, false); bad != "" {
				return bad + " (element " + strconv.Itoa(i) + ")"
			}
		}
		return ""
	case Set:
		for i, e := range t {
			if bad := replyType(e, false); bad != "" {
				return bad + " (element " + strconv.Itoa(i) + ")"
			}
		}
		return ""
	case map[string]any:
		for k, e := range t {
			if bad := replyType(e, false); bad != "" {
				return bad + " (key " + strconv.Quote(k) + ")"
			}
		}
		return ""
	}
	return fmt.Sprintf("%T", x)
}

// replyGo renders a reply as Go, for messages.
func replyGo(x any) string {
	switch t := x.(type) {
	case nil:
		return "nil"
	case string:
		return quoteArg(t)
	case Status:
		if t == OK {
			return "bfredis.OK"
		}
		return "bfredis.Status(" + quoteArg(string(t)) + ")"
	case Error:
		return "bfredis.Error(" + quoteArg(string(t)) + ")"
	case int:
		return strconv.Itoa(t)
	case nilArray:
		return "bfredis.NilArray"
	case Subscription:
		return "bfredis.Messages(...)"
	}
	s := fmt.Sprintf("%#v", x)
	if len(s) > 4*maxReplyLen {
		s = s[:4*maxReplyLen] + " /* ... */"
	}
	return s
}

// errorText turns the error of bigfoot.Raises into an error reply: its
// text, with Redis's generic code ERR in front unless it starts with a
// code of its own (an upper-case word, as in "WRONGTYPE ...").
func errorText(err error) string {
	s := oneLine(err.Error())
	word, _, _ := strings.Cut(s, " ")
	if word == "" {
		return "ERR " + s
	}
	for _, c := range word {
		if (c < 'A' || c > 'Z') && c != '_' && (c < '0' || c > '9') {
			return "ERR " + s
		}
	}
	return s
}
