package guard

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
	"github.com/bigfoot-go/bigfoot/record"
)

func TestRecordAllowed(t *testing.T) {
	s := &recordSettings{allow: []string{"loopback", "api.example.com", "10.1.0.0/16"}}
	for host, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "localhost": true, "db.localhost": true, "127.9.9.9": true,
		"api.example.com": true, "API.example.com.": true, "10.1.2.3": true,
		"10.2.0.1": false, "example.com": false, "evil.api.example.com": false, "": false,
	} {
		if got := s.allowed(host); got != want {
			t.Errorf("allowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestRecordingConnAnswersSSLRequestAndRecords(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	r := &recorder{}
	r.t.Conns = []record.Conn{{Address: "127.0.0.1:5432"}}
	c := &recordingConn{Conn: client, r: r}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	server.SetDeadline(time.Now().Add(5 * time.Second))

	if n, err := c.Write(pgPlainRequests[0]); n != 8 || err != nil {
		t.Fatalf("Write(SSLRequest) = %d, %v", n, err)
	}
	b := make([]byte, 16)
	if n, err := c.Read(b); n != 1 || err != nil || b[0] != 'N' {
		t.Fatalf("Read after SSLRequest = %q, %v; want N", b[:n], err)
	}
	go func() {
		buf := make([]byte, 5)
		io.ReadFull(server, buf)
		server.Write([]byte("pong"))
		server.Close()
	}()
	if _, err := c.Write([]byte("start")); err != nil {
		t.Fatal(err)
	}
	n, err := c.Read(b)
	if string(b[:n]) != "pong" || err != nil {
		t.Fatalf("Read = %q, %v", b[:n], err)
	}
	if _, err := c.Read(b); err != io.EOF {
		t.Fatalf("Read at the end = %v, want EOF", err)
	}
	c.Close()
	got := r.t.Conns[0]
	if !got.PlainForTLS || !got.Closed || len(got.Chunks) != 3 {
		t.Fatalf("recorded %+v", got)
	}
	if ch := got.Chunks[0]; !ch.Send || string(ch.Data) != "start" {
		t.Errorf("first chunk %+v, want the write of start (the SSLRequest is not recorded)", ch)
	}
	if ch := got.Chunks[1]; ch.Send || string(ch.Data) != "pong" || ch.Size != 16 {
		t.Errorf("second chunk %+v", ch)
	}
	if ch := got.Chunks[2]; ch.Err != "EOF" {
		t.Errorf("third chunk %+v, want EOF", ch)
	}
	if !(got.Chunks[0].Seq < got.Chunks[1].Seq && got.Chunks[1].Seq < got.Chunks[2].Seq && got.Chunks[2].Seq < got.ClosedSeq) {
		t.Errorf("sequence numbers out of order: %+v", got)
	}
}

func TestRecordRefusesAHostNotAllowed(t *testing.T) {
	old := recordMode
	recordMode = &recordSettings{dir: t.TempDir(), allow: []string{"loopback"}}
	defer func() { recordMode = old }()
	rep := &bftest.Reporter{}
	v := core.New(rep)
	_, err := recordDial(t.Context(), v, "tcp", "api.example.com:443")
	var g *core.GuardedCallError
	if !errors.As(err, &g) {
		t.Fatalf("recordDial = %v, want a *GuardedCallError", err)
	}
	for _, want := range []string{"bigfoot record lets calls through only to the hosts named by -allow, and api.example.com is not one of them",
		"go run github.com/bigfoot-go/bigfoot/cmd/bigfoot record -allow api.example.com ./..."} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	if !rep.Failed() {
		t.Error("the test was not failed")
	}
}

func TestRecordRefusesAProgramNotAllowed(t *testing.T) {
	old := recordMode
	recordMode = &recordSettings{dir: t.TempDir(), allow: []string{"loopback", "exec:git"}}
	defer func() { recordMode = old }()
	if !recordMode.allowedCommand(&Command{Path: "/usr/bin/git", Args: []string{"git", "status"}}) {
		t.Error("git is not allowed by exec:git")
	}
	rep := &bftest.Reporter{}
	v := core.New(rep)
	d, p, err := recordCommand(v, &Command{Path: "/usr/bin/curl", Args: []string{"curl", "https://example.com"}})
	var g *core.GuardedCallError
	if d != Answer || p != nil || !errors.As(err, &g) || !rep.Failed() {
		t.Fatalf("recordCommand = %v, %v, %v", d, p, err)
	}
	for _, want := range []string{"bigfoot record runs only the programs named by -allow exec:NAME, and curl is not one of them",
		"go run github.com/bigfoot-go/bigfoot/cmd/bigfoot record -allow loopback -allow exec:curl ./..."} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	rep2 := &bftest.Reporter{}
	_, _, err = recordLookup(t.Context(), core.New(rep2), &Lookup{Kind: LookupHost, Name: "api.example.com"})
	if !errors.As(err, &g) || !strings.Contains(err.Error(), "-allow api.example.com") || !rep2.Failed() {
		t.Errorf("recordLookup of a name not allowed = %v", err)
	}
}
