package guard

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/core"
)

// TestTransparentFollowsTag checks that plain go test builds the variant
// without the hooks, and bigfoot test (which sets the tag) the linked one.
func TestTransparentFollowsTag(t *testing.T) {
	if Transparent() != builtWithOverlayTag {
		t.Errorf("Transparent() = %v in a build with the bigfoot_overlay tag %v", Transparent(), builtWithOverlayTag)
	}
}

// The claimants of TestDialRouting, registered once (tests may run again
// with -count); they decide only dials whose context carries the marker.
type routingMarker struct{}

var routingHigh, routingLow = &net.TCPConn{}, &net.TCPConn{}

func init() {
	ClaimDial(DialClaim{Name: "test-high", Layer: LayerProtocol + 1, Claim: func(ctx context.Context, v *core.Verifier, network, address string) (Decision, net.Conn, error) {
		if ctx.Value(routingMarker{}) == nil || address != "high.invalid:1" {
			return Pass, nil, nil
		}
		return Answer, routingHigh, nil
	}})
	ClaimDial(DialClaim{Name: "test-low", Layer: LayerSocket - 1, Claim: func(ctx context.Context, v *core.Verifier, network, address string) (Decision, net.Conn, error) {
		if ctx.Value(routingMarker{}) == nil {
			return Pass, nil, nil
		}
		return Answer, routingLow, nil
	}})
}

// TestDialRouting drives Dial, the routing behind the dial hook, directly:
// with claimants of two layers, the higher answers what it claims and the
// lower the rest; a dial of a closed sandbox is refused naming its test; a
// dial of no sandbox meets the firewall. It runs without the overlay.
func TestDialRouting(t *testing.T) {
	resetFirewall(t)
	ctx := context.WithValue(context.Background(), routingMarker{}, true)

	ft := bftest.New(t)
	v := core.New(ft)
	v.Sandbox(func() {
		if d, c, _ := Dial(ctx, "tcp", "high.invalid:1"); d != Answer || c != routingHigh {
			t.Errorf("high layer's address: %v %v", d, c)
		}
		if d, c, _ := Dial(ctx, "tcp", "other.invalid:1"); d != Answer || c != routingLow {
			t.Errorf("other address: %v %v, want the low layer's answer", d, c)
		}
	})
	// After the sandbox: a call with its context is a post-sandbox call.
	d, _, err := Dial(core.WithSandbox(ctx, v), "tcp", "other.invalid:1")
	var post *core.PostSandboxInteractionError
	if d != Answer || !errors.As(err, &post) || post.Test != t.Name() {
		t.Errorf("post-sandbox dial: %v %v", d, err)
	}
	if !strings.Contains(ft.All(), "made after the sandbox of "+t.Name()+" closed") {
		t.Errorf("post-sandbox dial not reported to its test:\n%s", ft.All())
	}
	// No sandbox: the firewall. Loopback passes, the rest is refused.
	if d, _, _ := Dial(ctx, "tcp", "127.0.0.1:80"); d != Pass {
		t.Errorf("loopback outside sandboxes: %v, want Pass", d)
	}
	var guarded *core.GuardedCallError
	if d, _, err := Dial(ctx, "tcp", "10.9.8.7:80"); d != Answer || !errors.As(err, &guarded) {
		t.Errorf("outside address outside sandboxes: %v %v", d, err)
	}
}

// TestVariantsMatch keeps hook_plain.go and hook_overlay.go in step: the
// same declarations with the same docs, opposite build constraints, and
// the overlay variant linked to the setters the bigfoot command's patches
// declare.
func TestVariantsMatch(t *testing.T) {
	plain := readSource(t, "hook_plain.go")
	linked := readSource(t, "hook_overlay.go")
	if !bytes.HasPrefix(plain, []byte("//go:build !bigfoot_overlay\n")) {
		t.Error("hook_plain.go does not start with //go:build !bigfoot_overlay")
	}
	if !bytes.HasPrefix(linked, []byte("//go:build bigfoot_overlay\n")) {
		t.Error("hook_overlay.go does not start with //go:build bigfoot_overlay")
	}
	for _, link := range []string{"setDialHook net.bigfootSetDialHook", "setRoundTripHook net/http.bigfootSetRoundTripHook",
		"setCloseIdleHook net/http.bigfootSetCloseIdleHook"} {
		if !bytes.Contains(linked, []byte("\n//go:linkname "+link+"\n")) {
			t.Errorf("hook_overlay.go lacks //go:linkname %s", link)
		}
	}
	gotAPI := declarations(t, "hook_overlay.go", linked)
	wantAPI := declarations(t, "hook_plain.go", plain)
	if !slices.Equal(gotAPI, wantAPI) {
		t.Errorf("declarations of hook_overlay.go:\n%s\nof hook_plain.go:\n%s",
			strings.Join(gotAPI, "\n"), strings.Join(wantAPI, "\n"))
	}
}

func readSource(t *testing.T, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
		t.Errorf("%s is not gofmt-formatted (%v)", name, err)
	}
	return src
}

// declarations lists the package name and each top-level declaration of a
// file with its doc comment (go:linkname lines left out) and signature.
func declarations(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	api := []string{"package " + f.Name.Name}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			var sig bytes.Buffer
			if err := format.Node(&sig, fset, &ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type}); err != nil {
				t.Fatal(err)
			}
			api = append(api, d.Doc.Text()+sig.String())
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if vs, ok := s.(*ast.ValueSpec); ok {
					for _, n := range vs.Names {
						api = append(api, d.Tok.String()+" "+n.Name)
					}
				}
			}
		}
	}
	return api
}
