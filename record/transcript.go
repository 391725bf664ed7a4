package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A Transcript is what one verifier's sandboxes did against the real world
// in one recording run: the connections they dialed, byte for byte, and the
// HTTP requests they made, each stamped with a sequence number that orders
// all of them as they happened.
type Transcript struct {
	Test  string     `json:"test"`            // testing.TB.Name() of the verifier
	Dir   string     `json:"dir"`             // the package's directory (the test binary's working directory)
	Conns []Conn     `json:"conns,omitempty"` // in the order they were dialed
	HTTP  []Exchange `json:"http,omitempty"`  // in the order they were sent
	// Lookups are the name lookups the code made itself (not those of a
	// dial the recorder made, which the dial's plugin answers offline).
	Lookups  []Lookup  `json:"lookups,omitempty"`
	Commands []Command `json:"commands,omitempty"` // the processes the code started
}

// A Lookup is one name lookup through a *net.Resolver and its answer.
type Lookup struct {
	Seq int64 `json:"seq"`
	// Kind is guard's Lookup kind: "host", "ip", "cname", "srv", "mx",
	// "ns", "txt" or "addr".
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Network string `json:"network,omitempty"` // for "ip"
	Service string `json:"service,omitempty"` // for "srv"
	Proto   string `json:"proto,omitempty"`

	Addrs []string `json:"addrs,omitempty"` // "host" and "ip": IP literals
	CNAME string   `json:"cname,omitempty"`
	SRV   []SRV    `json:"srv,omitempty"`
	MX    []MX     `json:"mx,omitempty"`
	Hosts []string `json:"hosts,omitempty"` // "ns": name servers; "addr": names; "txt": records
	// Err is the lookup's error; NotFound is set when the name does not
	// exist.
	Err      string `json:"err,omitempty"`
	NotFound bool   `json:"notFound,omitempty"`
}

// An SRV is one service record.
type SRV struct {
	Target                 string
	Port, Priority, Weight uint16
}

// An MX is one mail exchange record.
type MX struct {
	Host string
	Pref uint16
}

// A Command is one process the code started, and how it ended.
type Command struct {
	Seq      int64    `json:"seq"`
	Args     []string `json:"args"`
	Dir      string   `json:"dir,omitempty"`
	Stdin    []byte   `json:"stdin,omitempty"`
	Stdout   []byte   `json:"stdout,omitempty"`
	Stderr   []byte   `json:"stderr,omitempty"`
	ExitCode int      `json:"exitCode,omitempty"`
}

// A Conn is one connection dialed through the recorder.
type Conn struct {
	Seq     int64   `json:"seq"` // when the dial returned
	Network string  `json:"network"`
	Address string  `json:"address"` // as the code dialed it, before name resolution
	Err     string  `json:"err,omitempty"`
	Chunks  []Chunk `json:"chunks,omitempty"`
	// Closed is set when the code closed the connection (Close returned).
	Closed    bool  `json:"closed,omitempty"`
	ClosedSeq int64 `json:"closedSeq,omitempty"`
	// PlainForTLS is set when the recorder answered a Postgres SSLRequest
	// itself with 'N', so that the rest of the connection is readable.
	PlainForTLS bool `json:"plainForTLS,omitempty"`
}

// A Chunk is the bytes of one Write (Send) or one Read (!Send) that
// returned them, as the code saw them. A Read that returned an error
// records it in Err (io.EOF as "EOF").
type Chunk struct {
	Seq  int64  `json:"seq"`
	Send bool   `json:"send,omitempty"`
	Size int    `json:"size,omitempty"` // a Read's buffer length
	Data []byte `json:"data,omitempty"`
	Err  string `json:"err,omitempty"`
}

// An Exchange is one HTTP request made through an *http.Transport and its
// response, as the transport's caller saw them: the header is what the code
// and http.Client set, not what the wire adds.
type Exchange struct {
	Seq        int64               `json:"seq"`
	Method     string              `json:"method"`
	URL        string              `json:"url"`
	Header     map[string][]string `json:"header,omitempty"`
	Body       []byte              `json:"body,omitempty"`
	Status     int                 `json:"status,omitempty"`
	RespHeader map[string][]string `json:"respHeader,omitempty"`
	RespBody   []byte              `json:"respBody,omitempty"`
	Err        string              `json:"err,omitempty"` // the round trip's error
	// EndSeq is when the response was read: an exchange that another
	// starts before this one ends was made by concurrent code.
	EndSeq int64 `json:"endSeq,omitempty"`
}

// Sent returns the bytes the code wrote on c, in order.
func (c *Conn) Sent() []byte { return c.stream(true) }

// Received returns the bytes the code read from c, in order.
func (c *Conn) Received() []byte { return c.stream(false) }

func (c *Conn) stream(send bool) []byte {
	var b []byte
	for _, ch := range c.Chunks {
		if ch.Send == send {
			b = append(b, ch.Data...)
		}
	}
	return b
}

// FileName is the name under which a transcript of test is written in a
// recording directory: the test's name with path separators made safe,
// and a number for the verifier's place among the test's verifiers.
func FileName(test string, n int) string {
	r := strings.NewReplacer("/", "__", "\\", "_", ":", "_", " ", "_")
	return fmt.Sprintf("%s.%d.json", r.Replace(test), n)
}

// Write writes t into dir, which must exist, under FileName(t.Test, n) for
// the smallest n not taken.
func (t *Transcript) Write(dir string) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	for n := 0; ; n++ {
		f, err := os.OpenFile(filepath.Join(dir, FileName(t.Test, n)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}

// Load reads every transcript in dir, sorted by directory, test and file
// name, so that two runs of the same tests load in the same order.
func Load(dir string) ([]*Transcript, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Transcript
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		t := new(Transcript)
		if err := json.Unmarshal(b, t); err != nil {
			return nil, fmt.Errorf("record: transcript %s: %w", name, err)
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Dir != out[j].Dir {
			return out[i].Dir < out[j].Dir
		}
		return out[i].Test < out[j].Test
	})
	return out, nil
}
