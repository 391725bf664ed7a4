package bfdns

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// sampleMessage holds every record type the codec knows, escapes in
// names, and the OPT record Go's resolver sends.
func sampleMessage() *message {
	rr := func(t uint16) resource {
		return resource{Name: "ex\\.ample\\255.com.", Type: t, Class: classINET, TTL: 300}
	}
	a, aaaa, ns, cname, ptr, mx, srv, txt, other := rr(typeA), rr(typeAAAA), rr(typeNS), rr(typeCNAME), rr(typePTR), rr(typeMX), rr(typeSRV), rr(typeTXT), rr(99)
	a.IP = netip.MustParseAddr("192.0.2.1")
	aaaa.IP = netip.MustParseAddr("2001:db8::1")
	ns.Target = "ns1.example.com."
	cname.Target = "."
	ptr.Target = "host.example.com."
	mx.Target, mx.Pref = "mail.example.com.", 10
	srv.Target, srv.Priority, srv.Weight, srv.Port = "sip.example.com.", 1, 2, 5060
	txt.TXT = []string{"", "v=spf1 -all", strings.Repeat("x", 255)}
	other.Raw = []byte{1, 2, 3}
	opt := resource{Name: ".", Type: typeOPT, Class: 1232, Raw: []byte{}}
	return &message{
		ID: 0xbeef, Flags: flagResponse | flagRecursionDes | flagRecursionAv | rcodeNXDomain,
		Questions:   []question{{Name: "example.com.", Type: typeA, Class: classINET}},
		Answers:     []resource{a, aaaa, ns, cname, ptr, mx, srv, txt, other},
		Authorities: []resource{ns},
		Additionals: []resource{opt},
	}
}

func TestMessageRoundTrip(t *testing.T) {
	m := sampleMessage()
	b, err := m.pack()
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, m)
	}
	if got.rcode() != rcodeNXDomain {
		t.Errorf("rcode %d", got.rcode())
	}
}

func TestLongTXTIsSplitAndJoined(t *testing.T) {
	long := strings.Repeat("a", 600)
	b, err := (&message{Answers: []resource{{Name: "t.", Type: typeTXT, Class: classINET, TXT: []string{long}}}}).pack()
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	// One record of three character-strings, which resolvers concatenate.
	if got := m.Answers[0].TXT; len(got) != 3 || strings.Join(got, "") != long || len(got[0]) != 255 {
		t.Errorf("TXT parts %d", len(got))
	}
}

// compressed is a response whose answer names point back at the
// question's name, as name servers write them.
func compressed() []byte {
	b := []byte{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0}
	b = append(b, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1)
	// www.example.com CNAME web.(pointer to example.com at offset 16)
	b = append(b, 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'w', 'e', 'b', 0xc0, 16)
	// web.example.com (pointer to the CNAME's target at offset 45) A 192.0.2.1
	b = append(b, 0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1)
	return b
}

func TestParseCompression(t *testing.T) {
	m, err := parseMessage(compressed())
	if err != nil {
		t.Fatal(err)
	}
	if m.Questions[0].Name != "www.example.com." || m.Answers[0].Target != "web.example.com." ||
		m.Answers[1].Name != "web.example.com." || m.Answers[1].IP != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("decoded %+v", m)
	}
}

func TestParseRejects(t *testing.T) {
	loop := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1}       // a pointer to itself
	forward := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1} // a pointer forward
	long := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	for i := 0; i < 5; i++ {
		long = append(long, 63)
		long = append(long, strings.Repeat("a", 63)...)
	}
	long = append(long, 0, 0, 1, 0, 1)
	badA := append([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3)
	manyCounts := []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}
	label := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1}
	trailing := append(compressed(), 0)
	for name, b := range map[string][]byte{
		"short": {1, 2, 3}, "pointer loop": loop, "forward pointer": forward, "long name": long,
		"A of 3 bytes": badA, "counts": manyCounts, "label type": label, "trailing": trailing,
		"truncated": compressed()[:40],
	} {
		if m, err := parseMessage(b); err == nil {
			t.Errorf("%s: parsed %+v", name, m)
		}
	}
}

func TestPackRejects(t *testing.T) {
	for name, m := range map[string]*message{
		"empty label": {Questions: []question{{Name: "a..b."}}},
		"long label":  {Questions: []question{{Name: strings.Repeat("a", 64) + "."}}},
		"long name":   {Questions: []question{{Name: strings.Repeat("abcdefg.", 40)}}},
		"bad escape":  {Questions: []question{{Name: "a\\9"}}},
		"A of IPv6":   {Answers: []resource{{Name: ".", Type: typeA, IP: netip.MustParseAddr("::1")}}},
		"AAAA of v4":  {Answers: []resource{{Name: ".", Type: typeAAAA, IP: netip.MustParseAddr("192.0.2.1")}}},
	} {
		if _, err := m.pack(); err == nil {
			t.Errorf("%s: packed", name)
		}
	}
}

// FuzzMessage decodes arbitrary bytes: no panic, and whatever decodes
// encodes again to a message that decodes to the same value. The seed
// corpus is under testdata/fuzz/FuzzMessage.
func FuzzMessage(f *testing.F) {
	if b, err := sampleMessage().pack(); err == nil {
		f.Add(b)
	}
	f.Add(compressed())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			return
		}
		out, err := m.pack()
		if err == errTooLong {
			return // compressed names can expand past 64 KiB
		}
		if err != nil {
			t.Fatalf("a decoded message does not encode: %v\n%+v", err, m)
		}
		m2, err := parseMessage(out)
		if err != nil {
			t.Fatalf("an encoded message does not decode: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
		}
		if binary.BigEndian.Uint16(out) != m.ID {
			t.Fatal("ID changed")
		}
	})
}
